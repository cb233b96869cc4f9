package registry

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"
	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/migrations"
)

// TestCertificateBelongsToOneApplication is the regression test of the
// review's second finding: a developer of agency B who knows agency A's
// (public) certificate cannot bind it to B's applications, however many
// they create, so the gateway always finds A's application for it.
func TestCertificateBelongsToOneApplication(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.agency(t, agencyA)
		e.agency(t, agencyB)
		devA, devB := as(authn.RoleAgencyDeveloper, agencyA), as(authn.RoleAgencyDeveloper, agencyB)
		fp := strings.Repeat("0f", 32)
		colons := strings.ToUpper(strings.TrimSuffix(strings.Repeat("0f:", 32), ":"))
		appA := must(e.s.CreateApplication(devA, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
			Name: "Một cửa điện tử", CertFingerprint: fp}}))(t).GetApplication()

		create := func(ctx context.Context, name, fp string) error {
			return ignore(e.s.CreateApplication(ctx, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
				Name: name, AgencyCode: agencyB, CertFingerprint: fp}}))
		}
		// Whatever the spelling, whoever asks, however often.
		for i, try := range []struct {
			ctx context.Context
			fp  string
		}{{devB, fp}, {devB, colons}, {devB, " " + strings.ToUpper(fp) + " "}, {adminCtx(), fp}} {
			name := "takeover-" + string(rune('a'+i))
			err := create(try.ctx, name, try.fp)
			wantErr(t, err, codes.AlreadyExists, "duplicate_cert_fingerprint")
			if _, status := apierr.FromError(err); status != 409 {
				t.Fatalf("duplicate certificate answers HTTP %d, want 409", status)
			}
		}
		appB := must(e.s.CreateApplication(devB, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "app-b"}}))(t).GetApplication()
		setCert := func(ctx context.Context, id, fp string) error {
			return ignore(e.s.UpdateApplication(ctx, &registryv1.UpdateApplicationRequest{
				Application: &registryv1.Application{Id: id, CertFingerprint: fp}, UpdateMask: mask("cert_fingerprint")}))
		}
		wantErr(t, setCert(devB, appB.GetId(), colons), codes.AlreadyExists, "duplicate_cert_fingerprint")
		// A suspended application keeps its certificate to itself.
		must(e.s.SuspendApplication(adminCtx(), &registryv1.SuspendApplicationRequest{Id: appA.GetId()}))(t)
		wantErr(t, setCert(devB, appB.GetId(), fp), codes.AlreadyExists, "duplicate_cert_fingerprint")
		must(e.s.ResumeApplication(adminCtx(), &registryv1.ResumeApplicationRequest{Id: appA.GetId()}))(t)
		// The holder may write its own fingerprint again (a full update).
		must(e.s.UpdateApplication(devA, &registryv1.UpdateApplicationRequest{Application: &registryv1.Application{
			Id: appA.GetId(), Name: "Một cửa điện tử tỉnh", CertFingerprint: colons}}))(t)

		holders := func() []string {
			var out []string
			snap := must(e.s.LocalGatewayClient().GetSnapshot(context.Background(), &registryv1.GetSnapshotRequest{}))(t).GetSnapshot()
			for _, a := range snap.GetApplications() {
				if a.GetCertFingerprint() == fp {
					out = append(out, a.GetId())
				}
			}
			return out
		}
		if h := holders(); len(h) != 1 || h[0] != appA.GetId() {
			t.Fatalf("applications holding the certificate: %v, want only %s", h, appA.GetId())
		}
		// The database refuses a second holder too.
		_, err := db.ExecContext(context.Background(), db.Rebind(`UPDATE registry_applications SET cert_fingerprint = ? WHERE id = ?`), fp, appB.GetId())
		if !sqlstore.IsUniqueViolation(err) {
			t.Fatalf("a second holder written in SQL: %v", err)
		}
		// Released, it may be bound elsewhere.
		must(e.s.UpdateApplication(devA, &registryv1.UpdateApplicationRequest{Application: &registryv1.Application{Id: appA.GetId()}, UpdateMask: mask("cert_fingerprint")}))(t)
		if err := setCert(devB, appB.GetId(), fp); err != nil {
			t.Fatal(err)
		}
		if h := holders(); len(h) != 1 || h[0] != appB.GetId() {
			t.Fatalf("after the move: %v", h)
		}
	})
}

