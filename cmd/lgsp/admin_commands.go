package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// The commands of `lgsp admin`, one entry each (see op in admin_ops.go).
// Routes are those of proto/http.yaml; a test checks that they agree.

// Tables: the columns shown for each resource, by JSON field name.
var (
	agencyTable = table(&registryv1.Agency{}, "code name parentCode status successorCode")
	apiTable    = table(&registryv1.Api{}, "id context version name ownerAgency lifecycle visibility approvalMode endpoints")
	apiDetail   = detail(&registryv1.Api{}, "id name context version description ownerAgency lifecycle visibility approvalMode "+
		"anonymousAccess authMethods endpoints upstreamAuth resources maxBodyBytes timeoutMs sunsetTime")
	apiAuth      = detail(&registryv1.Api{}, "id context version authMethods")
	tierTable    = table(&registryv1.Tier{}, "name ratePerSecond burst monthlyQuota description").with("monthlyQuota", unlimitedIfZero)
	appTable     = table(&registryv1.Application{}, "id name agencyCode state createTime")
	appCert      = detail(&registryv1.Application{}, "id name agencyCode state certFingerprint updateTime")
	credTable    = table(&registryv1.Credential{}, "id type keyId state expireTime createTime")
	subTable     = table(&registryv1.Subscription{}, "id applicationId applicationAgency apiId tier state decidedBy updateTime")
	userTable    = table(&registryv1.User{}, "username displayName role agencyCode disabled")
	keyTable     = table(&registryv1.SigningKey{}, "kid algorithm state createTime rotateTime retireTime")
	issuerTable  = table(&registryv1.TrustedIssuer{}, "id name issuer applicationId audiences disabled")
	issuerDetail = detail(&registryv1.TrustedIssuer{}, "id name issuer jwksUrl allowHttp audiences applicationId requiredClaims leewaySeconds disabled createTime updateTime")
)

// adminTopOps are the commands directly under `lgsp admin`.
var adminTopOps = []op{
	{
		use: "login", short: "Log in and keep the session token / Đăng nhập",
		long: "Log in to the admin API and keep the session token.\n\n" + adminURLHelp + "\n\n" + sessionHelp,
		rpc:  "Login", route: "POST /admin/v1/auth/login", public: true,
		flags:    []param{flag("username", "username", "username").withShort("u").require()},
		password: true, passwordEnv: envAdminPass,
		then: saveLogin,
	},
	{
		use: "logout", short: "End the session / Đăng xuất",
		rpc: "Logout", route: "POST /admin/v1/auth/logout",
		then: forgetLogin,
	},
	{
		use: "whoami", short: "Show the logged-in user / Người dùng hiện tại",
		rpc: "WhoAmI", route: "GET /admin/v1/auth/whoami",
		show: detail(&registryv1.WhoAmIResponse{}, "subject role agencyCode sessionExpireTime"),
	},
}

