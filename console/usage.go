package console

import (
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// The usage pages: requests, errors and latency over time from metering's
// reports, drawn as inline SVG on the server (no script), each chart with
// the same numbers in a table. Metering scopes what agency users see
// (their agency as consumer or as API owner); the portal's page narrows
// it to the agency's own applications.

func init() {
	Register(Page{Path: "/usage", Menu: "usage.title", Section: "admin", Order: 50,
		Roles: []authn.Role{authn.RolePlatformAdmin, authn.RoleAuditor, authn.RoleAgencyPublisher, authn.RoleAgencyDeveloper},
		Get:   func(x *Ctx) { usagePage(x, false) }})
	Register(Page{Path: "/portal/usage", Menu: "usage.portal.title", Section: "portal", Order: 30,
		Roles: []authn.Role{authn.RolePlatformAdmin, authn.RoleAgencyPublisher, authn.RoleAgencyDeveloper},
		Get:   func(x *Ctx) { usagePage(x, true) }})
	AddMessages(map[string][2]string{
		"usage.title":              {"Thống kê sử dụng", "Usage"},
		"usage.portal.title":       {"Thống kê ứng dụng của tôi", "My applications' usage"},
		"usage.intro":              {"Số giao dịch, lỗi và độ trễ qua nền tảng, theo giờ Việt Nam (Asia/Ho_Chi_Minh).", "Requests, errors and latency through the platform, in Vietnam time (Asia/Ho_Chi_Minh)."},
		"usage.portal.intro":       {"Số giao dịch do các ứng dụng của cơ quan bạn thực hiện.", "Requests made by your agency's applications."},
		"usage.portal.admin":       {"Chọn một cơ quan để xem các ứng dụng của cơ quan đó.", "Choose an agency to see its applications."},
		"usage.range":              {"Khoảng thời gian", "Range"},
		"usage.range.today":        {"Hôm nay", "Today"},
		"usage.range.7d":           {"7 ngày", "7 days"},
		"usage.range.30d":          {"30 ngày", "30 days"},
		"usage.range.year":         {"Năm nay", "This year"},
		"usage.gran":               {"Chia theo", "Granularity"},
		"usage.gran.hour":          {"Giờ", "Hour"},
		"usage.gran.day":           {"Ngày", "Day"},
		"usage.gran.month":         {"Tháng", "Month"},
		"usage.group":              {"Nhóm theo", "Group by"},
		"usage.group.api":          {"API", "API"},
		"usage.group.app":          {"Ứng dụng", "Application"},
		"usage.group.agency":       {"Cơ quan", "Agency"},
		"usage.filter.api":         {"Chỉ API", "Only the API"},
		"usage.filter.app":         {"Chỉ ứng dụng", "Only the application"},
		"usage.filter.agency":      {"Cơ quan", "Agency"},
		"usage.filter.any":         {"Tất cả", "All"},
		"usage.show":               {"Xem", "Show"},
		"usage.total":              {"Tổng số giao dịch", "Total requests"},
		"usage.errors.total":       {"Số lỗi", "Errors"},
		"usage.errorrate":          {"Tỷ lệ lỗi", "Error rate"},
		"usage.p50":                {"Độ trễ trung vị (p50)", "Median latency (p50)"},
		"usage.p95":                {"Độ trễ p95", "p95 latency"},
		"usage.period":             {"Từ %s đến %s", "From %s to %s"},
		"usage.csv":                {"Tải CSV", "Download CSV"},
		"usage.csv.hint":           {"Cùng bộ lọc, một dòng cho mỗi nhóm và mỗi khoảng thời gian.", "Same filters, one line per group and time bucket."},
		"usage.chart.requests":     {"Số giao dịch", "Requests"},
		"usage.chart.errors":       {"Số lỗi", "Errors"},
		"usage.chart.latency":      {"Độ trễ (mili giây)", "Latency (milliseconds)"},
		"usage.chart.desc":         {"%s theo %s, từ %s đến %s, %d nhóm nhiều nhất. Số liệu chi tiết trong bảng dưới biểu đồ.", "%s per %s, from %s to %s, the top %d groups. The numbers are in the table below the chart."},
		"usage.chart.desc.latency": {"Độ trễ p50 và p95 theo %s, từ %s đến %s. Số liệu chi tiết trong bảng dưới biểu đồ.", "p50 and p95 latency per %s, from %s to %s. The numbers are in the table below the chart."},
		"usage.axis.time":          {"Thời gian", "Time"},
		"usage.axis.count":         {"Số lượng", "Count"},
		"usage.axis.ms":            {"ms", "ms"},
		"usage.others":             {"Khác", "Others"},
		"usage.unknown":            {"(không xác định)", "(unknown)"},
		"usage.table.time":         {"Thời điểm bắt đầu", "Bucket start"},
		"usage.table.note":         {"Chỉ liệt kê các khoảng thời gian có giao dịch.", "Only buckets with requests are listed."},
		"usage.table.sum":          {"Cộng", "Total"},
		"usage.nodata":             {"Không có giao dịch nào trong khoảng thời gian này.", "No request in this range."},
		"usage.legend":             {"Chú giải", "Legend"},
		"usage.year":               {"Tổng theo cơ quan trong năm %d", "Yearly totals per agency, %d"},
		"usage.year.note":          {"Theo cơ quan có ứng dụng gọi API (bên sử dụng).", "By the agency whose applications made the calls (consumer)."},
		"usage.year.none":          {"Chưa có giao dịch nào trong năm.", "No request this year yet."},
		"usage.toomany":            {"Quá nhiều khoảng thời gian để vẽ (%d); hãy chọn cách chia thô hơn (ngày hoặc tháng).", "Too many time buckets to draw (%d); choose a coarser granularity (day or month)."},
		"usage.latency.none":       {"Không có số liệu độ trễ.", "No latency figures."},
	})
}

// usageMaxBuckets bounds a chart's time axis.
const usageMaxBuckets = 800

// usageMaxSeries is how many groups get their own line; the rest are
// summed as "others".
const usageMaxSeries = 8

type usageTotals struct {
	RequestCount string  `json:"requestCount"`
	ErrorCount   string  `json:"errorCount"`
	ErrorRate    float64 `json:"errorRate"`
	LatencyP50Us string  `json:"latencyP50Us"`
	LatencyP95Us string  `json:"latencyP95Us"`
}

type usageRow struct {
	BucketStartTime string      `json:"bucketStartTime"`
	APIID           string      `json:"apiId"`
	ApplicationID   string      `json:"applicationId"`
	AgencyCode      string      `json:"agencyCode"`
	Totals          usageTotals `json:"totals"`
}

func usageInt(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }

// usageOption is an entry of a select.
type usageOption struct{ Value, Label string }

// usageForm is the page's GET form, read and checked.
type usageForm struct {
	Range, Gran, Group, API, App, Agency string
}

func usageReadForm(x *Ctx) usageForm {
	pick := func(v, def string, allowed ...string) string {
		for _, a := range allowed {
			if v == a {
				return v
			}
		}
		return def
	}
	f := usageForm{
		Range: pick(x.Query("range"), "7d", "today", "7d", "30d", "year"),
		Group: pick(x.Query("group"), "api", "api", "app", "agency"),
		API:   x.Query("api"), App: x.Query("app"), Agency: x.Query("agency"),
	}
	def := map[string]string{"today": "hour", "7d": "day", "30d": "day", "year": "month"}[f.Range]
	f.Gran = pick(x.Query("gran"), def, "hour", "day", "month")
	return f
}

// usageSpan is the form's range in Asia/Ho_Chi_Minh: [start, end).
func usageSpan(now time.Time, r string) (time.Time, time.Time) {
	now = now.In(hcm)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, hcm)
	end := today.AddDate(0, 0, 1)
	switch r {
	case "today":
		return today, end
	case "30d":
		return today.AddDate(0, 0, -29), end
	case "year":
		y := time.Date(now.Year(), 1, 1, 0, 0, 0, 0, hcm)
		return y, y.AddDate(1, 0, 0)
	}
	return today.AddDate(0, 0, -6), end
}

