package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the master key length in bytes.
const KeySize = 32

const prefix = "v1:"

// ErrOpen is returned for a value that does not decrypt: a wrong master key,
// a wrong context, or a damaged value.
var ErrOpen = errors.New("secretbox: cannot decrypt (wrong master key or damaged value)")

// Box seals and opens values under one master key.
type Box struct {
	aead cipher.AEAD
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secretbox: master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	return &Box{aead: aead}, nil
}

// ParseKey decodes a base64 (standard or URL alphabet, padded or not)
// master key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("master key decodes to %d bytes, want %d", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, errors.New("master key is not base64")
}

// GenerateKey returns a new random master key, base64-encoded.
func GenerateKey() string {
	k := make([]byte, KeySize)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// Seal encrypts plaintext bound to context. An empty plaintext seals to "".
func (b *Box) Seal(plaintext []byte, context string) string {
	if len(plaintext) == 0 {
		return ""
	}
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := b.aead.Seal(nonce, nonce, plaintext, []byte(context))
	return prefix + base64.RawStdEncoding.EncodeToString(out)
}

// SealString is Seal for text.
func (b *Box) SealString(plaintext, context string) string { return b.Seal([]byte(plaintext), context) }

// Open decrypts a value sealed with the same context. "" opens to nil.
func (b *Box) Open(sealed, context string) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	if !strings.HasPrefix(sealed, prefix) {
		return nil, ErrOpen
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed[len(prefix):])
	if err != nil || len(raw) < b.aead.NonceSize()+b.aead.Overhead() {
		return nil, ErrOpen
	}
	n := b.aead.NonceSize()
	pt, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// OpenString is Open for text.
func (b *Box) OpenString(sealed, context string) (string, error) {
	pt, err := b.Open(sealed, context)
	return string(pt), err
}
