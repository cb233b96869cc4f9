package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/netguard"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/agencycode"
	"github.com/lgsp-vn/lgsp/services/registry/openapi"
)

const (
	lcDraft      = "draft"
	lcPublished  = "published"
	lcDeprecated = "deprecated"
	lcRetired    = "retired"

	visPublic  = "public"
	visPrivate = "private"

	styleLGSP     = "lgsp"
	styleNational = "national_axis"
)

var errorStyleToProto = map[string]registryv1.ErrorStyle{
	styleLGSP:     registryv1.ErrorStyle_ERROR_STYLE_LGSP,
	styleNational: registryv1.ErrorStyle_ERROR_STYLE_NATIONAL_AXIS,
}

// errorStyleColumn is how an error style is stored; normalizeAPI has made
// UNSPECIFIED into LGSP.
func errorStyleColumn(st registryv1.ErrorStyle) string {
	if st == registryv1.ErrorStyle_ERROR_STYLE_NATIONAL_AXIS {
		return styleNational
	}
	return styleLGSP
}

var lifecycleToProto = map[string]registryv1.ApiLifecycle{
	lcDraft:      registryv1.ApiLifecycle_API_LIFECYCLE_DRAFT,
	lcPublished:  registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED,
	lcDeprecated: registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED,
	lcRetired:    registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED,
}

func lifecycleFromProto(l registryv1.ApiLifecycle) string {
	for k, v := range lifecycleToProto {
		if v == l {
			return k
		}
	}
	return ""
}

// legalTransitions is the API lifecycle: draft → published → deprecated →
// retired, and deprecated → published to undo a deprecation.
var legalTransitions = map[string][]string{
	lcDraft:      {lcPublished},
	lcPublished:  {lcDeprecated},
	lcDeprecated: {lcPublished, lcRetired},
}

var (
	reContext = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)
	reVersion = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
	// Contexts the gateway answers itself.
	reservedContexts = map[string]bool{"token": true, "oauth2": true, "admin": true, "healthz": true, "readyz": true, "metrics": true, "jwks": true, "well-known": true}
	httpMethods      = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "OPTIONS": true, "HEAD": true, "PATCH": true, "TRACE": true, "*": true}
)

// Per-API limits the registry accepts.
const (
	maxEndpoints    = 16
	maxBodyLimit    = 1 << 30
	maxTimeoutMS    = 10 * 60 * 1000
	maxRetries      = 5
	maxResources    = openapi.MaxResources
	maxEndpointWght = 1000
)

type apiRow struct {
	ID, Name, Context, Version, Owner, Visibility, Lifecycle string
	Spec, Secrets                                            string
	// SecretsSetBy is the role of whoever last set the stored upstream
	// secret ("" when none is stored); see adminManaged.
	SecretsSetBy string
	// ErrorStyle is the shape of the gateway's own refusals: styleLGSP or
	// styleNational.
	ErrorStyle       string
	HasDoc           bool
	Created, Updated int64
}

const apiColumns = `id, name, context, version, owner_agency, visibility, lifecycle, spec, upstream_secrets, upstream_set_by, error_style,
	CASE WHEN openapi_document = '' THEN 0 ELSE 1 END, created_ms, updated_ms`

func scanAPI(sc scanner) (apiRow, error) {
	var (
		r      apiRow
		hasDoc int
	)
	err := sc.Scan(&r.ID, &r.Name, &r.Context, &r.Version, &r.Owner, &r.Visibility, &r.Lifecycle, &r.Spec, &r.Secrets, &r.SecretsSetBy,
		&r.ErrorStyle, &hasDoc, &r.Created, &r.Updated)
	r.HasDoc = hasDoc == 1
	return r, err
}

func getAPI(ctx context.Context, db *sqlstore.DB, q querier, id string) (apiRow, error) {
	r, err := scanAPI(q.QueryRowContext(ctx, db.Rebind(`SELECT `+apiColumns+` FROM registry_apis WHERE id = ?`), id))
	if errNoRows(err) {
		return r, errAPINotFound(id)
	}
	return r, err
}

// proto renders the API without its secrets.
func (r apiRow) proto() *registryv1.Api {
	a := &registryv1.Api{}
	_ = protojson.Unmarshal([]byte(r.Spec), a)
	a.Id, a.Name, a.Context, a.Version, a.OwnerAgency = r.ID, r.Name, r.Context, r.Version, r.Owner
	a.Visibility = registryv1.ApiVisibility_API_VISIBILITY_PRIVATE
	if r.Visibility == visPublic {
		a.Visibility = registryv1.ApiVisibility_API_VISIBILITY_PUBLIC
	}
	a.Lifecycle = lifecycleToProto[r.Lifecycle]
	a.ErrorStyle = errorStyleToProto[r.ErrorStyle]
	if a.UpstreamAuth == nil {
		a.UpstreamAuth = &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE}
	}
	a.UpstreamAuth.HasSecret = r.Secrets != ""
	a.HasOpenapiDocument = r.HasDoc
	a.CreateTime, a.UpdateTime = tsOrNil(r.Created), tsOrNil(r.Updated)
	return a
}

