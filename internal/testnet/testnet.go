// Package testnet gives tests loopback addresses where nothing listens yet,
// for a server the test starts later (or stops and starts again).
//
// An address from Listen("127.0.0.1:0") is in the kernel's ephemeral range:
// once closed, the port may become the source port of another process's
// connection (test packages run side by side), and listening on it again
// fails with "address already in use". FreeAddr takes ports below that
// range instead, which only explicit listeners use.
package testnet

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FreeAddr returns a loopback host:port where nothing listens now, below
// the ephemeral port range.
func FreeAddr(t testing.TB) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	for range 200 {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(10000+rand.IntN(low-10000)))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("testnet: no free loopback port below the ephemeral range")
	return ""
}

// WaitListening waits until something accepts connections at addr (a
// child process the test started), failing t after limit.
func WaitListening(t testing.TB, addr string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens at %s after %v: %v", addr, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
