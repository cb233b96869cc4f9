package authn

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// Role is what a principal may do. Services decide what each role allows.
type Role string

const (
	RolePlatformAdmin   Role = "platform_admin"
	RoleAgencyPublisher Role = "agency_publisher"
	RoleAgencyDeveloper Role = "agency_developer"
	RoleAuditor         Role = "auditor"
	// RoleService is another LGSP process using the internal service token.
	RoleService Role = "service"
	// RoleConsumer is an application calling through the gateway, which
	// asserted its identity (platform/gatewayid). Subject is the
	// application id and Agency its agency code.
	RoleConsumer Role = "consumer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	switch r {
	case RolePlatformAdmin, RoleAgencyPublisher, RoleAgencyDeveloper, RoleAuditor, RoleService, RoleConsumer:
		return true
	}
	return false
}

// Principal is an authenticated caller.
type Principal struct {
	// Subject is the username, or the service name for RoleService.
	Subject string
	Role    Role
	// Agency is the agency code the principal belongs to; empty for platform
	// admins, auditors and services.
	Agency string
	// SessionID identifies the login session, when there is one.
	SessionID string
	// Source is the caller's network address, for the audit log.
	Source string
}

// ErrUnauthenticated is returned by an Authenticator for a missing, unknown
// or expired credential.
var ErrUnauthenticated = errors.New("unauthenticated")

// Authenticator turns a bearer credential into a principal.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in ctx, if any.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// SessionCookie is the admin console's session cookie.
const SessionCookie = "lgsp_session"

// BearerFromHeader extracts the token of an "Authorization: Bearer" value.
func BearerFromHeader(v string) string {
	const prefix = "bearer "
	if len(v) > len(prefix) && strings.EqualFold(v[:len(prefix)], prefix) {
		return strings.TrimSpace(v[len(prefix):])
	}
	return ""
}

// Option adjusts Middleware, UnaryInterceptor and StreamInterceptor.
type Option func(*options)

type options struct {
	proxies Proxies
}

// WithTrustedProxies names the proxies whose X-Forwarded-For is believed
// when the middleware or an interceptor records the caller's address
// (Principal.Source, SourceFrom). Without it the address is the socket
// peer's.
func WithTrustedProxies(p Proxies) Option { return func(o *options) { o.proxies = p } }

func optionsOf(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Middleware authenticates HTTP requests whose path is not public. It reads
// the bearer token or, for the console, the session cookie; a request that
// changes something (not GET, HEAD or OPTIONS) and is authenticated by the
// cookie must also show it comes from the console (see sameOrigin), or it
// gets ErrCrossOrigin. Requests without a valid credential get 401 from
// onError. Public requests pass through unauthenticated, with their
// address in the context (SourceFrom); handlers behind them must not need
// a principal. Refusals are counted and logged (Refused).
func Middleware(a Authenticator, public func(r *http.Request) bool, onError func(w http.ResponseWriter, r *http.Request, err error), opts ...Option) func(http.Handler) http.Handler {
	o := optionsOf(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			src := o.proxies.ClientAddr(r.RemoteAddr, r.Header.Values("X-Forwarded-For"))
			ctx := WithSource(r.Context(), src)
			if public != nil && public(r) {
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
			call := r.Method + " " + r.URL.Path
			token := BearerFromHeader(r.Header.Get("Authorization"))
			fromCookie := false
			if token == "" {
				if c, err := r.Cookie(SessionCookie); err == nil {
					token, fromCookie = c.Value, true
				}
			}
			if token == "" {
				Refused(ctx, RefusedUnauthenticated, call)
				onError(w, r, ErrUnauthenticated)
				return
			}
			p, err := a.Authenticate(ctx, token)
			if err != nil {
				if errors.Is(err, ErrUnauthenticated) {
					Refused(ctx, RefusedUnauthenticated, call)
				}
				onError(w, r, err)
				return
			}
			p.Source = src
			ctx = WithPrincipal(ctx, p)
			if fromCookie && !safeMethod(r.Method) && !sameOrigin(r) {
				Refused(ctx, RefusedCrossOrigin, call)
				onError(w, r, ErrCrossOrigin)
				return
			}
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// UnaryInterceptor authenticates gRPC calls from the "authorization"
// metadata, except the full method names listed as public. A principal that
// is already in the context (in-process calls through grpc-gateway) is kept.
func UnaryInterceptor(a Authenticator, public map[string]bool, opts ...Option) grpc.UnaryServerInterceptor {
	o := optionsOf(opts)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if _, ok := From(ctx); ok {
			return handler(ctx, req)
		}
		ctx = withPeerSource(ctx, o.proxies)
		if public[info.FullMethod] {
			return handler(ctx, req)
		}
		ctx, err := authenticateMD(ctx, a, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamInterceptor is UnaryInterceptor for streaming calls.
func StreamInterceptor(a Authenticator, public map[string]bool, opts ...Option) grpc.StreamServerInterceptor {
	o := optionsOf(opts)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx := withPeerSource(ss.Context(), o.proxies)
		if public[info.FullMethod] {
			return handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
		}
		ctx, err := authenticateMD(ctx, a, info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx})
	}
}

// withPeerSource records the caller's address: the gRPC peer, or the
// x-forwarded-for metadata when the peer is a trusted proxy.
func withPeerSource(ctx context.Context, proxies Proxies) context.Context {
	var addr string
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		addr = p.Addr.String()
	}
	md, _ := metadata.FromIncomingContext(ctx)
	return WithSource(ctx, proxies.ClientAddr(addr, md.Get("x-forwarded-for")))
}

func authenticateMD(ctx context.Context, a Authenticator, method string) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var token string
	for _, v := range md.Get("authorization") {
		if t := BearerFromHeader(v); t != "" {
			token = t
			break
		}
	}
	if token == "" {
		Refused(ctx, RefusedUnauthenticated, method)
		return nil, status.Error(codes.Unauthenticated, "missing bearer credential / thiếu thông tin xác thực")
	}
	p, err := a.Authenticate(ctx, token)
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			Refused(ctx, RefusedUnauthenticated, method)
			return nil, status.Error(codes.Unauthenticated, "invalid or expired credential / thông tin xác thực không hợp lệ hoặc đã hết hạn")
		}
		// The authenticator could not decide (the registry is unreachable):
		// say so with its own status, rather than call the credential bad.
		if st, ok := status.FromError(err); ok && st.Code() == codes.Unavailable {
			return nil, st.Err()
		}
		return nil, status.Error(codes.Unauthenticated, "invalid or expired credential / thông tin xác thực không hợp lệ hoặc đã hết hạn")
	}
	p.Source = SourceFrom(ctx)
	return WithPrincipal(ctx, p), nil
}

type wrappedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

// PerRPCToken attaches a bearer token to outgoing gRPC calls, for service to
// service calls with the internal token.
type PerRPCToken struct {
	Token string
	// AllowInsecure permits sending it without TLS (loopback, dev mode, or a
	// private network protected otherwise).
	AllowInsecure bool
}

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (t PerRPCToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + t.Token}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (t PerRPCToken) RequireTransportSecurity() bool { return !t.AllowInsecure }