// adminGroups are the nouns of `lgsp admin` and their commands.
var adminGroups = []group{
	{use: "agencies", aliases: []string{"agency"}, short: "Agencies / Cơ quan", ops: []op{
		{
			use: "create", short: "Register an agency by its identifier code",
			rpc: "CreateAgency", route: "POST /admin/v1/agencies", body: "agency",
			flags: []param{
				flag("code", "agency.code", "identifier code LLL.LL.LL.XNN, e.g. 000.00.00.H30"),
				flag("name", "agency.name", "name"),
				flag("parent", "agency.parent_code", "parent agency code"),
			},
			show: agencyTable,
		},
		{use: "list", short: "List agencies", rpc: "ListAgencies", route: "GET /admin/v1/agencies", show: agencyTable},
		{
			use:   "succeed CODE --successor NEW_CODE",
			short: "Record that CODE was replaced by NEW_CODE (renaming or merger); its APIs, applications and users move",
			rpc:   "SucceedAgency", route: "POST /admin/v1/agencies/{code}:succeed",
			args:  []param{arg("CODE", "code")},
			flags: []param{flag("successor", "successor_code", "the new agency code")},
			show:  agencyTable,
		},
	}},
	{use: "apis", aliases: []string{"api"}, short: "APIs / Dịch vụ API", ops: []op{
		{
			use: "create", short: "Register an API version (a draft), optionally from an OpenAPI document",
			example: `  lgsp admin apis create --name "CSDL DKDN" --context apiCSDLDKDN --version 1.0 \
    --owner 000.00.00.H30 --upstream http://10.0.0.5:8080/apiCSDLDKDN/1.0 --visibility public
  lgsp admin apis create --context dmdc --version 1.0 --owner 000.00.00.H30 \
    --upstream https://dmdc.example.gov.vn/1.0 --openapi dmdc.yaml`,
			rpc: "CreateApi", route: "POST /admin/v1/apis",
			flags: append([]param{
				flag("name", "api.name", "name (default: the OpenAPI title)"),
				flag("context", "api.context", "first path segment on the gateway, e.g. apiCSDLDKDN"),
				flag("version", "api.version", "version, e.g. 1.0"),
				flag("description", "api.description", "description"),
				flag("owner", "api.owner_agency", "owner agency code (default: a publisher's own agency)"),
				flag("resource", "api.resources", `resource "METHOD /path", repeatable`),
				flag("visibility", "api.visibility", "public (catalog) or private (default)"),
				flag("approval", "api.approval_mode", "automatic or manual (default) subscription approval").withAliases("auto", "automatic"),
				flag("anonymous", "api.anonymous_access", "serve without any credential (open data)"),
				flag("max-body", "api.max_body_bytes", "maximum request body in bytes (0: platform default)"),
				flag("timeout", "api.timeout_ms", "upstream timeout (0: platform default)").as(millis),
				authFlag,
				errorStyleFlag,
				flag("openapi", "openapi_document", "OpenAPI 3 / Swagger 2 file (JSON or YAML) defining the resources").as(fileContents),
			}, upstreamFlags...),
			prepare: placeUpstreamSecret,
			show:    apiTable,
		},
		{
			use: "list", short: "List APIs", rpc: "ListApis", route: "GET /admin/v1/apis",
			flags: []param{
				flag("owner", "owner_agency", "only APIs of this agency"),
				flag("lifecycle", "lifecycle", "draft, published, deprecated or retired"),
			},
			show: apiTable,
		},
		{
			use: "get ID", short: "Show one API", rpc: "GetApi", route: "GET /admin/v1/apis/{id}",
			args: []param{arg("ID", "id")}, show: apiDetail,
		},
		{
			use: "transition ID STATE", short: "Move an API along its lifecycle: published, deprecated or retired",
			rpc: "TransitionApi", route: "POST /admin/v1/apis/{id}:transition",
			args:  []param{arg("ID", "id"), arg("STATE", "lifecycle")},
			flags: []param{flag("sunset", "sunset_time", "sunset time announced when deprecating (RFC 3339)")},
			show:  apiTable,
		},
		{
			use: "import-openapi ID FILE", short: "Replace an API's resources with the paths of an OpenAPI document",
			rpc: "ImportOpenApi", route: "POST /admin/v1/apis/{id}:importOpenApi",
			args: []param{arg("ID", "id"), arg("FILE", "openapi_document").as(fileContents)},
			show: apiTable,
		},
		{
			use:   "set-auth ID --auth METHOD [--auth METHOD ...]",
			short: "Replace the ways consumers may authenticate to an API: jwt, api-key, signed-header, mtls",
			example: `  lgsp admin apis set-auth api_… --auth mtls
  lgsp admin apis set-auth api_… --auth jwt --auth mtls`,
			rpc: "UpdateApi", route: "PATCH /admin/v1/apis/{api.id}", body: "api", mask: true,
			args:  []param{arg("ID", "api.id")},
			flags: []param{authFlag.require()},
			show:  apiAuth,
		},
		{
			use:     "set-error-style ID STYLE",
			short:   "How the gateway answers its own refusals on an API: lgsp (JSON) or national-axis",
			example: `  lgsp admin apis set-error-style api_… national-axis`,
			rpc:     "UpdateApi", route: "PATCH /admin/v1/apis/{api.id}", body: "api", mask: true,
			args: []param{arg("ID", "api.id"), arg("STYLE", "api.error_style")},
			show: apiTable,
		},
		{
			use:   "set-upstream ID --upstream URL [--upstream-auth TYPE ...]",
			short: "Replace an API's upstream endpoints, and its upstream authentication when --upstream-auth is given",
			long: "Replace an API's upstream endpoints, and its upstream authentication when --upstream-auth is given.\n\n" +
				"A stored upstream secret never follows a new address: when the endpoints, the auth type, the token URL or the\n" +
				"system id change, give the secret again (--upstream-auth with --upstream-secret-file or $LGSP_UPSTREAM_SECRET).\n" +
				"An upstream whose secret a platform admin set can only be changed by a platform admin.\n\n" +
				"Bí mật upstream không đi theo địa chỉ mới: khi đổi endpoint, kiểu xác thực, token URL hoặc system id, hãy gửi lại bí mật.",
			rpc: "UpdateApi", route: "PATCH /admin/v1/apis/{api.id}", body: "api", mask: true,
			args:  []param{arg("ID", "api.id")},
			flags: upstreamFlags, prepare: placeUpstreamSecret,
			show: apiTable,
		},
	}},
	{use: "tiers", aliases: []string{"tier"}, short: "Policy tiers / Gói chính sách", ops: []op{
		{
			use: "create", short: "Create a tier", rpc: "CreateTier", route: "POST /admin/v1/tiers", body: "tier",
			flags: []param{
				flag("name", "tier.name", "name, e.g. Gold"),
				flag("description", "tier.description", "description"),
				flag("rate", "tier.rate_per_second", "requests per second"),
				flag("burst", "tier.burst", "burst"),
				flag("quota", "tier.monthly_quota", "requests per calendar month (0: unlimited)"),
			},
			show: tierTable,
		},
		{use: "list", short: "List tiers", rpc: "ListTiers", route: "GET /admin/v1/tiers", show: tierTable},
	}},
	{use: "apps", aliases: []string{"applications", "app"}, short: "Consumer applications / Ứng dụng", ops: []op{
		{
			use: "create", short: "Register a consumer application",
			rpc: "CreateApplication", route: "POST /admin/v1/applications", body: "application",
			flags: []param{
				flag("name", "application.name", "name"),
				flag("agency", "application.agency_code", "owner agency code (default: a developer's own agency)"),
				flag("description", "application.description", "description"),
				flag("cert-fingerprint", "application.cert_fingerprint", "SHA-256 fingerprint of the client certificate, for mTLS"),
				certFlag,
			},
			prepare: func(cmd *cobra.Command, req proto.Message) error {
				return certFingerprint(cmd, req.(*registryv1.CreateApplicationRequest).GetApplication())
			},
			show: appTable,
		},
		{
			use:   "set-certificate ID (--cert FILE | --fingerprint SHA256 | --clear)",
			short: "Bind, replace or clear (revoke) an application's client certificate for mTLS",
			long: "Bind an application's client certificate for mTLS, replace it, or clear it.\n\n" +
				"The gateway identifies the application by the SHA-256 fingerprint of the certificate a client presents\n" +
				"(the API must accept mtls: lgsp admin apis set-auth). A certificate belongs to one application only.\n" +
				"--cert reads a PEM or DER certificate and sends only its fingerprint; --clear revokes the binding, and\n" +
				"the gateway then refuses the certificate.\n\n" +
				"Gắn, thay hoặc gỡ (thu hồi) chứng thư số của ứng dụng cho mTLS; mỗi chứng thư chỉ thuộc một ứng dụng.",
			example: `  lgsp admin apps set-certificate app_… --cert client.pem
  lgsp admin apps set-certificate app_… --fingerprint 3F:A2:…:9C
  lgsp admin apps set-certificate app_… --clear`,
			rpc: "UpdateApplication", route: "PATCH /admin/v1/applications/{application.id}", body: "application",
			args: []param{arg("ID", "application.id")},
			flags: []param{
				flag("fingerprint", "application.cert_fingerprint", "SHA-256 fingerprint of the DER certificate, hex with or without ':'"),
				certFlag,
			},
			switches: []param{flag("clear", "", "remove the certificate: the gateway refuses it from the next snapshot")},
			prepare:  setCertificate,
			show:     appCert,
		},
		{
			use: "list", short: "List applications", rpc: "ListApplications", route: "GET /admin/v1/applications",
			flags: []param{flag("agency", "agency_code", "only applications of this agency")},
			show:  appTable,
		},
		withReason("suspend", "Suspend an application: all its credentials stop working", "SuspendApplication",
			"/admin/v1/applications/{id}:suspend", "reason, for the audit log", appTable),
		withReason("resume", "Resume a suspended application", "ResumeApplication",
			"/admin/v1/applications/{id}:resume", "reason, for the audit log", appTable),
	}},
	{use: "credentials", aliases: []string{"credential", "creds"}, short: "Application credentials / Thông tin xác thực", ops: []op{
		{
			use: "create --app ID --type oauth2|apikey|signed-header", short: "Issue a credential; its secret is shown once",
			rpc: "CreateCredential", route: "POST /admin/v1/applications/{application_id}/credentials",
			flags: []param{
				flag("app", "application_id", "application id").require(),
				flag("type", "type", "oauth2, apikey or signed-header").withDefault("oauth2").
					withAliases("oauth2", "oauth2_client", "apikey", "api_key"),
				flag("system-id", "system_id", "signed-header credentials: the systemid the client already uses"),
				flag("description", "description", "description"),
				flag("expires", "expire_time", "expiry: RFC 3339 time or a duration from now").as(timeAhead),
			},
			show: detail(&registryv1.CreateCredentialResponse{}, "credential.id credential.type credential.keyId secret"),
			notice: "Lưu bí mật ngay: nó chỉ hiển thị một lần; với OAuth2, keyId là client_id và secret là client_secret.\n" +
				"Store the secret now: it is shown only once; for OAuth2, keyId is the client_id and secret the client_secret.",
		},
		{
			use: "list --app ID", short: "List an application's credentials (without secrets)",
			rpc: "ListCredentials", route: "GET /admin/v1/applications/{application_id}/credentials",
			flags: []param{flag("app", "application_id", "application id").require()},
			show:  credTable,
		},
		withReason("revoke", "Revoke a credential", "RevokeCredential",
			"/admin/v1/credentials/{id}:revoke", "reason, for the audit log", credTable),
	}},
	{use: "subscriptions", aliases: []string{"subscription", "subs"}, short: "Subscriptions / Đăng ký sử dụng API", ops: []op{
		{
			use: "create --app ID --api ID --tier NAME", short: "Subscribe an application to an API (approved at once or pending, per the API)",
			rpc: "CreateSubscription", route: "POST /admin/v1/subscriptions",
			flags: []param{
				flag("app", "application_id", "application id"),
				flag("api", "api_id", "API id"),
				flag("tier", "tier", "tier name"),
			},
			show: subTable,
		},
		{
			use: "list", short: "List subscriptions", rpc: "ListSubscriptions", route: "GET /admin/v1/subscriptions",
			flags: []param{
				flag("app", "application_id", "only this application's"),
				flag("api", "api_id", "only this API's"),
				flag("state", "state", "pending, approved, rejected or suspended"),
			},
			show: subTable,
		},
		withReason("approve", "Approve a pending subscription", "ApproveSubscription",
			"/admin/v1/subscriptions/{id}:approve", "reason, for the record", subTable),
		withReason("reject", "Reject a pending subscription", "RejectSubscription",
			"/admin/v1/subscriptions/{id}:reject", "reason, for the record", subTable),
		withReason("suspend", "Suspend an approved subscription", "SuspendSubscription",
			"/admin/v1/subscriptions/{id}:suspend", "reason, for the record", subTable),
		withReason("resume", "Resume a suspended subscription", "ResumeSubscription",
			"/admin/v1/subscriptions/{id}:resume", "reason, for the record", subTable),
	}},
	{use: "users", aliases: []string{"user"}, short: "Admin users / Người dùng quản trị", ops: []op{
		{
			use: "create", short: "Create a user (the password is read from stdin or a prompt)",
			rpc: "CreateUser", route: "POST /admin/v1/users",
			flags: []param{
				flag("username", "user.username", "username"),
				flag("display-name", "user.display_name", "display name"),
				flag("role", "user.role", "platform-admin, agency-publisher, agency-developer or auditor").require(),
				flag("agency", "user.agency_code", "agency code (publishers and developers)"),
			},
			password: true,
			show:     userTable,
		},
		{use: "list", short: "List users", rpc: "ListUsers", route: "GET /admin/v1/users", show: userTable},
	}},
	{use: "trusted-issuers", aliases: []string{"issuers", "trusted-issuer"}, short: "External token issuers the gateway trusts (federation) / Bên cấp token được tin cậy", ops: []op{
		{
			use: "create", short: "Trust an external issuer's JWTs as an application's calls",
			long: "Trust the JWTs of an external issuer (the national platform) as the calls of one application: the gateway\n" +
				"verifies them against the issuer's JWKS and applies that application's subscriptions, tier and metering.\n" +
				"Required claims and changes go through the REST API (docs/federation.md).\n\n" +
				"Tin cậy JWT của một bên cấp bên ngoài (nền tảng quốc gia) như lời gọi của một ứng dụng.",
			example: `  lgsp admin trusted-issuers create --name NGSP --issuer https://api.ngsp.gov.vn/oauth2/token \
    --jwks-url https://api.ngsp.gov.vn/oauth2/jwks --audience lgsp-tinh-x --app app_…`,
			rpc: "CreateTrustedIssuer", route: "POST /admin/v1/trusted-issuers", body: "trusted_issuer",
			flags: []param{
				flag("name", "trusted_issuer.name", "a name for people, e.g. NGSP").require(),
				flag("issuer", "trusted_issuer.issuer", "the tokens' iss").require(),
				flag("jwks-url", "trusted_issuer.jwks_url", "the issuer's JWKS URL (https)").require(),
				flag("audience", "trusted_issuer.audiences", "an audience the tokens must carry, repeatable").require(),
				flag("app", "trusted_issuer.application_id", "the application whose calls these are").require(),
				flag("leeway", "trusted_issuer.leeway_seconds", "clock leeway in seconds (0 to 300)"),
				flag("allow-http", "trusted_issuer.allow_http", "accept an http:// JWKS URL (tests and labs only)"),
			},
			show: issuerDetail,
		},
		{use: "list", short: "List trusted issuers", rpc: "ListTrustedIssuers", route: "GET /admin/v1/trusted-issuers", show: issuerTable},
		{
			use: "get ID", short: "Show a trusted issuer", rpc: "GetTrustedIssuer", route: "GET /admin/v1/trusted-issuers/{id}",
			args: []param{arg("ID", "id")}, show: issuerDetail,
		},
		{
			use: "delete ID", short: "Stop trusting an issuer: the gateways refuse its tokens within a second",
			rpc: "DeleteTrustedIssuer", route: "DELETE /admin/v1/trusted-issuers/{id}",
			args: []param{arg("ID", "id")}, then: done("đã xóa / deleted"),
		},
	}},
	{use: "keys", short: "Token-signing keys / Khoá ký token", ops: []op{
		{
			use: "rotate", short: "Make a new signing key current; the previous one stays in the JWKS until its tokens expire",
			rpc: "RotateSigningKey", route: "POST /admin/v1/signing-keys:rotate", show: keyTable,
		},
		{use: "list", short: "List signing keys", rpc: "ListSigningKeys", route: "GET /admin/v1/signing-keys", show: keyTable},
	}},
}

