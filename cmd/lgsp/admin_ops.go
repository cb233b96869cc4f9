package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// Every admin command is an op: a declarative description of one call of
// the admin REST API. Its flags and arguments are bound to fields of the
// RPC's request message, its route is the RPC's HTTP mapping, and a view
// says how to show the response. One runner turns an op into a cobra
// command, so a new command is one entry in admin_commands.go.

// op describes one admin command.
type op struct {
	use, short, long, example string
	aliases                   []string

	rpc    string // RegistryService method: fixes the request and response messages
	route  string // its mapping in proto/http.yaml, e.g. "POST /admin/v1/agencies/{code}:succeed"
	body   string // request field sent as the body; "*" (the default except for GET) for all
	public bool   // callable without a session

	args  []param // positional arguments, in order
	flags []param
	// switches are boolean flags bound to no request field; prepare reads
	// them with cmd.Flags().GetBool.
	switches []param
	// password adds --password-stdin for the request's password; without
	// it the password comes from passwordEnv, when named, or a prompt.
	password    bool
	passwordEnv string
	// prepare finishes the request once flags and arguments are set.
	prepare func(*cobra.Command, proto.Message) error
	mask    bool // send update_mask naming the body fields the command set
	limit   int  // when positive, a list gets --limit with this default

	show   view
	notice string // said on stderr after a table, e.g. that a secret is shown once
	// then, when set, handles the answer or the error instead of show.
	then func(cmd *cobra.Command, c *adminClient, resp proto.Message, err error) error
}

// param binds a flag or a positional argument to a request field.
type param struct {
	name, short string
	field       string // dotted proto field names in the request, e.g. "agency.parent_code"
	usage, def  string
	conv        conv
	alias       map[string]string // synonyms of enum values
	required    bool
}

// conv says how typed text becomes a value when the field's kind does not.
type conv int

const (
	byKind       conv = iota
	fileContents      // a file name: the field gets the file's text
	millis            // a Go duration: an integer field gets milliseconds
	timeAhead         // RFC 3339, or a duration from now
	timeAgo           // RFC 3339, or a duration ago
)

func flag(name, field, usage string) param { return param{name: name, field: field, usage: usage} }
func arg(name, field string) param         { return param{name: name, field: field} }

func (p param) as(c conv) param            { p.conv = c; return p }
func (p param) withDefault(v string) param { p.def = v; return p }
func (p param) require() param             { p.required = true; return p }
func (p param) withShort(s string) param   { p.short = s; return p }
func (p param) withAliases(kv ...string) param {
	p.alias = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		p.alias[kv[i]] = kv[i+1]
	}
	return p
}

// group is a noun of `lgsp admin` (agencies, apis, ...) and its commands.
type group struct {
	use, short string
	aliases    []string
	ops        []op
}

func (o *adminOptions) group(g group) *cobra.Command {
	cmd := &cobra.Command{Use: g.use, Aliases: g.aliases, Short: g.short}
	for _, op := range g.ops {
		cmd.AddCommand(o.command(op))
	}
	return cmd
}

var registryMethods = registryv1.File_lgsp_registry_v1_registry_proto.Services().ByName("RegistryService").Methods()

func newMessage(d protoreflect.MessageDescriptor) proto.Message {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(d.FullName())
	if err != nil {
		panic(err)
	}
	return mt.New().Interface()
}

