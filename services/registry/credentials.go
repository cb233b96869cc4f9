package registry

import (
	"context"
	"regexp"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/agencycode"
)

const (
	credActive  = "active"
	credRevoked = "revoked"

	credOAuth2       = "oauth2_client"
	credAPIKey       = "api_key"
	credSignedHeader = "signed_header"

	// APIKeyPrefix starts every API key, so that leaked keys are easy to
	// recognise in logs and by secret scanners.
	APIKeyPrefix = "lgspk_"
)

var credTypeToProto = map[string]registryv1.CredentialType{
	credOAuth2:       registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT,
	credAPIKey:       registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY,
	credSignedHeader: registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER,
}

var reSystemID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

type credRow struct {
	ID, AppID, Type, KeyID, SecretHash, SecretSealed, Description, State string
	Expires, Created, Revoked                                            int64
}

const credColumns = `id, application_id, type, key_id, secret_hash, secret_sealed, description, state, expires_ms, created_ms, revoked_ms`

func scanCred(sc scanner) (credRow, error) {
	var c credRow
	err := sc.Scan(&c.ID, &c.AppID, &c.Type, &c.KeyID, &c.SecretHash, &c.SecretSealed, &c.Description, &c.State, &c.Expires, &c.Created, &c.Revoked)
	return c, err
}

func (c credRow) proto() *registryv1.Credential {
	st := registryv1.CredentialState_CREDENTIAL_STATE_ACTIVE
	if c.State == credRevoked {
		st = registryv1.CredentialState_CREDENTIAL_STATE_REVOKED
	}
	return &registryv1.Credential{Id: c.ID, ApplicationId: c.AppID, Type: credTypeToProto[c.Type], KeyId: c.KeyID,
		Description: c.Description, State: st, ExpireTime: tsOrNil(c.Expires), CreateTime: tsOrNil(c.Created), RevokeTime: tsOrNil(c.Revoked)}
}

func credAAD(id string) string { return "credential:" + id }

// issued is a new credential with its one-time secret.
type issued struct {
	row    credRow
	secret string
}

// newCredential builds a credential of type typ for an application. A fixed
// secret is only used by SeedDemo in dev mode.
func (s *Service) newCredential(appID, typ, keyID, fixedSecret string) issued {
	c := credRow{ID: newID("cred"), AppID: appID, Type: typ, State: credActive}
	var secret string
	switch typ {
	case credOAuth2:
		c.KeyID = keyID
		if c.KeyID == "" {
			c.KeyID = randomText(15)
		}
		secret = fixedSecret
		if secret == "" {
			secret = randomText(32)
		}
		c.SecretHash = sha256Hex(secret)
	case credAPIKey:
		c.KeyID = randomText(10)
		secret = APIKeyPrefix + c.KeyID + "_" + randomText(32)
		c.SecretHash = sha256Hex(secret)
	case credSignedHeader:
		c.KeyID = keyID
		if c.KeyID == "" {
			c.KeyID = "lgsp-" + randomText(10)
		}
		secret = randomText(32)
		c.SecretSealed = s.box.SealString(secret, credAAD(c.ID))
	}
	return issued{row: c, secret: secret}
}

// claimSystemID checks that an application of agency may take a
// signed-header systemid. A systemid identifies one calling system
// platform-wide: it may not differ from another one only by letter case.
// And a systemid that contains an agency identifier code (as the national
// axis's systemids often do, e.g. 000.00.00.H30 or 000.00.00.H30-portal)
// may only name the application's own agency or a registered agency under
// it, so that one agency cannot pass for another.
func (s *Service) claimSystemID(ctx context.Context, t *wtx, agency, systemID string) error {
	var other string
	err := t.queryRow(ctx, `SELECT id FROM registry_credentials WHERE type = ? AND lower(key_id) = lower(?) LIMIT 1`,
		credSignedHeader, systemID).Scan(&other)
	switch {
	case err == nil:
		return errDuplicateKeyID
	case !errNoRows(err):
		return err
	}
	for _, code := range agencyCodesIn(systemID) {
		if code == agency {
			continue
		}
		under := false
		for i, p := 0, code; p != "" && i < 64 && !under; i++ {
			a, err := getAgency(ctx, s.db, t.tx, p)
			if isNotFound(err) {
				break
			}
			if err != nil {
				return err
			}
			p = a.Parent
			under = p == agency
		}
		if !under {
			return errSystemIDNotOwned(code)
		}
	}
	return nil
}

// agencyCodesIn lists the agency identifier codes written anywhere in s,
// whatever the case of their letter, overlapping ones included.
func agencyCodesIn(s string) []string {
	const n = len("000.00.00.H30")
	var out []string
	for i := 0; i+n <= len(s); i++ {
		if c := strings.ToUpper(s[i : i+n]); agencycode.Valid(c) {
			out = append(out, c)
		}
	}
	return out
}

