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
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The admin CLI talks to the registry's admin REST API (/admin/v1) with a
// session token from `lgsp admin login`. admin_ops.go runs its commands,
// admin_commands.go lists them, admin_session.go finds the server and keeps
// the sessions.

func init() {
	extraCommands = append(extraCommands, NewAdminCommand, NewAuditCommand)
}

const (
	envAdminToken = "LGSP_ADMIN_TOKEN"
	envAdminPass  = "LGSP_ADMIN_PASSWORD"
)

// adminOptions are the flags shared by every admin command.
type adminOptions struct {
	server string
	token  string
	output string
}

// register adds the shared flags to the persistent flags of a command group.
func (o *adminOptions) register(f *pflag.FlagSet) {
	f.StringVar(&o.server, "admin-url", "", "admin API base URL (default: "+envAdminURL+", then the URL a local \"lgsp dev\" wrote to $"+envDataDir+"/admin-url or ./data/admin-url, then "+defaultAdminURL+")")
	// --server is the flag's earlier name.
	f.StringVar(&o.server, "server", "", "same as --admin-url")
	_ = f.MarkHidden("server")
	f.StringVar(&o.token, "token", "", "session token ("+envAdminToken+", default: the saved login for this admin URL)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table or json (the REST API's JSON)")
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

Quản trị cơ quan, API, gói chính sách, ứng dụng, thông tin xác thực, đăng ký
sử dụng, người dùng và khoá ký qua API quản trị.

` + adminURLHelp + `

` + sessionHelp + `

Add "-o json" to any command for the REST API's own JSON (field names such
as "ownerAgency" and "keyId"); table columns carry the same names.`,
	}
	o.register(cmd.PersistentFlags())
	for _, op := range adminTopOps {
		cmd.AddCommand(o.command(op))
	}
	for _, g := range adminGroups {
		cmd.AddCommand(o.group(g))
	}
	return cmd
}

// client builds the API client from flags, environment and saved session.
func (o *adminOptions) client(needToken bool) (*adminClient, error) {
	if o.output != "table" && o.output != "json" {
		return nil, fmt.Errorf("--output must be table or json, not %q", o.output)
	}
	server, source, err := resolveAdminURL(o.server)
	if err != nil {
		return nil, err
	}
	token := firstNonEmpty(o.token, os.Getenv(envAdminToken))
	if token == "" && needToken {
		s, err := loadSession(server)
		if err != nil {
			return nil, err
		}
		switch {
		case s == nil:
			return nil, fmt.Errorf(`chưa đăng nhập / not logged in to %s (%s): run "lgsp admin login" or set %s`, server, source, envAdminToken)
		case !s.ExpireTime.IsZero() && time.Now().After(s.ExpireTime):
			return nil, fmt.Errorf(`phiên đã hết hạn / the session for %s expired at %s: run "lgsp admin login"`, server, s.ExpireTime.Local().Format(time.DateTime))
		}
		token = s.Token
	}
	return &adminClient{base: server, source: source, token: token, http: &http.Client{Timeout: 60 * time.Second}}, nil
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
	base   string
	source string // where base came from, for error messages
	token  string
	http   *http.Client
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
		return fmt.Errorf("admin API at %s (%s): %w", c.base, c.source, err)
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

// jsonOut is protojson with its default (the REST API's) field names,
// indented for people.
var jsonOut = protojson.MarshalOptions{Multiline: true, Indent: "  "}

func (p printer) json(msg proto.Message) error {
	b, err := jsonOut.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(p.w, string(b))
	return err
}

// table writes a header line and rows, aligned.
func (p printer) table(header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// fields writes "name: value" lines, aligned.
func (p printer) fields(names, values []string) error {
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	for i := range names {
		fmt.Fprintf(tw, "%s:\t%s\n", names[i], values[i])
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
	return "", errors.New("no password: use --password-stdin or a terminal / chưa có mật khẩu")
}