// protoFor renders the API for caller c. Platform-wide readers and the
// owner agency's users see everything but the secrets; everyone else sees
// the contract a consumer needs (names, context, version, lifecycle,
// visibility, how to authenticate, resources and limits) and not where or
// how the gateway reaches the upstream.
func (r apiRow) protoFor(c caller) *registryv1.Api {
	a := r.proto()
	if c.access == all || r.Owner == c.Agency {
		return a
	}
	a.Endpoints, a.UpstreamAuth, a.TimeoutMs, a.Retries = nil, nil, 0, 0
	return a
}

// visibleTo reports whether an agency-scoped reader of agency sees the API:
// its own agency's APIs, and public APIs once published.
func (r apiRow) visibleTo(c caller) bool {
	if c.access == all || r.Owner == c.Agency {
		return true
	}
	return c.access == own && r.Visibility == visPublic && (r.Lifecycle == lcPublished || r.Lifecycle == lcDeprecated)
}

// specOf keeps the fields stored in the spec column: everything except the
// columns, the output-only fields and the upstream secrets.
func specOf(a *registryv1.Api) string {
	sp := &registryv1.Api{
		Description: a.GetDescription(), AnonymousAccess: a.GetAnonymousAccess(),
		Endpoints: a.GetEndpoints(), AuthMethods: a.GetAuthMethods(),
		MaxBodyBytes: a.GetMaxBodyBytes(), TimeoutMs: a.GetTimeoutMs(), Retries: a.GetRetries(),
		ApprovalMode: a.GetApprovalMode(), Resources: a.GetResources(), SunsetTime: a.GetSunsetTime(),
	}
	if ua := a.GetUpstreamAuth(); ua != nil {
		sp.UpstreamAuth = &registryv1.UpstreamAuth{
			Type: ua.GetType(), Username: ua.GetUsername(), TokenUrl: ua.GetTokenUrl(),
			ClientId: ua.GetClientId(), Scope: ua.GetScope(), SystemId: ua.GetSystemId(),
		}
	}
	b, _ := protojson.Marshal(sp)
	return string(b)
}

func secretAAD(apiID string) string { return "api-upstream:" + apiID }

// sealSecrets stores the secret fields of ua, keeping the previously stored
// value of any secret left empty.
func (s *Service) sealSecrets(apiID string, ua *registryv1.UpstreamAuth, old *registryv1.UpstreamAuth) string {
	sec := &registryv1.UpstreamAuth{
		Password: ua.GetPassword(), BearerToken: ua.GetBearerToken(),
		ClientSecret: ua.GetClientSecret(), SigningSecret: ua.GetSigningSecret(),
	}
	if old != nil {
		if sec.Password == "" {
			sec.Password = old.GetPassword()
		}
		if sec.BearerToken == "" {
			sec.BearerToken = old.GetBearerToken()
		}
		if sec.ClientSecret == "" {
			sec.ClientSecret = old.GetClientSecret()
		}
		if sec.SigningSecret == "" {
			sec.SigningSecret = old.GetSigningSecret()
		}
	}
	// Keep only what the auth type uses, so a type change drops stale secrets.
	switch ua.GetType() {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC:
		sec = &registryv1.UpstreamAuth{Password: sec.Password}
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER:
		sec = &registryv1.UpstreamAuth{BearerToken: sec.BearerToken}
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS:
		sec = &registryv1.UpstreamAuth{ClientSecret: sec.ClientSecret}
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER:
		sec = &registryv1.UpstreamAuth{SigningSecret: sec.SigningSecret}
	default:
		return ""
	}
	b, _ := proto.Marshal(sec)
	return s.box.Seal(b, secretAAD(apiID))
}

// openSecrets decrypts an API's upstream secrets.
func (s *Service) openSecrets(apiID, sealed string) (*registryv1.UpstreamAuth, error) {
	sec := &registryv1.UpstreamAuth{}
	if sealed == "" {
		return sec, nil
	}
	b, err := s.box.Open(sealed, secretAAD(apiID))
	if err != nil {
		return nil, fmt.Errorf("api %s upstream secrets: %w", apiID, err)
	}
	if err := proto.Unmarshal(b, sec); err != nil {
		return nil, fmt.Errorf("api %s upstream secrets: %w", apiID, err)
	}
	return sec, nil
}

