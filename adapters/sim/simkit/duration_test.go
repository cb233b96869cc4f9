package simkit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDurationReadsGoDurationsOnly(t *testing.T) {
	var d Duration
	if err := json.Unmarshal([]byte(`"1.5s"`), &d); err != nil || time.Duration(d) != 1500*time.Millisecond {
		t.Fatalf("JSON \"1.5s\": %v, %v", d, err)
	}
	if b, err := json.Marshal(Duration(250 * time.Millisecond)); err != nil || string(b) != `"250ms"` {
		t.Fatalf("marshal: %s, %v", b, err)
	}
	if err := json.Unmarshal([]byte(`250`), &d); err == nil || !strings.Contains(err.Error(), `"250ms"`) {
		t.Fatalf("a bare JSON number: %v, want a refusal naming the fix", err)
	}
	if err := d.UnmarshalText([]byte("250")); err == nil {
		t.Fatal("a bare number in a setting was accepted")
	}
	if err := d.UnmarshalText([]byte("2m")); err != nil || d.String() != "2m0s" {
		t.Fatalf("setting 2m: %v, %v", d, err)
	}
}
