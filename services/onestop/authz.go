package onestop

import (
	"context"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// caller is who calls: an agency's application (through the gateway), or
// an overseer (platform admin or auditor) who reads everything; admin
// marks a platform admin, who also keeps the catalogues.
type caller struct {
	who
	overseer bool
	admin    bool
}

// Who may call what, by RPC. Every RPC is in exactly one list
// (authz_test.go checks it against the service descriptor).
//   - agencyCalls act as the calling agency (a platform admin may create a
//     dossier naming its receiving agency, to import records);
//   - readCalls: an agency reads what it received or handles, overseers
//     read everything;
//   - overseerCalls: platform admins and auditors;
//   - adminCalls: platform admins;
//   - publicCalls need no credential.
var (
	agencyCalls   = []string{"CreateDossier", "ChangeStatus", "AddStep", "TransferDossier"}
	readCalls     = []string{"GetDossier", "ListDossiers", "GetStatistics", "GetSyncState", "ListProcedures", "ListUnits", "GetCalendar"}
	overseerCalls = []string{"ListDeadLetters"}
	adminCalls    = []string{"ReplayDeadLetter", "PutProcedure", "PutUnit", "PutCalendar"}
	publicCalls   = []string{"GetPublicDossier"}
)

func principal(ctx context.Context) (authn.Principal, error) {
	p, ok := authn.From(ctx)
	if !ok {
		return p, errUnauthenticated
	}
	return p, nil
}

// asAgency authorises a call that acts as an agency: an application
// calling through the gateway, whose agency the gateway asserted. With
// adminToo, a platform admin passes as well (without an agency).
func asAgency(ctx context.Context, call string, adminToo bool) (caller, error) {
	p, err := principal(ctx)
	if err != nil {
		return caller{}, err
	}
	if p.Role == authn.RoleConsumer && p.Agency != "" {
		return caller{who: who{agency: p.Agency, app: p.Subject}}, nil
	}
	if adminToo && p.Role == authn.RolePlatformAdmin {
		return caller{who: who{app: p.Subject}, admin: true}, nil
	}
	authn.Refused(ctx, authn.RefusedForbidden, "onestop "+call)
	return caller{}, errNotAgency
}

// asReader authorises a read: an agency (its own dossiers) or an overseer.
func asReader(ctx context.Context, call string) (caller, error) {
	p, err := principal(ctx)
	if err != nil {
		return caller{}, err
	}
	switch p.Role {
	case authn.RolePlatformAdmin:
		return caller{overseer: true, admin: true, who: who{app: p.Subject}}, nil
	case authn.RoleAuditor:
		return caller{overseer: true, who: who{app: p.Subject}}, nil
	case authn.RoleConsumer:
		if p.Agency != "" {
			return caller{who: who{agency: p.Agency, app: p.Subject}}, nil
		}
	}
	authn.Refused(ctx, authn.RefusedForbidden, "onestop "+call)
	return caller{}, errForbidden
}

// asOverseer authorises platform admins and auditors.
func asOverseer(ctx context.Context, call string) (caller, error) {
	c, err := asReader(ctx, call)
	if err != nil {
		return c, err
	}
	if !c.overseer {
		authn.Refused(ctx, authn.RefusedForbidden, "onestop "+call)
		return caller{}, errForbidden
	}
	return c, nil
}

// asAdmin authorises platform admins.
func asAdmin(ctx context.Context, call string) (caller, error) {
	p, err := principal(ctx)
	if err != nil {
		return caller{}, err
	}
	if p.Role != authn.RolePlatformAdmin {
		authn.Refused(ctx, authn.RefusedForbidden, "onestop "+call)
		return caller{}, errForbidden
	}
	return caller{overseer: true, admin: true, who: who{app: p.Subject}}, nil
}