// TestSystemIDBelongsToItsAgency is the regression test of the review's
// signed-header finding: a systemid that carries an agency identifier code
// may only be taken for that agency or an agency under it, and systemids
// are unique platform-wide whatever their case.
func TestSystemIDBelongsToItsAgency(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		const (
			child      = "000.01.01.H30" // under agencyA
			grandchild = "001.01.01.H30" // under child
			unknown    = "000.00.09.H30"
		)
		e.agency(t, agencyA)
		e.agency(t, agencyB)
		must(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: child, Name: "Sở Tư pháp", ParentCode: agencyA}}))(t)
		must(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: grandchild, Name: "Phòng Hộ tịch", ParentCode: child}}))(t)
		appOf := map[string]string{}
		for _, code := range []string{agencyA, agencyB, child} {
			appOf[code] = e.app(t, code, "app").GetId()
		}
		claim := func(agency, systemID string) error {
			return ignore(e.s.CreateCredential(as(authn.RoleAgencyDeveloper, agency), &registryv1.CreateCredentialRequest{
				ApplicationId: appOf[agency], Type: registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER, SystemId: systemID}))
		}
		for _, c := range []struct{ agency, systemID string }{
			{agencyB, agencyA},
			{agencyB, agencyA + "-portal"},
			{agencyB, "portal:" + agencyA},
			{agencyB, strings.ToLower(agencyA) + "-x"},
			{agencyB, "x" + agencyA + "9"},
			{agencyB, child},
			{agencyB, unknown},
			{agencyB, agencyB + "." + agencyA},
			{child, agencyA}, // a child does not speak for its parent
		} {
			err := claim(c.agency, c.systemID)
			wantErr(t, err, codes.PermissionDenied, "system_id_not_owned")
		}
		for _, c := range []struct{ agency, systemID string }{
			{agencyA, agencyA},
			{agencyA, child + "-portal"},
			{agencyA, grandchild},
			{child, child + "-motcua"},
			{agencyB, "vbdh-" + agencyB},
			{agencyB, "sys-portal"},
		} {
			if err := claim(c.agency, c.systemID); err != nil {
				t.Fatalf("%s taking %q: %v", c.agency, c.systemID, err)
			}
		}
		// Unique platform-wide, whatever the case.
		for _, s := range []string{agencyA, "SYS-PORTAL", "Sys-Portal"} {
			wantErr(t, claim(agencyA, s), codes.AlreadyExists, "duplicate_key_id")
		}
	})
}