func unlimitedIfZero(v protoreflect.Value) string {
	if v.Int() <= 0 {
		return "unlimited"
	}
	return v.String()
}

// withReason is a state change of one resource: `VERB ID [--reason TEXT]`.
func withReason(verb, short, rpc, path, reasonUsage string, show view) op {
	return op{
		use: verb + " ID", short: short, rpc: rpc, route: "POST " + path,
		args:  []param{arg("ID", "id")},
		flags: []param{flag("reason", "reason", reasonUsage)},
		show:  show,
	}
}

// upstreamFlags say where and how the gateway reaches an API's upstream.
// --upstream-user and the secret land in the fields of the chosen type
// (placeUpstreamSecret); the secret comes from a file or the environment,
// never from the command line.
var upstreamFlags = []param{
	flag("upstream", "api.endpoints", "upstream base URL, repeatable; URL|WEIGHT sets a weight"),
	flag("upstream-auth", "api.upstream_auth.type", "how the gateway authenticates upstream: none, basic, bearer, oauth2, signed-header or platform (an LGSP service: the gateway's identity assertion; platform admins only)").
		withAliases("oauth2", "oauth2_client_credentials"),
	flag("upstream-user", "api.upstream_auth.username", "basic: username; oauth2: client id; signed-header: systemid"),
	flag("upstream-token-url", "api.upstream_auth.token_url", "oauth2: token endpoint URL"),
	flag("upstream-scope", "api.upstream_auth.scope", "oauth2: scope"),
	flag("upstream-secret-file", "api.upstream_auth.password", "file holding the upstream secret (password, bearer token, client secret "+
		"or HMAC secret); default: $LGSP_UPSTREAM_SECRET").as(fileContents),
}

