package registry

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// TestGetApiDocument: the stored OpenAPI document comes back as it was
// given, to the roles that may read the API; an import replaces it; an API
// without one answers openapi_document_not_found; another agency's
// developer reads it once the API is public and published.
func TestGetApiDocument(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		pub := as(authn.RoleAgencyPublisher, agencyA)
		devB := as(authn.RoleAgencyDeveloper, agencyB)
		doc := "openapi: 3.0.3\ninfo:\n  title: Tra cứu\n  version: '1.0'\npaths:\n  /a:\n    get: {}\n"
		a := must(e.s.CreateApi(pub, &registryv1.CreateApiRequest{OpenapiDocument: doc, Api: &registryv1.Api{Context: "tracuu", Version: "1.0",
			Visibility: registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}}}}))(t).GetApi()

		for _, ctx := range []struct {
			name string
			c    context.Context
		}{{"admin", adminCtx()}, {"publisher", pub}, {"auditor", as(authn.RoleAuditor, "")}, {"developer A", as(authn.RoleAgencyDeveloper, agencyA)}} {
			got, err := e.s.GetApiDocument(ctx.c, &registryv1.GetApiDocumentRequest{Id: a.GetId()})
			if err != nil || got.GetOpenapiDocument() != doc {
				t.Fatalf("%s: %q %v", ctx.name, got.GetOpenapiDocument(), err)
			}
		}

		// A draft of agency A is not agency B's to read.
		_, err := e.s.GetApiDocument(devB, &registryv1.GetApiDocumentRequest{Id: a.GetId()})
		wantErr(t, err, codes.PermissionDenied, "forbidden")
		must(e.s.TransitionApi(pub, &registryv1.TransitionApiRequest{Id: a.GetId(), Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED}))(t)
		if got := must(e.s.GetApiDocument(devB, &registryv1.GetApiDocumentRequest{Id: a.GetId()}))(t); got.GetOpenapiDocument() != doc {
			t.Fatalf("developer B after publishing: %q", got.GetOpenapiDocument())
		}

		next := `{"swagger":"2.0","paths":{"/b":{"post":{}}}}`
		must(e.s.ImportOpenApi(pub, &registryv1.ImportOpenApiRequest{Id: a.GetId(), OpenapiDocument: next}))(t)
		if got := must(e.s.GetApiDocument(pub, &registryv1.GetApiDocumentRequest{Id: a.GetId()}))(t); got.GetOpenapiDocument() != next {
			t.Fatalf("after import: %q", got.GetOpenapiDocument())
		}

		_, err = e.s.GetApiDocument(adminCtx(), &registryv1.GetApiDocumentRequest{Id: f.privateAPI.GetId()})
		wantErr(t, err, codes.NotFound, "openapi_document_not_found")
		_, err = e.s.GetApiDocument(adminCtx(), &registryv1.GetApiDocumentRequest{Id: "api_missing"})
		wantErr(t, err, codes.NotFound, "api_not_found")
		_, err = e.s.GetApiDocument(adminCtx(), &registryv1.GetApiDocumentRequest{})
		wantErr(t, err, codes.InvalidArgument, "missing_id")
	})
}
