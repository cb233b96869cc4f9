package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// serveToken is the WSO2-style OAuth2 token endpoint: grant_type
// client_credentials, the client authenticating with HTTP Basic or with
// client_id/client_secret form fields. The registry checks the secret and
// signs the token.
func (g *Gateway) serveToken(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.Response.Header.Set("Pragma", "no-cache")
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		oauthError(ctx, 405, "invalid_request", "use POST with an application/x-www-form-urlencoded body", "hãy dùng POST với nội dung application/x-www-form-urlencoded")
		return
	}
	form := ctx.PostArgs()
	if gt := string(form.Peek("grant_type")); gt != "client_credentials" {
		if gt == "" {
			oauthError(ctx, 400, "invalid_request", "grant_type is required", "thiếu grant_type")
		} else {
			oauthError(ctx, 400, "unsupported_grant_type", "only grant_type=client_credentials is supported", "chỉ hỗ trợ grant_type=client_credentials")
		}
		return
	}
	id, secret, viaBasic := basicAuth(ctx.Request.Header.Peek("Authorization"))
	if !viaBasic {
		id, secret = string(form.Peek("client_id")), string(form.Peek("client_secret"))
	}
	if id == "" || secret == "" {
		ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="lgsp"`)
		oauthError(ctx, 401, "invalid_client", "client authentication is required (HTTP Basic or client_id and client_secret)", "cần xác thực ứng dụng (HTTP Basic hoặc client_id và client_secret)")
		return
	}
	src, now := g.clientAddr(ctx), g.now()
	if wait := g.throttle.wait(id, src, now); wait > 0 {
		secs := int64((wait + time.Second - 1) / time.Second)
		g.metrics.tokenThrottled.Inc()
		g.logTokenFailure(id, src, "throttled")
		ctx.Response.Header.Set("Retry-After", strconv.FormatInt(secs, 10))
		oauthError(ctx, 429, "slow_down",
			fmt.Sprintf("too many failed attempts for this client from this address; retry in %d seconds", secs),
			fmt.Sprintf("xác thực sai quá nhiều lần cho ứng dụng này từ địa chỉ này; hãy thử lại sau %d giây", secs))
		return
	}
	rctx, cancel := context.WithTimeout(context.Background(), g.cfg.RegistryTimeout)
	defer cancel()
	resp, err := g.reg.IssueToken(rctx, &registryv1.IssueTokenRequest{
		ClientId:      id,
		ClientSecret:  secret,
		Scope:         string(form.Peek("scope")),
		SourceAddress: src.String(),
	})
	if err != nil {
		switch status.Code(err) {
		case codes.Unauthenticated, codes.PermissionDenied, codes.NotFound:
			g.throttle.fail(id, src, now)
			g.metrics.tokenInvalid.Inc()
			g.logTokenFailure(id, src, "invalid_client")
			if viaBasic {
				ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="lgsp"`)
			}
			oauthError(ctx, 401, "invalid_client", "unknown client or wrong secret", "ứng dụng không tồn tại hoặc sai mật khẩu")
		case codes.InvalidArgument:
			oauthError(ctx, 400, "invalid_request", "the token request is not valid", "yêu cầu cấp token không hợp lệ")
		case codes.FailedPrecondition:
			oauthError(ctx, 400, "unauthorized_client", "the client may not obtain tokens now (suspended or expired)", "ứng dụng hiện không được cấp token (bị tạm dừng hoặc hết hạn)")
		case codes.Unavailable, codes.DeadlineExceeded:
			oauthError(ctx, 503, "temporarily_unavailable", "the token service is unavailable; retry shortly", "dịch vụ cấp token đang tạm gián đoạn; vui lòng thử lại")
		default:
			g.log.Error("issue token", "err", err)
			oauthError(ctx, 500, "server_error", "the token could not be issued", "không cấp được token")
		}
		return
	}
	g.throttle.succeed(id, src)
	typ := resp.GetTokenType()
	if typ == "" {
		typ = "Bearer"
	}
	body, _ := json.Marshal(struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}{resp.GetAccessToken(), resp.GetScope(), typ, resp.GetExpiresIn()})
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

// logTokenFailure reports refused token requests, one line per interval
// whatever their number (each is counted in lgsp_gateway_token_failures_total;
// the registry logs the ones it refuses).
func (g *Gateway) logTokenFailure(clientID string, src netip.Addr, reason string) {
	if ok, held := g.tokenLogs.allow(time.Now()); ok {
		if len(clientID) > 64 {
			clientID = clientID[:64]
		}
		g.log.Warn("token request refused", "reason", reason, "client_id", clientID, "source", src.String(),
			"similar_refusals_not_logged", held)
	}
}

// basicAuth reads RFC 6749 §2.3.1 client credentials from HTTP Basic (each
// part form-encoded before base64).
func basicAuth(h []byte) (id, secret string, ok bool) {
	const prefix = "basic "
	if len(h) <= len(prefix) || !strings.EqualFold(string(h[:len(prefix)]), prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(h[len(prefix):])))
	if err != nil {
		return "", "", false
	}
	u, p, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if du, err := url.QueryUnescape(u); err == nil {
		u = du
	}
	if dp, err := url.QueryUnescape(p); err == nil {
		p = dp
	}
	return u, p, true
}

func oauthError(ctx *fasthttp.RequestCtx, code int, errCode, en, vi string) {
	body, _ := json.Marshal(map[string]string{"error": errCode, "error_description": en, "error_description_vi": vi})
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

func (g *Gateway) serveJWKS(ctx *fasthttp.RequestCtx) {
	t := g.table.Load()
	if t == nil || t.jwt == nil {
		writeError(ctx, errNotReady, styleLGSP, g.idPrefix+"jwks")
		return
	}
	ctx.Response.Header.Set("Cache-Control", "public, max-age=300")
	ctx.SetContentType("application/json")
	ctx.SetBody(t.jwt.jwks)
}

func (g *Gateway) serveReady(ctx *fasthttp.RequestCtx) {
	rctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	ctx.SetContentType("application/json")
	if err := g.Ready(rctx); err != nil {
		body, _ := json.Marshal(map[string]string{"status": "not_ready", "reason": err.Error()})
		ctx.SetStatusCode(503)
		ctx.SetBody(body)
		return
	}
	ctx.SetBodyString(`{"status":"ready"}`)
}

// serverError answers errors fasthttp meets before the handler runs (body
// over the cap, headers too large, malformed requests) in the platform's
// JSON shape.
func (g *Gateway) serverError(ctx *fasthttp.RequestCtx, err error) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// The read timeout of a connection's first request: usually a
		// client pool's connection opened and never used. An answer
		// nobody asked for would reach the client as the response to its
		// next request on that connection; close it instead, as net/http
		// does.
		_ = ctx.Conn().Close()
		return
	}
	id := g.idPrefix + "e" + randomID(4)
	switch {
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		// The refusal bodyLimit chose: 413, or 401 for a request that
		// presents no credential to an API that needs one.
		_, refusal, rt := g.bodyLimit(&ctx.Request.Header)
		writeError(ctx, refusal, rt.errStyle(), id)
	case strings.Contains(err.Error(), "small read buffer") || strings.Contains(err.Error(), "too big"):
		writeError(ctx, errHeaderTooLarge, styleLGSP, id)
	default:
		writeError(ctx, errBadRequest, styleLGSP, id)
	}
	g.metrics.forRoute("").count(ctx.Response.StatusCode())
}