// command builds the cobra command of an op. A malformed op (unknown RPC
// or field) panics, in every test that builds the commands.
func (o *adminOptions) command(spec op) *cobra.Command {
	md := registryMethods.ByName(protoreflect.Name(spec.rpc))
	if md == nil {
		panic("admin command " + spec.use + ": no RPC " + spec.rpc)
	}
	req := newMessage(md.Input())
	cmd := &cobra.Command{
		Use: spec.use, Short: spec.short, Long: spec.long, Example: spec.example, Aliases: spec.aliases,
		Args: cobra.ExactArgs(len(spec.args)),
	}
	for _, p := range spec.args {
		walk(newMessage(md.Input()).ProtoReflect(), p.field, false, true)
	}
	f := cmd.Flags()
	for _, p := range spec.flags {
		v := &fieldFlag{req: req.ProtoReflect(), p: p}
		if _, v.fd = walk(newMessage(md.Input()).ProtoReflect(), p.field, false, true); p.def != "" {
			if err := v.Set(p.def); err != nil {
				panic(err)
			}
		}
		if fl := f.VarPF(v, p.name, p.short, p.usage); v.fd.Kind() == protoreflect.BoolKind {
			fl.NoOptDefVal = "true"
		}
		if p.required {
			_ = cmd.MarkFlagRequired(p.name)
		}
	}
	for _, p := range spec.switches {
		f.Bool(p.name, false, p.usage)
	}
	var stdin bool
	if spec.password {
		usage := "read the password from standard input (else a prompt)"
		if spec.passwordEnv != "" {
			usage = "read the password from standard input (else " + spec.passwordEnv + " or a prompt)"
		}
		f.BoolVar(&stdin, "password-stdin", false, usage)
	}
	var limit int
	if spec.limit > 0 {
		f.IntVar(&limit, "limit", spec.limit, "at most this many entries")
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := o.client(!spec.public)
		if err != nil {
			return err
		}
		for i, a := range args {
			if err := setField(req.ProtoReflect(), spec.args[i], a); err != nil {
				return err
			}
		}
		if spec.password {
			pw, err := readPassword(cmd, stdin, spec.passwordEnv, "Mật khẩu / Password: ")
			if err != nil {
				return err
			}
			req.ProtoReflect().Set(req.ProtoReflect().Descriptor().Fields().ByName("password"), protoreflect.ValueOfString(pw))
		}
		if spec.prepare != nil {
			if err := spec.prepare(cmd, req); err != nil {
				return err
			}
		}
		if spec.mask {
			if err := setUpdateMask(req.ProtoReflect(), spec, f); err != nil {
				return err
			}
		}
		resp := newMessage(md.Output())
		err = c.run(cmd, spec, req, resp, limit)
		if spec.then != nil {
			return spec.then(cmd, c, resp, err)
		}
		if err != nil {
			return err
		}
		if p := o.printer(cmd); p.format == "json" {
			return p.json(resp)
		} else if err := p.show(resp, spec.show); err != nil {
			return err
		}
		if spec.notice != "" {
			fmt.Fprintln(cmd.ErrOrStderr(), spec.notice)
		}
		return nil
	}
	return cmd
}

// walk follows a dotted path of field names (proto names, or JSON names
// with byJSON) and returns the message holding the last field and that
// field. Messages on the way are created with create; otherwise m is nil
// when one is unset. An unknown field panics.
func walk(m protoreflect.Message, path string, byJSON, create bool) (protoreflect.Message, protoreflect.FieldDescriptor) {
	names := strings.Split(path, ".")
	for i, name := range names {
		fields := m.Descriptor().Fields()
		fd := fields.ByName(protoreflect.Name(name))
		if byJSON {
			fd = fields.ByJSONName(name)
		}
		if fd == nil || (i < len(names)-1 && fd.Message() == nil) {
			panic(fmt.Sprintf("admin command: %s has no message field %s", m.Descriptor().FullName(), path))
		}
		switch {
		case i == len(names)-1:
			return m, fd
		case create:
			m = m.Mutable(fd).Message()
		case !m.Has(fd):
			return nil, fd
		default:
			m = m.Get(fd).Message()
		}
	}
	panic("unreachable")
}

// fieldFlag is a flag that writes straight into a request field.
type fieldFlag struct {
	req protoreflect.Message
	p   param
	fd  protoreflect.FieldDescriptor
}

func (v *fieldFlag) String() string     { return v.p.def }
func (v *fieldFlag) Set(s string) error { return setField(v.req, v.p, s) }
func (v *fieldFlag) Type() string {
	if t := map[conv]string{fileContents: "file", millis: "duration", timeAhead: "time", timeAgo: "time"}[v.p.conv]; t != "" {
		return t
	}
	switch k := v.fd.Kind(); {
	case v.fd.IsList():
		return "stringArray"
	case k == protoreflect.EnumKind:
		return "string"
	case k == protoreflect.MessageKind:
		return "time"
	default:
		return k.String()
	}
}

// messageParsers read the messages of repeated fields as typed to a flag.
var messageParsers = map[protoreflect.FullName]func(string) (proto.Message, error){
	fullName(&registryv1.UpstreamEndpoint{}): func(s string) (proto.Message, error) {
		u, w := s, int64(1)
		if i := strings.LastIndex(s, "|"); i > 0 {
			n, err := strconv.ParseInt(s[i+1:], 10, 32)
			if err != nil {
				return nil, fmt.Errorf("%q: weight after | must be a number", s)
			}
			u, w = s[:i], n
		}
		return &registryv1.UpstreamEndpoint{Url: u, Weight: int32(w)}, nil
	},
	fullName(&registryv1.ApiResource{}): func(s string) (proto.Message, error) {
		m, p, ok := strings.Cut(s, " ")
		if !ok {
			return nil, fmt.Errorf("%q: want \"METHOD /path\"", s)
		}
		return &registryv1.ApiResource{Method: m, Path: strings.TrimSpace(p)}, nil
	},
}

