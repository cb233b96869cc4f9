package adapters

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/vnid"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// AccessReportCSVPath serves the access report as CSV, with the query
// parameters of GetAccessReport.
const AccessReportCSVPath = "/admin/v1/adapters/access-report.csv"

// reportQuery is a checked access-report request.
type reportQuery struct {
	kind, id string
	from, to time.Time
	before   int64
	limit    int
}

func (s *Service) reportQuery(req *pb.GetAccessReportRequest) (reportQuery, error) {
	q := reportQuery{id: strings.TrimSpace(req.GetSubject()), limit: int(req.GetPageSize())}
	switch req.GetSubjectKind() {
	case pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID:
		q.kind = subjectCitizen
		if !vnid.Citizen(q.id, s.now()) {
			return q, apierr.Invalid("subject", errCitizenID.Code, errCitizenID.Message, errCitizenID.MessageVI)
		}
	case pb.SubjectKind_SUBJECT_KIND_INSURANCE_NUMBER:
		q.kind = subjectInsurance
		if !vnid.Insurance(q.id) {
			return q, apierr.Invalid("subject", errInsuranceNumber.Code, errInsuranceNumber.Message, errInsuranceNumber.MessageVI)
		}
	default:
		return q, errSubjectKind
	}
	if req.GetFrom() != nil {
		q.from = req.GetFrom().AsTime()
	}
	if req.GetTo() != nil {
		q.to = req.GetTo().AsTime()
	}
	if !q.from.IsZero() && !q.to.IsZero() && !q.from.Before(q.to) {
		return q, errTimeRange
	}
	switch {
	case q.limit < 0 || q.limit > 1000:
		return q, errPageSize
	case q.limit == 0:
		q.limit = 100
	}
	if t := req.GetPageToken(); t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n < 1 {
			return q, errPageToken
		}
		q.before = n
	}
	return q, nil
}

func (g *grpcServer) GetAccessReport(ctx context.Context, req *pb.GetAccessReportRequest) (*pb.GetAccessReportResponse, error) {
	if err := asAuditor(ctx, "GetAccessReport"); err != nil {
		return nil, err
	}
	q, err := g.s.reportQuery(req)
	if err != nil {
		return nil, err
	}
	rows, err := g.s.alog.report(ctx, q.kind, q.id, q.from, q.to, q.before, q.limit+1)
	if err != nil {
		return nil, toAPI(err)
	}
	out := &pb.GetAccessReportResponse{}
	if len(rows) > q.limit {
		rows = rows[:q.limit]
		out.NextPageToken = strconv.FormatInt(rows[len(rows)-1].Seq, 10)
	}
	for _, a := range rows {
		out.Entries = append(out.Entries, &pb.AccessEntry{
			Seq: a.Seq, At: timestamppb.New(a.At), ApplicationId: a.Application, Agency: a.Agency, OfficerId: a.Officer,
			Api: a.API, LegalBasis: a.LegalBasis, CaseRef: a.CaseRef, Result: a.Result, RequestId: a.RequestID,
		})
	}
	return out, nil
}

func (g *grpcServer) VerifyAccessLog(ctx context.Context, req *pb.VerifyAccessLogRequest) (*pb.VerifyAccessLogResponse, error) {
	if err := asAuditor(ctx, "VerifyAccessLog"); err != nil {
		return nil, err
	}
	if req.GetKnownSeq() < 0 || (req.GetKnownSeq() > 0) != (req.GetKnownHash() != "") {
		return nil, errKnownHead
	}
	rep, err := g.s.alog.verify(ctx, access{Seq: req.GetKnownSeq(), Hash: req.GetKnownHash()})
	if err != nil {
		return nil, toAPI(err)
	}
	if rep.Problem != "" {
		g.s.log.ErrorContext(ctx, "personal-data access log chain broken", "alert", "adapters_access_log_broken", "seq", rep.BadSeq, "problem", rep.Problem)
	}
	return &pb.VerifyAccessLogResponse{Ok: rep.Problem == "", Entries: rep.Entries, FirstBadSeq: rep.BadSeq, Problem: rep.Problem,
		HeadSeq: rep.HeadSeq, HeadHash: rep.HeadHash}, nil
}

// hcm is the zone of the CSV's times.
var hcm = time.FixedZone("ICT", 7*3600)

// serveAccessReportCSV answers the whole access report of a person (every
// page) as CSV, for an auditor to hand on. Query parameters are those of
// GetAccessReport: subjectKind (or subject_kind), subject, from, to
// (RFC 3339).
func (s *Service) serveAccessReportCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := asAuditor(ctx, "GetAccessReport"); err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	v := r.URL.Query()
	get := func(a, b string) string {
		if x := v.Get(a); x != "" {
			return x
		}
		return v.Get(b)
	}
	req := &pb.GetAccessReportRequest{Subject: v.Get("subject")}
	kind := get("subjectKind", "subject_kind")
	if n, ok := pb.SubjectKind_value[kind]; ok {
		req.SubjectKind = pb.SubjectKind(n)
	} else if n, err := strconv.Atoi(kind); err == nil {
		req.SubjectKind = pb.SubjectKind(n)
	}
	for _, t := range []struct {
		name string
		dst  **timestamppb.Timestamp
	}{{"from", &req.From}, {"to", &req.To}} {
		if x := v.Get(t.name); x != "" {
			at, err := time.Parse(time.RFC3339, x)
			if err != nil {
				apierr.WriteJSON(w, r, apierr.Invalid(t.name, "invalid_time", t.name+" is an RFC 3339 time, e.g. 2026-11-01T00:00:00+07:00",
					t.name+" là thời điểm theo RFC 3339, ví dụ 2026-11-01T00:00:00+07:00"))
				return
			}
			*t.dst = timestamppb.New(at)
		}
	}
	q, err := s.reportQuery(req)
	if err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="access-report.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	// A byte-order mark, so that spreadsheet software reads UTF-8.
	_, _ = w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"seq", "time (Asia/Ho_Chi_Minh)", "application", "agency", "officer", "api", "legal_basis", "case_ref", "result", "request_id"})
	before := int64(0)
	for {
		rows, err := s.alog.report(ctx, q.kind, q.id, q.from, q.to, before, 1000)
		if err != nil {
			s.log.ErrorContext(ctx, "access report", "err", err)
			_ = cw.Write([]string{"error: the report was cut short / lỗi: báo cáo bị ngắt giữa chừng"})
			break
		}
		for _, a := range rows {
			_ = cw.Write([]string{strconv.FormatInt(a.Seq, 10), a.At.In(hcm).Format("2006-01-02 15:04:05"), a.Application,
				a.Agency, csvSafe(a.Officer), a.API, csvSafe(a.LegalBasis), csvSafe(a.CaseRef), a.Result, a.RequestID})
		}
		if len(rows) < 1000 {
			break
		}
		before = rows[len(rows)-1].Seq
	}
	cw.Flush()
}

// csvSafe keeps a caller's text from being read as a formula by
// spreadsheet software.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
