package registry

import (
	"context"
	"crypto/subtle"
	"net"
	"regexp"
	"strings"
	"time"

	"google.golang.org/grpc/peer"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// SessionTokenPrefix starts every admin session token.
const SessionTokenPrefix = "lgsps_"

// AdminUsername is the platform admin EnsureAdmin creates.
const AdminUsername = "admin"

var (
	reUsername  = regexp.MustCompile(`^[a-z][a-z0-9._-]{2,63}$`)
	roleToProto = map[authn.Role]registryv1.UserRole{
		authn.RolePlatformAdmin:   registryv1.UserRole_USER_ROLE_PLATFORM_ADMIN,
		authn.RoleAgencyPublisher: registryv1.UserRole_USER_ROLE_AGENCY_PUBLISHER,
		authn.RoleAgencyDeveloper: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER,
		authn.RoleAuditor:         registryv1.UserRole_USER_ROLE_AUDITOR,
	}
)

const (
	minPasswordLen = 10
	maxPasswordLen = 256
)

func roleFromProto(r registryv1.UserRole) authn.Role {
	for k, v := range roleToProto {
		if v == r {
			return k
		}
	}
	return ""
}

type userRow struct {
	Username, DisplayName, Role, Agency, PasswordHash string
	Disabled                                          bool
	Created, Updated                                  int64
}

const userColumns = `username, display_name, role, agency_code, password_hash, disabled, created_ms, updated_ms`

func scanUser(sc scanner) (userRow, error) {
	var u userRow
	err := sc.Scan(&u.Username, &u.DisplayName, &u.Role, &u.Agency, &u.PasswordHash, &u.Disabled, &u.Created, &u.Updated)
	return u, err
}

func (u userRow) proto() *registryv1.User {
	return &registryv1.User{Username: u.Username, DisplayName: u.DisplayName, Role: roleToProto[authn.Role(u.Role)],
		AgencyCode: u.Agency, Disabled: u.Disabled, CreateTime: tsOrNil(u.Created), UpdateTime: tsOrNil(u.Updated)}
}

func getUser(ctx context.Context, db *sqlstore.DB, q querier, username string) (userRow, error) {
	u, err := scanUser(q.QueryRowContext(ctx, db.Rebind(`SELECT `+userColumns+` FROM registry_users WHERE username = ?`), username))
	if errNoRows(err) {
		return u, errUserNotFound(username)
	}
	return u, err
}

func checkPasswordPolicy(field, pw string) error {
	if len([]rune(pw)) < minPasswordLen || len(pw) > maxPasswordLen {
		return errWeakPassword(field)
	}
	return nil
}

// checkUserRole validates a role and its agency.
func checkUserRole(ctx context.Context, db *sqlstore.DB, q querier, role authn.Role, agency string) error {
	switch role {
	case authn.RoleAgencyPublisher, authn.RoleAgencyDeveloper:
		if agency == "" {
			return errUserAgency
		}
		return activeAgency(ctx, db, q, "user.agency_code", agency)
	case authn.RolePlatformAdmin, authn.RoleAuditor:
		if agency != "" {
			return errAgencyForbidden
		}
		return nil
	}
	return errRole
}

// sourceOf returns the caller's address as the admin listener's
// middleware or interceptor established it (authn.SourceFrom: the socket
// peer, or the X-Forwarded-For client when the peer is a trusted proxy),
// else the gRPC peer. X-Forwarded-For is never read here: without knowing
// whether the peer is a trusted proxy, it is whatever the caller wrote.
func sourceOf(ctx context.Context) string {
	if src := authn.SourceFrom(ctx); src != "" {
		return src
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		if h, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
			return h
		}
		return p.Addr.String()
	}
	return ""
}