// usageBuckets are the starts of the buckets of granularity g that
// overlap [start, end), at most limit+1 of them.
func usageBuckets(start, end time.Time, g string, limit int) []time.Time {
	t := start.In(hcm)
	switch g {
	case "hour":
		t = t.Truncate(time.Hour)
	case "day":
		t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, hcm)
	case "month":
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, hcm)
	}
	var out []time.Time
	for t.Before(end) && len(out) <= limit {
		out = append(out, t)
		switch g {
		case "hour":
			t = t.Add(time.Hour)
		case "day":
			t = t.AddDate(0, 0, 1)
		default:
			t = t.AddDate(0, 1, 0)
		}
	}
	return out
}

// usageQuery reads every row of a QueryUsage report (following its pages,
// up to a bound).
func usageQuery(x *Ctx, v url.Values) ([]usageRow, *APIError) {
	var rows []usageRow
	token := ""
	for i := 0; i < 50; i++ {
		q := url.Values{}
		for k, s := range v {
			q[k] = s
		}
		q.Set("pageSize", "1000")
		if token != "" {
			q.Set("pageToken", token)
		}
		var out struct {
			Rows          []usageRow `json:"rows"`
			NextPageToken string     `json:"nextPageToken"`
		}
		if e := x.Call(http.MethodGet, "/admin/v1/metering/usage?"+q.Encode(), nil, &out); e != nil {
			return nil, e
		}
		rows = append(rows, out.Rows...)
		if token = out.NextPageToken; token == "" {
			break
		}
	}
	return rows, nil
}

