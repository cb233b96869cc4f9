// Package authzlist checks a service's permission matrix against its gRPC
// descriptor: each service's authz.go sorts every RPC into lists (agency
// calls, reads, admin calls …), and a new RPC that no list names would
// otherwise be refused, or worse, allowed by a default nobody chose.
package authzlist

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// EveryCallOnce fails t unless every method of sd is in exactly one of
// lists and the lists name no other method.
func EveryCallOnce(t testing.TB, sd protoreflect.ServiceDescriptor, lists map[string][]string) {
	t.Helper()
	methods := sd.Methods()
	total := 0
	for _, l := range lists {
		total += len(l)
	}
	if total != methods.Len() {
		t.Errorf("authz.go lists %d calls, %s has %d", total, sd.Name(), methods.Len())
	}
	for i := range methods.Len() {
		name := string(methods.Get(i).Name())
		n := 0
		for _, l := range lists {
			if slices.Contains(l, name) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s is in %d lists of authz.go, want exactly 1", name, n)
		}
	}
}