// Login checks a username and password and opens a session.
func (s *Service) Login(ctx context.Context, req *registryv1.LoginRequest) (*registryv1.LoginResponse, error) {
	src := sourceOf(ctx)
	name, pw := req.GetUsername(), req.GetPassword()
	if wait := s.logins.wait(name, src, s.now()); wait > 0 {
		s.metrics.loginFailures.Inc()
		s.log.WarnContext(ctx, "admin login refused: too many failures", "username", truncateID(name), "source", src,
			"retry_after", wait.Round(time.Second).String())
		return nil, errLoginBackoff(wait)
	}
	// Sizes are checked before any lookup or hashing: argon2 reads the
	// whole password.
	if len(pw) > maxPasswordLen || !reUsername.MatchString(name) {
		s.metrics.loginFailures.Inc()
		s.logins.fail("", src, s.now())
		s.log.WarnContext(ctx, "admin login refused: malformed user name or oversized password", "username", truncateID(name), "source", src)
		return nil, errBadLogin
	}
	u, err := getUser(ctx, s.db, s.db.DB, name)
	if err != nil && !isNotFound(err) {
		return nil, s.internalErr(ctx, "login", err)
	}
	known := err == nil
	hash := u.PasswordHash
	if !known {
		hash = dummyHash
	}
	ok := checkPassword(hash, pw)
	if !known || !ok || u.Disabled {
		s.metrics.loginFailures.Inc()
		failed := ""
		if known {
			failed = u.Username
		}
		s.logins.fail(failed, src, s.now())
		s.log.WarnContext(ctx, "admin login refused", "username", name, "source", src,
			"known_user", known, "disabled", u.Disabled)
		return nil, errBadLogin
	}
	s.logins.succeed(u.Username)
	token := SessionTokenPrefix + randomText(32)
	id := newID("ses")
	var expires int64
	_, err = s.write(ctx, actor{Subject: u.Username, Role: u.Role, Source: src}, func(ctx context.Context, t *wtx) error {
		now := t.now.UnixMilli()
		expires = t.now.Add(s.cfg.SessionTTL).UnixMilli()
		if _, err := t.exec(ctx, `INSERT INTO registry_sessions (id, token_hash, username, source, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?)`,
			id, sha256Hex(token), u.Username, src, now, expires); err != nil {
			return err
		}
		t.audit("session", id, "login", nil, nil)
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "login", err)
	}
	return &registryv1.LoginResponse{SessionToken: token, ExpireTime: tsOrNil(expires), User: u.proto()}, nil
}

// Logout ends the caller's session.
func (s *Service) Logout(ctx context.Context, _ *registryv1.LogoutRequest) (*registryv1.LogoutResponse, error) {
	c, err := authorize(ctx, "Logout")
	if err != nil {
		return nil, err
	}
	if c.SessionID == "" {
		return &registryv1.LogoutResponse{}, nil
	}
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		if _, err := t.exec(ctx, `UPDATE registry_sessions SET revoked_ms = ? WHERE id = ? AND revoked_ms = 0`, t.now.UnixMilli(), c.SessionID); err != nil {
			return err
		}
		t.audit("session", c.SessionID, "logout", nil, nil)
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "logout", err)
	}
	return &registryv1.LogoutResponse{}, nil
}

