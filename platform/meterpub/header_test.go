package meterpub

import (
	"testing"

	"google.golang.org/protobuf/proto"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

func TestBatchHeader(t *testing.T) {
	b := &meteringv1.EventBatch{BatchId: "gw-1-42", Events: []*meteringv1.Event{{Id: "a", Status: 200}, {Id: "b"}, {Id: "c", ApiId: "x"}}}
	data, err := proto.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	id, n, err := batchHeader(data)
	if err != nil || id != "gw-1-42" || n != 3 {
		t.Fatalf("header = %q %d %v", id, n, err)
	}
	if _, _, err := batchHeader([]byte{0x0a, 0x40, 'x'}); err == nil {
		t.Fatal("a truncated record was read")
	}
}

func FuzzBatchHeader(f *testing.F) {
	data, _ := proto.Marshal(&meteringv1.EventBatch{BatchId: "b", Events: []*meteringv1.Event{{Id: "e"}}})
	f.Add(data)
	f.Fuzz(func(t *testing.T, b []byte) {
		id, n, err := batchHeader(b)
		if err != nil {
			return
		}
		var eb meteringv1.EventBatch
		if proto.Unmarshal(b, &eb) == nil && (eb.BatchId != id || len(eb.Events) != n) {
			t.Fatalf("header %q/%d, decoded %q/%d", id, n, eb.BatchId, len(eb.Events))
		}
	})
}
