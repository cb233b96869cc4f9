package registry

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/accesstoken"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// DefaultTokenScope is answered when a client asks for no scope, as the
// WSO2-style endpoints existing clients were written against do.
const DefaultTokenScope = "am_application_scope default"

// snapshotMaxAge bounds how long a built snapshot is reused for one
// revision: the JWKS also changes with time, when previous keys retire.
const snapshotMaxAge = time.Minute

type gatewayServer struct {
	registryv1.UnimplementedGatewayServiceServer
	s *Service
}

// GetSnapshot returns the gateway's view of the registry.
func (g gatewayServer) GetSnapshot(ctx context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
	if _, err := authorize(ctx, "GetSnapshot"); err != nil {
		return nil, err
	}
	return g.s.snapshot(ctx, req.GetKnownRevision())
}

// IssueToken checks OAuth2 client credentials and signs an access token.
func (g gatewayServer) IssueToken(ctx context.Context, req *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	if _, err := authorize(ctx, "IssueToken"); err != nil {
		return nil, err
	}
	return g.s.issueToken(ctx, req)
}

// GetQuotaLimits returns each subscription's monthly quota and agencies,
// for metering: no routes, credentials or upstream secrets.
func (g gatewayServer) GetQuotaLimits(ctx context.Context, req *registryv1.GetQuotaLimitsRequest) (*registryv1.GetQuotaLimitsResponse, error) {
	if _, err := authorize(ctx, "GetQuotaLimits"); err != nil {
		return nil, err
	}
	return g.s.quotaLimits(ctx, req.GetKnownRevision())
}

// Revision returns the current registry revision.
func (s *Service) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.db.QueryRowContext(ctx, `SELECT revision FROM registry_state WHERE id = 1`).Scan(&rev)
	return rev, err
}

func (s *Service) snapshot(ctx context.Context, known int64) (*registryv1.GetSnapshotResponse, error) {
	rev, err := s.Revision(ctx)
	if err != nil {
		return nil, s.internalErr(ctx, "snapshot", err)
	}
	if known != 0 && known == rev {
		return &registryv1.GetSnapshotResponse{NotModified: true}, nil
	}
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	if s.snap != nil && s.snap.Revision == rev && s.now().Sub(s.snapAt) < snapshotMaxAge {
		return &registryv1.GetSnapshotResponse{Snapshot: s.snap}, nil
	}
	snap, err := s.buildSnapshot(ctx)
	if err != nil {
		return nil, s.internalErr(ctx, "snapshot", err)
	}
	s.snap, s.snapAt = snap, s.now()
	// Callers share the cached message: it must be treated as read-only.
	return &registryv1.GetSnapshotResponse{Snapshot: snap}, nil
}