// WhoAmI describes the caller.
func (s *Service) WhoAmI(ctx context.Context, _ *registryv1.WhoAmIRequest) (*registryv1.WhoAmIResponse, error) {
	c, err := authorize(ctx, "WhoAmI")
	if err != nil {
		return nil, err
	}
	resp := &registryv1.WhoAmIResponse{Subject: c.Subject, Role: string(c.Role), AgencyCode: c.Agency}
	if c.SessionID != "" {
		var exp int64
		err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT expires_ms FROM registry_sessions WHERE id = ?`), c.SessionID).Scan(&exp)
		if err != nil && !errNoRows(err) {
			return nil, s.internalErr(ctx, "whoami", err)
		}
		resp.SessionExpireTime = tsOrNil(exp)
	}
	return resp, nil
}

// ChangePassword changes the caller's password and ends their other
// sessions.
func (s *Service) ChangePassword(ctx context.Context, req *registryv1.ChangePasswordRequest) (*registryv1.ChangePasswordResponse, error) {
	c, err := authorize(ctx, "ChangePassword")
	if err != nil {
		return nil, err
	}
	if err := checkPasswordPolicy("new_password", req.GetNewPassword()); err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.db, s.db.DB, c.Subject)
	if err != nil {
		return nil, s.internalErr(ctx, "change password", err)
	}
	if len(req.GetCurrentPassword()) > maxPasswordLen || !checkPassword(u.PasswordHash, req.GetCurrentPassword()) {
		return nil, errWrongPassword
	}
	hash := hashPassword(req.GetNewPassword())
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		now := t.now.UnixMilli()
		if _, err := t.exec(ctx, `UPDATE registry_users SET password_hash = ?, updated_ms = ? WHERE username = ?`, hash, now, u.Username); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `UPDATE registry_sessions SET revoked_ms = ? WHERE username = ? AND revoked_ms = 0 AND id <> ?`, now, u.Username, c.SessionID); err != nil {
			return err
		}
		t.audit("user", u.Username, "change_password", nil, nil)
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "change password", err)
	}
	return &registryv1.ChangePasswordResponse{}, nil
}

// Authenticate implements authn.Authenticator: the internal service token
// yields a RoleService principal, a session token its user's principal.
func (s *Service) Authenticate(ctx context.Context, token string) (authn.Principal, error) {
	if s.internal != nil && subtle.ConstantTimeCompare([]byte(token), s.internal) == 1 {
		return authn.Principal{Subject: "lgsp-internal", Role: authn.RoleService}, nil
	}
	p, _, err := s.authenticateSession(ctx, token)
	return p, err
}

// Authenticator returns s as an authn.Authenticator, for the admin
// listener's middleware and interceptors.
func (s *Service) Authenticator() authn.Authenticator { return s }

func (s *Service) authenticateSession(ctx context.Context, token string) (authn.Principal, int64, error) {
	if !strings.HasPrefix(token, SessionTokenPrefix) || len(token) > 128 {
		return authn.Principal{}, 0, authn.ErrUnauthenticated
	}
	var (
		p                authn.Principal
		role             string
		expires, revoked int64
		disabled         bool
	)
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT s.id, s.expires_ms, s.revoked_ms, u.username, u.role, u.agency_code, u.disabled
		FROM registry_sessions s JOIN registry_users u ON u.username = s.username WHERE s.token_hash = ?`), sha256Hex(token)).
		Scan(&p.SessionID, &expires, &revoked, &p.Subject, &role, &p.Agency, &disabled)
	if errNoRows(err) {
		return authn.Principal{}, 0, authn.ErrUnauthenticated
	}
	if err != nil {
		return authn.Principal{}, 0, s.internalErr(ctx, "authenticate session", err)
	}
	if revoked != 0 || disabled || s.now().UnixMilli() >= expires {
		return authn.Principal{}, 0, authn.ErrUnauthenticated
	}
	p.Role = authn.Role(role)
	return p, expires, nil
}

// AuthenticateSession lets another LGSP process resolve a session token.
func (s *Service) AuthenticateSession(ctx context.Context, req *registryv1.AuthenticateSessionRequest) (*registryv1.AuthenticateSessionResponse, error) {
	if _, err := authorize(ctx, "AuthenticateSession"); err != nil {
		return nil, err
	}
	p, exp, err := s.authenticateSession(ctx, req.GetSessionToken())
	if err != nil {
		return nil, errBadSession
	}
	return &registryv1.AuthenticateSessionResponse{Subject: p.Subject, Role: string(p.Role), AgencyCode: p.Agency,
		SessionId: p.SessionID, ExpireTime: tsOrNil(exp)}, nil
}