// TestOwnershipMigration runs 00002 over a database written before it,
// with a certificate bound to three applications of two agencies and to
// two created in the same millisecond: the oldest keeps it, the others are
// noted and cleared, gateways are told, and the down migration puts them
// back. Stored upstream secrets are taken as a platform admin's.
func TestOwnershipMigration(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		first, err := fs.ReadFile(migrations.FS, "00001_registry.sql")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, fstest.MapFS{"00001_registry.sql": {Data: first}}, ServiceName); err != nil {
			t.Fatal(err)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, db.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		for _, code := range []string{agencyA, agencyB} {
			exec(`INSERT INTO registry_agencies (code, name, status, created_ms, updated_ms) VALUES (?, ?, 'active', 1, 1)`, code, code)
		}
		x, y, z := strings.Repeat("aa", 32), strings.Repeat("bb", 32), strings.Repeat("cc", 32)
		apps := []struct {
			id, agency, fp string
			created        int64
		}{
			{"app_b1", agencyB, x, 200}, {"app_a", agencyA, x, 100}, {"app_b2", agencyB, x, 300},
			{"app_y", agencyA, y, 400}, {"app_t2", agencyB, z, 500}, {"app_t1", agencyA, z, 500}, {"app_none", agencyA, "", 600},
		}
		for _, a := range apps {
			exec(`INSERT INTO registry_applications (id, name, description, agency_code, state, cert_fingerprint, created_ms, updated_ms)
				VALUES (?, ?, '', ?, 'active', ?, ?, ?)`, a.id, a.id, a.agency, a.fp, a.created, a.created)
		}
		for id, sealed := range map[string]string{"api_secret": "sealed-bytes", "api_plain": ""} {
			exec(`INSERT INTO registry_apis (id, name, context, context_key, version, owner_agency, visibility, lifecycle, spec, upstream_secrets, created_ms, updated_ms)
				VALUES (?, ?, ?, ?, '1.0', ?, 'private', 'draft', '{}', ?, 1, 1)`, id, id, id, id, agencyA, sealed)
		}

		if err := db.Migrate(ctx, migrations.FS, ServiceName); err != nil {
			t.Fatalf("the migration fails on duplicates: %v", err)
		}
		fingerprints := func() map[string]string {
			out := map[string]string{}
			rows, err := db.QueryContext(ctx, `SELECT id, cert_fingerprint FROM registry_applications`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id, fp string
				if err := rows.Scan(&id, &fp); err != nil {
					t.Fatal(err)
				}
				out[id] = fp
			}
			return out
		}
		want := map[string]string{"app_a": x, "app_b1": "", "app_b2": "", "app_y": y, "app_t1": z, "app_t2": "", "app_none": ""}
		got := fingerprints()
		for id, fp := range want {
			if got[id] != fp {
				t.Fatalf("after the migration %s holds %q, want %q (all: %v)", id, got[id], fp, got)
			}
		}
		noted := map[string]string{}
		rows, err := db.QueryContext(ctx, `SELECT application_id, cert_fingerprint, kept_by FROM registry_cert_fingerprint_conflicts`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, fp, kept string
			if err := rows.Scan(&id, &fp, &kept); err != nil {
				t.Fatal(err)
			}
			noted[id] = fp[:2] + ">" + kept
		}
		rows.Close()
		if len(noted) != 3 || noted["app_b1"] != "aa>app_a" || noted["app_b2"] != "aa>app_a" || noted["app_t2"] != "cc>app_t1" {
			t.Fatalf("conflicts noted: %v", noted)
		}
		var rev int64
		if err := db.QueryRowContext(ctx, `SELECT revision FROM registry_state WHERE id = 1`).Scan(&rev); err != nil || rev != 1 {
			t.Fatalf("revision after clearing fingerprints = %d (%v), want 1", rev, err)
		}
		for id, want := range map[string]string{"api_secret": "platform_admin", "api_plain": ""} {
			var by string
			if err := db.QueryRowContext(ctx, db.Rebind(`SELECT upstream_set_by FROM registry_apis WHERE id = ?`), id).Scan(&by); err != nil || by != want {
				t.Fatalf("%s upstream_set_by = %q (%v), want %q", id, by, err, want)
			}
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`UPDATE registry_applications SET cert_fingerprint = ? WHERE id = ?`), x, "app_b1"); !sqlstore.IsUniqueViolation(err) {
			t.Fatalf("a duplicate after the migration: %v", err)
		}

		// Down: the cleared fingerprints come back, the column goes.
		dialect := goose.DialectSQLite3
		if db.Dialect == sqlstore.Postgres {
			dialect = goose.DialectPostgres
		}
		p, err := goose.NewProvider(dialect, db.DB, migrations.FS, goose.WithTableName(sqlstore.VersionTable(ServiceName)), goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.DownTo(ctx, 1); err != nil { // later migrations go first
			t.Fatalf("down: %v", err)
		}
		got = fingerprints()
		if got["app_b1"] != x || got["app_b2"] != x || got["app_t2"] != z || got["app_a"] != x {
			t.Fatalf("after down: %v", got)
		}
		if _, err := db.ExecContext(ctx, `SELECT upstream_set_by FROM registry_apis`); err == nil {
			t.Fatal("upstream_set_by survived the down migration")
		}
	})
}

