package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

func sortStrings(s []string) []string { sort.Strings(s); return s }

// maxItems bounds what a list command fetches.
const maxItems = 10000

// pagedResponse is a List…Response message: a page of items and the token
// of the next page.
type pagedResponse[P any] interface {
	*P
	proto.Message
	GetNextPageToken() string
}

// listAll follows page tokens and returns up to limit items (maxItems when
// limit is not positive); items picks the items of one page.
func listAll[P any, R pagedResponse[P], T any](cmd *cobra.Command, c *adminClient, path string, q url.Values, limit int, items func(R) []T) ([]T, error) {
	if q == nil {
		q = url.Values{}
	}
	if limit <= 0 || limit > maxItems {
		limit = maxItems
	}
	q.Set("page_size", "500")
	var all []T
	for {
		page := R(new(P))
		if err := c.call(cmd.Context(), http.MethodGet, path, q, nil, page); err != nil {
			return nil, err
		}
		all = append(all, items(page)...)
		next := page.GetNextPageToken()
		if next == "" || len(all) >= limit {
			break
		}
		q.Set("page_token", next)
	}
	if len(all) > limit {
		all = all[:limit]
	}
	return all, nil
}

func newLoginCommand(o *adminOptions) *cobra.Command {
	var username string
	var stdin bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in and keep the session token / Đăng nhập",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(false)
			if err != nil {
				return err
			}
			if username == "" {
				return errors.New("--username is required")
			}
			pw, err := readPassword(cmd, stdin, envAdminPass, "Mật khẩu / Password: ")
			if err != nil {
				return err
			}
			var resp registryv1.LoginResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/auth/login", nil,
				&registryv1.LoginRequest{Username: username, Password: pw}, &resp); err != nil {
				return err
			}
			p, err := saveSession(session{Server: c.base, Token: resp.GetSessionToken(), Username: username, ExpireTime: resp.GetExpireTime().AsTime()})
			if err != nil {
				return fmt.Errorf("save session: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Đã đăng nhập / logged in as %s (%s) until %s; session saved in %s\n",
				username, enumName(resp.GetUser().GetRole(), "USER_ROLE_"), resp.GetExpireTime().AsTime().Local().Format(time.DateTime), p)
			return nil
		},
	}
	cmd.Flags().StringVarP(&username, "username", "u", "", "username")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input (else "+envAdminPass+" or a prompt)")
	return cmd
}

func newLogoutCommand(o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "End the session / Đăng xuất",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			err = c.call(cmd.Context(), http.MethodPost, "/admin/v1/auth/logout", nil, &registryv1.LogoutRequest{}, nil)
			var ae *apiError
			if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusUnauthorized) {
				return err
			}
			if err := removeSession(); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Đã đăng xuất / logged out")
			return nil
		},
	}
}

func newWhoAmICommand(o *adminOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show the logged-in user / Người dùng hiện tại",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.WhoAmIResponse
			if err := c.call(cmd.Context(), http.MethodGet, "/admin/v1/auth/whoami", nil, nil, &r); err != nil {
				return err
			}
			return o.printer(cmd).fields(&r, "subject", r.GetSubject(), "role", r.GetRole(), "agency", orDash(r.GetAgencyCode()),
				"session expires", ts(r.GetSessionExpireTime(), r.GetSessionExpireTime() != nil))
		},
	}
}

// ------------------------------------------------------------------ agencies

func agencyRows(as []*registryv1.Agency) [][]string {
	var rows [][]string
	for _, a := range as {
		rows = append(rows, []string{a.GetCode(), a.GetName(), orDash(a.GetParentCode()), enumName(a.GetStatus(), "AGENCY_STATUS_"), orDash(a.GetSuccessorCode())})
	}
	return rows
}

var agencyHeader = []string{"CODE", "NAME", "PARENT", "STATUS", "SUCCESSOR"}

func newAgenciesCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "agencies", Aliases: []string{"agency"}, Short: "Agencies / Cơ quan"}
	var a registryv1.Agency
	create := &cobra.Command{
		Use:   "create",
		Short: "Register an agency by its identifier code",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.CreateAgencyResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/agencies", nil, &a, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, agencyHeader, agencyRows([]*registryv1.Agency{r.GetAgency()}))
		},
	}
	create.Flags().StringVar(&a.Code, "code", "", "identifier code LLL.LL.LL.XNN, e.g. 000.00.00.H30")
	create.Flags().StringVar(&a.Name, "name", "", "name")
	create.Flags().StringVar(&a.ParentCode, "parent", "", "parent agency code")

	list := &cobra.Command{
		Use:   "list",
		Short: "List agencies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			items, err := listAll(cmd, c, "/admin/v1/agencies", nil, 0, (*registryv1.ListAgenciesResponse).GetAgencies)
			if err != nil {
				return err
			}
			all := &registryv1.ListAgenciesResponse{Agencies: items}
			return o.printer(cmd).print(all, agencyHeader, agencyRows(all.GetAgencies()))
		},
	}
	var successor string
	succeed := &cobra.Command{
		Use:   "succeed CODE --successor NEW_CODE",
		Short: "Record that CODE was replaced by NEW_CODE (renaming or merger); its APIs, applications and users move",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.SucceedAgencyResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/agencies/"+url.PathEscape(args[0])+":succeed", nil,
				&registryv1.SucceedAgencyRequest{Code: args[0], SuccessorCode: successor}, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, agencyHeader, agencyRows([]*registryv1.Agency{r.GetAgency(), r.GetSuccessor()}))
		},
	}
	succeed.Flags().StringVar(&successor, "successor", "", "the new agency code")
	cmd.AddCommand(create, list, succeed)
	return cmd
}

// upstreamFlags are the flags that set where and how the gateway reaches an
// API's upstream.
type upstreamFlags struct {
	urls                                []string
	auth, user, tokenURL, scope, secret string
}

func (u *upstreamFlags) register(f *pflag.FlagSet) {
	f.StringArrayVar(&u.urls, "upstream", nil, "upstream base URL, repeatable; URL|WEIGHT sets a weight")
	f.StringVar(&u.auth, "upstream-auth", "", "how the gateway authenticates upstream: none, basic, bearer, oauth2 or signed-header")
	f.StringVar(&u.user, "upstream-user", "", "basic: username; oauth2: client id; signed-header: systemid")
	f.StringVar(&u.tokenURL, "upstream-token-url", "", "oauth2: token endpoint URL")
	f.StringVar(&u.scope, "upstream-scope", "", "oauth2: scope")
	f.StringVar(&u.secret, "upstream-secret-file", "", "file holding the upstream secret (password, bearer token, client secret or HMAC secret); "+
		"default: $LGSP_UPSTREAM_SECRET")
}

var upstreamAuthTypes = map[string]registryv1.UpstreamAuthType{
	"none":          registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_NONE,
	"basic":         registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC,
	"bearer":        registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER,
	"oauth2":        registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS,
	"signed-header": registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER,
}

func (u *upstreamFlags) endpoints() ([]*registryv1.UpstreamEndpoint, error) {
	var out []*registryv1.UpstreamEndpoint
	for _, raw := range u.urls {
		url, w := raw, int32(1)
		if i := strings.LastIndex(raw, "|"); i > 0 {
			n, err := strconv.Atoi(raw[i+1:])
			if err != nil {
				return nil, fmt.Errorf("--upstream %q: weight after | must be a number", raw)
			}
			url, w = raw[:i], int32(n)
		}
		out = append(out, &registryv1.UpstreamEndpoint{Url: url, Weight: w})
	}
	return out, nil
}

// upstreamAuth builds the auth settings, or nil when --upstream-auth is unset.
func (u *upstreamFlags) upstreamAuth() (*registryv1.UpstreamAuth, error) {
	if u.auth == "" {
		return nil, nil
	}
	t, ok := upstreamAuthTypes[strings.ToLower(u.auth)]
	if !ok {
		return nil, fmt.Errorf("--upstream-auth must be none, basic, bearer, oauth2 or signed-header")
	}
	secret := os.Getenv("LGSP_UPSTREAM_SECRET")
	if u.secret != "" {
		b, err := os.ReadFile(u.secret)
		if err != nil {
			return nil, err
		}
		secret = strings.TrimRight(string(b), "\r\n")
	}
	a := &registryv1.UpstreamAuth{Type: t}
	switch t {
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC:
		a.Username, a.Password = u.user, secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BEARER:
		a.BearerToken = secret
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_OAUTH2_CLIENT_CREDENTIALS:
		a.ClientId, a.ClientSecret, a.TokenUrl, a.Scope = u.user, secret, u.tokenURL, u.scope
	case registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_SIGNED_HEADER:
		a.SystemId, a.SigningSecret = u.user, secret
	}
	return a, nil
}

