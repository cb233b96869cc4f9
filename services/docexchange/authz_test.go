package docexchange

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lgsp-vn/lgsp/internal/authzlist"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
)

// TestPermissionMatrix: every RPC of the service is in exactly one list of
// authz.go, and behaves as its list says: agency calls refuse overseers
// and anonymous callers, reads let overseers in, public calls need no
// credential.
func TestPermissionMatrix(t *testing.T) {
	sd := pb.File_lgsp_docexchange_v1_docexchange_proto.Services().ByName("DocExchangeService")
	authzlist.EveryCallOnce(t, sd, map[string][]string{"agency": agencyCalls, "read": readCalls, "public": publicCalls})
	methods := sd.Methods()

	e := newEnv(t, sqltest.Open(t, "sqlite"))
	call := func(ctx context.Context, m protoreflect.MethodDescriptor) error {
		fn := reflect.ValueOf(e.api).MethodByName(string(m.Name()))
		req := reflect.New(reflect.TypeOf(fn.Interface()).In(1).Elem()).Interface()
		out := fn.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(req)})
		err, _ := out[1].Interface().(error)
		return err
	}
	for i := range methods.Len() {
		m := methods.Get(i)
		name := string(m.Name())
		anon := call(context.Background(), m)
		adm := call(admin(), m)
		switch {
		case slices.Contains(agencyCalls, name):
			if code(anon) != "unauthenticated" || code(adm) != "agency_application_required" {
				t.Errorf("%s: anonymous %v, admin %v", name, anon, adm)
			}
		case slices.Contains(readCalls, name):
			if code(anon) != "unauthenticated" || code(adm) == "forbidden" || code(adm) == "agency_application_required" {
				t.Errorf("%s: anonymous %v, admin %v", name, anon, adm)
			}
		case slices.Contains(publicCalls, name):
			if code(anon) == "unauthenticated" {
				t.Errorf("%s refuses anonymous callers: %v", name, anon)
			}
		}
	}
}