func fullName(m proto.Message) protoreflect.FullName { return m.ProtoReflect().Descriptor().FullName() }

var timestampName = fullName(&timestamppb.Timestamp{})

// setField sets the field of p from typed text s; a repeated field gets s
// appended.
func setField(root protoreflect.Message, p param, s string) (err error) {
	m, fd := walk(root, p.field, false, true)
	var v protoreflect.Value
	switch k := fd.Kind(); {
	case k == protoreflect.EnumKind:
		if a, ok := p.alias[strings.ToLower(s)]; ok {
			s = a
		}
		var n protoreflect.EnumNumber
		n, err = enumValue(fd.Enum(), s, strings.ToLower(p.name))
		v = protoreflect.ValueOfEnum(n)
	case k == protoreflect.MessageKind && fd.Message().FullName() == timestampName:
		var at time.Time
		at, err = parseTime(s, p.conv)
		v = protoreflect.ValueOfMessage(timestamppb.New(at).ProtoReflect())
	case k == protoreflect.MessageKind:
		var msg proto.Message
		if msg, err = messageParsers[fd.Message().FullName()](s); err == nil {
			v = protoreflect.ValueOfMessage(msg.ProtoReflect())
		}
	case p.conv == fileContents:
		var b []byte
		b, err = os.ReadFile(s)
		v = protoreflect.ValueOfString(string(b))
	case p.conv == millis:
		var d time.Duration
		d, err = time.ParseDuration(s)
		v = protoreflect.ValueOfInt64(d.Milliseconds())
	case k == protoreflect.StringKind:
		v = protoreflect.ValueOfString(s)
	case k == protoreflect.BoolKind:
		var b bool
		b, err = strconv.ParseBool(s)
		v = protoreflect.ValueOfBool(b)
	case k == protoreflect.Int32Kind:
		var n int64
		n, err = strconv.ParseInt(s, 10, 32)
		v = protoreflect.ValueOfInt32(int32(n))
	case k == protoreflect.Int64Kind:
		var n int64
		n, err = strconv.ParseInt(s, 10, 64)
		v = protoreflect.ValueOfInt64(n)
	case k == protoreflect.DoubleKind:
		var x float64
		x, err = strconv.ParseFloat(s, 64)
		v = protoreflect.ValueOfFloat64(x)
	default:
		panic(fmt.Sprintf("admin command: no flag for %s", fd.FullName()))
	}
	switch {
	case err != nil:
		return err
	case fd.IsList():
		m.Mutable(fd).List().Append(v)
	default:
		m.Set(fd, v)
	}
	return nil
}

func parseTime(s string, c conv) (time.Time, error) {
	if at, err := time.Parse(time.RFC3339, s); err == nil {
		return at, nil
	} else if c != timeAhead && c != timeAgo {
		return at, fmt.Errorf("want RFC 3339, e.g. 2026-12-31T00:00:00+07:00")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want RFC 3339 or a duration such as 24h")
	}
	if c == timeAgo {
		d = -d
	}
	return time.Now().Add(d), nil
}

// enumPrefix is the prefix of an enum's value names, from its zero value:
// API_LIFECYCLE_UNSPECIFIED → API_LIFECYCLE_.
func enumPrefix(ed protoreflect.EnumDescriptor) string {
	return strings.TrimSuffix(string(ed.Values().Get(0).Name()), "UNSPECIFIED")
}

// enumName is an enum value without its prefix, in lower case:
// API_LIFECYCLE_DRAFT → draft.
func enumName(v protoreflect.EnumValueDescriptor) string {
	return strings.ToLower(strings.TrimPrefix(string(v.Name()), enumPrefix(v.Parent().(protoreflect.EnumDescriptor))))
}