// TestCheckText: the one function every stored text goes through.
func TestCheckText(t *testing.T) {
	names := []string{"Sở Tư pháp", "Một cửa điện tử", "Ủy ban nhân dân tỉnh Hà Giang", "Đài Phát thanh & Truyền hình",
		"So\u031b\u0309 Tu\u031b pha\u0301p", // decomposed diacritics
		"Cổng dịch vụ công (v2.0) – “mẫu”", "東京", "مرحبا"}
	for _, s := range names {
		for _, rule := range []textRule{ruleName, ruleText, ruleValue} {
			if err := checkText("f", s, rule); err != nil {
				t.Errorf("%q refused (rule %d): %v", s, rule, err)
			}
		}
	}
	bad := []string{"a\x00b", "\x1b[2J", "a\x07", "\x7f", "a\u0085b", "a\u009bb", "\u202egpj.exe", "a\u202ab", "\u2066x\u2069",
		"a\u200eb", "a\u200fb", "a\u061cb", "zero\u200bwidth", "a\u200cb", "a\u200db", "a\u2060b", "a\u2063b", "\ufeffBOM",
		"line\u2028sep", "para\u2029sep", "lone\rCR", "\xff\xfe", "a\xc0\x80"}
	for _, s := range bad {
		for _, rule := range []textRule{ruleName, ruleText, ruleValue} {
			if err := checkText("f", s, rule); err == nil {
				t.Errorf("%q accepted (rule %d)", s, rule)
			}
		}
	}
	for _, s := range []string{"a\nb", "a\tb", "a\r\nb"} {
		if checkText("f", s, ruleText) != nil || checkText("f", s, ruleName) == nil || checkText("f", s, ruleValue) == nil {
			t.Errorf("%q: line breaks and tabs belong in descriptions only", s)
		}
	}
	for _, s := range []string{"<script>alert(1)</script>", "a > b", "<"} {
		if checkText("f", s, ruleName) == nil || checkText("f", s, ruleText) != nil || checkText("f", s, ruleValue) != nil {
			t.Errorf("%q: markup is refused in names only", s)
		}
	}
	err := checkText("api.name", "\u202e", ruleName)
	wantErr(t, err, codes.InvalidArgument, "invalid_characters")
	if ae := err.(*apierr.Error); ae.Field != "api.name" {
		t.Errorf("field %q", ae.Field)
	}
}

