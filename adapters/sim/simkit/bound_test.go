package simkit

import (
	"context"
	"net"
	"strings"
	"testing"
)

// TestBind: the instance face of a bound simulator, and an address in use
// named with its setting.
func TestBind(t *testing.T) {
	served := make(chan net.Listener, 1)
	b, err := Bind("127.0.0.1:0", "test simulator", "LGSP_TEST_ADDR", "test simulator", func(_ context.Context, ln net.Listener) error {
		served <- ln
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.CloseListener()
	if !strings.HasPrefix(b.URL(), "http://127.0.0.1:") || b.Ready(context.Background()) != nil {
		t.Fatalf("URL %s", b.URL())
	}
	if ep := b.Endpoints(); len(ep) != 1 || ep[0].Name != "test simulator" || ep[0].URL != b.URL() {
		t.Fatalf("endpoints %+v", ep)
	}
	if err := b.Run(context.Background()); err != nil || (<-served).Addr().String() != strings.TrimPrefix(b.URL(), "http://") {
		t.Fatalf("Run served another listener (%v)", err)
	}
	_, err = Bind(strings.TrimPrefix(b.URL(), "http://"), "test simulator", "LGSP_TEST_ADDR", "x", nil)
	if err == nil || !strings.Contains(err.Error(), "test simulator on 127.0.0.1:") || !strings.Contains(err.Error(), "(LGSP_TEST_ADDR)") {
		t.Fatalf("address in use: %v", err)
	}
}
