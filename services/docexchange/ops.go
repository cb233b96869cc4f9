package docexchange

import (
	"context"
	"database/sql"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/edxml"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
)

// acknowledge records a recipient's transport status for a delivery:
// "done" takes it out of the inbox; "fail" and "processing" are recorded
// and leave it there, so it is offered again.
func (s *Service) acknowledge(ctx context.Context, agency, docID, transport string) (*deliveryRow, error) {
	if docID == "" {
		return nil, errMissingDocID
	}
	switch transport {
	case "done", "fail", "processing":
	default:
		return nil, errTransportStatus
	}
	var out *deliveryRow
	err := s.groupTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		v, err := s.st.delivery(ctx, tx, docID, agency)
		if err != nil {
			return err
		}
		if v == nil || v.Route != routeLocal {
			return errDocNotFound
		}
		now := s.now()
		if transport == "done" && v.State != stateAcked {
			v.State, v.Acked = stateAcked, now
			if err := s.st.trace(ctx, tx, docID, now, "acknowledged", agency, ""); err != nil {
				return err
			}
		}
		v.TransportStatus = transport
		_, err = tx.ExecContext(ctx, s.st.q(`UPDATE docexchange_deliveries SET state = ?, transport_status = ?, acked_ms = ? WHERE id = ?`),
			v.State, transport, v.Acked.UnixMilli(), v.ID)
		out = v
		return err
	})
	if err != nil {
		if isAPIErr(err) {
			return nil, err
		}
		return nil, s.storageErr(err)
	}
	return out, nil
}

// sendStatus builds the status package an agency sends about a document it
// received (or, for 13, one it sent) and sends it like any package.
func (s *Service) sendStatus(ctx context.Context, agency string, req *pb.SendStatusRequest) (*sendResult, error) {
	code := edxml.StatusCode(req.GetStatusCode())
	if !code.Known() {
		return nil, errStatusCode
	}
	d, err := s.visible(ctx, caller{agency: agency}, req.GetDocId())
	if err != nil {
		return nil, err
	}
	if d.Kind != kindEdoc {
		return nil, errStatusTarget
	}
	if (code == edxml.StatusWithdrawn) != (d.Sender == agency) {
		if code == edxml.StatusWithdrawn {
			return nil, errWithdrawStatus
		}
		return nil, errStatusTarget
	}
	codeText := d.CodeNumber
	if d.CodeNotation != "" {
		codeText += "/" + d.CodeNotation
	}
	st := edxml.Status{
		From:        edxml.Organization{OrganID: agency},
		ResponseFor: edxml.ResponseFor{OrganID: d.Sender, Code: codeText, PromulgationDate: d.PromulgationDate, DocumentID: d.DocumentID},
		StaffInfo:   edxml.StaffInfo{Department: req.GetDepartment(), Staff: req.GetStaffName()},
		StatusCode:  code,
		Description: req.GetDescription(),
		Timestamp:   edxml.FormatTimestamp(s.now()),
	}
	if _, err := edxml.ParseDate(st.ResponseFor.PromulgationDate); err != nil {
		st.ResponseFor.PromulgationDate = ""
	}
	data, err := edxml.BuildStatus(st)
	if err != nil {
		return nil, errPackage(err)
	}
	var to []string
	if code != edxml.StatusWithdrawn {
		to = []string{d.Sender}
	}
	return s.send(ctx, sendInput{caller: agency, body: data, to: to, kind: kindStatus, origin: originLocal, target: d.ID})
}

