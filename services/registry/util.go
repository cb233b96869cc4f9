package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomText returns n random bytes as lower-case base32 (letters and
// digits 2-7 only, so it is safe in URLs, headers and as part of a key).
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(b32.EncodeToString(b))
}

// newID returns prefix_ and 80 random bits.
func newID(prefix string) string { return prefix + "_" + randomText(10) }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// tsOrNil converts unix milliseconds, 0 meaning unset.
func tsOrNil(ms int64) *timestamppb.Timestamp {
	if ms == 0 {
		return nil
	}
	return timestamppb.New(fromMS(ms))
}

// internalErr logs an unexpected failure and hides it from the caller. An
// *apierr.Error passes through unchanged; so does a cancelled context.
func (s *Service) internalErr(ctx context.Context, op string, err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	if ctx.Err() != nil {
		return errCanceled(err)
	}
	s.log.ErrorContext(ctx, "registry: "+op, "err", err)
	return errInternal(err)
}

// Text limits, in characters.
const (
	// maxNameLen bounds agency, API and application names and display names.
	maxNameLen = 255
	// maxShortText bounds short descriptions and reasons.
	maxShortText = 1000
	// maxDescription bounds the descriptions of APIs and applications.
	maxDescription = 4000
)

// requireID refuses an empty identifier: no resource has one, so the caller
// left it out (or sent a URL with an empty path segment).
func requireID(field, id string) error {
	if id == "" {
		return errMissingID(field)
	}
	return nil
}
