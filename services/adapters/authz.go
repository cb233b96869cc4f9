package adapters

import (
	"context"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// caller is who asks: an agency's application through the gateway, or a
// platform admin.
type caller struct {
	app    string
	agency string
	admin  bool
}

// Who may call what, by RPC. Every RPC is in exactly one list
// (authz_test.go checks it against the service descriptor).
//   - lookupCalls read national data: an agency's application (through the
//     gateway, which checked its subscription to the database's API) or a
//     platform admin;
//   - auditCalls read the access log: auditors and platform admins;
//   - statusCalls: auditors and platform admins.
var (
	lookupCalls = []string{
		"GetEnterprise", "SearchEnterprises", "ListEnterpriseChanges", "GetCitizen",
		"GetBirthRecord", "GetMarriageRecord", "GetDeathRecord", "GetCivilRegistrationStatus",
		"SubmitJudicialRequest", "GetJudicialRequest", "GetInsuranceHistory", "ListCatalogs", "GetCatalog",
	}
	auditCalls  = []string{"GetAccessReport", "VerifyAccessLog"}
	statusCalls = []string{"GetStatus"}
)

// asCaller authorises a lookup.
func asCaller(ctx context.Context, call string) (caller, error) {
	p, ok := authn.From(ctx)
	if !ok {
		return caller{}, errUnauthenticated
	}
	switch {
	case p.Role == authn.RoleConsumer && p.Agency != "":
		return caller{app: p.Subject, agency: p.Agency}, nil
	case p.Role == authn.RolePlatformAdmin:
		return caller{app: p.Subject, admin: true}, nil
	}
	authn.Refused(ctx, authn.RefusedForbidden, "adapters "+call)
	return caller{}, errNotCaller
}

// asAuditor authorises a read of the access log or the status.
func asAuditor(ctx context.Context, call string) error {
	p, ok := authn.From(ctx)
	if !ok {
		return errUnauthenticated
	}
	if p.Role == authn.RoleAuditor || p.Role == authn.RolePlatformAdmin {
		return nil
	}
	authn.Refused(ctx, authn.RefusedForbidden, "adapters "+call)
	return errForbidden
}
