package console

import "sync"

// Messages are keyed texts in Vietnamese (the default) and English. Each
// page file adds its own with AddMessages in an init function, so that a
// page and its words are reviewed together.
var (
	msgMu sync.RWMutex
	msgs  = map[string][2]string{} // key → {vi, en}
)

// AddMessages adds messages: key → {Vietnamese, English}.
func AddMessages(m map[string][2]string) {
	msgMu.Lock()
	defer msgMu.Unlock()
	for k, v := range m {
		msgs[k] = v
	}
}

func message(lang, key string) string {
	msgMu.RLock()
	v, ok := msgs[key]
	msgMu.RUnlock()
	if !ok {
		return key
	}
	if lang == "en" {
		return v[1]
	}
	return v[0]
}

func init() {
	AddMessages(map[string][2]string{
		"app.name":              {"LGSP – Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh", "LGSP – Provincial integration and data-sharing platform"},
		"app.short":             {"LGSP", "LGSP"},
		"skip":                  {"Bỏ qua, đến nội dung chính", "Skip to main content"},
		"nav.label":             {"Điều hướng chính", "Main navigation"},
		"nav.admin":             {"Quản trị", "Administration"},
		"nav.portal":            {"Cổng nhà phát triển", "Developer portal"},
		"nav.services":          {"Dịch vụ", "Services"},
		"nav.audit":             {"Giám sát", "Oversight"},
		"lang.switch":           {"English", "Tiếng Việt"},
		"lang.label":            {"Ngôn ngữ", "Language"},
		"signedin":              {"Đang đăng nhập: %s (%s)", "Signed in as %s (%s)"},
		"logout":                {"Đăng xuất", "Sign out"},
		"login.title":           {"Đăng nhập", "Sign in"},
		"login.username":        {"Tên đăng nhập", "Username"},
		"login.password":        {"Mật khẩu", "Password"},
		"login.submit":          {"Đăng nhập", "Sign in"},
		"login.failed":          {"Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."},
		"login.intro":           {"Đăng nhập bằng tài khoản do quản trị viên nền tảng cấp.", "Sign in with the account a platform admin gave you."},
		"role.platform_admin":   {"Quản trị nền tảng", "Platform admin"},
		"role.agency_publisher": {"Cán bộ công bố API của cơ quan", "Agency publisher"},
		"role.agency_developer": {"Nhà phát triển của cơ quan", "Agency developer"},
		"role.auditor":          {"Kiểm toán viên", "Auditor"},
		"forbidden.title":       {"Không có quyền truy cập", "Not allowed"},
		"forbidden.message":     {"Vai trò của bạn không được mở trang này.", "Your role may not open this page."},
		"notfound.title":        {"Không tìm thấy trang", "Page not found"},
		"notfound.message":      {"Không có trang nào tại địa chỉ này.", "There is no page at this address."},
		"error.title":           {"Không thực hiện được", "Could not be done"},
		"csrf.title":            {"Biểu mẫu đã hết hạn", "The form has expired"},
		"csrf.message":          {"Vui lòng tải lại trang và gửi lại biểu mẫu.", "Please reload the page and send the form again."},
		"back.home":             {"Về trang chính", "Back to the start page"},
		"done.saved":            {"Đã lưu.", "Saved."},
		"done.created":          {"Đã tạo.", "Created."},
		"done.deleted":          {"Đã xóa.", "Deleted."},
		"search":                {"Tìm kiếm", "Search"},
		"search.submit":         {"Tìm", "Search"},
		"page.next":             {"Trang sau", "Next page"},
		"page.first":            {"Trang đầu", "First page"},
		"empty":                 {"Chưa có mục nào.", "Nothing here yet."},
		"save":                  {"Lưu", "Save"},
		"create":                {"Tạo", "Create"},
		"cancel":                {"Hủy", "Cancel"},
		"actions":               {"Thao tác", "Actions"},
		"optional":              {"không bắt buộc", "optional"},
	})
}