// usageNames maps API ids, application ids and agency codes to names
// people read, and lists the choices of the filters.
type usageNames struct {
	APIs, Apps, Agencies map[string]string
	APIOpts, AppOpts     []usageOption
	AgencyOpts           []usageOption
}

func usageLoadNames(x *Ctx, portal bool) usageNames {
	n := usageNames{APIs: map[string]string{}, Apps: map[string]string{}, Agencies: map[string]string{}}
	var apis struct {
		APIs []struct {
			ID, Name, Context, Version string
		} `json:"apis"`
	}
	if x.Call(http.MethodGet, "/admin/v1/apis?pageSize=500", nil, &apis) == nil {
		for _, a := range apis.APIs {
			label := a.Name + " (" + a.Context + "/" + a.Version + ")"
			n.APIs[a.ID] = label
			n.APIOpts = append(n.APIOpts, usageOption{a.ID, label})
		}
	}
	appsPath := "/admin/v1/applications?pageSize=500"
	if portal && x.IsAdmin() && x.Query("agency") != "" {
		appsPath += "&agencyCode=" + url.QueryEscape(x.Query("agency"))
	}
	var apps struct {
		Applications []appsApp `json:"applications"`
	}
	if x.Call(http.MethodGet, appsPath, nil, &apps) == nil {
		for _, a := range apps.Applications {
			n.Apps[a.ID] = a.Name
			n.AppOpts = append(n.AppOpts, usageOption{a.ID, a.Name + " – " + a.AgencyCode})
		}
	}
	for _, a := range appsAgencies(x) {
		n.Agencies[a.Code] = a.Name
		n.AgencyOpts = append(n.AgencyOpts, usageOption{a.Code, a.Code + " – " + a.Name})
	}
	byLabel := func(o []usageOption) {
		sort.SliceStable(o, func(i, j int) bool { return o[i].Label < o[j].Label })
	}
	byLabel(n.APIOpts)
	byLabel(n.AppOpts)
	return n
}

func (n usageNames) label(x *Ctx, group, key string) string {
	if key == "" {
		return x.T("usage.unknown")
	}
	var m map[string]string
	switch group {
	case "api":
		m = n.APIs
	case "app":
		m = n.Apps
	default:
		if name := n.Agencies[key]; name != "" {
			return key + " – " + name
		}
		return key
	}
	if name := m[key]; name != "" {
		return name
	}
	return key
}

// usageChart is one chart, laid out for the template.
type usageChart struct {
	ID, Title, Desc, Unit string
	// The plot area within the 760×300 view box.
	Left, Right, Top, Bottom float64
	XTicks, YTicks           []usageTick
	Series                   []usageSeries
	// The table under the chart: a header and rows of cells.
	Head []string
	Rows []usageTableRow
	Sum  []string
}

type usageTick struct {
	X, Y  float64
	Label string
}

type usageSeries struct {
	Name, Class, Points string
	Dots                []usageTick
}

type usageTableRow struct {
	Time  string
	Cells []string
}

const (
	usageW = 760
	usageH = 300
)