// statistics counts exchanges per agency over [start, end): documents sent
// (as sender), received, acknowledged and rejected (as recipient), pending,
// and the time from delivery to the first status.
func (s *Service) statistics(ctx context.Context, agency string, start, end *timestamppb.Timestamp) (*pb.GetStatisticsResponse, error) {
	now := s.now()
	to := now
	if end != nil {
		to = end.AsTime()
	}
	from := to.AddDate(0, -1, 0)
	if start != nil {
		from = start.AsTime()
	}
	if !to.After(from) || to.Sub(from) > 10*366*24*time.Hour {
		return nil, errTimeRange
	}
	per := map[string]*pb.AgencyStatistics{}
	get := func(code string) *pb.AgencyStatistics {
		a, ok := per[code]
		if !ok {
			a = &pb.AgencyStatistics{AgencyCode: code}
			per[code] = a
		}
		return a
	}
	q := `SELECT sender, COUNT(*) FROM docexchange_documents WHERE kind = 'edoc' AND created_ms >= ? AND created_ms < ?`
	args := []any{from.UnixMilli(), to.UnixMilli()}
	if agency != "" {
		q += ` AND sender = ?`
		args = append(args, agency)
	}
	rows, err := s.db.QueryContext(ctx, s.st.q(q+` GROUP BY sender`), args...)
	if err != nil {
		return nil, s.storageErr(err)
	}
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			rows.Close()
			return nil, s.storageErr(err)
		}
		get(code).Sent = n
	}
	rows.Close()
	q = `SELECT recipient,
		COUNT(*),
		SUM(CASE WHEN state = 'acknowledged' THEN 1 ELSE 0 END),
		SUM(CASE WHEN status_code = '02' THEN 1 ELSE 0 END),
		SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END),
		SUM(CASE WHEN first_status_ms > 0 THEN 1 ELSE 0 END),
		SUM(CASE WHEN first_status_ms > 0 THEN first_status_ms - created_ms ELSE 0 END),
		MAX(CASE WHEN first_status_ms > 0 THEN first_status_ms - created_ms ELSE 0 END)
		FROM docexchange_deliveries WHERE kind = 'edoc' AND route = 'local' AND created_ms >= ? AND created_ms < ?`
	args = []any{from.UnixMilli(), to.UnixMilli()}
	if agency != "" {
		q += ` AND recipient = ?`
		args = append(args, agency)
	}
	rows, err = s.db.QueryContext(ctx, s.st.q(q+` GROUP BY recipient`), args...)
	if err != nil {
		return nil, s.storageErr(err)
	}
	for rows.Next() {
		var code string
		var n, acked, rejected, pending, withStatus, sumMs, maxMs int64
		if err := rows.Scan(&code, &n, &acked, &rejected, &pending, &withStatus, &sumMs, &maxMs); err != nil {
			rows.Close()
			return nil, s.storageErr(err)
		}
		a := get(code)
		a.Received, a.Acknowledged, a.Rejected, a.Pending = n, acked, rejected, pending
		if withStatus > 0 {
			a.MeanSecondsToFirstStatus = float64(sumMs) / float64(withStatus) / 1000
		}
		a.MaxSecondsToFirstStatus = float64(maxMs) / 1000
	}
	rows.Close()
	out := &pb.GetStatisticsResponse{StartTime: timestamppb.New(from), EndTime: timestamppb.New(to), Total: &pb.AgencyStatistics{}}
	var weighted float64
	var withStatusTotal float64
	for _, code := range sortedKeys(per) {
		a := per[code]
		out.Agencies = append(out.Agencies, a)
		t := out.Total
		t.Sent += a.Sent
		t.Received += a.Received
		t.Acknowledged += a.Acknowledged
		t.Rejected += a.Rejected
		t.Pending += a.Pending
		t.MaxSecondsToFirstStatus = max(t.MaxSecondsToFirstStatus, a.MaxSecondsToFirstStatus)
		if a.MeanSecondsToFirstStatus > 0 {
			weighted += a.MeanSecondsToFirstStatus * float64(a.Received)
			withStatusTotal += float64(a.Received)
		}
	}
	if withStatusTotal > 0 {
		out.Total.MeanSecondsToFirstStatus = weighted / withStatusTotal
	}
	return out, nil
}
