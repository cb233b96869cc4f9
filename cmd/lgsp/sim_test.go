package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/internal/logbuf"
)

// `lgsp sim vdxp` runs the national document axis simulator alone, with
// its own settings, and stops on cancel.
func TestSimCommandRunsOneSimulator(t *testing.T) {
	t.Setenv("LGSP_SIM_VDXP_ADDR", "127.0.0.1:0")
	t.Setenv("LGSP_LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	root := newRootCommand()
	var out logbuf.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"sim", "vdxp"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	urlRE := regexp.MustCompile(`vdxp simulator:\s+(http://\S+)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "lgsp-dev-province") {
		t.Fatalf("the banner does not name the province's systemid:\n%s", out.String())
	}
	c := vdxp.New(url, "lgsp-dev-province", "lgsp-dev-vdxp-secret")
	c.HTTP = &http.Client{Timeout: 5 * time.Second}
	agencies, err := c.Agencies(ctx)
	if err != nil || len(agencies) == 0 {
		t.Fatalf("agencies: %d, %v", len(agencies), err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("lgsp sim vdxp did not stop")
	}
}

func TestSimCommandRefusesUnknownSimulator(t *testing.T) {
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"sim", "nope"})
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ngsp") || !strings.Contains(err.Error(), "vdxp") {
		t.Fatalf("err %v", err)
	}
}
