package registry

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/services/registry/openapi"
)

// catalogue is every entry of errors.go, built with sample details, keyed by
// its name (and "/sample" when one constructor is listed more than once).
// TestCatalogueCoversErrorsGo fails when errors.go and this table disagree.
var catalogue = map[string]*apierr.Error{
	"errUnauthenticated":     errUnauthenticated,
	"errForbidden":           errForbidden,
	"errInternal":            errInternal(os.ErrClosed),
	"errCanceled":            errCanceled(os.ErrClosed),
	"errRegistryUnavailable": errRegistryUnavailable(os.ErrClosed),
	"errPageToken":           errPageToken,
	"errMissingID":           errMissingID("id"),
	"errInvalidTime":         errInvalidTime("start_time"),
	"errUpdateMask":          errUpdateMask("owner", []string{"name"}),

	"errAgencyNotFound":          errAgencyNotFound(agencyA),
	"errAPINotFound":             errAPINotFound("api_x"),
	"errOpenAPIDocumentNotFound": errOpenAPIDocumentNotFound("api_x"),
	"errTierNotFound":            errTierNotFound("Gold"),
	"errAppNotFound":             errAppNotFound("app_x"),
	"errCredentialNotFound":      errCredentialNotFound("cred_x"),
	"errSubscriptionNotFound":    errSubscriptionNotFound("sub_x"),
	"errUserNotFound":            errUserNotFound("nobody"),

	"errAgencyRequired":     errAgencyRequired,
	"errAgencyName":         errAgencyName,
	"errAgencyExists":       errAgencyExists,
	"errAgencyStatus":       errAgencyStatus,
	"errParentCycle":        errParentCycle,
	"errUnknownParent":      errUnknownParent,
	"errSuccessorOnCreate":  errSuccessorOnCreate,
	"errSucceedsItself":     errSucceedsItself,
	"errUnknownSuccessor":   errUnknownSuccessor,
	"errInactiveSuccessor":  errInactiveSuccessor,
	"errSuccessionConflict": errSuccessionConflict,
	"errAgencyCode":         errAgencyCode("agency.code"),
	"errSuperseded":         errSuperseded(agencyA),
	"errUnknownAgency":      errUnknownAgency("api.owner_agency", agencyA),
	"errAgencyNotActive":    errAgencyNotActive("api.owner_agency", agencyA),

	"errAPIRequired":            errAPIRequired,
	"errAPIName":                errAPIName,
	"errAPIContext":             errAPIContext,
	"errReservedCtx":            errReservedCtx,
	"errAPIVersion":             errAPIVersion,
	"errAPIDescription":         errAPIDescription,
	"errVisibility":             errVisibility,
	"errApprovalMode":           errApprovalMode,
	"errAuthMethod":             errAuthMethod,
	"errMaxBodyBytes":           errMaxBodyBytes,
	"errTimeout":                errTimeout,
	"errRetries":                errRetries,
	"errNoUpstream":             errNoUpstream,
	"errTooManyUps":             errTooManyUps,
	"errUpstreamAuthTy":         errUpstreamAuthTy,
	"errTooManyRes":             errTooManyRes,
	"errDuplicateAPI":           errDuplicateAPI,
	"errLifecycle":              errLifecycle,
	"errAPIRetired":             errAPIRetired,
	"errEndpointWeight":         errEndpointWeight("api.endpoints[0].weight"),
	"errUpstreamScheme":         errUpstreamScheme("api.endpoints[0].url"),
	"errUpstreamForbidden":      errUpstreamForbidden("api.endpoints[0].url", "169.254.0.0/16"),
	"errUpstreamUnresolvable":   errUpstreamUnresolvable("api.endpoints[0].url"),
	"errUpstreamUserinfo":       errUpstreamUserinfo("api.endpoints[0].url"),
	"errUpstreamURL":            errUpstreamURL("api.endpoints[0].url"),
	"errUpstreamAuth":           errUpstreamAuth("UPSTREAM_AUTH_TYPE_BASIC", "username and password"),
	"errResource":               errResource("api.resources[0]"),
	"errIllegalTransition":      errIllegalTransition(lcDraft, lcRetired),
	"errUpstreamSecretRequired": errUpstreamSecretRequired,
	"errUpstreamManaged":        errUpstreamManaged,
	"errErrorStyle":             errErrorStyle,

	"errPlatformUpstreamAdminOnly":  errPlatformUpstreamAdminOnly,
	"errPlatformUpstreamCredential": errPlatformUpstreamCredential,

	"errOpenAPI/invalid":     errOpenAPI("openapi_document", &openapi.Error{Code: openapi.CodeInvalid, Detail: "document is empty"}),
	"errOpenAPI/too_large":   errOpenAPI("openapi_document", &openapi.Error{Code: openapi.CodeTooLarge, Detail: "more than 500 operations"}),
	"errOpenAPI/unsupported": errOpenAPI("openapi_document", &openapi.Error{Code: openapi.CodeUnsupported, Detail: "not OpenAPI"}),
	"errOpenAPI/no_paths":    errOpenAPI("openapi_document", &openapi.Error{Code: openapi.CodeNoPaths, Detail: "no paths"}),

	"errTierName":        errTierName,
	"errTierDescription": errTierDescription,
	"errTierRate":        errTierRate,
	"errTierBurst":       errTierBurst,
	"errTierQuota":       errTierQuota,
	"errTierExists":      errTierExists,

	"errAppName":              errAppName,
	"errAppDescription":       errAppDescription,
	"errFingerprint":          errFingerprint,
	"errDuplicateApp":         errDuplicateApp,
	"errAppSuspended":         errAppSuspended,
	"errCredentialType":       errCredentialType,
	"errSystemID":             errSystemID,
	"errCredDescription":      errCredDescription,
	"errExpireTime":           errExpireTime,
	"errDuplicateKeyID":       errDuplicateKeyID,
	"errCredentialRevoked":    errCredentialRevoked,
	"errAppTransition":        errAppTransition(appActive, appSuspended),
	"errDuplicateFingerprint": errDuplicateFingerprint,
	"errSystemIDNotOwned":     errSystemIDNotOwned(agencyB),

	"errUnsafeText": errUnsafeText("api.name"),

	"errTierRequired":    errTierRequired,
	"errUnknownTier":     errUnknownTier,
	"errAPINotVisible":   errAPINotVisible,
	"errReason":          errReason,
	"errDuplicateSub":    errDuplicateSub,
	"errAPINotPublished": errAPINotPublished(lcDraft),
	"errSubTransition":   errSubTransition("approve", subApproved),

	"errBadLogin":        errBadLogin,
	"errLoginThrottled":  errLoginThrottled,
	"errLoginBackoff":    errLoginBackoff(90 * time.Second),
	"errBadSession":      errBadSession,
	"errWrongPassword":   errWrongPassword,
	"errUsername":        errUsername,
	"errDisplayName":     errDisplayName,
	"errRole":            errRole,
	"errUserAgency":      errUserAgency,
	"errAgencyForbidden": errAgencyForbidden,
	"errUserExists":      errUserExists,
	"errLastAdmin":       errLastAdmin,
	"errWeakPassword":    errWeakPassword("password"),

	"errTrustedIssuerNotFound": errTrustedIssuerNotFound("tis_x"),
	"errTrustedIssuerRequired": errTrustedIssuerRequired,
	"errTrustedIssuerName":     errTrustedIssuerName,
	"errIssuerValue":           errIssuerValue,
	"errIssuerIsPlatform":      errIssuerIsPlatform,
	"errDuplicateIssuer":       errDuplicateIssuer,
	"errJWKSURL":               errJWKSURL,
	"errJWKSNotHTTPS":          errJWKSNotHTTPS,
	"errJWKSUnresolvable":      errJWKSUnresolvable,
	"errJWKSForbidden":         errJWKSForbidden("169.254.0.0/16"),
	"errAudiences":             errAudiences,
	"errRequiredClaims":        errRequiredClaims,
	"errLeeway":                errLeeway,
	"errUnknownApplication":    errUnknownApplication("app_x"),

	"ErrInvalidClient":    ErrInvalidClient,
	"ErrClientNotAllowed": ErrClientNotAllowed,
}

