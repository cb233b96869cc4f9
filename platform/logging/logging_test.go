package logging_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/logging"
)

func TestSecretsAreRedacted(t *testing.T) {
	var buf bytes.Buffer
	log, err := logging.New(&buf, logging.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log.Info("login", "user", "admin", "password", "hunter2", "client_secret", "s3cr3t")
	out := buf.String()
	if strings.Contains(out, "hunter2") || strings.Contains(out, "s3cr3t") {
		t.Fatalf("secret in log: %s", out)
	}
	if !strings.Contains(out, `"user":"admin"`) {
		t.Fatalf("ordinary attribute missing: %s", out)
	}
}

func TestBadLevelNamesSetting(t *testing.T) {
	_, err := logging.New(&bytes.Buffer{}, logging.Options{Level: "loud"})
	if err == nil || !strings.Contains(err.Error(), "LGSP_LOG_LEVEL") {
		t.Fatalf("err = %v", err)
	}
}
