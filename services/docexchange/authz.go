package docexchange

import (
	"context"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// caller is who calls: an agency (through the gateway) or an overseer
// (platform admin or auditor on the admin listener), who may read traces
// and statistics of every agency but never sends or receives.
type caller struct {
	agency   string
	app      string
	overseer bool
}

// Who may call what, by RPC. agencyCalls act as the calling agency;
// readCalls also let an overseer read everything. Every RPC is in exactly
// one list (authz_test.go checks it against the service descriptor).
var (
	agencyCalls = []string{"SendDocument", "ListInbox", "AcknowledgeDocument", "SendStatus", "ListSent", "CreateWebhook", "ListWebhooks", "DeleteWebhook"}
	readCalls   = []string{"GetDocument", "GetTrace", "GetStatistics"}
	publicCalls = []string{"GetPublicStatistics"}
)

// asAgency authorises a call that acts as an agency: only an application
// calling through the gateway, whose agency the gateway asserted.
func asAgency(ctx context.Context, call string) (caller, error) {
	p, ok := authn.From(ctx)
	if !ok {
		return caller{}, errUnauthenticated
	}
	if p.Role != authn.RoleConsumer || p.Agency == "" {
		authn.Refused(ctx, authn.RefusedForbidden, "docexchange "+call)
		return caller{}, errNotAgency
	}
	return caller{agency: p.Agency, app: p.Subject}, nil
}

// asReader authorises a read: an agency (its own documents) or an
// overseer (all).
func asReader(ctx context.Context, call string) (caller, error) {
	p, ok := authn.From(ctx)
	if !ok {
		return caller{}, errUnauthenticated
	}
	switch p.Role {
	case authn.RolePlatformAdmin, authn.RoleAuditor:
		return caller{overseer: true}, nil
	case authn.RoleConsumer:
		if p.Agency != "" {
			return caller{agency: p.Agency, app: p.Subject}, nil
		}
	}
	authn.Refused(ctx, authn.RefusedForbidden, "docexchange "+call)
	return caller{}, errForbidden
}
