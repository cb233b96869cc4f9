package docexchange

import (
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
)

// tenKiB builds a document of about 10 KiB (a small attachment), as the
// throughput target specifies.
func tenKiB(b testing.TB, n int) []byte {
	b.Helper()
	d := edxml.Document{
		From: edxml.Organization{OrganID: agencyA}, To: []edxml.Organization{{OrganID: agencyB}, {OrganID: agencyC}},
		DocumentID: agencyA + ",2026/11/30," + strings.Repeat("9", 3) + "/" + itoa(n), PromulgationInfo: edxml.PromulgationInfo{PromulgationDate: "2026/11/30"},
		Subject: "Thử tải", Business: edxml.Business{BussinessDocType: edxml.DocNew},
	}
	pkg, err := edxml.BuildDocument(d, edxml.File{Name: "a.txt", ContentType: "text/plain", Content: strings.NewReader(strings.Repeat("Nội dung văn bản. ", 400) + itoa(n))})
	if err != nil {
		b.Fatal(err)
	}
	return pkg
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var out []byte
	for ; n > 0; n /= 10 {
		out = append([]byte{digits[n%10]}, out...)
	}
	return string(out)
}

// BenchmarkSend accepts 10 KiB documents for two recipients in process
// (no gateway), durable: each answered only after the Object Store put and
// the SQL commit. Run with -cpu to vary parallelism.
func BenchmarkSend(b *testing.B) {
	e := newEnv(b, sqltest.Open(b, "sqlite"))
	pkgs := make([][]byte, b.N)
	for i := range pkgs {
		pkgs[i] = tenKiB(b, i)
	}
	var next atomicInt
	b.SetBytes(int64(len(pkgs[0])))
	b.ResetTimer()
	b.SetParallelism(8)
	b.RunParallel(func(pb_ *testing.PB) {
		for pb_.Next() {
			i := next.add()
			if _, err := e.api.SendDocument(as(agencyA), &pb.SendDocumentRequest{Package: pkgs[i]}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
