package registry

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lgsp-vn/lgsp/platform/accesstoken"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

const (
	keyCurrent  = "current"
	keyPrevious = "previous"
	keyRetired  = "retired"

	rsaBits = 2048
	// verifierLeeway keeps a previous key published a little longer than
	// the last token it signed, for verifiers whose clocks run behind.
	verifierLeeway = 5 * time.Minute
)

var keyStateToProto = map[string]registryv1.SigningKeyState{
	keyCurrent:  registryv1.SigningKeyState_SIGNING_KEY_STATE_CURRENT,
	keyPrevious: registryv1.SigningKeyState_SIGNING_KEY_STATE_PREVIOUS,
	keyRetired:  registryv1.SigningKeyState_SIGNING_KEY_STATE_RETIRED,
}

type keyRow struct {
	Kid, Alg, Private, JWK, State string
	Created, Rotated, Retire      int64
}

const keyColumns = `kid, algorithm, private_key, public_jwk, state, created_ms, rotated_ms, retire_ms`

func scanKey(sc scanner) (keyRow, error) {
	var k keyRow
	err := sc.Scan(&k.Kid, &k.Alg, &k.Private, &k.JWK, &k.State, &k.Created, &k.Rotated, &k.Retire)
	return k, err
}

func (k keyRow) proto(now time.Time) *registryv1.SigningKey {
	st := k.State
	if st == keyPrevious && k.Retire <= now.UnixMilli() {
		st = keyRetired
	}
	return &registryv1.SigningKey{Kid: k.Kid, Algorithm: k.Alg, State: keyStateToProto[st],
		CreateTime: tsOrNil(k.Created), RotateTime: tsOrNil(k.Rotated), RetireTime: tsOrNil(k.Retire)}
}

func keyAAD(kid string) string { return "signing-key:" + kid }

type rotateMode int

const (
	rotateIfMissing rotateMode = iota
	rotateIfOld
	rotateAlways
)

// rotate makes a new key current, depending on mode. It returns the current
// key afterwards and whether it created one.
func (s *Service) rotate(ctx context.Context, who actor, mode rotateMode) (keyRow, bool, error) {
	// Generating an RSA key takes a moment: decide cheaply whether one is
	// needed (the transaction checks again), and generate it outside the
	// transaction.
	if mode != rotateAlways {
		cur, err := scanKey(s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT `+keyColumns+` FROM registry_signing_keys WHERE state = ?`), keyCurrent))
		switch {
		case err != nil && !errNoRows(err):
			return keyRow{}, false, err
		case err == nil && !s.rotationDue(mode, cur):
			return cur, false, nil
		}
	}
	priv, err := rsa.GenerateKey(rand.Reader, rsaBits)
	if err != nil {
		return keyRow{}, false, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return keyRow{}, false, fmt.Errorf("encode signing key: %w", err)
	}
	var (
		out     keyRow
		created bool
	)
	_, err = s.write(ctx, who, func(ctx context.Context, t *wtx) error {
		created = false
		cur, err := scanKey(t.queryRow(ctx, `SELECT `+keyColumns+` FROM registry_signing_keys WHERE state = ?`, keyCurrent))
		found := err == nil
		if err != nil && !errNoRows(err) {
			return err
		}
		if found && !s.rotationDue(mode, cur) {
			out = cur
			return nil
		}
		now := t.now.UnixMilli()
		if _, err := t.exec(ctx, `UPDATE registry_signing_keys SET state = ? WHERE state = ? AND retire_ms <= ?`, keyRetired, keyPrevious, now); err != nil {
			return err
		}
		var before *registryv1.SigningKey
		if found {
			retire := t.now.Add(s.cfg.TokenTTL + verifierLeeway).UnixMilli()
			if _, err := t.exec(ctx, `UPDATE registry_signing_keys SET state = ?, rotated_ms = ?, retire_ms = ? WHERE kid = ?`,
				keyPrevious, now, retire, cur.Kid); err != nil {
				return err
			}
			before = cur.proto(t.now)
		}
		kid := t.now.UTC().Format("20060102") + "-" + randomText(5)
		jwk, _ := json.Marshal(accesstoken.FromRSA(kid, &priv.PublicKey))
		out = keyRow{Kid: kid, Alg: accesstoken.Algorithm, Private: s.box.Seal(der, keyAAD(kid)), JWK: string(jwk), State: keyCurrent, Created: now}
		if _, err := t.exec(ctx, `INSERT INTO registry_signing_keys (`+keyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			out.Kid, out.Alg, out.Private, out.JWK, out.State, out.Created, out.Rotated, out.Retire); err != nil {
			return err
		}
		t.record("key", kid, "rotate", before, out.proto(t.now))
		created = true
		return nil
	})
	return out, created, err
}

// rotationDue reports whether mode asks to replace the current key cur.
func (s *Service) rotationDue(mode rotateMode, cur keyRow) bool {
	switch mode {
	case rotateIfMissing:
		return false
	case rotateIfOld:
		return s.now().Sub(fromMS(cur.Created)) >= s.cfg.KeyRotation
	}
	return true
}

func (s *Service) ensureSigningKey(ctx context.Context) error {
	_, _, err := s.rotate(ctx, systemActor, rotateIfMissing)
	return err
}

func (s *Service) rotateIfDue(ctx context.Context) error {
	k, created, err := s.rotate(ctx, systemActor, rotateIfOld)
	if err == nil && created {
		s.log.InfoContext(ctx, "signing key rotated", "kid", k.Kid)
	}
	return err
}

// signer returns the current signing key.
func (s *Service) signer(ctx context.Context) (string, *rsa.PrivateKey, error) {
	k, err := scanKey(s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT `+keyColumns+` FROM registry_signing_keys WHERE state = ?`), keyCurrent))
	if err != nil {
		return "", nil, fmt.Errorf("current signing key: %w", err)
	}
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if pk, ok := s.keyByID[k.Kid]; ok {
		return k.Kid, pk, nil
	}
	der, err := s.box.Open(k.Private, keyAAD(k.Kid))
	if err != nil {
		return "", nil, fmt.Errorf("signing key %s: %w", k.Kid, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return "", nil, fmt.Errorf("signing key %s: %w", k.Kid, err)
	}
	pk, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return "", nil, fmt.Errorf("signing key %s is not RSA", k.Kid)
	}
	// Keep the cache small: only keys that may still sign.
	if len(s.keyByID) > 4 {
		clear(s.keyByID)
	}
	s.keyByID[k.Kid] = pk
	return k.Kid, pk, nil
}

