package onestop

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lgsp-vn/lgsp/internal/authzlist"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
)

// TestPermissionMatrix: every RPC is in exactly one list of authz.go and
// behaves as its list says for anonymous callers, agencies, auditors and
// admins.
func TestPermissionMatrix(t *testing.T) {
	sd := pb.File_lgsp_onestop_v1_onestop_proto.Services().ByName("OneStopService")
	authzlist.EveryCallOnce(t, sd, map[string][]string{"agency": agencyCalls, "read": readCalls, "overseer": overseerCalls, "admin": adminCalls, "public": publicCalls})
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
	for i := range methods.Len() {
		m := methods.Get(i)
		name := string(m.Name())
		anon, ag, aud, adm := call(context.Background(), m), call(as(commune1), m), call(auditor(), m), call(admin(), m)
		switch {
		case slices.Contains(publicCalls, name):
			if denied(anon) {
				t.Errorf("%s (public): anonymous %v", name, anon)
			}
		case slices.Contains(agencyCalls, name):
			if errCode(anon) != "unauthenticated" || denied(ag) || !denied(aud) {
				t.Errorf("%s (agency): anonymous %v, agency %v, auditor %v", name, anon, ag, aud)
			}
			if name != "CreateDossier" && !denied(adm) {
				t.Errorf("%s (agency): admin %v", name, adm)
			}
		case slices.Contains(readCalls, name):
			if errCode(anon) != "unauthenticated" || denied(ag) || denied(aud) || denied(adm) {
				t.Errorf("%s (read): anonymous %v, agency %v, auditor %v, admin %v", name, anon, ag, aud, adm)
			}
		case slices.Contains(overseerCalls, name):
			if errCode(anon) != "unauthenticated" || !denied(ag) || denied(aud) || denied(adm) {
				t.Errorf("%s (overseer): anonymous %v, agency %v, auditor %v, admin %v", name, anon, ag, aud, adm)
			}
		case slices.Contains(adminCalls, name):
			if errCode(anon) != "unauthenticated" || !denied(ag) || !denied(aud) || denied(adm) {
				t.Errorf("%s (admin): anonymous %v, agency %v, auditor %v, admin %v", name, anon, ag, aud, adm)
			}
		}
	}
}