// enumValue finds the value whose enumName is s; dashes stand for
// underscores.
func enumValue(ed protoreflect.EnumDescriptor, s, what string) (protoreflect.EnumNumber, error) {
	if v := ed.Values().ByName(protoreflect.Name(enumPrefix(ed) + strings.ToUpper(strings.ReplaceAll(s, "-", "_")))); v != nil && v.Number() != 0 {
		return v.Number(), nil
	}
	var opts []string
	for i := 1; i < ed.Values().Len(); i++ {
		opts = append(opts, enumName(ed.Values().Get(i)))
	}
	sort.Strings(opts)
	return 0, fmt.Errorf("unknown %s %q (one of: %s)", what, s, strings.Join(opts, ", "))
}

var pathVar = regexp.MustCompile(`\{([a-z_.]+)\}`)

// setUpdateMask names in update_mask the body fields the command set,
// other than those in the path.
func setUpdateMask(req protoreflect.Message, spec op, f *pflag.FlagSet) error {
	body := req.Get(req.Descriptor().Fields().ByName(protoreflect.Name(spec.body))).Message()
	var paths []string
	body.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if !strings.Contains(spec.route, "{"+spec.body+"."+string(fd.Name())+"}") {
			paths = append(paths, string(fd.Name()))
		}
		return true
	})
	if len(paths) == 0 {
		var flags []string
		f.VisitAll(func(fl *pflag.Flag) { flags = append(flags, "--"+fl.Name) })
		return fmt.Errorf("không có gì để thay đổi / nothing to change: give %s", strings.Join(flags, ", "))
	}
	sort.Strings(paths)
	req.Set(req.Descriptor().Fields().ByName("update_mask"), protoreflect.ValueOfMessage((&fieldmaskpb.FieldMask{Paths: paths}).ProtoReflect()))
	return nil
}

// maxItems bounds what a list command fetches.
const maxItems = 10000

// run sends the request along the op's route and reads the answer into
// resp, following the page tokens of a list.
func (c *adminClient) run(cmd *cobra.Command, spec op, req, resp proto.Message, limit int) error {
	method, tmpl, _ := strings.Cut(spec.route, " ")
	m, r := req.ProtoReflect(), resp.ProtoReflect()
	bound := map[string]bool{spec.body: true}
	var missing []string
	path := pathVar.ReplaceAllStringFunc(tmpl, func(v string) string {
		name := strings.Trim(v, "{}")
		bound[strings.Split(name, ".")[0]] = true
		var val string
		if parent, fd := walk(m, name, false, false); parent != nil {
			val = parent.Get(fd).String()
		}
		if val == "" {
			missing = append(missing, name)
		}
		return url.PathEscape(val)
	})
	if missing != nil {
		return fmt.Errorf("thiếu / missing %s", strings.Join(missing, ", "))
	}
	var in proto.Message
	switch {
	case spec.body != "":
		in = m.Get(m.Descriptor().Fields().ByName(protoreflect.Name(spec.body))).Message().Interface()
	case method != http.MethodGet && method != http.MethodDelete:
		in = req
	}
	q := url.Values{}
	if in != req {
		q = queryOf(m, bound)
	}
	next := r.Descriptor().Fields().ByName("next_page_token")
	if method != http.MethodGet || next == nil {
		return c.call(cmd.Context(), method, path, q, in, resp)
	}
	if limit <= 0 || limit > maxItems {
		limit = maxItems
	}
	q.Set("page_size", "500")
	var items protoreflect.FieldDescriptor // the repeated field of a list
	for i := 0; i < r.Descriptor().Fields().Len(); i++ {
		if fd := r.Descriptor().Fields().Get(i); fd.IsList() && items == nil {
			items = fd
		}
	}
	for {
		page := r.New().Interface()
		if err := c.call(cmd.Context(), method, path, q, nil, page); err != nil {
			return err
		}
		proto.Merge(resp, page)
		token := page.ProtoReflect().Get(next).String()
		if token == "" || r.Get(items).List().Len() >= limit {
			break
		}
		q.Set("page_token", token)
	}
	r.Clear(next)
	if r.Get(items).List().Len() > limit {
		r.Mutable(items).List().Truncate(limit)
	}
	return nil
}

// queryOf writes the request fields that are neither in the path nor the
// body as query parameters, as grpc-gateway reads them.
func queryOf(m protoreflect.Message, bound map[string]bool) url.Values {
	q := url.Values{}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := string(fd.Name())
		switch {
		case bound[name] || fd.IsList():
		case fd.Enum() != nil:
			q.Set(name, string(fd.Enum().Values().ByNumber(v.Enum()).Name()))
		case fd.Message() == nil:
			q.Set(name, v.String())
		case fd.Message().FullName() == timestampName:
			q.Set(name, v.Message().Interface().(*timestamppb.Timestamp).AsTime().UTC().Format(time.RFC3339Nano))
		case fd.Message().FullName() == fullName(&fieldmaskpb.FieldMask{}):
			q.Set(name, strings.Join(v.Message().Interface().(*fieldmaskpb.FieldMask).GetPaths(), ","))
		default:
			panic("admin command: cannot send " + string(fd.FullName()) + " in a query")
		}
		return true
	})
	return q
}