// TestTextFieldsRefuseUnsafeCharacters is the regression test of the
// review's finding on names: every human-readable field the registry
// stores refuses control, invisible and direction characters (and markup
// in names), and keeps Vietnamese text as it was written.
func TestTextFieldsRefuseUnsafeCharacters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		sub := must(e.s.CreateSubscription(adminCtx(), &registryv1.CreateSubscriptionRequest{ApplicationId: f.appB.GetId(), ApiId: f.publicAPI.GetId(), Tier: "Gold"}))(t).GetSubscription()
		apiWith := func(mod func(a *registryv1.Api)) *registryv1.CreateApiRequest { return apiReq(f.a, mod) }
		must(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "auditor1", DisplayName: "Thanh tra Sở",
			Role: registryv1.UserRole_USER_ROLE_AUDITOR}, Password: "a-long-password-1"}))(t)
		for _, bad := range []string{"Sở Tư pháp\x00", "Sở\x1b]0;pwned\x07", "Sở \u202eTư pháp", "Sở\u200bTư pháp", "Sở\u2066Tư\u2069"} {
			for field, call := range map[string]func() error{
				"agency.name": func() error {
					return ignore(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.07.H30", Name: bad}}))
				},
				"agency.name/update": func() error {
					return ignore(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: f.a, Name: bad}, UpdateMask: mask("name")}))
				},
				"api.name": func() error {
					return ignore(e.s.CreateApi(adminCtx(), apiWith(func(a *registryv1.Api) { a.Name = bad })))
				},
				"api.name/update": func() error {
					return ignore(e.s.UpdateApi(adminCtx(), &registryv1.UpdateApiRequest{Api: &registryv1.Api{Id: f.draftAPI.GetId(), Name: bad}, UpdateMask: mask("name")}))
				},
				"api.description": func() error {
					return ignore(e.s.CreateApi(adminCtx(), apiWith(func(a *registryv1.Api) { a.Description = bad })))
				},
				"api.name/openapi": func() error {
					return ignore(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: apiWith(func(a *registryv1.Api) { a.Name = "" }).Api,
						OpenapiDocument: `{"openapi":"3.0.0","info":{"title":"` + jsonEscape(bad) + `"},"paths":{"/x":{"get":{}}}}`}))
				},
				"api.upstream_auth.username": func() error {
					return ignore(e.s.CreateApi(adminCtx(), apiWith(func(a *registryv1.Api) {
						a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: bad, Password: "p"}
					})))
				},
				"api.resources[0].path": func() error {
					return ignore(e.s.CreateApi(adminCtx(), apiWith(func(a *registryv1.Api) {
						a.Resources = []*registryv1.ApiResource{{Method: "GET", Path: "/" + strings.ReplaceAll(bad, " ", "-")}}
					})))
				},
				"application.name": func() error {
					return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: bad, AgencyCode: f.a}}))
				},
				"user.display_name": func() error {
					return ignore(e.s.CreateUser(adminCtx(), &registryv1.CreateUserRequest{User: &registryv1.User{Username: "auditor2", DisplayName: bad,
						Role: registryv1.UserRole_USER_ROLE_AUDITOR}, Password: "a-long-password-1"}))
				},
				"user.display_name/update": func() error {
					return ignore(e.s.UpdateUser(adminCtx(), &registryv1.UpdateUserRequest{User: &registryv1.User{Username: "auditor1", DisplayName: bad}, UpdateMask: mask("display_name")}))
				},
				"application.name/update": func() error {
					return ignore(e.s.UpdateApplication(adminCtx(), &registryv1.UpdateApplicationRequest{Application: &registryv1.Application{Id: f.appA.GetId(), Name: bad}, UpdateMask: mask("name")}))
				},
				"application.description": func() error {
					return ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: "n", Description: bad, AgencyCode: f.a}}))
				},
				"description": func() error {
					return ignore(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY, Description: bad}))
				},
				"tier.description": func() error {
					return ignore(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "Silver", Description: bad, RatePerSecond: 1, Burst: 1}}))
				},
				"reason": func() error {
					return ignore(e.s.RejectSubscription(adminCtx(), &registryv1.RejectSubscriptionRequest{Id: sub.GetId(), Reason: bad}))
				},
			} {
				err := call()
				wantErr(t, err, codes.InvalidArgument, "invalid_characters")
				var ae *apierr.Error
				if want, _, _ := strings.Cut(field, "/"); !errors.As(err, &ae) || ae.Field != want {
					t.Errorf("%s: error names field %q", field, ae.Field)
				}
			}
		}
		for _, bad := range []string{"<b>Sở</b>", "Sở Tư pháp\nline 2"} {
			wantErr(t, ignore(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{Name: bad, AgencyCode: f.a}})),
				codes.InvalidArgument, "invalid_characters")
		}

		// Vietnamese passes untouched; descriptions keep their lines and markup.
		ag := must(e.s.CreateAgency(adminCtx(), &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: "000.00.08.H30", Name: "Sở Tư pháp"}}))(t).GetAgency()
		app := must(e.s.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
			Name: "Một cửa điện tử", AgencyCode: ag.GetCode(), Description: "Dòng 1\r\nDòng 2 <i>ghi chú</i>\tcột"}}))(t).GetApplication()
		if ag.GetName() != "Sở Tư pháp" || app.GetName() != "Một cửa điện tử" || app.GetDescription() != "Dòng 1\r\nDòng 2 <i>ghi chú</i>\tcột" {
			t.Fatalf("Vietnamese text changed: %q %q %q", ag.GetName(), app.GetName(), app.GetDescription())
		}
	})
}

func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' {
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
