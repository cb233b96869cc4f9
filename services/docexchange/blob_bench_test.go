package docexchange

import (
	"context"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

func BenchmarkBlobGet(b *testing.B) {
	e := newEnv(b, sqltest.Open(b, "sqlite"))
	pkg := tenKiB(b, 1)
	sum := sha256Sum(pkg)
	key := hexOf(sum[:])
	if err := e.s.putBlob(context.Background(), key, pkg); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := e.s.blob(context.Background(), key); err != nil {
			b.Fatal(err)
		}
	}
}
