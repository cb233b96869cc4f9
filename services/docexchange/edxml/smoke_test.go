package edxml

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSmoke(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/fixtures/edxml/*.edxml")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		var v any
		var err error
		var w []*Error
		if strings.Contains(f, "status_") {
			p, e := ParseStatus(b)
			err = e
			if p != nil {
				v = p.Status()
				w = p.Warnings()
			}
		} else {
			p, e := Options{LenientAttachments: true}.Parse(b)
			err = e
			if p != nil {
				v = p.Document()
				w = p.Warnings()
			}
		}
		j, _ := json.Marshal(v)
		t.Logf("%s err=%v warnings=%v\n%s", filepath.Base(f), err, w, j[len(j)-min(len(j),400):])
	}
}