// errorStyleFlag says how the gateway answers its own refusals on an API.
var errorStyleFlag = flag("error-style", "api.error_style",
	"how the gateway answers its own refusals: lgsp (JSON with a stable code, default) or national-axis (status/ErrorCode/ErrorDesc, for software built on the national SDK)").
	withAliases("national", "national_axis", "vdxp", "national_axis")

// authFlag names the ways consumers may authenticate to an API.
var authFlag = flag("auth", "api.auth_methods",
	"how consumers authenticate, repeatable: jwt, api-key, signed-header or mtls (default: jwt and api-key)").
	withAliases("apikey", "api_key", "signed", "signed_header", "tls", "mtls")

// certFlag reads a client certificate; certFingerprint turns it into the
// fingerprint the registry stores, so the certificate itself is never sent.
var certFlag = flag("cert", "application.cert_fingerprint", "client certificate file (PEM or DER), for mTLS: its SHA-256 fingerprint is sent").
	as(fileContents)

// certFingerprint replaces the certificate read by --cert with its
// fingerprint.
func certFingerprint(cmd *cobra.Command, a *registryv1.Application) error {
	f := cmd.Flags()
	if !f.Changed("cert") {
		return nil
	}
	for _, other := range []string{"fingerprint", "cert-fingerprint"} {
		if f.Lookup(other) != nil && f.Changed(other) {
			return fmt.Errorf("give --cert or --%s, not both / chỉ dùng một trong --cert và --%s", other, other)
		}
	}
	fp, err := fingerprintOf([]byte(a.GetCertFingerprint()))
	if err != nil {
		return err
	}
	a.CertFingerprint = fp
	return nil
}

