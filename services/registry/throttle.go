package registry

import (
	"sync"
	"time"
)

// loginThrottle slows password guessing: after loginMaxFailures failed
// logins for one username within loginWindow, further attempts for it are
// refused until the window has passed. It is per process; with several
// registry replicas an attacker gets that many tries per replica, which is
// still far from useful against argon2id-hashed passwords of 10+ characters.
type loginThrottle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

const (
	loginMaxFailures = 10
	loginWindow      = 15 * time.Minute
	// Bound memory when many names are tried.
	loginMaxTracked = 10000
)

func (l *loginThrottle) recent(user string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range l.failures[user] {
		if now.Sub(t) < loginWindow {
			keep = append(keep, t)
		}
	}
	return keep
}

// blocked reports whether user has too many recent failures.
func (l *loginThrottle) blocked(user string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(user, now)) >= loginMaxFailures
}

func (l *loginThrottle) fail(user string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil || len(l.failures) >= loginMaxTracked {
		l.failures = map[string][]time.Time{}
	}
	l.failures[user] = append(l.recent(user, now), now)
}

func (l *loginThrottle) succeed(user string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, user)
}
