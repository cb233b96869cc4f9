package testnet

import (
	"net"
	"strconv"
	"testing"
)

// TestFreeAddr: the address is free, on loopback, below the ephemeral
// range, and differs between calls often enough to be useful.
func TestFreeAddr(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		addr := FreeAddr(t)
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" {
			t.Fatalf("%q: %v", addr, err)
		}
		if n, _ := strconv.Atoi(port); n < 10000 || n >= 61000 {
			t.Fatalf("port %d", n)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s is not free: %v", addr, err)
		}
		ln.Close()
		seen[addr] = true
	}
	if len(seen) < 10 {
		t.Fatalf("only %d distinct addresses in 20 calls", len(seen))
	}
}
