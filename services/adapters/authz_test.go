package adapters

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lgsp-vn/lgsp/internal/authzlist"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// TestPermissionMatrix: every RPC is in exactly one list of authz.go and
// behaves as its list says for anonymous callers, applications of an
// agency, applications without one, auditors and admins.
func TestPermissionMatrix(t *testing.T) {
	sd := pb.File_lgsp_adapters_v1_adapters_proto.Services().ByName("NationalDataService")
	authzlist.EveryCallOnce(t, sd, map[string][]string{"lookup": lookupCalls, "audit": auditCalls, "status": statusCalls})
	methods := sd.Methods()

	e := newEnv(t, sqltest.Open(t, "sqlite"))
	call := func(ctx context.Context, m protoreflect.MethodDescriptor) error {
		fn := reflect.ValueOf(e.api).MethodByName(string(m.Name()))
		req := reflect.New(reflect.TypeOf(fn.Interface()).In(1).Elem()).Interface()
		out := fn.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(req)})
		err, _ := out[1].Interface().(error)
		return err
	}
	denied := func(err error) bool {
		c := errCode(err)
		return c == "forbidden" || c == "agency_application_required" || c == "unauthenticated"
	}
	noAgency := as("") // an application the gateway asserted no agency for
	for i := range methods.Len() {
		m := methods.Get(i)
		name := string(m.Name())
		anon, ag, none, aud, adm := call(context.Background(), m), call(dept(), m), call(noAgency, m), call(auditor(), m), call(admin(), m)
		if errCode(anon) != "unauthenticated" {
			t.Errorf("%s: anonymous %v", name, anon)
		}
		switch {
		case slices.Contains(lookupCalls, name):
			if denied(ag) || !denied(none) || !denied(aud) || denied(adm) {
				t.Errorf("%s (lookup): agency %v, no agency %v, auditor %v, admin %v", name, ag, none, aud, adm)
			}
		case slices.Contains(auditCalls, name), slices.Contains(statusCalls, name):
			if !denied(ag) || !denied(none) || denied(aud) || denied(adm) {
				t.Errorf("%s (audit): agency %v, no agency %v, auditor %v, admin %v", name, ag, none, aud, adm)
			}
		}
	}
}