// usageStep is a tick step for an axis up to v in four steps or so: 1, 2
// or 5 times a power of ten, at least min.
func usageStep(v, min float64) float64 {
	raw := v / 4
	if raw <= min {
		return min
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// usageBucketLabel shows a bucket's start as its granularity needs; short
// is the axis's label, without the year.
func usageBucketLabel(x *Ctx, t time.Time, g string, short bool) string {
	t = t.In(hcm)
	en := x.Lang == "en"
	layout := map[string][2]string{ // {vi, en}
		"hour":        {"02/01/2006 15:04", "2006-01-02 15:04"},
		"hour.short":  {"02/01 15h", "01-02 15h"},
		"day":         {"02/01/2006", "2006-01-02"},
		"day.short":   {"02/01", "01-02"},
		"month":       {"01/2006", "2006-01"},
		"month.short": {"01/2006", "2006-01"},
	}
	k := g
	if short {
		k += ".short"
	}
	l := layout[k]
	if en {
		return t.Format(l[1])
	}
	return t.Format(l[0])
}

// usageLayout draws series of values (one per bucket) in the plot area.
// format shows a value of the y axis and the table.
// minStep is the smallest tick step (1 for counts).
func usageLayout(x *Ctx, c *usageChart, buckets []time.Time, g string, names []string, values [][]float64, minStep float64, format func(float64) string) {
	c.Left, c.Right, c.Top, c.Bottom = 70, usageW-36, 28, usageH-44
	max := 0.0
	for _, vs := range values {
		for _, v := range vs {
			max = math.Max(max, v)
		}
	}
	step := usageStep(max, minStep)
	ticks := int(math.Ceil(max / step))
	if ticks < 1 {
		ticks = 1
	}
	top := step * float64(ticks)
	n := len(buckets)
	xAt := func(i int) float64 {
		if n <= 1 {
			return (c.Left + c.Right) / 2
		}
		return c.Left + float64(i)*(c.Right-c.Left)/float64(n-1)
	}
	yAt := func(v float64) float64 { return c.Bottom - v/top*(c.Bottom-c.Top) }
	for i := 0; i <= ticks; i++ {
		v := step * float64(i)
		c.YTicks = append(c.YTicks, usageTick{X: c.Left, Y: yAt(v), Label: format(v)})
	}
	every := 1
	if n > 8 {
		every = (n + 7) / 8
	}
	for i := 0; i < n; i += every {
		label := usageBucketLabel(x, buckets[i], g, true)
		if g == "hour" && buckets[0].In(hcm).YearDay() == buckets[n-1].In(hcm).YearDay() {
			label = buckets[i].In(hcm).Format("15:04")
		}
		c.XTicks = append(c.XTicks, usageTick{X: xAt(i), Y: c.Bottom, Label: label})
	}
	for s, vs := range values {
		se := usageSeries{Name: names[s], Class: "s" + strconv.Itoa(s)}
		var pts []string
		for i, v := range vs {
			px, py := xAt(i), yAt(v)
			pts = append(pts, strconv.FormatFloat(px, 'f', 1, 64)+","+strconv.FormatFloat(py, 'f', 1, 64))
			if n <= 62 {
				se.Dots = append(se.Dots, usageTick{X: px, Y: py, Label: usageBucketLabel(x, buckets[i], g, false) + ": " + format(v)})
			}
		}
		se.Points = strings.Join(pts, " ")
		c.Series = append(c.Series, se)
	}
	c.Head = names
	sums := make([]float64, len(values))
	for i := range buckets {
		row := usageTableRow{Time: usageBucketLabel(x, buckets[i], g, false)}
		any := false
		for s, vs := range values {
			row.Cells = append(row.Cells, format(vs[i]))
			sums[s] += vs[i]
			any = any || vs[i] != 0
		}
		if any {
			c.Rows = append(c.Rows, row)
		}
	}
	for _, v := range sums {
		c.Sum = append(c.Sum, format(v))
	}
}

// usageMs shows microseconds as milliseconds with up to two decimals, in
// the language's decimal mark.
func usageMs(x *Ctx, us float64) string {
	s := strconv.FormatFloat(us/1000, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if x.Lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func usagePage(x *Ctx, portal bool) {
	f := usageReadForm(x)
	start, end := usageSpan(x.c.now(), f.Range)
	names := usageLoadNames(x, portal)
	data := map[string]any{"Form": f, "Portal": portal, "Names": names,
		"Period": x.Tf("usage.period", x.Date(start), x.Date(end.Add(-time.Minute)))}
	if portal {
		data["Title"] = x.T("usage.portal.title")
	}

	// The query common to the reports and the CSV link.
	gran := map[string]string{"hour": "GRANULARITY_HOUR", "day": "GRANULARITY_DAY", "month": "GRANULARITY_MONTH"}[f.Gran]
	dim := map[string]string{"api": "DIMENSION_API", "app": "DIMENSION_APPLICATION", "agency": "DIMENSION_AGENCY"}[f.Group]
	base := url.Values{"startTime": {start.Format(time.RFC3339)}, "endTime": {end.Format(time.RFC3339)}, "granularity": {gran}}
	if f.API != "" {
		base.Set("filter.apiIds", f.API)
	}
	if f.App != "" {
		base.Set("filter.applicationIds", f.App)
	}
	if portal {
		// The agency's own applications: the agency as consumer.
		agency := x.User.Agency
		if x.IsAdmin() {
			agency = f.Agency
		}
		if agency != "" {
			base.Set("filter.agencyCodes", agency)
		}
	}

	buckets := usageBuckets(start, end, f.Gran, usageMaxBuckets)
	if len(buckets) > usageMaxBuckets {
		x.Status = http.StatusBadRequest
		data["Problem"] = &Problem{Field: "granularity", Code: "too_many_buckets",
			Text: x.Tf("usage.toomany", len(usageBuckets(start, end, f.Gran, 1<<20)))}
		x.Render("usage", data)
		return
	}
	csv := url.Values{}
	for k, v := range base {
		csv[k] = v
	}
	csv.Set("groupBy", dim)
	data["CSV"] = "/admin/v1/metering/usage.csv?" + csv.Encode()

	grouped := url.Values{"groupBy": {dim}, "skipLatency": {"true"}}
	for k, v := range base {
		grouped[k] = v
	}
	rows, e := usageQuery(x, grouped)
	var overall []usageRow
	if e == nil {
		overall, e = usageQuery(x, base)
	}
	if e != nil {
		if e.Status == http.StatusUnauthorized || e.Status >= 500 {
			x.Fail(e)
			return
		}
		x.Status = e.Status
		p := x.Problem(e)
		switch p.Field {
		case "start_time", "end_time":
			p.Field = "range"
		case "granularity", "group_by":
		default:
			if strings.HasPrefix(p.Field, "filter") {
				p.Field = "filter"
			}
		}
		data["Problem"] = p
		x.Render("usage", data)
		return
	}

	index := map[int64]int{}
	for i, b := range buckets {
		index[b.Unix()] = i
	}
	bucketOf := func(s string) (int, bool) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, false
		}
		i, ok := index[t.Unix()]
		return i, ok
	}
	keyOf := func(r usageRow) string {
		switch f.Group {
		case "app":
			return r.ApplicationID
		case "agency":
			return r.AgencyCode
		}
		return r.APIID
	}

	// Groups ranked by requests over the range; the first ones get a line.
	sum := map[string]int64{}
	for _, r := range rows {
		sum[keyOf(r)] += usageInt(r.Totals.RequestCount)
	}
	keys := make([]string, 0, len(sum))
	for k := range sum {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if sum[keys[i]] != sum[keys[j]] {
			return sum[keys[i]] > sum[keys[j]]
		}
		return keys[i] < keys[j]
	})
	slot := map[string]int{}
	var seriesNames []string
	for i, k := range keys {
		if i < usageMaxSeries {
			slot[k] = i
			seriesNames = append(seriesNames, names.label(x, f.Group, k))
		} else {
			slot[k] = usageMaxSeries
		}
	}
	if len(keys) > usageMaxSeries {
		seriesNames = append(seriesNames, x.T("usage.others"))
	}
	reqs := make([][]float64, len(seriesNames))
	errs := make([][]float64, len(seriesNames))
	for i := range seriesNames {
		reqs[i] = make([]float64, len(buckets))
		errs[i] = make([]float64, len(buckets))
	}
	for _, r := range rows {
		b, ok := bucketOf(r.BucketStartTime)
		if !ok {
			continue
		}
		s := slot[keyOf(r)]
		reqs[s][b] += float64(usageInt(r.Totals.RequestCount))
		errs[s][b] += float64(usageInt(r.Totals.ErrorCount))
	}

	var total, totalErrs int64
	lat := [][]float64{make([]float64, len(buckets)), make([]float64, len(buckets))}
	hasLatency := false
	for _, r := range overall {
		total += usageInt(r.Totals.RequestCount)
		totalErrs += usageInt(r.Totals.ErrorCount)
		if b, ok := bucketOf(r.BucketStartTime); ok {
			lat[0][b] = float64(usageInt(r.Totals.LatencyP50Us))
			lat[1][b] = float64(usageInt(r.Totals.LatencyP95Us))
			hasLatency = hasLatency || lat[1][b] > 0
		}
	}
	data["Total"] = total
	data["TotalErrors"] = totalErrs
	if total > 0 {
		data["ErrorRate"] = x.Percent(float64(totalErrs) / float64(total))
	} else {
		data["ErrorRate"] = x.Percent(0)
	}

	granName := strings.ToLower(x.T("usage.gran." + f.Gran))
	from, to := x.Date(start), x.Date(end.Add(-time.Minute))
	count := func(v float64) string { return x.Num(int64(v)) }
	var charts []*usageChart
	if len(seriesNames) > 0 {
		c := &usageChart{ID: "chart-requests", Title: x.T("usage.chart.requests"), Unit: x.T("usage.axis.count")}
		c.Desc = x.Tf("usage.chart.desc", c.Title, granName, from, to, len(seriesNames))
		usageLayout(x, c, buckets, f.Gran, seriesNames, reqs, 1, count)
		charts = append(charts, c)
		c = &usageChart{ID: "chart-errors", Title: x.T("usage.chart.errors"), Unit: x.T("usage.axis.count")}
		c.Desc = x.Tf("usage.chart.desc", c.Title, granName, from, to, len(seriesNames))
		usageLayout(x, c, buckets, f.Gran, seriesNames, errs, 1, count)
		charts = append(charts, c)
	}
	if hasLatency {
		c := &usageChart{ID: "chart-latency", Title: x.T("usage.chart.latency"), Unit: x.T("usage.axis.ms")}
		c.Desc = x.Tf("usage.chart.desc.latency", granName, from, to)
		usageLayout(x, c, buckets, f.Gran, []string{x.T("usage.p50"), x.T("usage.p95")}, lat, 10, func(v float64) string { return usageMs(x, v) })
		// Quantiles do not add up: no total row.
		c.Sum = nil
		charts = append(charts, c)
	}
	data["Charts"] = charts

	// The year's totals per consumer agency.
	yq := url.Values{}
	if portal {
		if a := base.Get("filter.agencyCodes"); a != "" {
			yq.Set("agencyCodes", a)
		}
	}
	var year struct {
		Year     int `json:"year"`
		Agencies []struct {
			AgencyCode string      `json:"agencyCode"`
			Totals     usageTotals `json:"totals"`
		} `json:"agencies"`
		Total usageTotals `json:"total"`
	}
	if x.Call(http.MethodGet, "/admin/v1/metering/agency-year-totals?"+yq.Encode(), nil, &year) == nil {
		type yrow struct {
			Code, Name, Requests, Errors, Rate string
			n                                  int64
		}
		var yr []yrow
		for _, a := range year.Agencies {
			name := names.Agencies[a.AgencyCode]
			if a.AgencyCode == "" {
				name = x.T("usage.unknown")
			}
			yr = append(yr, yrow{Code: a.AgencyCode, Name: name, Requests: x.Num(a.Totals.RequestCount),
				Errors: x.Num(a.Totals.ErrorCount), Rate: x.Percent(a.Totals.ErrorRate), n: usageInt(a.Totals.RequestCount)})
		}
		sort.SliceStable(yr, func(i, j int) bool { return yr[i].n > yr[j].n })
		data["Year"] = map[string]any{"Title": x.Tf("usage.year", year.Year), "Rows": yr,
			"Requests": x.Num(year.Total.RequestCount), "Errors": x.Num(year.Total.ErrorCount), "Rate": x.Percent(year.Total.ErrorRate)}
	}
	x.Render("usage", data)
}
