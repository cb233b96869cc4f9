package metering

import (
	"context"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// scope is what a caller may read: everything, or the rows of one agency
// (as consumer or as API owner).
type scope struct {
	all    bool
	agency string
}

// reportScope authorises a report call. Agency users get their agency
// forced into every query; the request's own filter cannot widen it.
// Every other role is refused: services (quotaScope aside) and
// applications whose identity the gateway asserted (authn.RoleConsumer),
// which reach the admin listener through a PLATFORM upstream.
func reportScope(ctx context.Context) (scope, error) {
	p, ok := authn.From(ctx)
	if !ok {
		return scope{}, errUnauthenticated
	}
	switch p.Role {
	case authn.RolePlatformAdmin, authn.RoleAuditor:
		return scope{all: true}, nil
	case authn.RoleAgencyPublisher, authn.RoleAgencyDeveloper:
		if p.Agency == "" {
			authn.Refused(ctx, authn.RefusedForbidden, "metering report")
			return scope{}, errForbidden
		}
		return scope{agency: p.Agency}, nil
	}
	authn.Refused(ctx, authn.RefusedForbidden, "metering report")
	return scope{}, errForbidden
}

// quotaScope authorises GetQuotaState: services (the gateway) too.
func quotaScope(ctx context.Context) (scope, error) {
	p, ok := authn.From(ctx)
	if !ok {
		return scope{}, errUnauthenticated
	}
	if p.Role == authn.RoleService {
		return scope{all: true}, nil
	}
	return reportScope(ctx)
}