// buildSnapshot reads everything in one read-only transaction, so the
// snapshot is consistent with the revision it carries.
func (s *Service) buildSnapshot(ctx context.Context) (*registryv1.Snapshot, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.db.Dialect == sqlstore.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	q := func(query string, args ...any) (*sql.Rows, error) {
		return tx.QueryContext(ctx, s.db.Rebind(query), args...)
	}
	snap := &registryv1.Snapshot{GenerateTime: timestamppb.New(s.now())}
	if err := tx.QueryRowContext(ctx, `SELECT revision FROM registry_state WHERE id = 1`).Scan(&snap.Revision); err != nil {
		return nil, err
	}

	rows, err := q(`SELECT `+apiColumns+` FROM registry_apis WHERE lifecycle <> ? ORDER BY id`, lcDraft)
	if err != nil {
		return nil, err
	}
	var apis []apiRow
	for rows.Next() {
		r, err := scanAPI(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		apis = append(apis, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, r := range apis {
		a := r.proto()
		secrets, err := s.openSecrets(r.ID, r.Secrets)
		if err != nil {
			return nil, err
		}
		ua := a.GetUpstreamAuth()
		snap.Apis = append(snap.Apis, &registryv1.ApiRoute{
			Id: a.Id, Name: a.Name, Context: a.Context, Version: a.Version, OwnerAgency: a.OwnerAgency,
			Lifecycle: a.Lifecycle, SunsetTime: a.SunsetTime, Public: a.AnonymousAccess, AuthMethods: a.AuthMethods,
			Endpoints: a.Endpoints, MaxBodyBytes: a.MaxBodyBytes, TimeoutMs: a.TimeoutMs, Retries: a.Retries,
			Resources: a.Resources, ErrorStyle: a.ErrorStyle,
			UpstreamAuth: &registryv1.UpstreamAuthConfig{
				Type: ua.GetType(), Username: ua.GetUsername(), Password: secrets.GetPassword(),
				BearerToken: secrets.GetBearerToken(), TokenUrl: ua.GetTokenUrl(), ClientId: ua.GetClientId(),
				ClientSecret: secrets.GetClientSecret(), Scope: ua.GetScope(), SystemId: ua.GetSystemId(),
				SigningSecret: secrets.GetSigningSecret(),
			},
		})
	}

	appIndex := map[string]*registryv1.ApplicationConfig{}
	rows, err = q(`SELECT ` + appColumns + ` FROM registry_applications ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ac := &registryv1.ApplicationConfig{Id: a.ID, Name: a.Name, AgencyCode: a.Agency, Active: a.State == appActive, CertFingerprint: a.Fingerprint}
		appIndex[a.ID] = ac
		snap.Applications = append(snap.Applications, ac)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q(`SELECT `+credColumns+` FROM registry_credentials WHERE state = ? ORDER BY id`, credActive)
	if err != nil {
		return nil, err
	}
	var creds []credRow
	for rows.Next() {
		c, err := scanCred(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		creds = append(creds, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, c := range creds {
		ac := appIndex[c.AppID]
		if ac == nil {
			continue
		}
		cc := &registryv1.CredentialConfig{Id: c.ID, Type: credTypeToProto[c.Type], KeyId: c.KeyID, ExpireTime: tsOrNil(c.Expires)}
		switch c.Type {
		case credAPIKey:
			cc.KeyHash, _ = hex.DecodeString(c.SecretHash)
		case credSignedHeader:
			if cc.HmacSecret, err = s.box.OpenString(c.SecretSealed, credAAD(c.ID)); err != nil {
				return nil, err
			}
		}
		ac.Credentials = append(ac.Credentials, cc)
	}

	rows, err = q(`SELECT ` + agencyColumns + ` FROM registry_agencies ORDER BY code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		a, err := scanAgency(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		snap.Agencies = append(snap.Agencies, &registryv1.AgencyConfig{Code: a.Code, Name: a.Name, Active: a.Status == agencyActive, SuccessorCode: a.Successor})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q(`SELECT id, application_id, api_id, tier, state FROM registry_subscriptions WHERE state <> ? ORDER BY id`, subRejected)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			sc    registryv1.SubscriptionConfig
			state string
		)
		if err := rows.Scan(&sc.Id, &sc.ApplicationId, &sc.ApiId, &sc.Tier, &state); err != nil {
			rows.Close()
			return nil, err
		}
		sc.State = subStateToProto[state]
		snap.Subscriptions = append(snap.Subscriptions, &sc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	rows, err = q(`SELECT ` + tierColumns + ` FROM registry_tiers ORDER BY name`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		t, err := scanTier(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		snap.Tiers = append(snap.Tiers, &registryv1.TierConfig{Name: t.Name, RatePerSecond: t.Rate, Burst: t.Burst, MonthlyQuota: t.Quota})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	if snap.TrustedIssuers, err = snapshotIssuers(ctx, s.db, tx); err != nil {
		return nil, err
	}

	jwks, err := s.jwks(ctx, tx)
	if err != nil {
		return nil, err
	}
	snap.Token = &registryv1.TokenConfig{Issuer: s.cfg.TokenIssuer, Audience: s.cfg.TokenAudience, JwksJson: string(jwks)}
	return snap, nil
}

// quotaLimits reads the subscriptions with their tier's quota and their
// agencies in one read-only transaction, consistent with the revision.
func (s *Service) quotaLimits(ctx context.Context, known int64) (*registryv1.GetQuotaLimitsResponse, error) {
	opts := &sql.TxOptions{ReadOnly: true}
	if s.db.Dialect == sqlstore.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, s.internalErr(ctx, "quota limits", err)
	}
	defer func() { _ = tx.Rollback() }()
	resp := &registryv1.GetQuotaLimitsResponse{}
	if err := tx.QueryRowContext(ctx, `SELECT revision FROM registry_state WHERE id = 1`).Scan(&resp.Revision); err != nil {
		return nil, s.internalErr(ctx, "quota limits", err)
	}
	if known != 0 && known == resp.Revision {
		resp.NotModified = true
		return resp, nil
	}
	rows, err := tx.QueryContext(ctx, s.db.Rebind(`SELECT s.id, t.monthly_quota, a.agency_code, p.owner_agency
		FROM registry_subscriptions s
		JOIN registry_tiers t ON t.name = s.tier
		JOIN registry_applications a ON a.id = s.application_id
		JOIN registry_apis p ON p.id = s.api_id
		WHERE s.state <> ? ORDER BY s.id`), subRejected)
	if err != nil {
		return nil, s.internalErr(ctx, "quota limits", err)
	}
	defer rows.Close()
	for rows.Next() {
		q := &registryv1.SubscriptionQuota{}
		if err := rows.Scan(&q.Id, &q.MonthlyQuota, &q.ApplicationAgency, &q.ApiOwnerAgency); err != nil {
			return nil, s.internalErr(ctx, "quota limits", err)
		}
		resp.Subscriptions = append(resp.Subscriptions, q)
	}
	if err := rows.Err(); err != nil {
		return nil, s.internalErr(ctx, "quota limits", err)
	}
	return resp, nil
}

// dummySecretHash is compared against for unknown clients, so that the
// answer does not reveal whether a client id exists by its timing.
var dummySecretHash = sha256Hex("lgsp-unknown-client")

func (s *Service) issueToken(ctx context.Context, req *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	clientID, secret := req.GetClientId(), req.GetClientSecret()
	fail := func(reason string) error {
		s.metrics.tokenFailures.WithLabelValues(reason).Inc()
		// The client id is an identifier, not a secret; the secret is never
		// logged. Lines are bounded: a guessing client must not fill the disk.
		if ok, suppressed := s.tokenRefusals.Allow(); ok {
			s.log.WarnContext(ctx, "token request refused", "client_id", truncateID(clientID), "reason", reason,
				"source", req.GetSourceAddress(), "refusals_not_logged", suppressed)
		}
		return ErrInvalidClient
	}
	refuse := func(reason string) error {
		_ = fail(reason)
		return ErrClientNotAllowed
	}
	if clientID == "" || secret == "" || len(clientID) > 128 || len(secret) > 512 {
		return nil, fail("missing_or_oversized_credentials")
	}
	var (
		credID, hash, credState, appID, appState, agency, agencyStatus string
		expires                                                        int64
	)
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT c.id, c.secret_hash, c.state, c.expires_ms, a.id, a.state, a.agency_code, g.status
		FROM registry_credentials c JOIN registry_applications a ON a.id = c.application_id JOIN registry_agencies g ON g.code = a.agency_code
		WHERE c.type = ? AND c.key_id = ?`), credOAuth2, clientID).
		Scan(&credID, &hash, &credState, &expires, &appID, &appState, &agency, &agencyStatus)
	if err != nil && !errNoRows(err) {
		return nil, s.internalErr(ctx, "issue token", err)
	}
	known := err == nil
	if !known {
		hash = dummySecretHash
	}
	sum := sha256.Sum256([]byte(secret))
	want, _ := hex.DecodeString(hash)
	match := subtle.ConstantTimeCompare(sum[:], want) == 1
	now := s.now()
	switch {
	case !known:
		return nil, fail("unknown_client")
	case !match:
		return nil, fail("wrong_secret")
	case credState != credActive:
		return nil, fail("credential_revoked")
	}
	// The client proved it holds the secret: it may learn why it gets no
	// token (the gateway answers unauthorized_client).
	switch {
	case expires != 0 && now.UnixMilli() >= expires:
		return nil, refuse("credential_expired")
	case appState != appActive:
		return nil, refuse("application_suspended")
	case agencyStatus != agencyActive:
		return nil, refuse("agency_inactive")
	}
	ttl := s.cfg.TokenTTL
	if expires != 0 {
		// Never outlive the credential.
		if left := fromMS(expires).Sub(now); left < ttl {
			ttl = left.Truncate(time.Second)
		}
	}
	scope := strings.TrimSpace(req.GetScope())
	if scope == "" {
		scope = DefaultTokenScope
	}
	tok, err := s.sign(ctx, accesstoken.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.cfg.TokenIssuer, Audience: jwt.ClaimStrings{s.cfg.TokenAudience}, Subject: appID,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ttl)), ID: randomText(16),
		},
		ClientID: clientID, CredentialID: credID, Agency: agency, Scope: scope,
	})
	if err != nil {
		return nil, s.internalErr(ctx, "sign token", err)
	}
	s.metrics.tokenIssued.Inc()
	return &registryv1.IssueTokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), Scope: scope}, nil
}

func truncateID(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// LocalGatewayClient is a registryv1.GatewayServiceClient that calls this
// registry in process as the internal service, for the dev mode where the
// gateway and the registry share a process. Each caller gets its own copy of
// the snapshot, as it would over gRPC.
func (s *Service) LocalGatewayClient() registryv1.GatewayServiceClient { return localGateway{s: s} }

type localGateway struct{ s *Service }

func serviceCtx(ctx context.Context) context.Context {
	return authn.WithPrincipal(ctx, authn.Principal{Subject: "lgsp-local", Role: authn.RoleService})
}

func (l localGateway) GetSnapshot(ctx context.Context, in *registryv1.GetSnapshotRequest, _ ...grpc.CallOption) (*registryv1.GetSnapshotResponse, error) {
	resp, err := l.s.gateway.GetSnapshot(serviceCtx(ctx), in)
	if err != nil {
		return nil, err
	}
	// The registry keeps the snapshot cached; callers may change theirs.
	return proto.Clone(resp).(*registryv1.GetSnapshotResponse), nil
}

func (l localGateway) IssueToken(ctx context.Context, in *registryv1.IssueTokenRequest, _ ...grpc.CallOption) (*registryv1.IssueTokenResponse, error) {
	return l.s.gateway.IssueToken(serviceCtx(ctx), in)
}

func (l localGateway) GetQuotaLimits(ctx context.Context, in *registryv1.GetQuotaLimitsRequest, _ ...grpc.CallOption) (*registryv1.GetQuotaLimitsResponse, error) {
	return l.s.gateway.GetQuotaLimits(serviceCtx(ctx), in)
}
