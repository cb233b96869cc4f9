package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

type sample struct {
	Addr    string        `yaml:"addr" env:"LGSP_TEST_ADDR"`
	Timeout time.Duration `yaml:"timeout" env:"LGSP_TEST_TIMEOUT"`
	Count   int           `yaml:"count" env:"LGSP_TEST_COUNT"`
}

func TestLoadOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, []byte("addr: \":9000\"\ncount: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LGSP_TEST_COUNT", "7")
	s := sample{Addr: ":1", Timeout: time.Second}
	if err := config.Load(path, &s); err != nil {
		t.Fatal(err)
	}
	if s.Addr != ":9000" || s.Count != 7 || s.Timeout != time.Second {
		t.Fatalf("got %+v: want file addr, env count, default timeout", s)
	}
}

func TestLoadNamesBadSetting(t *testing.T) {
	t.Setenv("LGSP_TEST_TIMEOUT", "soon")
	var s sample
	err := config.Load("", &s)
	if err == nil || !strings.Contains(err.Error(), "LGSP_TEST_TIMEOUT") {
		t.Fatalf("error %v does not name LGSP_TEST_TIMEOUT", err)
	}
}

func TestInvalidMessage(t *testing.T) {
	err := &config.Invalid{Setting: "LGSP_ADMIN_ADDR", Value: "x", Reason: "not host:port"}
	if got := err.Error(); !strings.Contains(got, "LGSP_ADMIN_ADDR") || !strings.Contains(got, "not host:port") {
		t.Fatalf("message %q", got)
	}
}
