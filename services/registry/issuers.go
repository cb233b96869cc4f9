package registry

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lgsp-vn/lgsp/platform/netguard"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Trusted issuers are the federation side of authentication: the national
// platform signs its own JWTs, and a platform admin tells the registry
// which issuer, key set and audience to accept and which application the
// tokens act as. The registry only stores and checks this; gateways fetch
// the key sets and verify the tokens (gateway/federation.go).

// Limits of a trusted issuer's fields.
const (
	maxIssuerLen       = 255
	maxJWKSURLLen      = 2048
	maxAudiences       = 10
	maxAudienceLen     = 255
	maxRequiredClaims  = 10
	maxClaimValueLen   = 255
	maxLeewaySeconds   = 300
	trustedIssuerKind  = "trusted_issuer"
	trustedIssuerIDPfx = "tis"
)

// reClaimName is a claim a trusted issuer may require.
var reClaimName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$`)

// checkedClaims are verified from the issuer's own fields; requiring them
// again would be a second, conflicting setting.
var checkedClaims = map[string]bool{"iss": true, "aud": true, "exp": true, "nbf": true, "iat": true}

type issuerRow struct {
	ID, Name, Issuer, JWKSURL string
	AllowHTTP                 bool
	Audiences                 []string
	AppID                     string
	Claims                    map[string]string
	Leeway                    int64
	Disabled                  bool
	Created, Updated          int64
}

const issuerColumns = `id, name, issuer, jwks_url, allow_http, audiences, application_id, required_claims, leeway_seconds, disabled, created_ms, updated_ms`

func scanIssuer(sc scanner) (issuerRow, error) {
	var (
		r              issuerRow
		audJSON, claim string
	)
	err := sc.Scan(&r.ID, &r.Name, &r.Issuer, &r.JWKSURL, &r.AllowHTTP, &audJSON, &r.AppID, &claim, &r.Leeway, &r.Disabled, &r.Created, &r.Updated)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(audJSON), &r.Audiences); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(claim), &r.Claims); err != nil {
		return r, err
	}
	return r, nil
}

func (r issuerRow) proto() *registryv1.TrustedIssuer {
	return &registryv1.TrustedIssuer{Id: r.ID, Name: r.Name, Issuer: r.Issuer, JwksUrl: r.JWKSURL, AllowHttp: r.AllowHTTP,
		Audiences: slices.Clone(r.Audiences), ApplicationId: r.AppID, RequiredClaims: cloneClaims(r.Claims),
		LeewaySeconds: int32(r.Leeway), Disabled: r.Disabled, CreateTime: tsOrNil(r.Created), UpdateTime: tsOrNil(r.Updated)}
}

// config is the gateway's view of an enabled issuer.
func (r issuerRow) config() *registryv1.TrustedIssuerConfig {
	return &registryv1.TrustedIssuerConfig{Id: r.ID, Name: r.Name, Issuer: r.Issuer, JwksUrl: r.JWKSURL, AllowHttp: r.AllowHTTP,
		Audiences: slices.Clone(r.Audiences), ApplicationId: r.AppID, RequiredClaims: cloneClaims(r.Claims), LeewaySeconds: int32(r.Leeway)}
}

func cloneClaims(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// encode returns the JSON columns of r.
func (r issuerRow) encode() (audiences, claims string) {
	a, _ := json.Marshal(r.Audiences)
	c := []byte("{}")
	if len(r.Claims) > 0 {
		c, _ = json.Marshal(r.Claims)
	}
	return string(a), string(c)
}

func getIssuer(ctx context.Context, db *sqlstore.DB, q querier, id string) (issuerRow, error) {
	r, err := scanIssuer(q.QueryRowContext(ctx, db.Rebind(`SELECT `+issuerColumns+` FROM registry_trusted_issuers WHERE id = ?`), id))
	if errNoRows(err) {
		return r, errTrustedIssuerNotFound(id)
	}
	return r, err
}

// checkIssuer trims and checks a trusted issuer's fields into a row (all
// but its id and times). The application's existence is checked in the
// write, against the same transaction.
func (s *Service) checkIssuer(ctx context.Context, in *registryv1.TrustedIssuer) (issuerRow, error) {
	var (
		r   issuerRow
		err error
	)
	if !validName(in.GetName()) {
		return r, errTrustedIssuerName
	}
	if r.Name, err = cleanText("trusted_issuer.name", in.GetName(), ruleName); err != nil {
		return r, err
	}
	r.Issuer = strings.TrimSpace(in.GetIssuer())
	if r.Issuer == "" || utf8.RuneCountInString(r.Issuer) > maxIssuerLen || checkText("trusted_issuer.issuer", r.Issuer, ruleValue) != nil {
		return r, errIssuerValue
	}
	if r.Issuer == s.cfg.TokenIssuer {
		return r, errIssuerIsPlatform
	}
	r.AllowHTTP = in.GetAllowHttp()
	r.JWKSURL = strings.TrimSpace(in.GetJwksUrl())
	if err := s.checkJWKSURL(ctx, r.JWKSURL, r.AllowHTTP); err != nil {
		return r, err
	}
	if n := len(in.GetAudiences()); n == 0 || n > maxAudiences {
		return r, errAudiences
	}
	for _, a := range in.GetAudiences() {
		a = strings.TrimSpace(a)
		if a == "" || utf8.RuneCountInString(a) > maxAudienceLen || checkText("trusted_issuer.audiences", a, ruleValue) != nil || slices.Contains(r.Audiences, a) {
			return r, errAudiences
		}
		r.Audiences = append(r.Audiences, a)
	}
	if err := requireID("trusted_issuer.application_id", in.GetApplicationId()); err != nil {
		return r, err
	}
	r.AppID = in.GetApplicationId()
	if len(in.GetRequiredClaims()) > maxRequiredClaims {
		return r, errRequiredClaims
	}
	for name, v := range in.GetRequiredClaims() {
		v = strings.TrimSpace(v)
		if !reClaimName.MatchString(name) || checkedClaims[name] || v == "" || utf8.RuneCountInString(v) > maxClaimValueLen ||
			checkText("trusted_issuer.required_claims", v, ruleValue) != nil {
			return r, errRequiredClaims
		}
		if r.Claims == nil {
			r.Claims = map[string]string{}
		}
		r.Claims[name] = v
	}
	if l := in.GetLeewaySeconds(); l < 0 || l > maxLeewaySeconds {
		return r, errLeeway
	}
	r.Leeway = int64(in.GetLeewaySeconds())
	r.Disabled = in.GetDisabled()
	return r, nil
}

// checkJWKSURL refuses a JWKS URL that is not https (unless allowHTTP), that
// carries credentials, or whose address the registry's allow-list refuses:
// the gateway fetches it through the same kind of guard as upstreams.
func (s *Service) checkJWKSURL(ctx context.Context, raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if raw == "" || len(raw) > maxJWKSURLLen || err != nil || u.Host == "" || u.Opaque != "" || u.Fragment != "" || u.User != nil ||
		checkText("trusted_issuer.jwks_url", raw, ruleValue) != nil {
		return errJWKSURL
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return errJWKSNotHTTPS
	default:
		return errJWKSURL
	}
	err = s.guard.CheckURL(ctx, raw)
	var ge *netguard.Error
	if err == nil || !errors.As(err, &ge) {
		return err
	}
	switch ge.Reason {
	case netguard.ReasonForbidden:
		return errJWKSForbidden(ge.Detail)
	case netguard.ReasonUnresolvable:
		return errJWKSUnresolvable
	}
	return errJWKSURL
}

// requireApp refuses an application that does not exist.
func (s *Service) requireApp(ctx context.Context, t *wtx, id string) error {
	if _, err := getApp(ctx, s.db, t.tx, id); err != nil {
		if isNotFound(err) {
			return errUnknownApplication(id)
		}
		return err
	}
	return nil
}

// CreateTrustedIssuer trusts an external token issuer.
func (s *Service) CreateTrustedIssuer(ctx context.Context, req *registryv1.CreateTrustedIssuerRequest) (*registryv1.CreateTrustedIssuerResponse, error) {
	c, err := authorize(ctx, "CreateTrustedIssuer")
	if err != nil {
		return nil, err
	}
	if req.GetTrustedIssuer() == nil {
		return nil, errTrustedIssuerRequired
	}
	out, err := s.checkIssuer(ctx, req.GetTrustedIssuer())
	if err != nil {
		return nil, err
	}
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		if err := s.requireApp(ctx, t, out.AppID); err != nil {
			return err
		}
		now := t.now.UnixMilli()
		out.ID, out.Created, out.Updated = newID(trustedIssuerIDPfx), now, now
		aud, claims := out.encode()
		if _, err := t.exec(ctx, `INSERT INTO registry_trusted_issuers (`+issuerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, out.Name, out.Issuer, out.JWKSURL, out.AllowHTTP, aud, out.AppID, claims, out.Leeway, out.Disabled, out.Created, out.Updated); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return errDuplicateIssuer
			}
			return err
		}
		t.record(trustedIssuerKind, out.ID, "create", nil, out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create trusted issuer", err)
	}
	return &registryv1.CreateTrustedIssuerResponse{TrustedIssuer: out.proto()}, nil
}

// GetTrustedIssuer returns one trusted issuer.
func (s *Service) GetTrustedIssuer(ctx context.Context, req *registryv1.GetTrustedIssuerRequest) (*registryv1.GetTrustedIssuerResponse, error) {
	if _, err := authorize(ctx, "GetTrustedIssuer"); err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	r, err := getIssuer(ctx, s.db, s.db.DB, req.GetId())
	if err != nil {
		return nil, s.internalErr(ctx, "get trusted issuer", err)
	}
	return &registryv1.GetTrustedIssuerResponse{TrustedIssuer: r.proto()}, nil
}

// ListTrustedIssuers lists trusted issuers by id.
func (s *Service) ListTrustedIssuers(ctx context.Context, req *registryv1.ListTrustedIssuersRequest) (*registryv1.ListTrustedIssuersResponse, error) {
	if _, err := authorize(ctx, "ListTrustedIssuers"); err != nil {
		return nil, err
	}
	var l listQuery
	if id := req.GetApplicationId(); id != "" {
		l.where("application_id = ?", id)
	}
	resp := &registryv1.ListTrustedIssuersResponse{}
	next, err := listPage(ctx, s.db, &l, `SELECT `+issuerColumns+` FROM registry_trusted_issuers`, "id", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (string, error) {
			r, err := scanIssuer(sc)
			if err != nil {
				return "", err
			}
			resp.TrustedIssuers = append(resp.TrustedIssuers, r.proto())
			return r.ID, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list trusted issuers", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// issuerFields are the fields UpdateTrustedIssuer may change.
var issuerFields = []string{"name", "issuer", "jwks_url", "allow_http", "audiences", "application_id", "required_claims", "leeway_seconds", "disabled"}

// UpdateTrustedIssuer changes a trusted issuer, including disabling it.
func (s *Service) UpdateTrustedIssuer(ctx context.Context, req *registryv1.UpdateTrustedIssuerRequest) (*registryv1.UpdateTrustedIssuerResponse, error) {
	c, err := authorize(ctx, "UpdateTrustedIssuer")
	if err != nil {
		return nil, err
	}
	in := req.GetTrustedIssuer()
	if err := requireID("trusted_issuer.id", in.GetId()); err != nil {
		return nil, err
	}
	paths, err := maskPaths(req.GetUpdateMask(), issuerFields...)
	if err != nil {
		return nil, err
	}
	var out issuerRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getIssuer(ctx, s.db, t.tx, in.GetId())
		if err != nil {
			return err
		}
		next := before.proto()
		if paths["name"] {
			next.Name = in.GetName()
		}
		if paths["issuer"] {
			next.Issuer = in.GetIssuer()
		}
		if paths["jwks_url"] {
			next.JwksUrl = in.GetJwksUrl()
		}
		if paths["allow_http"] {
			next.AllowHttp = in.GetAllowHttp()
		}
		if paths["audiences"] {
			next.Audiences = in.GetAudiences()
		}
		if paths["application_id"] {
			next.ApplicationId = in.GetApplicationId()
		}
		if paths["required_claims"] {
			next.RequiredClaims = in.GetRequiredClaims()
		}
		if paths["leeway_seconds"] {
			next.LeewaySeconds = in.GetLeewaySeconds()
		}
		if paths["disabled"] {
			next.Disabled = in.GetDisabled()
		}
		// A stored http URL stays acceptable only while allow_http does.
		r, err := s.checkIssuer(ctx, next)
		if err != nil {
			return err
		}
		if r.AppID != before.AppID {
			if err := s.requireApp(ctx, t, r.AppID); err != nil {
				return err
			}
		}
		r.ID, r.Created, r.Updated = before.ID, before.Created, t.now.UnixMilli()
		aud, claims := r.encode()
		if _, err := t.exec(ctx, `UPDATE registry_trusted_issuers SET name = ?, issuer = ?, jwks_url = ?, allow_http = ?, audiences = ?,
			application_id = ?, required_claims = ?, leeway_seconds = ?, disabled = ?, updated_ms = ? WHERE id = ?`,
			r.Name, r.Issuer, r.JWKSURL, r.AllowHTTP, aud, r.AppID, claims, r.Leeway, r.Disabled, r.Updated, r.ID); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return errDuplicateIssuer
			}
			return err
		}
		action := "update"
		switch {
		case r.Disabled && !before.Disabled:
			action = "disable"
		case !r.Disabled && before.Disabled:
			action = "enable"
		}
		t.record(trustedIssuerKind, r.ID, action, before.proto(), r.proto())
		out = r
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "update trusted issuer", err)
	}
	return &registryv1.UpdateTrustedIssuerResponse{TrustedIssuer: out.proto()}, nil
}

// DeleteTrustedIssuer removes a trusted issuer. The audit log keeps what
// it was.
func (s *Service) DeleteTrustedIssuer(ctx context.Context, req *registryv1.DeleteTrustedIssuerRequest) (*registryv1.DeleteTrustedIssuerResponse, error) {
	c, err := authorize(ctx, "DeleteTrustedIssuer")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getIssuer(ctx, s.db, t.tx, req.GetId())
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM registry_trusted_issuers WHERE id = ?`, before.ID); err != nil {
			return err
		}
		t.record(trustedIssuerKind, before.ID, "delete", before.proto(), nil)
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "delete trusted issuer", err)
	}
	return &registryv1.DeleteTrustedIssuerResponse{}, nil
}

// snapshotIssuers reads the enabled trusted issuers for a gateway snapshot.
func snapshotIssuers(ctx context.Context, db *sqlstore.DB, q querier) ([]*registryv1.TrustedIssuerConfig, error) {
	rows, err := q.QueryContext(ctx, db.Rebind(`SELECT `+issuerColumns+` FROM registry_trusted_issuers WHERE disabled = ? ORDER BY id`), false)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*registryv1.TrustedIssuerConfig
	for rows.Next() {
		r, err := scanIssuer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r.config())
	}
	return out, rows.Err()
}