// JWKS returns the JSON Web Key Set of the keys tokens may be verified
// with: the current key and previous keys until their retire time.
func (s *Service) JWKS(ctx context.Context) ([]byte, error) {
	return s.jwks(ctx, s.db.DB)
}

func (s *Service) jwks(ctx context.Context, q querier) ([]byte, error) {
	rows, err := q.QueryContext(ctx, s.db.Rebind(`SELECT public_jwk FROM registry_signing_keys WHERE state = ? OR (state = ? AND retire_ms > ?) ORDER BY created_ms DESC`),
		keyCurrent, keyPrevious, s.now().UnixMilli())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	set := accesstoken.Set{Keys: []accesstoken.JWK{}}
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, err
		}
		var k accesstoken.JWK
		if err := json.Unmarshal([]byte(raw), &k); err != nil {
			return nil, fmt.Errorf("stored jwk: %w", err)
		}
		set.Keys = append(set.Keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(set)
}

// sign issues a token for a credential.
func (s *Service) sign(ctx context.Context, claims accesstoken.Claims) (string, error) {
	kid, key, err := s.signer(ctx)
	if err != nil {
		return "", err
	}
	return accesstoken.Sign(key, kid, claims)
}

// ListSigningKeys lists the token-signing keys, newest first.
func (s *Service) ListSigningKeys(ctx context.Context, _ *registryv1.ListSigningKeysRequest) (*registryv1.ListSigningKeysResponse, error) {
	if _, err := authorize(ctx, "ListSigningKeys"); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+keyColumns+` FROM registry_signing_keys ORDER BY created_ms DESC LIMIT 100`)
	if err != nil {
		return nil, s.internalErr(ctx, "list signing keys", err)
	}
	defer rows.Close()
	resp := &registryv1.ListSigningKeysResponse{}
	now := s.now()
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, s.internalErr(ctx, "list signing keys", err)
		}
		resp.Keys = append(resp.Keys, k.proto(now))
	}
	if err := rows.Err(); err != nil {
		return nil, s.internalErr(ctx, "list signing keys", err)
	}
	return resp, nil
}

// RotateSigningKey makes a new key current now.
func (s *Service) RotateSigningKey(ctx context.Context, _ *registryv1.RotateSigningKeyRequest) (*registryv1.RotateSigningKeyResponse, error) {
	c, err := authorize(ctx, "RotateSigningKey")
	if err != nil {
		return nil, err
	}
	k, _, err := s.rotate(ctx, actorOf(c.Principal), rotateAlways)
	if err != nil {
		return nil, s.internalErr(ctx, "rotate signing key", err)
	}
	s.log.InfoContext(ctx, "signing key rotated", "kid", k.Kid, "by", c.Subject)
	return &registryv1.RotateSigningKeyResponse{Key: k.proto(s.now())}, nil
}