// sweepSessions deletes sessions that ended more than a day ago.
func (s *Service) sweepSessions(ctx context.Context) error {
	cutoff := s.now().Add(-24 * time.Hour).UnixMilli()
	_, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM registry_sessions WHERE expires_ms < ? OR (revoked_ms > 0 AND revoked_ms < ?)`), cutoff, cutoff)
	return err
}

// EnsureAdmin creates the platform admin "admin" with password when no user
// of that name exists; it reports whether it created it. An existing admin
// keeps its password.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (bool, error) {
	if _, err := getUser(ctx, s.db, s.db.DB, AdminUsername); err == nil {
		return false, nil
	} else if !isNotFound(err) {
		return false, err
	}
	if err := checkPasswordPolicy("password", password); err != nil {
		return false, err
	}
	hash := hashPassword(password)
	created := false
	_, err := s.write(ctx, systemActor, func(ctx context.Context, t *wtx) error {
		if _, err := getUser(ctx, s.db, t.tx, AdminUsername); err == nil {
			return nil // created concurrently
		}
		now := t.now.UnixMilli()
		u := userRow{Username: AdminUsername, DisplayName: "Platform administrator", Role: string(authn.RolePlatformAdmin),
			PasswordHash: hash, Created: now, Updated: now}
		if err := t.insertUser(ctx, u); err != nil {
			return err
		}
		t.record("user", u.Username, "create", nil, u.proto())
		created = true
		return nil
	})
	return created, err
}

func (t *wtx) insertUser(ctx context.Context, u userRow) error {
	_, err := t.exec(ctx, `INSERT INTO registry_users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.DisplayName, u.Role, u.Agency, u.PasswordHash, u.Disabled, u.Created, u.Updated)
	if sqlstore.IsUniqueViolation(err) {
		return errUserExists
	}
	return err
}

// CreateUser adds an admin console user.
func (s *Service) CreateUser(ctx context.Context, req *registryv1.CreateUserRequest) (*registryv1.CreateUserResponse, error) {
	c, err := authorize(ctx, "CreateUser")
	if err != nil {
		return nil, err
	}
	in := req.GetUser()
	if !reUsername.MatchString(in.GetUsername()) {
		return nil, errUsername
	}
	if len([]rune(in.GetDisplayName())) > maxNameLen {
		return nil, errDisplayName
	}
	if err := checkText("user.display_name", strings.TrimSpace(in.GetDisplayName()), ruleName); err != nil {
		return nil, err
	}
	role := roleFromProto(in.GetRole())
	if role == "" {
		return nil, errRole
	}
	if err := checkPasswordPolicy("password", req.GetPassword()); err != nil {
		return nil, err
	}
	hash := hashPassword(req.GetPassword())
	var out userRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		if err := checkUserRole(ctx, s.db, t.tx, role, in.GetAgencyCode()); err != nil {
			return err
		}
		now := t.now.UnixMilli()
		out = userRow{Username: in.GetUsername(), DisplayName: strings.TrimSpace(in.GetDisplayName()), Role: string(role),
			Agency: in.GetAgencyCode(), PasswordHash: hash, Disabled: in.GetDisabled(), Created: now, Updated: now}
		if err := t.insertUser(ctx, out); err != nil {
			return err
		}
		t.record("user", out.Username, "create", nil, out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create user", err)
	}
	return &registryv1.CreateUserResponse{User: out.proto()}, nil
}

// GetUser returns one user.
func (s *Service) GetUser(ctx context.Context, req *registryv1.GetUserRequest) (*registryv1.GetUserResponse, error) {
	if _, err := authorize(ctx, "GetUser"); err != nil {
		return nil, err
	}
	if err := requireID("username", req.GetUsername()); err != nil {
		return nil, err
	}
	u, err := getUser(ctx, s.db, s.db.DB, req.GetUsername())
	if err != nil {
		return nil, s.internalErr(ctx, "get user", err)
	}
	return &registryv1.GetUserResponse{User: u.proto()}, nil
}