// normalizeAPI fills defaults and validates every field of a. old is the
// stored API's secrets on update (nil on create).
func (s *Service) normalizeAPI(ctx context.Context, a *registryv1.Api, oldSecrets *registryv1.UpstreamAuth) error {
	a.Name = strings.TrimSpace(a.GetName())
	if !validName(a.Name) {
		return errAPIName
	}
	var err error
	if a.Name, err = cleanText("api.name", a.Name, ruleName); err != nil {
		return err
	}
	if a.Description, err = cleanText("api.description", a.GetDescription(), ruleText); err != nil {
		return err
	}
	if !reContext.MatchString(a.GetContext()) {
		return errAPIContext
	}
	if reservedContexts[strings.ToLower(a.GetContext())] {
		return errReservedCtx
	}
	if !reVersion.MatchString(a.GetVersion()) {
		return errAPIVersion
	}
	if len([]rune(a.GetDescription())) > maxDescription {
		return errAPIDescription
	}
	switch a.GetVisibility() {
	case registryv1.ApiVisibility_API_VISIBILITY_UNSPECIFIED:
		a.Visibility = registryv1.ApiVisibility_API_VISIBILITY_PRIVATE
	case registryv1.ApiVisibility_API_VISIBILITY_PUBLIC, registryv1.ApiVisibility_API_VISIBILITY_PRIVATE:
	default:
		return errVisibility
	}
	switch a.GetApprovalMode() {
	case registryv1.ApprovalMode_APPROVAL_MODE_UNSPECIFIED:
		a.ApprovalMode = registryv1.ApprovalMode_APPROVAL_MODE_MANUAL
	case registryv1.ApprovalMode_APPROVAL_MODE_AUTOMATIC, registryv1.ApprovalMode_APPROVAL_MODE_MANUAL:
	default:
		return errApprovalMode
	}
	switch a.GetErrorStyle() {
	case registryv1.ErrorStyle_ERROR_STYLE_UNSPECIFIED:
		a.ErrorStyle = registryv1.ErrorStyle_ERROR_STYLE_LGSP
	case registryv1.ErrorStyle_ERROR_STYLE_LGSP, registryv1.ErrorStyle_ERROR_STYLE_NATIONAL_AXIS:
	default:
		return errErrorStyle
	}
	if err := s.checkEndpoints(ctx, a.GetEndpoints()); err != nil {
		return err
	}
	if err := s.checkUpstreamAuth(ctx, a, oldSecrets); err != nil {
		return err
	}
	if len(a.GetAuthMethods()) == 0 {
		a.AuthMethods = []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT, registryv1.AuthMethod_AUTH_METHOD_API_KEY}
	}
	seen := map[registryv1.AuthMethod]bool{}
	for _, m := range a.GetAuthMethods() {
		if _, ok := registryv1.AuthMethod_name[int32(m)]; !ok || m == registryv1.AuthMethod_AUTH_METHOD_UNSPECIFIED || seen[m] {
			return errAuthMethod
		}
		seen[m] = true
	}
	if a.GetMaxBodyBytes() < 0 || a.GetMaxBodyBytes() > maxBodyLimit {
		return errMaxBodyBytes
	}
	if a.GetTimeoutMs() < 0 || a.GetTimeoutMs() > maxTimeoutMS {
		return errTimeout
	}
	if a.GetRetries() < 0 || a.GetRetries() > maxRetries {
		return errRetries
	}
	if err := checkResources(a.GetResources()); err != nil {
		return err
	}
	if a.SunsetTime != nil && a.SunsetTime.CheckValid() != nil {
		return errInvalidTime("api.sunset_time")
	}
	return nil
}

func (s *Service) checkEndpoints(ctx context.Context, eps []*registryv1.UpstreamEndpoint) error {
	if len(eps) == 0 {
		return errNoUpstream
	}
	if len(eps) > maxEndpoints {
		return errTooManyUps
	}
	for i, ep := range eps {
		field := fmt.Sprintf("api.endpoints[%d]", i)
		if ep.GetWeight() == 0 {
			ep.Weight = 1
		}
		if ep.GetWeight() < 0 || ep.GetWeight() > maxEndpointWght {
			return errEndpointWeight(field + ".weight")
		}
		ep.Url = strings.TrimSpace(ep.GetUrl())
		if err := checkText(field+".url", ep.Url, ruleValue); err != nil {
			return err
		}
		if err := s.checkUpstreamURL(ctx, field+".url", ep.Url); err != nil {
			return err
		}
	}
	return nil
}