// ---------------------------------------------------------------------- apis

var apiHeader = []string{"ID", "CONTEXT", "VERSION", "NAME", "OWNER", "LIFECYCLE", "VISIBILITY", "APPROVAL", "UPSTREAMS"}

func apiRows(as []*registryv1.Api) [][]string {
	var rows [][]string
	for _, a := range as {
		var ups []string
		for _, e := range a.GetEndpoints() {
			ups = append(ups, e.GetUrl())
		}
		rows = append(rows, []string{a.GetId(), a.GetContext(), a.GetVersion(), a.GetName(), a.GetOwnerAgency(),
			enumName(a.GetLifecycle(), "API_LIFECYCLE_"), enumName(a.GetVisibility(), "API_VISIBILITY_"),
			enumName(a.GetApprovalMode(), "APPROVAL_MODE_"), strings.Join(ups, " ")})
	}
	return rows
}

func newAPIsCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "apis", Aliases: []string{"api"}, Short: "APIs / Dịch vụ API"}

	var (
		a                          registryv1.Api
		up                         upstreamFlags
		resources                  []string
		visibility, approval, spec string
		timeout                    time.Duration
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Register an API version (a draft), optionally from an OpenAPI document",
		Example: `  lgsp admin apis create --name "CSDL DKDN" --context apiCSDLDKDN --version 1.0 \
    --owner 000.00.00.H30 --upstream http://10.0.0.5:8080/apiCSDLDKDN/1.0 --visibility public
  lgsp admin apis create --context dmdc --version 1.0 --owner 000.00.00.H30 \
    --upstream https://dmdc.example.gov.vn/1.0 --openapi dmdc.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			req := &registryv1.CreateApiRequest{Api: proto.Clone(&a).(*registryv1.Api)}
			if req.Api.Endpoints, err = up.endpoints(); err != nil {
				return err
			}
			if req.Api.UpstreamAuth, err = up.upstreamAuth(); err != nil {
				return err
			}
			for _, r := range resources {
				m, p, ok := strings.Cut(r, " ")
				if !ok {
					return fmt.Errorf("--resource %q: want \"METHOD /path\"", r)
				}
				req.Api.Resources = append(req.Api.Resources, &registryv1.ApiResource{Method: m, Path: strings.TrimSpace(p)})
			}
			if visibility != "" {
				v, err := enumValue(visibility, "API_VISIBILITY_", registryv1.ApiVisibility_value, "visibility")
				if err != nil {
					return err
				}
				req.Api.Visibility = registryv1.ApiVisibility(v)
			}
			if approval != "" {
				if approval == "auto" {
					approval = "automatic"
				}
				v, err := enumValue(approval, "APPROVAL_MODE_", registryv1.ApprovalMode_value, "approval mode")
				if err != nil {
					return err
				}
				req.Api.ApprovalMode = registryv1.ApprovalMode(v)
			}
			req.Api.TimeoutMs = timeout.Milliseconds()
			if spec != "" {
				b, err := os.ReadFile(spec)
				if err != nil {
					return err
				}
				req.OpenapiDocument = string(b)
			}
			var r registryv1.CreateApiResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/apis", nil, req, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, apiHeader, apiRows([]*registryv1.Api{r.GetApi()}))
		},
	}
	f := create.Flags()
	f.StringVar(&a.Name, "name", "", "name (default: the OpenAPI title)")
	f.StringVar(&a.Context, "context", "", "first path segment on the gateway, e.g. apiCSDLDKDN")
	f.StringVar(&a.Version, "version", "", "version, e.g. 1.0")
	f.StringVar(&a.Description, "description", "", "description")
	f.StringVar(&a.OwnerAgency, "owner", "", "owner agency code (default: a publisher's own agency)")
	up.register(f)
	f.StringArrayVar(&resources, "resource", nil, `resource "METHOD /path", repeatable`)
	f.StringVar(&visibility, "visibility", "", "public (catalog) or private (default)")
	f.StringVar(&approval, "approval", "", "automatic or manual (default) subscription approval")
	f.BoolVar(&a.AnonymousAccess, "anonymous", false, "serve without any credential (open data)")
	f.Int64Var(&a.MaxBodyBytes, "max-body", 0, "maximum request body in bytes (0: platform default)")
	f.DurationVar(&timeout, "timeout", 0, "upstream timeout (0: platform default)")
	f.StringVar(&spec, "openapi", "", "OpenAPI 3 / Swagger 2 file (JSON or YAML) defining the resources")

	var owner, lifecycle string
	list := &cobra.Command{
		Use:   "list",
		Short: "List APIs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			q := url.Values{}
			if owner != "" {
				q.Set("owner_agency", owner)
			}
			if lifecycle != "" {
				v, err := enumValue(lifecycle, "API_LIFECYCLE_", registryv1.ApiLifecycle_value, "lifecycle")
				if err != nil {
					return err
				}
				q.Set("lifecycle", registryv1.ApiLifecycle(v).String())
			}
			items, err := listAll(cmd, c, "/admin/v1/apis", q, 0, (*registryv1.ListApisResponse).GetApis)
			if err != nil {
				return err
			}
			all := &registryv1.ListApisResponse{Apis: items}
			return o.printer(cmd).print(all, apiHeader, apiRows(all.GetApis()))
		},
	}
	list.Flags().StringVar(&owner, "owner", "", "only APIs of this agency")
	list.Flags().StringVar(&lifecycle, "lifecycle", "", "draft, published, deprecated or retired")

	get := &cobra.Command{
		Use:   "get ID",
		Short: "Show one API",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.GetApiResponse
			if err := c.call(cmd.Context(), http.MethodGet, "/admin/v1/apis/"+url.PathEscape(args[0]), nil, nil, &r); err != nil {
				return err
			}
			a := r.GetApi()
			var ups, res []string
			for _, e := range a.GetEndpoints() {
				ups = append(ups, fmt.Sprintf("%s (weight %d)", e.GetUrl(), e.GetWeight()))
			}
			for _, x := range a.GetResources() {
				res = append(res, x.GetMethod()+" "+x.GetPath())
			}
			return o.printer(cmd).fields(&r, "id", a.GetId(), "name", a.GetName(),
				"path", "/"+a.GetContext()+"/"+a.GetVersion()+"/", "owner", a.GetOwnerAgency(),
				"lifecycle", enumName(a.GetLifecycle(), "API_LIFECYCLE_"), "visibility", enumName(a.GetVisibility(), "API_VISIBILITY_"),
				"approval", enumName(a.GetApprovalMode(), "APPROVAL_MODE_"), "upstreams", strings.Join(ups, ", "),
				"upstream auth", enumName(a.GetUpstreamAuth().GetType(), "UPSTREAM_AUTH_TYPE_"),
				"resources", orDash(strings.Join(res, ", ")), "description", orDash(a.GetDescription()))
		},
	}

	var sunset string
	transition := &cobra.Command{
		Use:   "transition ID STATE",
		Short: "Move an API along its lifecycle: published, deprecated or retired",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			v, err := enumValue(args[1], "API_LIFECYCLE_", registryv1.ApiLifecycle_value, "lifecycle")
			if err != nil {
				return err
			}
			req := &registryv1.TransitionApiRequest{Id: args[0], Lifecycle: registryv1.ApiLifecycle(v)}
			if sunset != "" {
				at, err := time.Parse(time.RFC3339, sunset)
				if err != nil {
					return fmt.Errorf("--sunset: want RFC 3339, e.g. 2026-12-31T00:00:00+07:00")
				}
				req.SunsetTime = timestamppb.New(at)
			}
			var r registryv1.TransitionApiResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/apis/"+url.PathEscape(args[0])+":transition", nil, req, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, apiHeader, apiRows([]*registryv1.Api{r.GetApi()}))
		},
	}
	transition.Flags().StringVar(&sunset, "sunset", "", "sunset time announced when deprecating (RFC 3339)")

	importCmd := &cobra.Command{
		Use:   "import-openapi ID FILE",
		Short: "Replace an API's resources with the paths of an OpenAPI document",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			var r registryv1.ImportOpenApiResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/apis/"+url.PathEscape(args[0])+":importOpenApi", nil,
				&registryv1.ImportOpenApiRequest{Id: args[0], OpenapiDocument: string(b)}, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, apiHeader, apiRows([]*registryv1.Api{r.GetApi()}))
		},
	}
	var setUp upstreamFlags
	setUpstream := &cobra.Command{
		Use:   "set-upstream ID --upstream URL [--upstream-auth TYPE ...]",
		Short: "Replace an API's upstream endpoints, and its upstream authentication when --upstream-auth is given",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			api := &registryv1.Api{Id: args[0]}
			var paths []string
			if api.Endpoints, err = setUp.endpoints(); err != nil {
				return err
			}
			if len(api.Endpoints) > 0 {
				paths = append(paths, "endpoints")
			}
			if api.UpstreamAuth, err = setUp.upstreamAuth(); err != nil {
				return err
			}
			if api.UpstreamAuth != nil {
				paths = append(paths, "upstream_auth")
			}
			if len(paths) == 0 {
				return errors.New("nothing to change: give --upstream and/or --upstream-auth")
			}
			q := url.Values{"update_mask": {strings.Join(paths, ",")}}
			var r registryv1.UpdateApiResponse
			if err := c.call(cmd.Context(), http.MethodPatch, "/admin/v1/apis/"+url.PathEscape(args[0]), q, api, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, apiHeader, apiRows([]*registryv1.Api{r.GetApi()}))
		},
	}
	setUp.register(setUpstream.Flags())
	cmd.AddCommand(create, list, get, transition, importCmd, setUpstream)
	return cmd
}

// --------------------------------------------------------------------- tiers

var tierHeader = []string{"NAME", "RATE/S", "BURST", "MONTHLY QUOTA", "DESCRIPTION"}

func tierRows(ts []*registryv1.Tier) [][]string {
	var rows [][]string
	for _, t := range ts {
		q := "unlimited"
		if t.GetMonthlyQuota() > 0 {
			q = strconv.FormatInt(t.GetMonthlyQuota(), 10)
		}
		rows = append(rows, []string{t.GetName(), strconv.FormatFloat(t.GetRatePerSecond(), 'g', -1, 64), strconv.Itoa(int(t.GetBurst())), q, orDash(t.GetDescription())})
	}
	return rows
}

func newTiersCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "tiers", Aliases: []string{"tier"}, Short: "Policy tiers / Gói chính sách"}
	var t registryv1.Tier
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a tier",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.CreateTierResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/tiers", nil, &t, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, tierHeader, tierRows([]*registryv1.Tier{r.GetTier()}))
		},
	}
	create.Flags().StringVar(&t.Name, "name", "", "name, e.g. Gold")
	create.Flags().StringVar(&t.Description, "description", "", "description")
	create.Flags().Float64Var(&t.RatePerSecond, "rate", 0, "requests per second")
	create.Flags().Int32Var(&t.Burst, "burst", 0, "burst")
	create.Flags().Int64Var(&t.MonthlyQuota, "quota", 0, "requests per calendar month (0: unlimited)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List tiers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			items, err := listAll(cmd, c, "/admin/v1/tiers", nil, 0, (*registryv1.ListTiersResponse).GetTiers)
			if err != nil {
				return err
			}
			all := &registryv1.ListTiersResponse{Tiers: items}
			return o.printer(cmd).print(all, tierHeader, tierRows(all.GetTiers()))
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

// ------------------------------------------------------------- applications

var appHeader = []string{"ID", "NAME", "AGENCY", "STATE", "CREATED"}

func appRows(as []*registryv1.Application) [][]string {
	var rows [][]string
	for _, a := range as {
		rows = append(rows, []string{a.GetId(), a.GetName(), a.GetAgencyCode(), enumName(a.GetState(), "APPLICATION_STATE_"), ts(a.GetCreateTime(), a.GetCreateTime() != nil)})
	}
	return rows
}

func newAppsCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "apps", Aliases: []string{"applications", "app"}, Short: "Consumer applications / Ứng dụng"}
	var a registryv1.Application
	create := &cobra.Command{
		Use:   "create",
		Short: "Register a consumer application",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.CreateApplicationResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/applications", nil, &a, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, appHeader, appRows([]*registryv1.Application{r.GetApplication()}))
		},
	}
	create.Flags().StringVar(&a.Name, "name", "", "name")
	create.Flags().StringVar(&a.AgencyCode, "agency", "", "owner agency code (default: a developer's own agency)")
	create.Flags().StringVar(&a.Description, "description", "", "description")
	create.Flags().StringVar(&a.CertFingerprint, "cert-fingerprint", "", "SHA-256 fingerprint of the client certificate, for mTLS")

	var agency string
	list := &cobra.Command{
		Use:   "list",
		Short: "List applications",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			q := url.Values{}
			if agency != "" {
				q.Set("agency_code", agency)
			}
			items, err := listAll(cmd, c, "/admin/v1/applications", q, 0, (*registryv1.ListApplicationsResponse).GetApplications)
			if err != nil {
				return err
			}
			all := &registryv1.ListApplicationsResponse{Applications: items}
			return o.printer(cmd).print(all, appHeader, appRows(all.GetApplications()))
		},
	}
	list.Flags().StringVar(&agency, "agency", "", "only applications of this agency")

	state := func(verb, short string) *cobra.Command {
		var reason string
		c := &cobra.Command{
			Use:   verb + " ID",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := o.client(true)
				if err != nil {
					return err
				}
				var r registryv1.SuspendApplicationResponse // same shape as ResumeApplicationResponse
				if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/applications/"+url.PathEscape(args[0])+":"+verb, nil,
					&registryv1.SuspendApplicationRequest{Id: args[0], Reason: reason}, &r); err != nil {
					return err
				}
				return o.printer(cmd).print(&r, appHeader, appRows([]*registryv1.Application{r.GetApplication()}))
			},
		}
		c.Flags().StringVar(&reason, "reason", "", "reason, for the audit log")
		return c
	}
	cmd.AddCommand(create, list, state("suspend", "Suspend an application: all its credentials stop working"),
		state("resume", "Resume a suspended application"))
	return cmd
}

// -------------------------------------------------------------- credentials

var credHeader = []string{"ID", "TYPE", "KEY ID", "STATE", "EXPIRES", "CREATED"}

func credRows(cs []*registryv1.Credential) [][]string {
	var rows [][]string
	for _, c := range cs {
		rows = append(rows, []string{c.GetId(), enumName(c.GetType(), "CREDENTIAL_TYPE_"), c.GetKeyId(), enumName(c.GetState(), "CREDENTIAL_STATE_"),
			ts(c.GetExpireTime(), c.GetExpireTime() != nil), ts(c.GetCreateTime(), c.GetCreateTime() != nil)})
	}
	return rows
}

var credTypes = map[string]registryv1.CredentialType{
	"oauth2":        registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT,
	"oauth2-client": registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT,
	"apikey":        registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY,
	"api-key":       registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY,
	"signed-header": registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER,
}

func newCredentialsCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "credentials", Aliases: []string{"credential", "creds"}, Short: "Application credentials / Thông tin xác thực"}
	var (
		app, typ, systemID, description, expires string
	)
	create := &cobra.Command{
		Use:   "create --app ID --type oauth2|apikey|signed-header",
		Short: "Issue a credential; its secret is shown once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			t, ok := credTypes[strings.ToLower(typ)]
			if !ok {
				return fmt.Errorf("--type must be oauth2, apikey or signed-header")
			}
			req := &registryv1.CreateCredentialRequest{ApplicationId: app, Type: t, SystemId: systemID, Description: description}
			if expires != "" {
				at, err := time.Parse(time.RFC3339, expires)
				if err != nil {
					d, derr := time.ParseDuration(expires)
					if derr != nil {
						return fmt.Errorf("--expires: want RFC 3339 or a duration such as 8760h")
					}
					at = time.Now().Add(d)
				}
				req.ExpireTime = timestamppb.New(at)
			}
			var r registryv1.CreateCredentialResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/applications/"+url.PathEscape(app)+"/credentials", nil, req, &r); err != nil {
				return err
			}
			p := o.printer(cmd)
			if p.format == "json" {
				return p.print(&r, nil, nil)
			}
			cr := r.GetCredential()
			idLabel := map[registryv1.CredentialType]string{
				registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT: "client id",
				registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY:       "key id",
				registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER: "systemid",
			}[cr.GetType()]
			secretLabel := map[registryv1.CredentialType]string{
				registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT: "client secret",
				registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY:       "API key",
				registryv1.CredentialType_CREDENTIAL_TYPE_SIGNED_HEADER: "HMAC secret",
			}[cr.GetType()]
			if err := p.fields(&r, "credential", cr.GetId(), "type", enumName(cr.GetType(), "CREDENTIAL_TYPE_"), idLabel, cr.GetKeyId(), secretLabel, r.GetSecret()); err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "Lưu bí mật ngay: nó chỉ hiển thị một lần. / Store the secret now: it is shown only once.")
			return nil
		},
	}
	create.Flags().StringVar(&app, "app", "", "application id")
	create.Flags().StringVar(&typ, "type", "oauth2", "oauth2, apikey or signed-header")
	create.Flags().StringVar(&systemID, "system-id", "", "signed-header credentials: the systemid the client already uses")
	create.Flags().StringVar(&description, "description", "", "description")
	create.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time or a duration from now")

	var listApp string
	list := &cobra.Command{
		Use:   "list --app ID",
		Short: "List an application's credentials (without secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			if listApp == "" {
				return errors.New("--app is required")
			}
			items, err := listAll(cmd, c, "/admin/v1/applications/"+url.PathEscape(listApp)+"/credentials", nil, 0, (*registryv1.ListCredentialsResponse).GetCredentials)
			if err != nil {
				return err
			}
			all := &registryv1.ListCredentialsResponse{Credentials: items}
			return o.printer(cmd).print(all, credHeader, credRows(all.GetCredentials()))
		},
	}
	list.Flags().StringVar(&listApp, "app", "", "application id")

	var reason string
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a credential",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.RevokeCredentialResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/credentials/"+url.PathEscape(args[0])+":revoke", nil,
				&registryv1.RevokeCredentialRequest{Id: args[0], Reason: reason}, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, credHeader, credRows([]*registryv1.Credential{r.GetCredential()}))
		},
	}
	revoke.Flags().StringVar(&reason, "reason", "", "reason, for the audit log")
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// ------------------------------------------------------------ subscriptions

var subHeader = []string{"ID", "APPLICATION", "APP AGENCY", "API", "TIER", "STATE", "DECIDED BY", "UPDATED"}

func subRows(ss []*registryv1.Subscription) [][]string {
	var rows [][]string
	for _, s := range ss {
		rows = append(rows, []string{s.GetId(), s.GetApplicationId(), s.GetApplicationAgency(), s.GetApiId(), s.GetTier(),
			enumName(s.GetState(), "SUBSCRIPTION_STATE_"), orDash(s.GetDecidedBy()), ts(s.GetUpdateTime(), s.GetUpdateTime() != nil)})
	}
	return rows
}

func newSubscriptionsCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "subscriptions", Aliases: []string{"subscription", "subs"}, Short: "Subscriptions / Đăng ký sử dụng API"}
	var req registryv1.CreateSubscriptionRequest
	create := &cobra.Command{
		Use:   "create --app ID --api ID --tier NAME",
		Short: "Subscribe an application to an API (approved at once or pending, per the API)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.CreateSubscriptionResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/subscriptions", nil, &req, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, subHeader, subRows([]*registryv1.Subscription{r.GetSubscription()}))
		},
	}
	create.Flags().StringVar(&req.ApplicationId, "app", "", "application id")
	create.Flags().StringVar(&req.ApiId, "api", "", "API id")
	create.Flags().StringVar(&req.Tier, "tier", "", "tier name")

	var app, api, state string
	list := &cobra.Command{
		Use:   "list",
		Short: "List subscriptions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			q := url.Values{}
			if app != "" {
				q.Set("application_id", app)
			}
			if api != "" {
				q.Set("api_id", api)
			}
			if state != "" {
				v, err := enumValue(state, "SUBSCRIPTION_STATE_", registryv1.SubscriptionState_value, "state")
				if err != nil {
					return err
				}
				q.Set("state", registryv1.SubscriptionState(v).String())
			}
			items, err := listAll(cmd, c, "/admin/v1/subscriptions", q, 0, (*registryv1.ListSubscriptionsResponse).GetSubscriptions)
			if err != nil {
				return err
			}
			all := &registryv1.ListSubscriptionsResponse{Subscriptions: items}
			return o.printer(cmd).print(all, subHeader, subRows(all.GetSubscriptions()))
		},
	}
	list.Flags().StringVar(&app, "app", "", "only this application's")
	list.Flags().StringVar(&api, "api", "", "only this API's")
	list.Flags().StringVar(&state, "state", "", "pending, approved, rejected or suspended")

	decide := func(verb, short string) *cobra.Command {
		var reason string
		c := &cobra.Command{
			Use:   verb + " ID",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := o.client(true)
				if err != nil {
					return err
				}
				// The four decisions share request and response shapes.
				var r registryv1.ApproveSubscriptionResponse
				if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/subscriptions/"+url.PathEscape(args[0])+":"+verb, nil,
					&registryv1.ApproveSubscriptionRequest{Id: args[0], Reason: reason}, &r); err != nil {
					return err
				}
				return o.printer(cmd).print(&r, subHeader, subRows([]*registryv1.Subscription{r.GetSubscription()}))
			},
		}
		c.Flags().StringVar(&reason, "reason", "", "reason, for the record")
		return c
	}
	cmd.AddCommand(create, list,
		decide("approve", "Approve a pending subscription"), decide("reject", "Reject a pending subscription"),
		decide("suspend", "Suspend an approved subscription"), decide("resume", "Resume a suspended subscription"))
	return cmd
}

// -------------------------------------------------------------------- users

var userHeader = []string{"USERNAME", "NAME", "ROLE", "AGENCY", "DISABLED"}

func userRows(us []*registryv1.User) [][]string {
	var rows [][]string
	for _, u := range us {
		rows = append(rows, []string{u.GetUsername(), orDash(u.GetDisplayName()), enumName(u.GetRole(), "USER_ROLE_"), orDash(u.GetAgencyCode()), strconv.FormatBool(u.GetDisabled())})
	}
	return rows
}

func newUsersCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "users", Aliases: []string{"user"}, Short: "Admin users / Người dùng quản trị"}
	var (
		u     registryv1.User
		role  string
		stdin bool
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a user (the password is read from stdin or a prompt)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			v, err := enumValue(role, "USER_ROLE_", registryv1.UserRole_value, "role")
			if err != nil {
				return err
			}
			user := proto.Clone(&u).(*registryv1.User)
			user.Role = registryv1.UserRole(v)
			pw, err := readPassword(cmd, stdin, "", "Mật khẩu cho "+u.GetUsername()+" / Password: ")
			if err != nil {
				return err
			}
			var r registryv1.CreateUserResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/users", nil, &registryv1.CreateUserRequest{User: user, Password: pw}, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, userHeader, userRows([]*registryv1.User{r.GetUser()}))
		},
	}
	create.Flags().StringVar(&u.Username, "username", "", "username")
	create.Flags().StringVar(&u.DisplayName, "display-name", "", "display name")
	create.Flags().StringVar(&role, "role", "", "platform-admin, agency-publisher, agency-developer or auditor")
	create.Flags().StringVar(&u.AgencyCode, "agency", "", "agency code (publishers and developers)")
	create.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			items, err := listAll(cmd, c, "/admin/v1/users", nil, 0, (*registryv1.ListUsersResponse).GetUsers)
			if err != nil {
				return err
			}
			all := &registryv1.ListUsersResponse{Users: items}
			return o.printer(cmd).print(all, userHeader, userRows(all.GetUsers()))
		},
	}
	cmd.AddCommand(create, list)
	return cmd
}

// --------------------------------------------------------------------- keys

var keyHeader = []string{"KID", "ALGORITHM", "STATE", "CREATED", "ROTATED", "LEAVES JWKS"}

func keyRows(ks []*registryv1.SigningKey) [][]string {
	var rows [][]string
	for _, k := range ks {
		rows = append(rows, []string{k.GetKid(), k.GetAlgorithm(), enumName(k.GetState(), "SIGNING_KEY_STATE_"),
			ts(k.GetCreateTime(), k.GetCreateTime() != nil), ts(k.GetRotateTime(), k.GetRotateTime() != nil), ts(k.GetRetireTime(), k.GetRetireTime() != nil)})
	}
	return rows
}

func newKeysCommand(o *adminOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "keys", Short: "Token-signing keys / Khoá ký token"}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Make a new signing key current; the previous one stays in the JWKS until its tokens expire",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.RotateSigningKeyResponse
			if err := c.call(cmd.Context(), http.MethodPost, "/admin/v1/signing-keys:rotate", nil, &registryv1.RotateSigningKeyRequest{}, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, keyHeader, keyRows([]*registryv1.SigningKey{r.GetKey()}))
		},
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List signing keys",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			var r registryv1.ListSigningKeysResponse
			if err := c.call(cmd.Context(), http.MethodGet, "/admin/v1/signing-keys", nil, nil, &r); err != nil {
				return err
			}
			return o.printer(cmd).print(&r, keyHeader, keyRows(r.GetKeys()))
		},
	}
	cmd.AddCommand(rotate, list)
	return cmd
}