// ListUsers lists users by name.
func (s *Service) ListUsers(ctx context.Context, req *registryv1.ListUsersRequest) (*registryv1.ListUsersResponse, error) {
	if _, err := authorize(ctx, "ListUsers"); err != nil {
		return nil, err
	}
	resp := &registryv1.ListUsersResponse{}
	next, err := listPage(ctx, s.db, &listQuery{}, `SELECT `+userColumns+` FROM registry_users`, "username", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (string, error) {
			u, err := scanUser(sc)
			if err != nil {
				return "", err
			}
			resp.Users = append(resp.Users, u.proto())
			return u.Username, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list users", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// UpdateUser changes a user. A change of role, agency, password or
// disabling ends the user's sessions. The last enabled platform admin cannot
// be demoted or disabled.
func (s *Service) UpdateUser(ctx context.Context, req *registryv1.UpdateUserRequest) (*registryv1.UpdateUserResponse, error) {
	c, err := authorize(ctx, "UpdateUser")
	if err != nil {
		return nil, err
	}
	if err := requireID("user.username", req.GetUser().GetUsername()); err != nil {
		return nil, err
	}
	paths, err := maskPaths(req.GetUpdateMask(), "display_name", "role", "agency_code", "disabled")
	if err != nil {
		return nil, err
	}
	in := req.GetUser()
	var hash string
	if req.GetNewPassword() != "" {
		if err := checkPasswordPolicy("new_password", req.GetNewPassword()); err != nil {
			return nil, err
		}
		hash = hashPassword(req.GetNewPassword())
	}
	var out userRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getUser(ctx, s.db, t.tx, in.GetUsername())
		if err != nil {
			return err
		}
		out = before
		if paths["display_name"] {
			if len([]rune(in.GetDisplayName())) > maxNameLen {
				return errDisplayName
			}
			if err := checkText("user.display_name", strings.TrimSpace(in.GetDisplayName()), ruleName); err != nil {
				return err
			}
			out.DisplayName = strings.TrimSpace(in.GetDisplayName())
		}
		if paths["role"] {
			r := roleFromProto(in.GetRole())
			if r == "" {
				return errRole
			}
			out.Role = string(r)
		}
		if paths["agency_code"] {
			out.Agency = in.GetAgencyCode()
		}
		if paths["disabled"] {
			out.Disabled = in.GetDisabled()
		}
		if err := checkUserRole(ctx, s.db, t.tx, authn.Role(out.Role), out.Agency); err != nil {
			return err
		}
		wasAdmin := before.Role == string(authn.RolePlatformAdmin) && !before.Disabled
		isAdmin := out.Role == string(authn.RolePlatformAdmin) && !out.Disabled
		if wasAdmin && !isAdmin {
			var n int
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM registry_users WHERE role = ? AND NOT disabled AND username <> ?`,
				string(authn.RolePlatformAdmin), before.Username).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errLastAdmin
			}
		}
		if hash != "" {
			out.PasswordHash = hash
		}
		now := t.now.UnixMilli()
		out.Updated = now
		if _, err := t.exec(ctx, `UPDATE registry_users SET display_name = ?, role = ?, agency_code = ?, password_hash = ?, disabled = ?, updated_ms = ? WHERE username = ?`,
			out.DisplayName, out.Role, out.Agency, out.PasswordHash, out.Disabled, now, out.Username); err != nil {
			return err
		}
		if hash != "" || out.Role != before.Role || out.Agency != before.Agency || (out.Disabled && !before.Disabled) {
			if _, err := t.exec(ctx, `UPDATE registry_sessions SET revoked_ms = ? WHERE username = ? AND revoked_ms = 0`, now, out.Username); err != nil {
				return err
			}
		}
		action := "update"
		if hash != "" {
			action = "update_with_password"
		}
		t.record("user", out.Username, action, before.proto(), out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "update user", err)
	}
	return &registryv1.UpdateUserResponse{User: out.proto()}, nil
}