// checkUpstreamURL maps the network guard's verdict to API errors.
func (s *Service) checkUpstreamURL(ctx context.Context, field, raw string) error {
	err := s.guard.CheckURL(ctx, raw)
	var ge *netguard.Error
	if err == nil || !errors.As(err, &ge) {
		return err
	}
	switch ge.Reason {
	case netguard.ReasonScheme:
		return errUpstreamScheme(field)
	case netguard.ReasonForbidden:
		return errUpstreamForbidden(field, ge.Detail)
	case netguard.ReasonUnresolvable:
		return errUpstreamUnresolvable(field)
	case netguard.ReasonUserinfo:
		return errUpstreamUserinfo(field)
	}
	return errUpstreamURL(field)
}

func (s *Service) checkUpstreamAuth(ctx context.Context, a *registryv1.Api, old *registryv1.UpstreamAuth) error {
	ua := a.GetUpstreamAuth()
	if ua == nil {
		ua = &registryv1.UpstreamAuth{}
		a.UpstreamAuth = ua
	}
	ua.HasSecret = false
	for _, f := range [][2]string{{"username", ua.GetUsername()}, {"token_url", ua.GetTokenUrl()},
		{"client_id", ua.GetClientId()}, {"scope", ua.GetScope()}, {"system_id", ua.GetSystemId()}} {
		if err := checkText("api.upstream_auth."+f[0], f[1], ruleValue); err != nil {
			return err
		}
	}
	have := func(v, stored string) bool { return v != "" || stored != "" }
	missing := func(what string) error { return errUpstreamAuth(ua.GetType().String(), what) }
	switch ua.GetType() {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_UNSPECIFIED, registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE:
		ua.Type = registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC:
		if ua.GetUsername() == "" || !have(ua.GetPassword(), old.GetPassword()) {
			return missing("username and password")
		}
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER:
		if !have(ua.GetBearerToken(), old.GetBearerToken()) {
			return missing("bearer_token")
		}
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS:
		if ua.GetTokenUrl() == "" || ua.GetClientId() == "" || !have(ua.GetClientSecret(), old.GetClientSecret()) {
			return missing("token_url, client_id and client_secret")
		}
		if err := s.checkUpstreamURL(ctx, "api.upstream_auth.token_url", ua.GetTokenUrl()); err != nil {
			return err
		}
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER:
		if ua.GetSystemId() == "" || !have(ua.GetSigningSecret(), old.GetSigningSecret()) {
			return missing("system_id and signing_secret")
		}
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM:
		// Who may choose it is checked with the caller (requirePlatformAdmin).
		if !proto.Equal(ua, &registryv1.UpstreamAuth{Type: ua.GetType()}) {
			return errPlatformUpstreamCredential
		}
	default:
		return errUpstreamAuthTy
	}
	return nil
}

func checkResources(rs []*registryv1.ApiResource) error {
	if len(rs) > maxResources {
		return errTooManyRes
	}
	for i, r := range rs {
		r.Method = strings.ToUpper(strings.TrimSpace(r.GetMethod()))
		field := fmt.Sprintf("api.resources[%d]", i)
		if !httpMethods[r.Method] || !strings.HasPrefix(r.GetPath(), "/") || len(r.GetPath()) > 512 || strings.ContainsAny(r.GetPath(), " \t\r\n?#") {
			return errResource(field)
		}
		if err := checkText(field+".path", r.GetPath(), ruleValue); err != nil {
			return err
		}
	}
	return nil
}

// parseOpenAPI maps the parser's errors to API errors.
func parseOpenAPI(field, doc string) (*openapi.Document, error) {
	d, err := openapi.Parse([]byte(doc))
	var oe *openapi.Error
	if errors.As(err, &oe) {
		return nil, errOpenAPI(field, oe)
	}
	return d, err
}

func resourcesOf(d *openapi.Document) []*registryv1.ApiResource {
	out := make([]*registryv1.ApiResource, 0, len(d.Resources))
	for _, r := range d.Resources {
		out = append(out, &registryv1.ApiResource{Method: r.Method, Path: r.Path})
	}
	return out
}

// activeAgency checks that code is a registered, active agency.
func activeAgency(ctx context.Context, db *sqlstore.DB, q querier, field, code string) error {
	if !agencycode.Valid(code) {
		return errAgencyCode(field)
	}
	a, err := getAgency(ctx, db, q, code)
	if isNotFound(err) {
		return errUnknownAgency(field, code)
	}
	if err != nil {
		return err
	}
	if a.Status != agencyActive {
		return errAgencyNotActive(field, code)
	}
	return nil
}