// TestCatalogueCoversErrorsGo checks that the table above lists every
// error errors.go declares (variables and functions named err… or Err…),
// and nothing else.
func TestCatalogueCoversErrorsGo(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	isEntry := func(name string) bool { return strings.HasPrefix(name, "err") || strings.HasPrefix(name, "Err") }
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && isEntry(d.Name.Name) {
				declared[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				if vs, ok := spec.(*ast.ValueSpec); ok {
					for _, n := range vs.Names {
						if isEntry(n.Name) {
							declared[n.Name] = true
						}
					}
				}
			}
		}
	}
	listed := map[string]bool{}
	for k := range catalogue {
		name, _, _ := strings.Cut(k, "/")
		listed[name] = true
		if !declared[name] {
			t.Errorf("the test catalogue lists %s, which errors.go does not declare", name)
		}
	}
	for name := range declared {
		if !listed[name] {
			t.Errorf("errors.go declares %s; add it to the test catalogue", name)
		}
	}
}

var reCode = regexp.MustCompile(`^[a-z][a-z0-9_]*[a-z0-9]$`)

// TestCatalogueEntries checks every entry: a stable code, English and
// Vietnamese messages, and one meaning per code (the same gRPC status
// wherever the code is used, and no entry declared twice).
func TestCatalogueEntries(t *testing.T) {
	grpcOf := map[string]codes.Code{}
	seen := map[[3]string]string{}
	names := make([]string, 0, len(catalogue))
	for k := range catalogue {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		e := catalogue[name]
		switch {
		case e == nil:
			t.Errorf("%s is nil", name)
			continue
		case !reCode.MatchString(e.Code):
			t.Errorf("%s: code %q is not a stable snake_case code", name, e.Code)
		case e.Message == "" || e.MessageVI == "":
			t.Errorf("%s (%s): English or Vietnamese message missing", name, e.Code)
		case e.Message == e.MessageVI:
			t.Errorf("%s (%s): the Vietnamese message is the English one", name, e.Code)
		case e.GRPC == codes.OK:
			t.Errorf("%s (%s): no gRPC code", name, e.Code)
		}
		if c, ok := grpcOf[e.Code]; ok && c != e.GRPC {
			t.Errorf("%s: code %q means %s here and %s elsewhere", name, e.Code, e.GRPC, c)
		}
		grpcOf[e.Code] = e.GRPC
		key := [3]string{e.Code, e.Field, e.Message}
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s are the same error (%s); declare it once", name, other, e.Code)
		}
		seen[key] = name
	}
}

// reInlineError matches building an error anywhere but in errors.go.
var reInlineError = regexp.MustCompile(`apierr\.(New|Invalid|NotFound|Wrap|Err[A-Z][A-Za-z]*)\b|status\.Errorf?\(|\b(conflict|precondition|notFound|invalidName|tooLong)\(`)

// TestNoErrorsOutsideCatalogue fails when a file of the package other than
// errors.go builds an API error inline.
func TestNoErrorsOutsideCatalogue(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f == "errors.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if m := reInlineError.FindString(line); m != "" && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d builds an error inline (%s); declare it in errors.go", f, i+1, m)
			}
		}
	}
}

// catalogueCodes lists the distinct codes of the catalogue.
func catalogueCodes() []string {
	set := map[string]bool{}
	for _, e := range catalogue {
		set[e.Code] = true
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
