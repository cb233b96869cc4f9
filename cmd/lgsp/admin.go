package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The admin CLI talks to the registry's admin REST API (/admin/v1) with a
// session token from `lgsp admin login`.

func init() {
	extraCommands = append(extraCommands, NewAdminCommand, NewAuditCommand)
}

const (
	defaultAdminURL = "http://127.0.0.1:8081"
	envAdminURL     = "LGSP_ADMIN_URL"
	envAdminToken   = "LGSP_ADMIN_TOKEN"
	envAdminPass    = "LGSP_ADMIN_PASSWORD"
)

// adminOptions are the flags shared by every admin command.
type adminOptions struct {
	server string
	token  string
	output string
}

// session is what `lgsp admin login` stores, readable by the user only.
type session struct {
	Server     string    `json:"server"`
	Token      string    `json:"token"`
	Username   string    `json:"username"`
	ExpireTime time.Time `json:"expire_time"`
}

func sessionPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for the session file: %w", err)
	}
	return filepath.Join(dir, "lgsp", "session"), nil
}

func loadSession() (*session, error) {
	p, err := sessionPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s session
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("session file %s: %w", p, err)
	}
	return &s, nil
}

func saveSession(s session) (string, error) {
	p, err := sessionPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

func removeSession() error {
	p, err := sessionPath()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// NewAdminCommand is `lgsp admin`: everyday registry tasks through the
// admin API.
func NewAdminCommand() *cobra.Command {
	o := &adminOptions{}
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Manage the API registry through the admin API / Quản trị danh mục API",
		Long: `Manage agencies, APIs, tiers, applications, credentials, subscriptions,
users and signing keys through the admin REST API.

Log in first with "lgsp admin login"; the session token is kept in
~/.config/lgsp/session (mode 0600). LGSP_ADMIN_TOKEN overrides it, and
LGSP_ADMIN_URL (or --server) names the admin listener.`,
	}
	f := cmd.PersistentFlags()
	f.StringVar(&o.server, "server", "", "admin API base URL (LGSP_ADMIN_URL, default "+defaultAdminURL+")")
	f.StringVar(&o.token, "token", "", "session token (LGSP_ADMIN_TOKEN, default: the saved login)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table or json")
	cmd.AddCommand(
		newLoginCommand(o), newLogoutCommand(o), newWhoAmICommand(o),
		newAgenciesCommand(o), newAPIsCommand(o), newTiersCommand(o), newAppsCommand(o),
		newCredentialsCommand(o), newSubscriptionsCommand(o), newUsersCommand(o), newKeysCommand(o),
	)
	return cmd
}

// client builds the API client from flags, environment and saved session.
func (o *adminOptions) client(needToken bool) (*adminClient, error) {
	if o.output != "table" && o.output != "json" {
		return nil, fmt.Errorf("--output must be table or json, not %q", o.output)
	}
	server := firstNonEmpty(o.server, os.Getenv(envAdminURL))
	token := firstNonEmpty(o.token, os.Getenv(envAdminToken))
	if token == "" || server == "" {
		s, err := loadSession()
		if err != nil {
			return nil, err
		}
		if s != nil {
			if server == "" {
				server = s.Server
			}
			if token == "" && (s.Server == server) {
				token = s.Token
			}
		}
	}
	if server == "" {
		server = defaultAdminURL
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("admin server %q is not an http(s) URL (--server or %s)", server, envAdminURL)
	}
	if needToken && token == "" {
		return nil, errors.New(`not logged in: run "lgsp admin login" or set ` + envAdminToken + ` / chưa đăng nhập`)
	}
	return &adminClient{base: strings.TrimRight(server, "/"), token: token, http: &http.Client{Timeout: 60 * time.Second}}, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// adminClient calls the admin REST API with protojson bodies.
type adminClient struct {
	base  string
	token string
	http  *http.Client
}

// apiError is the platform's JSON error body.
type apiError struct {
	Status    int
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
	Field     string `json:"field"`
}

func (e *apiError) Error() string {
	msg := e.Message
	if e.MessageVI != "" && e.MessageVI != e.Message {
		msg = e.MessageVI + " / " + e.Message
	}
	if e.Field != "" {
		msg += " [" + e.Field + "]"
	}
	return fmt.Sprintf("%s (%s, HTTP %d)", msg, e.Code, e.Status)
}

var unmarshal = protojson.UnmarshalOptions{DiscardUnknown: true}

// call sends in (nil for no body) and decodes the answer into out.
func (c *adminClient) call(ctx context.Context, method, path string, query url.Values, in, out proto.Message) error {
	var body io.Reader
	if in != nil {
		b, err := protojson.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("admin API at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		e := &apiError{Status: resp.StatusCode}
		if json.Unmarshal(raw, e) != nil || e.Code == "" {
			e.Code, e.Message = "http_error", strings.TrimSpace(string(raw))
			if len(e.Message) > 300 {
				e.Message = e.Message[:300]
			}
		}
		if resp.StatusCode == http.StatusUnauthorized && e.Code == "unauthenticated" {
			e.Message += `; run "lgsp admin login"`
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := unmarshal.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("admin API answered an unexpected body: %w", err)
	}
	return nil
}

// printer renders results as a table or as JSON.
type printer struct {
	w      io.Writer
	format string
}

func (o *adminOptions) printer(cmd *cobra.Command) printer {
	return printer{w: cmd.OutOrStdout(), format: o.output}
}

var jsonOut = protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}

// print writes msg as JSON, or the table rows built by rows.
func (p printer) print(msg proto.Message, header []string, rows [][]string) error {
	if p.format == "json" {
		b, err := jsonOut.Marshal(msg)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(p.w, string(b))
		return err
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// fields prints one resource as "name: value" lines, or as JSON.
func (p printer) fields(msg proto.Message, kv ...string) error {
	if p.format == "json" {
		return p.print(msg, nil, nil)
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(tw, "%s:\t%s\n", kv[i], kv[i+1])
	}
	return tw.Flush()
}

// readPassword takes a password from stdin (--password-stdin), from env, or
// from a terminal prompt without echo.
func readPassword(cmd *cobra.Command, fromStdin bool, env, prompt string) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	if env != "" {
		if v := os.Getenv(env); v != "" {
			return v, nil
		}
	}
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(cmd.ErrOrStderr(), prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(cmd.ErrOrStderr())
		return string(b), err
	}
	return "", errors.New("no password: use --password-stdin or a terminal")
}

func ts(t interface{ AsTime() time.Time }, ok bool) string {
	if !ok {
		return "-"
	}
	return t.AsTime().Local().Format("2006-01-02 15:04")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// enumName strips an enum value's type prefix: API_LIFECYCLE_DRAFT → draft.
func enumName(v fmt.Stringer, prefix string) string {
	return strings.ToLower(strings.TrimPrefix(v.String(), prefix))
}

// enumValue finds the enum value whose short name (see enumName) is s.
func enumValue(s, prefix string, names map[string]int32, what string) (int32, error) {
	key := prefix + strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
	if v, ok := names[key]; ok && v != 0 {
		return v, nil
	}
	var opts []string
	for k, v := range names {
		if v != 0 {
			opts = append(opts, strings.ToLower(strings.TrimPrefix(k, prefix)))
		}
	}
	return 0, fmt.Errorf("unknown %s %q (one of: %s)", what, s, strings.Join(sortStrings(opts), ", "))
}
