package edxml

import (
	"bytes"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

var (
	bigOnce    sync.Once
	bigPackage []byte
)

// big is a package just under the 50 MiB default limit: a 37 MiB attachment,
// base64-encoded.
func big(tb testing.TB) []byte {
	bigOnce.Do(func() {
		content := make([]byte, 37<<20)
		rng := rand.New(rand.NewPCG(5, 6))
		for i := 0; i+8 <= len(content); i += 8 {
			v := rng.Uint64()
			for j := 0; j < 8; j++ {
				content[i+j] = byte(v >> (8 * j))
			}
		}
		var err error
		bigPackage, err = BuildDocument(sampleDocument(), File{Name: "hoso.zip", ContentType: "application/zip", Content: bytes.NewReader(content)})
		if err != nil {
			panic(err)
		}
	})
	if len(bigPackage) > DefaultMaxSize {
		tb.Fatalf("test package is %d bytes, over the limit", len(bigPackage))
	}
	return bigPackage
}

func largestFixture(b *testing.B) fixture {
	var l fixture
	for _, f := range fixtures(b) {
		if len(f.data) > len(l.data) {
			l = f
		}
	}
	return l
}

func BenchmarkParse(b *testing.B) {
	run := func(b *testing.B, data []byte) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(data); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("largest-fixture", func(b *testing.B) {
		f := largestFixture(b)
		b.Logf("%s, %d bytes", f.name, len(f.data))
		run(b, f.data)
	})
	b.Run("50MiB", func(b *testing.B) { run(b, big(b)) })
	// What the package would cost if the XML decoder read the base64 text
	// itself: it buffers it whole.
	b.Run("50MiB-decoder-reads-text", func(b *testing.B) {
		skipAttachmentText = false
		defer func() { skipAttachmentText = true }()
		run(b, big(b))
	})
}

func BenchmarkParseStatus(b *testing.B) {
	data := builtStatusB(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStatus(data); err != nil {
			b.Fatal(err)
		}
	}
}

func builtStatusB(b *testing.B) []byte {
	for _, f := range fixtures(b) {
		if isStatusFixture(f.name) {
			return f.data
		}
	}
	b.Fatal("no status fixture")
	return nil
}

// Parsing a package of tens of MiB allocates almost nothing beyond the
// package itself: the base64 text is neither copied by the XML decoder nor
// decoded into memory.
func TestParseMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 50 MiB package")
	}
	data := big(t)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, err := Parse(data)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("parse of %d bytes allocated %d bytes", len(data), alloc)
	if alloc > 1<<20 {
		t.Fatalf("parse of %d bytes allocated %d bytes; the attachment text is being copied", len(data), alloc)
	}
	if p.Attachments()[0].Size != 37<<20 {
		t.Fatalf("size %d", p.Attachments()[0].Size)
	}
}
