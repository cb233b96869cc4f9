package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

const adminTestPassword = "admin-test-password-1"

// adminFixture is a running platform with a user of each agency role in
// the demo agency, which owns the demo API.
type adminFixture struct {
	p   *platform
	reg *registry.Service
	ctx context.Context
}

func newAdminFixture(t *testing.T) *adminFixture {
	t.Helper()
	p := startPlatform(t)
	f := &adminFixture{p: p, reg: p.a.Instance(app.RegistryName).(*registry.Service),
		ctx: authn.WithPrincipal(context.Background(), authn.Principal{Subject: "test", Role: authn.RolePlatformAdmin})}
	for _, u := range []*registryv1.User{
		{Username: "dev-admintest", DisplayName: "Nhà phát triển thử", Role: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, AgencyCode: registry.DemoAgencyCode},
		{Username: "pub-admintest", DisplayName: "Cán bộ công bố thử", Role: registryv1.UserRole_USER_ROLE_AGENCY_PUBLISHER, AgencyCode: registry.DemoAgencyCode},
	} {
		if _, err := f.reg.CreateUser(f.ctx, &registryv1.CreateUserRequest{User: u, Password: adminTestPassword}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *adminFixture) as(user, password string) *browser {
	b := f.p.browser()
	b.login(user, password)
	return b
}

func (f *adminFixture) admin() *browser { return f.as("admin", f.p.a.Info.AdminPassword) }

// pendingSub creates an application of the demo agency and asks for a
// subscription to the demo API, which needs a manual approval.
func (f *adminFixture) pendingSub(t *testing.T, appName string) (*registryv1.Application, *registryv1.Subscription) {
	t.Helper()
	apis, err := f.reg.ListApis(f.ctx, &registryv1.ListApisRequest{Context: registry.DemoAPIContext})
	if err != nil || len(apis.GetApis()) == 0 {
		t.Fatalf("demo API: %v", err)
	}
	api := apis.GetApis()[0]
	if api.GetApprovalMode() != registryv1.ApprovalMode_APPROVAL_MODE_MANUAL {
		t.Fatalf("the demo API's approval mode is %v", api.GetApprovalMode())
	}
	a, err := f.reg.CreateApplication(f.ctx, &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
		Name: appName, AgencyCode: registry.DemoAgencyCode}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.reg.CreateSubscription(f.ctx, &registryv1.CreateSubscriptionRequest{
		ApplicationId: a.GetApplication().GetId(), ApiId: api.GetId(), Tier: registry.DemoTierName})
	if err != nil {
		t.Fatal(err)
	}
	if s.GetSubscription().GetState() != registryv1.SubscriptionState_SUBSCRIPTION_STATE_PENDING {
		t.Fatalf("new subscription is %v", s.GetSubscription().GetState())
	}
	return a.GetApplication(), s.GetSubscription()
}

func (f *adminFixture) subState(t *testing.T, id string) registryv1.SubscriptionState {
	t.Helper()
	s, err := f.reg.GetSubscription(f.ctx, &registryv1.GetSubscriptionRequest{Id: id})
	if err != nil {
		t.Fatal(err)
	}
	return s.GetSubscription().GetState()
}

// invalidInput reports whether the input with id is marked invalid and
// described by the problem shown beside it.
func invalidInput(t *testing.T, body, id string) {
	t.Helper()
	re := regexp.MustCompile(`<(?:input|select)[^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>`)
	tag := re.FindString(body)
	if tag == "" {
		t.Fatalf("no input %s on the page", id)
	}
	if !strings.Contains(tag, `aria-invalid="true"`) || !strings.Contains(tag, "problem") {
		t.Fatalf("input %s is not marked invalid: %s", id, tag)
	}
	contains(t, body, `id="problem" role="alert"`)
}

func expectStatus(t *testing.T, what string, got, want int, body string) {
	t.Helper()
	if got != want {
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("%s: %d, want %d\n%s", what, got, want, body)
	}
}

// TestAdminRoles: an agency developer neither sees nor opens the admin
// pages (403 on /agencies, /users, /approvals and /audit, and on a posted
// form), reads the tiers without their forms; an auditor reads the users
// and the audit log without the forms; a publisher opens /approvals.
func TestAdminRoles(t *testing.T) {
	f := newAdminFixture(t)
	dev := f.as("dev-admintest", adminTestPassword)
	for _, path := range []string{"/agencies", "/agencies/" + registry.DemoAgencyCode, "/users", "/approvals", "/audit"} {
		st, body, _ := dev.get(path)
		expectStatus(t, "developer "+path, st, http.StatusForbidden, body)
		contains(t, body, "Không có quyền truy cập")
	}
	_, body, _ := dev.get("/tiers")
	contains(t, body, "<h1>Gói chính sách</h1>", registry.DemoTierName)
	if strings.Contains(body, `action="/tiers"`) || strings.Contains(body, `href="/users"`) || strings.Contains(body, `href="/audit"`) {
		t.Fatal("the developer sees the tier forms or a menu link to an admin page")
	}
	for path, form := range map[string]url.Values{
		"/approvals": {"op": {"approve"}, "id": {"sub_x"}},
		"/users":     {"op": {"create"}, "username": {"mallory"}, "role": {"USER_ROLE_PLATFORM_ADMIN"}, "password": {"long-enough-password"}},
		"/tiers":     {"op": {"create"}, "name": {"Free"}, "rate_per_second": {"1"}, "burst": {"1"}},
		"/audit":     {"op": {"verify"}},
	} {
		dev.get("/tiers")
		if st, body, _ := dev.post(path, form); st != http.StatusForbidden {
			expectStatus(t, "developer posting "+path, st, http.StatusForbidden, body)
		}
	}

	aud := f.as("auditor", f.p.a.Info.AuditorPassword)
	for _, path := range []string{"/agencies", "/tiers", "/users", "/audit"} {
		st, body, _ := aud.get(path)
		expectStatus(t, "auditor "+path, st, http.StatusOK, body)
		if strings.Contains(body, `method="post" action="`+path+`" class="stack"`) {
			t.Fatalf("auditor sees the create form of %s", path)
		}
	}
	if st, body, _ := aud.get("/approvals"); st != http.StatusForbidden {
		expectStatus(t, "auditor /approvals", st, http.StatusForbidden, body)
	}
	aud.get("/users")
	if st, body, _ := aud.post("/users", url.Values{"op": {"disable"}, "username": {"admin"}}); st != http.StatusForbidden {
		expectStatus(t, "auditor disabling a user", st, http.StatusForbidden, body)
	}

	pub := f.as("pub-admintest", adminTestPassword)
	st, body, _ := pub.get("/approvals")
	expectStatus(t, "publisher /approvals", st, http.StatusOK, body)
	contains(t, body, "<h1>Duyệt đăng ký</h1>")
}

// TestAdminAgencies: the list with its search and paging, a code refused
// beside its field (malformed, then a duplicate) with what was typed kept,
// a new agency, and a succession recorded on the agency's page.
func TestAdminAgencies(t *testing.T) {
	f := newAdminFixture(t)
	// More agencies than a page holds.
	for i := 0; i < 60; i++ {
		code := fmt.Sprintf("000.00.77.H%02d", i)
		if _, err := f.reg.CreateAgency(f.ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: code, Name: "Sở thử nghiệm " + code}}); err != nil {
			t.Fatal(err)
		}
	}
	b := f.admin()
	st, body, _ := b.get("/agencies")
	expectStatus(t, "/agencies", st, http.StatusOK, body)
	contains(t, body, "<h1>Cơ quan</h1>", registry.DemoAgencyCode, `for="agency-code"`, `scope="col"`, `rel="next"`)
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	st, page2, _ := b.get(html.UnescapeString(next[1]))
	expectStatus(t, "/agencies page 2", st, http.StatusOK, page2)
	contains(t, page2, "000.00.77.H59", "Trang đầu")
	if strings.Contains(page2, "<code>000.00.00.G22</code>") {
		t.Fatal("the second page repeats the first")
	}

	_, body, _ = b.get("/agencies?q=" + url.QueryEscape("thử nghiệm 000.00.77.H0"))
	contains(t, body, "000.00.77.H00", "000.00.77.H09")
	if strings.Contains(body, "000.00.77.H10") || strings.Contains(body, "<code>"+registry.DemoAgencyCode+"</code>") {
		t.Fatal("the search shows agencies that do not match")
	}
	_, body, _ = b.get("/agencies?q=h30")
	contains(t, body, "<code>"+registry.DemoAgencyCode+"</code>")

	// A malformed code, then a duplicate one: both beside the code field,
	// with the name kept.
	st, body, _ = b.post("/agencies", url.Values{"code": {"28.22.H17"}, "name": {"Sở Tư pháp"}})
	expectStatus(t, "malformed code", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "agency-code")
	contains(t, body, `value="28.22.H17"`, `value="Sở Tư pháp"`)
	st, body, _ = b.post("/agencies", url.Values{"code": {registry.DemoAgencyCode}, "name": {"Trùng mã"}})
	expectStatus(t, "duplicate code", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "agency-code")
	contains(t, body, "mã định danh cơ quan đã tồn tại")
	st, body, _ = b.post("/agencies", url.Values{"code": {"000.00.78.H01"}, "name": {"Sở mới"}, "parent_code": {"000.00.99.H99"}})
	expectStatus(t, "unknown parent", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "agency-parent")

	for _, c := range []string{"000.00.78.H01", "000.00.78.H02"} {
		b.get("/agencies")
		st, _, h := b.post("/agencies", url.Values{"code": {c}, "name": {"Sở sáp nhập " + c}, "parent_code": {registry.DemoAgencyCode}})
		if st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/agencies?done=created") {
			t.Fatalf("create %s: %d %s", c, st, h.Get("Location"))
		}
	}
	_, body, _ = b.get("/agencies?done=created&q=000.00.78")
	contains(t, body, `role="status"`, "Đã tạo.", "Sở sáp nhập 000.00.78.H01", `href="/agencies/000.00.78.H01"`)

	// The succession: refused when the agency would succeed itself, then
	// recorded.
	st, body, _ = b.get("/agencies/000.00.78.H01")
	expectStatus(t, "agency page", st, http.StatusOK, body)
	contains(t, body, "Lịch sử thay đổi", "Tạo mới", `for="successor-code"`, "data-confirm=")
	st, body, _ = b.post("/agencies/000.00.78.H01", url.Values{"successor_code": {"000.00.78.H01"}})
	expectStatus(t, "self-succession", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "successor-code")
	contains(t, body, `value="000.00.78.H01"`)
	st, _, h := b.post("/agencies/000.00.78.H01", url.Values{"successor_code": {"000.00.78.H02"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/agencies/000.00.78.H01?done=saved" {
		t.Fatalf("succession: %d %s", st, h.Get("Location"))
	}
	_, body, _ = b.get("/agencies/000.00.78.H01")
	contains(t, body, "đã được thay thế bởi 000.00.78.H02", "Được thay thế")
	if strings.Contains(body, `for="successor-code"`) {
		t.Fatal("a superseded agency still offers a succession")
	}
	_, body, _ = b.get("/agencies?q=000.00.78")
	contains(t, body, `<a href="/agencies/000.00.78.H02"><code>000.00.78.H02</code></a>`, "Đã được thay thế")
	a, err := f.reg.GetAgency(f.ctx, &registryv1.GetAgencyRequest{Code: "000.00.78.H01"})
	if err != nil || a.GetAgency().GetSuccessorCode() != "000.00.78.H02" {
		t.Fatalf("registry after the succession: %v %v", a, err)
	}

	// A publisher reads agencies but sees no form.
	pub := f.as("pub-admintest", adminTestPassword)
	_, body, _ = pub.get("/agencies/000.00.78.H02")
	if strings.Contains(body, `for="successor-code"`) {
		t.Fatal("a publisher sees the succession form")
	}
	_, body, _ = pub.get("/agencies")
	if strings.Contains(body, `for="agency-code"`) {
		t.Fatal("a publisher sees the create form")
	}
}

// TestAdminTiers: a tier created with numbers typed the Vietnamese way,
// refusals beside their fields (from the console and from the API), and
// an edit that changes the limits through an update mask.
func TestAdminTiers(t *testing.T) {
	f := newAdminFixture(t)
	b := f.admin()
	st, body, _ := b.get("/tiers")
	expectStatus(t, "/tiers", st, http.StatusOK, body)
	contains(t, body, "<h1>Gói chính sách</h1>", registry.DemoTierName, `for="new-name"`)

	st, body, _ = b.post("/tiers", url.Values{"op": {"create"}, "name": {"Bac"}, "rate_per_second": {"nhanh"}, "burst": {"5"}})
	expectStatus(t, "rate not a number", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "new-rate")
	contains(t, body, `value="nhanh"`)
	st, body, _ = b.post("/tiers", url.Values{"op": {"create"}, "name": {"Bac"}, "rate_per_second": {"5"}, "burst": {"0"}})
	expectStatus(t, "burst 0", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "new-burst")
	st, body, _ = b.post("/tiers", url.Values{"op": {"create"}, "name": {registry.DemoTierName}, "rate_per_second": {"5"}, "burst": {"5"}})
	expectStatus(t, "duplicate tier", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "new-name")

	st, _, h := b.post("/tiers", url.Values{"op": {"create"}, "name": {"Bac"}, "description": {"Gói bạc"},
		"rate_per_second": {"2,5"}, "burst": {"5"}, "monthly_quota": {"100.000"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/tiers?done=created" {
		t.Fatalf("create tier: %d %s", st, h.Get("Location"))
	}
	_, body, _ = b.get("/tiers?done=created")
	contains(t, body, "Gói bạc", "2,5", "100.000")
	tier, err := f.reg.GetTier(f.ctx, &registryv1.GetTierRequest{Name: "Bac"})
	if err != nil || tier.GetTier().GetRatePerSecond() != 2.5 || tier.GetTier().GetMonthlyQuota() != 100000 {
		t.Fatalf("created tier: %v %v", tier, err)
	}

	_, body, _ = b.get("/tiers?edit=Bac")
	contains(t, body, `id="edit"`, `id="edit-rate"`, `value="2,5"`, `value="100000"`)
	st, body, _ = b.post("/tiers", url.Values{"op": {"update"}, "name": {"Bac"}, "description": {"Gói bạc"},
		"rate_per_second": {"2,5"}, "burst": {"-1"}, "monthly_quota": {"0"}})
	expectStatus(t, "edit with a bad burst", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "edit-burst")
	st, _, h = b.post("/tiers", url.Values{"op": {"update"}, "name": {"Bac"}, "description": {"Gói bạc mới"},
		"rate_per_second": {"2,5"}, "burst": {"9"}, "monthly_quota": {"0"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/tiers?done=saved" {
		t.Fatalf("edit tier: %d %s", st, h.Get("Location"))
	}
	_, body, _ = b.get("/tiers")
	contains(t, body, "Gói bạc mới", "Không giới hạn")
	tier, err = f.reg.GetTier(f.ctx, &registryv1.GetTierRequest{Name: "Bac"})
	if err != nil || tier.GetTier().GetBurst() != 9 || tier.GetTier().GetMonthlyQuota() != 0 || tier.GetTier().GetRatePerSecond() != 2.5 {
		t.Fatalf("edited tier: %v %v", tier, err)
	}
}

// TestAdminUsers: refusals beside the password and username fields, a new
// agency developer who can sign in, then disabled (and unable to sign in)
// and enabled again.
func TestAdminUsers(t *testing.T) {
	f := newAdminFixture(t)
	b := f.admin()
	st, body, _ := b.get("/users")
	expectStatus(t, "/users", st, http.StatusOK, body)
	contains(t, body, "<h1>Người dùng</h1>", "dev-admintest", "Nhà phát triển thử", `type="password"`, `for="user-role"`)

	form := url.Values{"op": {"create"}, "username": {"nv.tuphap"}, "display_name": {"Nguyễn Văn Pháp"},
		"role": {"USER_ROLE_AGENCY_DEVELOPER"}, "agency_code": {registry.DemoAgencyCode}, "password": {"ngan"}}
	st, body, _ = b.post("/users", form)
	expectStatus(t, "short password", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "user-password")
	contains(t, body, `value="nv.tuphap"`, `value="Nguyễn Văn Pháp"`, `value="USER_ROLE_AGENCY_DEVELOPER" selected`)
	if strings.Contains(body, `value="ngan"`) {
		t.Fatal("the password is shown again")
	}
	form.Set("password", "mat-khau-du-dai-1")
	form.Set("agency_code", "")
	st, body, _ = b.post("/users", form)
	expectStatus(t, "developer without agency", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "user-agency")
	form.Set("agency_code", registry.DemoAgencyCode)
	st, _, h := b.post("/users", form)
	if st != http.StatusSeeOther || h.Get("Location") != "/users?done=created" {
		t.Fatalf("create user: %d %s", st, h.Get("Location"))
	}
	b.get("/users")
	st, body, _ = b.post("/users", form)
	expectStatus(t, "duplicate user", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "user-username")
	f.as("nv.tuphap", "mat-khau-du-dai-1")

	_, body, _ = b.get("/users")
	contains(t, body, "Nguyễn Văn Pháp", `aria-label="Vô hiệu hóa nv.tuphap"`)
	if st, _, _ := b.post("/users", url.Values{"op": {"disable"}, "username": {"nv.tuphap"}}); st != http.StatusSeeOther {
		t.Fatalf("disable: %d", st)
	}
	u, err := f.reg.GetUser(f.ctx, &registryv1.GetUserRequest{Username: "nv.tuphap"})
	if err != nil || !u.GetUser().GetDisabled() {
		t.Fatalf("after disabling: %v %v", u, err)
	}
	nb := f.p.browser()
	nb.get("/login")
	if st, _, _ := nb.post("/login", url.Values{"username": {"nv.tuphap"}, "password": {"mat-khau-du-dai-1"}}); st == http.StatusSeeOther {
		t.Fatal("a disabled user signed in")
	}
	_, body, _ = b.get("/users?done=saved")
	contains(t, body, "Đã vô hiệu hóa", `aria-label="Kích hoạt lại nv.tuphap"`)
	if st, _, _ := b.post("/users", url.Values{"op": {"enable"}, "username": {"nv.tuphap"}}); st != http.StatusSeeOther {
		t.Fatalf("enable: %d", st)
	}
	u, _ = f.reg.GetUser(f.ctx, &registryv1.GetUserRequest{Username: "nv.tuphap"})
	if u.GetUser().GetDisabled() {
		t.Fatal("the user is still disabled")
	}
	// The signed-in admin has no button against themself.
	_, body, _ = b.get("/users")
	if strings.Contains(body, `aria-label="Vô hiệu hóa admin"`) {
		t.Fatal("the admin is offered to disable themself")
	}
}

// TestAdminApprovals: a pending subscription to an API with manual
// approval shows with the API's and the application's names; approving it
// on the page makes it active; it is then suspended and resumed; another is
// rejected with a reason, and a reason too long is refused beside its
// field.
func TestAdminApprovals(t *testing.T) {
	f := newAdminFixture(t)
	app1, sub1 := f.pendingSub(t, "Hệ thống một cửa thử nghiệm")
	_, sub2 := f.pendingSub(t, "Cổng dịch vụ công thử nghiệm")

	b := f.admin()
	st, body, _ := b.get("/approvals")
	expectStatus(t, "/approvals", st, http.StatusOK, body)
	contains(t, body, "<h1>Duyệt đăng ký</h1>", "Hệ thống một cửa thử nghiệm", "CSDL quốc gia về đăng ký doanh nghiệp",
		sub1.GetId(), `href="/apps/`+app1.GetId()+`"`, registry.DemoTierName, ">Duyệt</button>", `for="reject-`+sub2.GetId()+`"`)

	st, _, h := b.post("/approvals", url.Values{"op": {"approve"}, "id": {sub1.GetId()}})
	if st != http.StatusSeeOther || h.Get("Location") != "/approvals?done=approved" {
		t.Fatalf("approve: %d %s", st, h.Get("Location"))
	}
	if s := f.subState(t, sub1.GetId()); s != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
		t.Fatalf("after approving: %v", s)
	}
	_, body, _ = b.get("/approvals?done=approved")
	contains(t, body, "Đã duyệt đăng ký.", `for="suspend-`+sub1.GetId()+`"`)

	// Approving it again is refused, and said so.
	st, body, _ = b.post("/approvals", url.Values{"op": {"approve"}, "id": {sub1.GetId()}})
	expectStatus(t, "approving twice", st, http.StatusUnprocessableEntity, body)
	contains(t, body, `role="alert"`, "không thể")

	b.get("/approvals")
	if st, _, _ := b.post("/approvals", url.Values{"op": {"suspend"}, "id": {sub1.GetId()}, "reason": {"Vượt hạn mức"}}); st != http.StatusSeeOther {
		t.Fatalf("suspend: %d", st)
	}
	if s := f.subState(t, sub1.GetId()); s != registryv1.SubscriptionState_SUBSCRIPTION_STATE_SUSPENDED {
		t.Fatalf("after suspending: %v", s)
	}
	_, body, _ = b.get("/approvals")
	contains(t, body, "Vượt hạn mức", ">Tiếp tục</button>")
	if st, _, _ := b.post("/approvals", url.Values{"op": {"resume"}, "id": {sub1.GetId()}}); st != http.StatusSeeOther {
		t.Fatalf("resume: %d", st)
	}
	if s := f.subState(t, sub1.GetId()); s != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
		t.Fatalf("after resuming: %v", s)
	}

	b.get("/approvals")
	st, body, _ = b.post("/approvals", url.Values{"op": {"reject"}, "id": {sub2.GetId()}, "reason": {strings.Repeat("x", 1001)}})
	expectStatus(t, "reason too long", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "reject-"+sub2.GetId())
	if st, _, _ := b.post("/approvals", url.Values{"op": {"reject"}, "id": {sub2.GetId()}, "reason": {"Chưa có văn bản đề nghị"}}); st != http.StatusSeeOther {
		t.Fatalf("reject: %d", st)
	}
	if s := f.subState(t, sub2.GetId()); s != registryv1.SubscriptionState_SUBSCRIPTION_STATE_REJECTED {
		t.Fatalf("after rejecting: %v", s)
	}

	// The demo agency's publisher decides on subscriptions to its API.
	_, sub3 := f.pendingSub(t, "Ứng dụng chờ cán bộ công bố")
	pub := f.as("pub-admintest", adminTestPassword)
	_, body, _ = pub.get("/approvals")
	contains(t, body, "Ứng dụng chờ cán bộ công bố", sub3.GetId())
	if st, _, _ := pub.post("/approvals", url.Values{"op": {"approve"}, "id": {sub3.GetId()}}); st != http.StatusSeeOther {
		t.Fatalf("publisher approves: %d", st)
	}
	if s := f.subState(t, sub3.GetId()); s != registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED {
		t.Fatalf("after the publisher approved: %v", s)
	}
}

// TestAdminAudit: the log shows what was done, filters by resource kind
// and id, pages, refuses a bad date beside its field, and the verify
// button says the chain is intact.
func TestAdminAudit(t *testing.T) {
	f := newAdminFixture(t)
	_, sub := f.pendingSub(t, "Ứng dụng kiểm toán")
	for i := 0; i < 105; i++ {
		code := fmt.Sprintf("000.00.66.%c%02d", 'H'+i/100, i%100)
		if _, err := f.reg.CreateAgency(f.ctx, &registryv1.CreateAgencyRequest{Agency: &registryv1.Agency{Code: code, Name: "Đơn vị " + code}}); err != nil {
			t.Fatal(err)
		}
	}
	b := f.admin()
	st, body, _ := b.get("/audit")
	expectStatus(t, "/audit", st, http.StatusOK, body)
	contains(t, body, "<h1>Nhật ký kiểm toán</h1>", `for="audit-actor"`, `for="audit-from"`, "Kiểm tra chuỗi", "000.00.66.I04")

	_, body, _ = b.get("/audit?kind=subscription&resource=" + url.QueryEscape(sub.GetId()))
	contains(t, body, sub.GetId(), ">create<")
	if strings.Contains(body, "000.00.66.I04") {
		t.Fatal("the filter shows other entries")
	}

	_, body, _ = b.get("/audit?kind=agency&action=create")
	m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no next page of 105 agency entries")
	}
	next := html.UnescapeString(m[1])
	if !strings.Contains(next, "kind=agency") || !strings.Contains(next, "action=create") {
		t.Fatalf("the next page link drops the filters: %s", next)
	}
	_, page2, _ := b.get(next)
	contains(t, page2, "000.00.66.H00", "Trang đầu")

	st, body, _ = b.get("/audit?from=2025-02-31")
	expectStatus(t, "bad date", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "audit-from")
	st, body, _ = b.get("/audit?from=2025-03-02&to=2025-03-01")
	expectStatus(t, "reversed range", st, http.StatusUnprocessableEntity, body)
	invalidInput(t, body, "audit-to")
	_, body, _ = b.get("/audit?from=2000-01-01&to=2000-01-02")
	contains(t, body, "Chưa có mục nào.")

	b.get("/audit")
	st, body, _ = b.post("/audit", url.Values{"op": {"verify"}})
	expectStatus(t, "verify", st, http.StatusOK, body)
	contains(t, body, `role="status"`, "Chuỗi nhật ký nguyên vẹn")
	if strings.Contains(body, `role="alert"`) {
		t.Fatal("the verification shows an alert")
	}

	aud := f.as("auditor", f.p.a.Info.AuditorPassword)
	aud.get("/audit")
	st, body, _ = aud.post("/audit", url.Values{"op": {"verify"}})
	expectStatus(t, "auditor verifies", st, http.StatusOK, body)
	contains(t, body, "Chuỗi nhật ký nguyên vẹn")
}