// fingerprintOf is the lower-case hex SHA-256 of a DER certificate, given
// as DER or as PEM (the first CERTIFICATE block; other blocks, such as a
// private key in the same file, are skipped and never sent).
func fingerprintOf(b []byte) (string, error) {
	der := b
	for rest, sawPEM := b, false; ; {
		block, next := pem.Decode(rest)
		if block == nil {
			if sawPEM {
				return "", errors.New("--cert: the PEM file holds no CERTIFICATE block / tệp PEM không có khối CERTIFICATE")
			}
			break
		}
		sawPEM, rest = true, next
		if block.Type == "CERTIFICATE" {
			der = block.Bytes
			break
		}
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return "", fmt.Errorf("--cert: not an X.509 certificate in PEM or DER / không phải chứng thư X.509 (PEM hoặc DER): %v", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// setCertificate takes exactly one of --cert, --fingerprint and --clear,
// and names cert_fingerprint in the update mask (an empty value clears it).
func setCertificate(cmd *cobra.Command, req proto.Message) error {
	r := req.(*registryv1.UpdateApplicationRequest)
	f := cmd.Flags()
	clear, _ := f.GetBool("clear")
	given := 0
	for _, set := range []bool{f.Changed("cert"), f.Changed("fingerprint"), clear} {
		if set {
			given++
		}
	}
	if given != 1 {
		return errors.New("give one of --cert, --fingerprint or --clear / cần đúng một trong --cert, --fingerprint hoặc --clear")
	}
	if err := certFingerprint(cmd, r.GetApplication()); err != nil {
		return err
	}
	if clear {
		r.Application.CertFingerprint = ""
	}
	r.UpdateMask = &fieldmaskpb.FieldMask{Paths: []string{"cert_fingerprint"}}
	return nil
}

func placeUpstreamSecret(_ *cobra.Command, req proto.Message) error {
	a := req.(interface{ GetApi() *registryv1.Api }).GetApi().GetUpstreamAuth()
	if a == nil {
		return nil
	}
	if a.Type == registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_UNSPECIFIED {
		return errors.New("--upstream-auth is needed with the other --upstream-… authentication flags / cần --upstream-auth")
	}
	user, secret := a.Username, strings.TrimRight(firstNonEmpty(a.Password, os.Getenv("LGSP_UPSTREAM_SECRET")), "\r\n")
	a.Username, a.Password = "", ""
	switch a.Type {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC:
		a.Username, a.Password = user, secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER:
		a.BearerToken = secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS:
		a.ClientId, a.ClientSecret = user, secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER:
		a.SystemId, a.SigningSecret = user, secret
	}
	return nil
}

// saveLogin keeps the session of a successful login for the admin URL.
// done prints what happened, for a call whose answer holds nothing to show.
func done(what string) func(*cobra.Command, *adminClient, proto.Message, error) error {
	return func(cmd *cobra.Command, _ *adminClient, _ proto.Message, err error) error {
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(cmd.OutOrStdout(), what)
		return err
	}
}

func saveLogin(cmd *cobra.Command, c *adminClient, resp proto.Message, err error) error {
	if err != nil {
		return err
	}
	r := resp.(*registryv1.LoginResponse)
	u := r.GetUser()
	p, err := saveSession(session{Server: c.base, Token: r.GetSessionToken(), Username: u.GetUsername(), ExpireTime: r.GetExpireTime().AsTime()})
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Đã đăng nhập / logged in as %s (%s) at %s until %s; session saved in %s\n",
		u.GetUsername(), strings.ToLower(strings.TrimPrefix(u.GetRole().String(), "USER_ROLE_")), c.base,
		r.GetExpireTime().AsTime().Local().Format(time.DateTime), p)
	return nil
}

// forgetLogin removes the saved session once the server has ended it, or
// when the server no longer knows it.
func forgetLogin(cmd *cobra.Command, c *adminClient, _ proto.Message, err error) error {
	var ae *apiError
	if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusUnauthorized) {
		return err
	}
	if err := removeSession(c.base); err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), "Đã đăng xuất / logged out")
	return nil
}