// CreateApi registers a new API version as a draft.
func (s *Service) CreateApi(ctx context.Context, req *registryv1.CreateApiRequest) (*registryv1.CreateApiResponse, error) {
	c, err := authorize(ctx, "CreateApi")
	if err != nil {
		return nil, err
	}
	a := &registryv1.Api{}
	if req.GetApi() != nil {
		a = proto.Clone(req.GetApi()).(*registryv1.Api)
	}
	if a.OwnerAgency == "" && c.access == own {
		a.OwnerAgency = c.Agency
	}
	if err := c.requireOwn(a.GetOwnerAgency()); err != nil {
		return nil, err
	}
	var doc string
	if req.GetOpenapiDocument() != "" {
		d, err := parseOpenAPI("openapi_document", req.GetOpenapiDocument())
		if err != nil {
			return nil, err
		}
		a.Resources = resourcesOf(d)
		if a.Name == "" {
			a.Name = d.Title
		}
		if a.Description == "" {
			a.Description = d.Description
		}
		doc = req.GetOpenapiDocument()
	}
	if err := requirePlatformAdmin(c, a); err != nil {
		return nil, err
	}
	if err := s.normalizeAPI(ctx, a, nil); err != nil {
		return nil, err
	}
	var out apiRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		if err := activeAgency(ctx, s.db, t.tx, "api.owner_agency", a.GetOwnerAgency()); err != nil {
			return err
		}
		now := t.now.UnixMilli()
		out = apiRow{
			ID: newID("api"), Name: a.Name, Context: a.Context, Version: a.Version, Owner: a.OwnerAgency,
			Visibility: visPrivate, Lifecycle: lcDraft, Spec: specOf(a), ErrorStyle: errorStyleColumn(a.ErrorStyle),
			HasDoc: doc != "", Created: now, Updated: now,
		}
		if a.Visibility == registryv1.ApiVisibility_API_VISIBILITY_PUBLIC {
			out.Visibility = visPublic
		}
		out.Secrets = s.sealSecrets(out.ID, a.UpstreamAuth, nil)
		if out.Secrets != "" {
			out.SecretsSetBy = string(c.Role)
		}
		if _, err := t.exec(ctx, `INSERT INTO registry_apis (id, name, context, context_key, version, owner_agency, visibility, lifecycle,
			spec, upstream_secrets, upstream_set_by, error_style, openapi_document, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, out.Name, out.Context, strings.ToLower(out.Context), out.Version, out.Owner, out.Visibility, out.Lifecycle,
			out.Spec, out.Secrets, out.SecretsSetBy, out.ErrorStyle, doc, out.Created, out.Updated); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return errDuplicateAPI
			}
			return err
		}
		t.record("api", out.ID, "create", nil, out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create api", err)
	}
	return &registryv1.CreateApiResponse{Api: out.proto()}, nil
}

// GetApi returns one API.
func (s *Service) GetApi(ctx context.Context, req *registryv1.GetApiRequest) (*registryv1.GetApiResponse, error) {
	c, err := authorize(ctx, "GetApi")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	r, err := getAPI(ctx, s.db, s.db.DB, req.GetId())
	if err != nil {
		return nil, s.internalErr(ctx, "get api", err)
	}
	if !r.visibleTo(c) {
		return nil, c.refuse("an API not visible to the caller")
	}
	return &registryv1.GetApiResponse{Api: r.protoFor(c)}, nil
}

// ListApis lists the APIs the caller may see.
func (s *Service) ListApis(ctx context.Context, req *registryv1.ListApisRequest) (*registryv1.ListApisResponse, error) {
	c, err := authorize(ctx, "ListApis")
	if err != nil {
		return nil, err
	}
	var l listQuery
	if c.access == own {
		l.where(`(owner_agency = ? OR (visibility = ? AND lifecycle IN (?, ?)))`, c.Agency, visPublic, lcPublished, lcDeprecated)
	}
	if req.GetOwnerAgency() != "" {
		l.where("owner_agency = ?", req.GetOwnerAgency())
	}
	if lc := req.GetLifecycle(); lc != registryv1.ApiLifecycle_API_LIFECYCLE_UNSPECIFIED {
		l.where("lifecycle = ?", lifecycleFromProto(lc))
	}
	if req.GetContext() != "" {
		l.where("context_key = ?", strings.ToLower(req.GetContext()))
	}
	resp := &registryv1.ListApisResponse{}
	next, err := listPage(ctx, s.db, &l, `SELECT `+apiColumns+` FROM registry_apis`, "id", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (string, error) {
			r, err := scanAPI(sc)
			if err != nil {
				return "", err
			}
			resp.Apis = append(resp.Apis, r.protoFor(c))
			return r.ID, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list apis", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// updateAPI loads an API the caller may change, lets fn change it, and
// stores it.
func (s *Service) updateAPI(ctx context.Context, c caller, id, action string, fn func(t *wtx, cur apiRow, a *registryv1.Api, secrets *registryv1.UpstreamAuth) (doc *string, err error)) (apiRow, error) {
	var out apiRow
	_, err := s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		cur, err := getAPI(ctx, s.db, t.tx, id)
		if err != nil {
			return err
		}
		if err := c.requireOwn(cur.Owner); err != nil {
			return err
		}
		a := cur.proto()
		if err := requirePlatformAdmin(c, a); err != nil {
			return err
		}
		secrets, err := s.openSecrets(cur.ID, cur.Secrets)
		if err != nil {
			return err
		}
		doc, err := fn(t, cur, a, secrets)
		if err != nil {
			return err
		}
		if err := requirePlatformAdmin(c, a); err != nil {
			return err
		}
		keep, err := upstreamChange(c, cur, a)
		if err != nil {
			return err
		}
		if !keep {
			secrets = nil
		}
		out = cur
		out.Name = a.Name
		out.Lifecycle = lifecycleFromProto(a.Lifecycle)
		out.Visibility = visPrivate
		if a.Visibility == registryv1.ApiVisibility_API_VISIBILITY_PUBLIC {
			out.Visibility = visPublic
		}
		out.Spec = specOf(a)
		out.ErrorStyle = errorStyleColumn(a.ErrorStyle)
		out.Secrets = s.sealSecrets(cur.ID, a.UpstreamAuth, secrets)
		switch {
		case out.Secrets == "":
			out.SecretsSetBy = ""
		case suppliedSecret(a.GetUpstreamAuth()) != "":
			out.SecretsSetBy = string(c.Role)
		}
		out.Updated = t.now.UnixMilli()
		q := `UPDATE registry_apis SET name = ?, visibility = ?, lifecycle = ?, spec = ?, upstream_secrets = ?, upstream_set_by = ?, error_style = ?, updated_ms = ? WHERE id = ?`
		args := []any{out.Name, out.Visibility, out.Lifecycle, out.Spec, out.Secrets, out.SecretsSetBy, out.ErrorStyle, out.Updated, out.ID}
		if doc != nil {
			q = `UPDATE registry_apis SET name = ?, visibility = ?, lifecycle = ?, spec = ?, upstream_secrets = ?, upstream_set_by = ?, error_style = ?, updated_ms = ?, openapi_document = ? WHERE id = ?`
			args = []any{out.Name, out.Visibility, out.Lifecycle, out.Spec, out.Secrets, out.SecretsSetBy, out.ErrorStyle, out.Updated, *doc, out.ID}
			out.HasDoc = *doc != ""
		}
		if _, err := t.exec(ctx, q, args...); err != nil {
			return err
		}
		t.record("api", out.ID, action, cur.proto(), out.proto())
		return nil
	})
	return out, err
}

// Who may change an API's upstream (docs/security.md says the same):
//
//   - Any change to where the upstream secret goes (endpoint URLs, auth
//     type, token URL, signing system id) drops the stored secret: the same
//     request must carry the secret again, or it is refused. So nobody can
//     send a stored secret to an address of their choosing.
//   - A platform admin may change every upstream setting.
//   - An agency publisher may change the endpoints and upstream
//     authentication of its agency's APIs, except when the stored secret
//     was set by a platform admin (or by the registry itself): that upstream
//     is the admin's, and only an admin changes it.

// upstreamChange checks what an update does to the upstream of cur,
// which a is the new state of, and reports whether the stored secrets may
// be kept.
func upstreamChange(c caller, cur apiRow, a *registryv1.Api) (keep bool, err error) {
	before := cur.proto()
	changed := !proto.Equal(upstreamOf(before), upstreamOf(a)) || suppliedSecret(a.GetUpstreamAuth()) != ""
	if changed && c.access != all && adminManaged(cur.SecretsSetBy) {
		return false, errUpstreamManaged
	}
	if secretDestination(before) == secretDestination(a) {
		return true, nil
	}
	if needsSecret(a.GetUpstreamAuth()) && suppliedSecret(a.GetUpstreamAuth()) == "" {
		return false, errUpstreamSecretRequired
	}
	return false, nil
}

// adminManaged reports whether a stored upstream secret was set by someone
// other than an agency publisher.
func adminManaged(setBy string) bool {
	return setBy != "" && setBy != string(authn.RoleAgencyPublisher)
}

// upstreamOf is an API's upstream settings without the secrets.
func upstreamOf(a *registryv1.Api) *registryv1.Api {
	u := &registryv1.Api{Endpoints: a.GetEndpoints()}
	if ua := a.GetUpstreamAuth(); ua != nil {
		u.UpstreamAuth = &registryv1.UpstreamAuth{Type: ua.GetType(), Username: ua.GetUsername(), TokenUrl: ua.GetTokenUrl(),
			ClientId: ua.GetClientId(), Scope: ua.GetScope(), SystemId: ua.GetSystemId()}
		if u.UpstreamAuth.Type == registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_UNSPECIFIED {
			u.UpstreamAuth.Type = registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE
		}
	}
	return u
}

// secretDestination says where the gateway sends an API's upstream secret,
// or what the secret stands for: the auth type, the token URL, the signing
// system id and the endpoint URLs (in any order, weights aside).
func secretDestination(a *registryv1.Api) string {
	ua := a.GetUpstreamAuth()
	typ := ua.GetType()
	if typ == registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_UNSPECIFIED {
		typ = registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE
	}
	urls := make([]string, 0, len(a.GetEndpoints()))
	for _, ep := range a.GetEndpoints() {
		urls = append(urls, ep.GetUrl())
	}
	sort.Strings(urls)
	return strings.Join(append([]string{typ.String(), ua.GetTokenUrl(), ua.GetSystemId()}, urls...), "\x00")
}

// needsSecret reports whether an upstream auth type uses a secret.
func needsSecret(ua *registryv1.UpstreamAuth) bool {
	switch ua.GetType() {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_UNSPECIFIED, registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE,
		registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM:
		return false
	}
	return true
}

// platformUpstream reports whether the gateway reaches a's upstream with its
// identity assertion.
func platformUpstream(a *registryv1.Api) bool {
	return a.GetUpstreamAuth().GetType() == registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_PLATFORM
}

// requirePlatformAdmin refuses anyone but a platform admin who creates an
// API with a PLATFORM upstream, or changes one that has or gets it. An
// assertion is a bearer credential for a short while: whoever chose where
// it goes could present it to the platform's services as the consumer.
func requirePlatformAdmin(c caller, apis ...*registryv1.Api) error {
	if c.Role == authn.RolePlatformAdmin {
		return nil
	}
	for _, a := range apis {
		if platformUpstream(a) {
			authn.Refused(authn.WithPrincipal(context.Background(), c.Principal), authn.RefusedForbidden, "an API with a PLATFORM upstream")
			return errPlatformUpstreamAdminOnly
		}
	}
	return nil
}

// suppliedSecret is the secret a request gives for its auth type.
func suppliedSecret(ua *registryv1.UpstreamAuth) string {
	switch ua.GetType() {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC:
		return ua.GetPassword()
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER:
		return ua.GetBearerToken()
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS:
		return ua.GetClientSecret()
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER:
		return ua.GetSigningSecret()
	}
	return ""
}

var apiMutable = []string{"name", "description", "visibility", "anonymous_access", "endpoints", "upstream_auth",
	"auth_methods", "max_body_bytes", "timeout_ms", "retries", "approval_mode", "resources", "sunset_time", "error_style"}

// UpdateApi changes an API's settings. Context, version and owner never
// change (the owner only moves with agency succession).
func (s *Service) UpdateApi(ctx context.Context, req *registryv1.UpdateApiRequest) (*registryv1.UpdateApiResponse, error) {
	c, err := authorize(ctx, "UpdateApi")
	if err != nil {
		return nil, err
	}
	in := req.GetApi()
	if in == nil {
		return nil, errAPIRequired
	}
	if err := requireID("api.id", in.GetId()); err != nil {
		return nil, err
	}
	paths, err := maskPaths(req.GetUpdateMask(), apiMutable...)
	if err != nil {
		return nil, err
	}
	out, err := s.updateAPI(ctx, c, in.GetId(), "update", func(t *wtx, cur apiRow, a *registryv1.Api, secrets *registryv1.UpstreamAuth) (*string, error) {
		if cur.Lifecycle == lcRetired {
			return nil, errAPIRetired
		}
		in := proto.Clone(in).(*registryv1.Api)
		set := map[string]func(){
			"name":             func() { a.Name = in.Name },
			"description":      func() { a.Description = in.Description },
			"visibility":       func() { a.Visibility = in.Visibility },
			"anonymous_access": func() { a.AnonymousAccess = in.AnonymousAccess },
			"endpoints":        func() { a.Endpoints = in.Endpoints },
			"upstream_auth":    func() { a.UpstreamAuth = in.UpstreamAuth },
			"auth_methods":     func() { a.AuthMethods = in.AuthMethods },
			"max_body_bytes":   func() { a.MaxBodyBytes = in.MaxBodyBytes },
			"timeout_ms":       func() { a.TimeoutMs = in.TimeoutMs },
			"retries":          func() { a.Retries = in.Retries },
			"approval_mode":    func() { a.ApprovalMode = in.ApprovalMode },
			"resources":        func() { a.Resources = in.Resources },
			"sunset_time":      func() { a.SunsetTime = in.SunsetTime },
			"error_style":      func() { a.ErrorStyle = in.ErrorStyle },
		}
		for p := range paths {
			set[p]()
		}
		// An unchanged upstream_auth (or a secret left empty) keeps the
		// stored secrets, which is why they are passed along.
		return nil, s.normalizeAPI(ctx, a, secrets)
	})
	if err != nil {
		return nil, s.internalErr(ctx, "update api", err)
	}
	return &registryv1.UpdateApiResponse{Api: out.proto()}, nil
}

// TransitionApi moves an API along its lifecycle.
func (s *Service) TransitionApi(ctx context.Context, req *registryv1.TransitionApiRequest) (*registryv1.TransitionApiResponse, error) {
	c, err := authorize(ctx, "TransitionApi")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	to := lifecycleFromProto(req.GetLifecycle())
	if to == "" {
		return nil, errLifecycle
	}
	if req.SunsetTime != nil && req.SunsetTime.CheckValid() != nil {
		return nil, errInvalidTime("sunset_time")
	}
	out, err := s.updateAPI(ctx, c, req.GetId(), "transition", func(t *wtx, cur apiRow, a *registryv1.Api, _ *registryv1.UpstreamAuth) (*string, error) {
		legal := false
		for _, n := range legalTransitions[cur.Lifecycle] {
			legal = legal || n == to
		}
		if !legal {
			return nil, errIllegalTransition(cur.Lifecycle, to)
		}
		a.Lifecycle = lifecycleToProto[to]
		switch to {
		case lcDeprecated:
			if req.SunsetTime != nil {
				a.SunsetTime = req.SunsetTime
			}
		case lcPublished:
			a.SunsetTime = nil
		}
		return nil, nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "transition api", err)
	}
	return &registryv1.TransitionApiResponse{Api: out.proto()}, nil
}

// ImportOpenApi replaces an API's resources with an OpenAPI document's.
func (s *Service) ImportOpenApi(ctx context.Context, req *registryv1.ImportOpenApiRequest) (*registryv1.ImportOpenApiResponse, error) {
	c, err := authorize(ctx, "ImportOpenApi")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	d, err := parseOpenAPI("openapi_document", req.GetOpenapiDocument())
	if err != nil {
		return nil, err
	}
	doc := req.GetOpenapiDocument()
	out, err := s.updateAPI(ctx, c, req.GetId(), "import_openapi", func(t *wtx, cur apiRow, a *registryv1.Api, _ *registryv1.UpstreamAuth) (*string, error) {
		if cur.Lifecycle == lcRetired {
			return nil, errAPIRetired
		}
		a.Resources = resourcesOf(d)
		if err := checkResources(a.Resources); err != nil {
			return nil, err
		}
		return &doc, nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "import openapi", err)
	}
	return &registryv1.ImportOpenApiResponse{Api: out.proto()}, nil
}

// GetApiDocument returns an API's stored OpenAPI document to whoever may
// read the API, for the developer portal's documentation pages.
func (s *Service) GetApiDocument(ctx context.Context, req *registryv1.GetApiDocumentRequest) (*registryv1.GetApiDocumentResponse, error) {
	c, err := authorize(ctx, "GetApiDocument")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	r, err := getAPI(ctx, s.db, s.db.DB, req.GetId())
	if err != nil {
		return nil, s.internalErr(ctx, "get api document", err)
	}
	if !r.visibleTo(c) {
		return nil, c.refuse("an API not visible to the caller")
	}
	if !r.HasDoc {
		return nil, errOpenAPIDocumentNotFound(r.ID)
	}
	var doc string
	if err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT openapi_document FROM registry_apis WHERE id = ?`), r.ID).Scan(&doc); err != nil {
		if errNoRows(err) {
			return nil, errAPINotFound(r.ID)
		}
		return nil, s.internalErr(ctx, "get api document", err)
	}
	if doc == "" {
		return nil, errOpenAPIDocumentNotFound(r.ID)
	}
	return &registryv1.GetApiDocumentResponse{OpenapiDocument: doc}, nil
}
