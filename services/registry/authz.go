package registry

import (
	"context"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// access is what a role may do with one RPC.
type access int

const (
	deny access = iota
	// any resource.
	all
	// only resources of the caller's own agency: for publishers the APIs
	// their agency owns (and subscriptions to them), for developers the
	// applications their agency owns (and their credentials and
	// subscriptions). Reads of APIs also see other agencies' public
	// published APIs (the catalog).
	own
)

const (
	admin     = authn.RolePlatformAdmin
	publisher = authn.RoleAgencyPublisher
	developer = authn.RoleAgencyDeveloper
	auditor   = authn.RoleAuditor
	service   = authn.RoleService
)

type grants map[authn.Role]access

var (
	adminOnly   = grants{admin: all}
	readers     = grants{admin: all, publisher: all, developer: all, auditor: all}
	oversight   = grants{admin: all, auditor: all}
	anyUser     = grants{admin: all, publisher: all, developer: all, auditor: all}
	internal    = grants{service: all}
	apiWriters  = grants{admin: all, publisher: own}
	apiReaders  = grants{admin: all, auditor: all, publisher: own, developer: own}
	appWriters  = grants{admin: all, developer: own}
	appReaders  = grants{admin: all, auditor: all, developer: own, publisher: own}
	credReaders = grants{admin: all, auditor: all, developer: own}
	subReaders  = grants{admin: all, auditor: all, developer: own, publisher: own}
	subDeciders = grants{admin: all, publisher: own}
)

// quotaReaders is metering, which counts quotas per subscription. It has
// its own entry so that it never needs the gateway's snapshot, whose
// decrypted upstream and signed-header secrets only gateways use.
var quotaReaders = grants{service: all}

// permissions is the authorisation matrix: RPC method name → role → access.
// Every RPC of RegistryService and GatewayService must appear here; a
// missing entry denies everything (and the tests fail). Login is public and
// needs no principal. authn.RoleConsumer (an application whose identity the
// gateway asserted, which reaches the admin listener through a PLATFORM
// upstream) is granted nothing.
var permissions = map[string]grants{
	"Login":               nil,
	"Logout":              anyUser,
	"WhoAmI":              {admin: all, publisher: all, developer: all, auditor: all, service: all},
	"ChangePassword":      anyUser,
	"AuthenticateSession": internal,

	"CreateAgency":      adminOnly,
	"GetAgency":         readers,
	"ListAgencies":      readers,
	"UpdateAgency":      adminOnly,
	"SucceedAgency":     adminOnly,
	"ListAgencyHistory": readers,

	"CreateApi":     apiWriters,
	"GetApi":        apiReaders,
	"ListApis":      apiReaders,
	"UpdateApi":     apiWriters,
	"TransitionApi": apiWriters,
	"ImportOpenApi": apiWriters,
	// The document is part of the API's contract: whoever reads the API
	// reads it.
	"GetApiDocument": apiReaders,

	"CreateTier": adminOnly,
	"GetTier":    readers,
	"ListTiers":  readers,
	"UpdateTier": adminOnly,

	"CreateApplication":  appWriters,
	"GetApplication":     appReaders,
	"ListApplications":   appReaders,
	"UpdateApplication":  appWriters,
	"SuspendApplication": appWriters,
	// A suspension may be a sanction, so only platform admins lift it.
	"ResumeApplication": adminOnly,

	"CreateCredential": appWriters,
	"ListCredentials":  credReaders,
	"RevokeCredential": appWriters,

	"CreateSubscription":  appWriters,
	"GetSubscription":     subReaders,
	"ListSubscriptions":   subReaders,
	"ApproveSubscription": subDeciders,
	"RejectSubscription":  subDeciders,
	"SuspendSubscription": subDeciders,
	"ResumeSubscription":  subDeciders,

	"CreateUser": adminOnly,
	"GetUser":    oversight,
	"ListUsers":  oversight,
	"UpdateUser": adminOnly,

	"ListSigningKeys":  oversight,
	"RotateSigningKey": adminOnly,

	"ListAuditEntries": oversight,
	"VerifyAuditChain": oversight,

	// Trusted issuers decide who may act as an application without any
	// credential the registry issued, so only platform admins change them.
	"CreateTrustedIssuer": adminOnly,
	"GetTrustedIssuer":    oversight,
	"ListTrustedIssuers":  oversight,
	"UpdateTrustedIssuer": adminOnly,
	"DeleteTrustedIssuer": adminOnly,

	// GatewayService.
	"GetSnapshot":    internal,
	"IssueToken":     internal,
	"GetQuotaLimits": quotaReaders,
}

// caller is an authorised principal with its access to the current RPC.
type caller struct {
	authn.Principal
	access access
}

// authorize checks the principal in ctx against permissions[method].
func authorize(ctx context.Context, method string) (caller, error) {
	p, ok := authn.From(ctx)
	if !ok {
		authn.Refused(ctx, authn.RefusedUnauthenticated, method)
		return caller{}, errUnauthenticated
	}
	a := permissions[method][p.Role]
	if a == deny || (a == own && p.Agency == "") {
		// An agency role without an agency can own nothing.
		authn.Refused(ctx, authn.RefusedForbidden, method)
		return caller{}, errForbidden
	}
	return caller{Principal: p, access: a}, nil
}

// owns reports whether c may act on a resource belonging to agency.
func (c caller) owns(agency string) bool {
	return c.access == all || (c.access == own && agency != "" && agency == c.Agency)
}

// requireOwn is owns as an error.
func (c caller) requireOwn(agency string) error {
	if !c.owns(agency) {
		return c.refuse("a resource of another agency")
	}
	return nil
}

// refuse records a refusal that the permission matrix could not see (what
// the caller asked for belongs to another agency) and returns errForbidden.
func (c caller) refuse(what string) error {
	authn.Refused(authn.WithPrincipal(context.Background(), c.Principal), authn.RefusedForbidden, what)
	return errForbidden
}