// view shows a response as a table of the messages of one type it holds
// (itself, or its fields of that type), or with detail as one
// "name: value" line per column. Columns are JSON field names, dotted for
// nested fields: the names of -o json.
type view struct {
	of     protoreflect.FullName
	cols   []string
	detail bool
	format map[string]func(protoreflect.Value) string // overrides per column
}

func table(of proto.Message, cols string) view {
	return view{of: fullName(of), cols: strings.Fields(cols)}
}
func detail(of proto.Message, cols string) view { v := table(of, cols); v.detail = true; return v }

func (v view) with(col string, f func(protoreflect.Value) string) view {
	v.format = map[string]func(protoreflect.Value) string{col: f}
	return v
}

func (v view) rows(resp protoreflect.Message) []protoreflect.Message {
	if resp.Descriptor().FullName() == v.of {
		return []protoreflect.Message{resp}
	}
	var out []protoreflect.Message
	for i, fields := 0, resp.Descriptor().Fields(); i < fields.Len(); i++ {
		switch fd := fields.Get(i); {
		case fd.Message() == nil || fd.Message().FullName() != v.of || !resp.Has(fd):
		case fd.IsList():
			for j, l := 0, resp.Get(fd).List(); j < l.Len(); j++ {
				out = append(out, l.Get(j).Message())
			}
		default:
			out = append(out, resp.Get(fd).Message())
		}
	}
	return out
}

func (p printer) show(resp proto.Message, v view) error {
	var cells [][]string
	for _, r := range v.rows(resp.ProtoReflect()) {
		row := make([]string, len(v.cols))
		for i, col := range v.cols {
			row[i] = v.cell(r, col)
		}
		cells = append(cells, row)
	}
	if !v.detail {
		return p.table(v.cols, cells)
	}
	for _, row := range cells {
		if err := p.fields(v.cols, row); err != nil {
			return err
		}
	}
	return nil
}

func (v view) cell(row protoreflect.Message, col string) string {
	m, fd := walk(row, col, true, false)
	switch {
	case m == nil || (fd.Message() != nil && !fd.IsList() && !m.Has(fd)):
		return "-"
	case v.format[col] != nil:
		return v.format[col](m.Get(fd))
	case fd.IsList():
		var parts []string
		for i, l := 0, m.Get(fd).List(); i < l.Len(); i++ {
			parts = append(parts, text(fd, l.Get(i)))
		}
		return orDash(strings.Join(parts, ", "))
	}
	return text(fd, m.Get(fd))
}

// messageText writes the messages that appear in columns.
var messageText = map[protoreflect.FullName]func(proto.Message) string{
	timestampName: func(m proto.Message) string {
		return m.(*timestamppb.Timestamp).AsTime().Local().Format("2006-01-02 15:04")
	},
	fullName(&registryv1.UpstreamEndpoint{}): func(m proto.Message) string { // as typed to --upstream
		if e := m.(*registryv1.UpstreamEndpoint); e.GetWeight() > 1 {
			return fmt.Sprintf("%s|%d", e.GetUrl(), e.GetWeight())
		}
		return m.(*registryv1.UpstreamEndpoint).GetUrl()
	},
	fullName(&registryv1.ApiResource{}): func(m proto.Message) string { // as typed to --resource
		return m.(*registryv1.ApiResource).GetMethod() + " " + m.(*registryv1.ApiResource).GetPath()
	},
	fullName(&registryv1.UpstreamAuth{}): func(m proto.Message) string {
		t := m.(*registryv1.UpstreamAuth).GetType()
		return enumName(t.Descriptor().Values().ByNumber(t.Number()))
	},
}

// text writes one value of field fd.
func text(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return orDash(v.String())
	case protoreflect.EnumKind:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil && v.Enum() != 0 {
			return enumName(ev)
		}
		return "-"
	case protoreflect.MessageKind:
		if f := messageText[fd.Message().FullName()]; f != nil {
			return f(v.Message().Interface())
		}
		b, _ := protojson.Marshal(v.Message().Interface())
		return string(b)
	}
	return v.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