func (t *wtx) insertCredential(ctx context.Context, c credRow) error {
	_, err := t.exec(ctx, `INSERT INTO registry_credentials (`+credColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AppID, c.Type, c.KeyID, c.SecretHash, c.SecretSealed, c.Description, c.State, c.Expires, c.Created, c.Revoked)
	if sqlstore.IsUniqueViolation(err) {
		return errDuplicateKeyID
	}
	return err
}

// CreateCredential issues a credential for an application and returns its
// secret this once.
func (s *Service) CreateCredential(ctx context.Context, req *registryv1.CreateCredentialRequest) (*registryv1.CreateCredentialResponse, error) {
	c, err := authorize(ctx, "CreateCredential")
	if err != nil {
		return nil, err
	}
	if err := requireID("application_id", req.GetApplicationId()); err != nil {
		return nil, err
	}
	var typ string
	for k, v := range credTypeToProto {
		if v == req.GetType() {
			typ = k
		}
	}
	if typ == "" {
		return nil, errCredentialType
	}
	if req.GetSystemId() != "" && (typ != credSignedHeader || !reSystemID.MatchString(req.GetSystemId())) {
		return nil, errSystemID
	}
	description, err := cleanText("description", req.GetDescription(), ruleText)
	if err != nil {
		return nil, err
	}
	if len([]rune(description)) > maxShortText {
		return nil, errCredDescription
	}
	var expires int64
	if req.ExpireTime != nil {
		if req.ExpireTime.CheckValid() != nil || !req.ExpireTime.AsTime().After(s.now()) {
			return nil, errExpireTime
		}
		expires = req.ExpireTime.AsTime().UnixMilli()
	}
	var out issued
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		app, err := getApp(ctx, s.db, t.tx, req.GetApplicationId())
		if err != nil {
			return err
		}
		if err := c.requireOwn(app.Agency); err != nil {
			return err
		}
		if app.State != appActive {
			return errAppSuspended
		}
		if typ == credSignedHeader && req.GetSystemId() != "" {
			if err := s.claimSystemID(ctx, t, app.Agency, req.GetSystemId()); err != nil {
				return err
			}
		}
		out = s.newCredential(app.ID, typ, req.GetSystemId(), "")
		out.row.Description = description
		out.row.Expires = expires
		out.row.Created = t.now.UnixMilli()
		if err := t.insertCredential(ctx, out.row); err != nil {
			return err
		}
		t.record("credential", out.row.ID, "create", nil, out.row.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create credential", err)
	}
	return &registryv1.CreateCredentialResponse{Credential: out.row.proto(), Secret: out.secret}, nil
}

// ListCredentials lists an application's credentials, without secrets.
func (s *Service) ListCredentials(ctx context.Context, req *registryv1.ListCredentialsRequest) (*registryv1.ListCredentialsResponse, error) {
	c, err := authorize(ctx, "ListCredentials")
	if err != nil {
		return nil, err
	}
	if err := requireID("application_id", req.GetApplicationId()); err != nil {
		return nil, err
	}
	app, err := getApp(ctx, s.db, s.db.DB, req.GetApplicationId())
	if err != nil {
		return nil, s.internalErr(ctx, "list credentials", err)
	}
	if err := c.requireOwn(app.Agency); err != nil {
		return nil, err
	}
	var l listQuery
	l.where("application_id = ?", app.ID)
	resp := &registryv1.ListCredentialsResponse{}
	next, err := listPage(ctx, s.db, &l, `SELECT `+credColumns+` FROM registry_credentials`, "id", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (string, error) {
			cr, err := scanCred(sc)
			if err != nil {
				return "", err
			}
			resp.Credentials = append(resp.Credentials, cr.proto())
			return cr.ID, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list credentials", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// RevokeCredential revokes a credential; the gateway refuses it from the
// next snapshot on, and tokens issued with it stop working too.
func (s *Service) RevokeCredential(ctx context.Context, req *registryv1.RevokeCredentialRequest) (*registryv1.RevokeCredentialResponse, error) {
	c, err := authorize(ctx, "RevokeCredential")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	var out credRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := scanCred(t.queryRow(ctx, `SELECT `+credColumns+` FROM registry_credentials WHERE id = ?`, req.GetId()))
		if errNoRows(err) {
			return errCredentialNotFound(req.GetId())
		}
		if err != nil {
			return err
		}
		app, err := getApp(ctx, s.db, t.tx, before.AppID)
		if err != nil {
			return err
		}
		if err := c.requireOwn(app.Agency); err != nil {
			return err
		}
		if before.State == credRevoked {
			return errCredentialRevoked
		}
		out = before
		out.State, out.Revoked = credRevoked, t.now.UnixMilli()
		if _, err := t.exec(ctx, `UPDATE registry_credentials SET state = ?, revoked_ms = ? WHERE id = ?`, out.State, out.Revoked, out.ID); err != nil {
			return err
		}
		t.record("credential", out.ID, "revoke", before.proto(), out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "revoke credential", err)
	}
	return &registryv1.RevokeCredentialResponse{Credential: out.proto()}, nil
}
