package onestop

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/vnid"
	"github.com/lgsp-vn/lgsp/platform/workday"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
)

// grpcServer is OneStopService over the service.
type grpcServer struct {
	pb.UnimplementedOneStopServiceServer
	s *Service
}

// toAPI maps the store's errors to the API's, in one place.
func toAPI(err error) error {
	if errors.Is(err, errNoRows) {
		return errDossierNotFound
	}
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return err
}

func (g *grpcServer) CreateDossier(ctx context.Context, req *pb.CreateDossierRequest) (*pb.CreateDossierResponse, error) {
	c, err := asAgency(ctx, "CreateDossier", true)
	if err != nil {
		return nil, err
	}
	in, err := g.s.createInput(c, req)
	if err != nil {
		return nil, err
	}
	d, created, err := g.s.create(ctx, c.who, in)
	if err != nil {
		return nil, toAPI(err)
	}
	return &pb.CreateDossierResponse{Dossier: g.s.changed(ctx, d), Created: created}, nil
}

// createInput validates a create before anything is written.
func (s *Service) createInput(c caller, req *pb.CreateDossierRequest) (createInput, error) {
	in := createInput{RequestID: strings.TrimSpace(req.GetRequestId()), Procedure: strings.TrimSpace(req.GetProcedureCode()),
		Status: int(req.GetStatus()), Note: req.GetNote(), Actor: actorIn(req.GetActor())}
	in.Receiving = c.agency
	if r := strings.TrimSpace(req.GetReceivingAgency()); r != "" && r != c.agency {
		if !c.admin {
			return in, errForbidden
		}
		in.Receiving = r
	}
	if in.Receiving == "" {
		return in, apierr.Invalid("receiving_agency", "missing_receiving_agency",
			"a platform admin names the receiving agency", "quản trị viên phải ghi cơ quan tiếp nhận")
	}
	in.Handling = strings.TrimSpace(req.GetHandlingAgency())
	if in.Status == 0 {
		in.Status = stReceived
	}
	if in.Status != stReceived && in.Status != stNew {
		return in, errInitialStatus
	}
	if !procedureRe.MatchString(in.Procedure) {
		return in, errBadProcedureCode
	}
	a := req.GetApplicant()
	now := s.now()
	ap := applicant{Kind: int(a.GetKind()), ID: strings.TrimSpace(a.GetId()), Name: strings.TrimSpace(a.GetName()),
		Phone: a.GetPhone(), Email: a.GetEmail(), Address: a.GetAddress()}
	switch a.GetKind() {
	case pb.ApplicantKind_APPLICANT_KIND_CITIZEN:
		if !vnid.Citizen(ap.ID, now) {
			return in, errCitizenID
		}
	case pb.ApplicantKind_APPLICANT_KIND_BUSINESS:
		if !vnid.Enterprise(ap.ID) {
			return in, errEnterpriseCode
		}
	default:
		return in, errApplicantKind
	}
	if ap.Name == "" {
		return in, errApplicantName
	}
	received := time.Time{}
	if req.GetReceivedAt() != nil {
		received = req.GetReceivedAt().AsTime()
	}
	var err error
	if in.Received, err = s.at(received); err != nil {
		return in, err
	}
	if in.RequestID != "" && len(in.RequestID) > 200 {
		return in, errTooLong
	}
	if len(req.GetDocuments()) > maxList || len(req.GetFees()) > maxList {
		return in, errTooLong
	}
	texts := []string{ap.Name, ap.Phone, ap.Email, ap.Address, req.GetSummary(), req.GetReceiptNumber(), req.GetNote()}
	b := body{Applicant: ap, Summary: req.GetSummary(), Channel: int(req.GetChannel()), ReceiptNumber: req.GetReceiptNumber(), Note: req.GetNote()}
	for _, d := range req.GetDocuments() {
		b.Documents = append(b.Documents, document{ID: d.GetId(), Name: d.GetName()})
		texts = append(texts, d.GetId(), d.GetName())
	}
	b.Fees = feesIn(req.GetFees())
	for _, f := range b.Fees {
		texts = append(texts, f.Code, f.Name, f.Method)
	}
	if err := checkText(texts...); err != nil {
		return in, err
	}
	in.Body = b
	return in, nil
}

func feesIn(fs []*pb.Fee) []fee {
	var out []fee
	for _, f := range fs {
		out = append(out, fee{Code: f.GetCode(), Name: f.GetName(), Amount: f.GetAmount(), Method: f.GetMethod()})
	}
	return out
}

func actorIn(a *pb.Actor) actor {
	return actor{Name: a.GetName(), Title: a.GetTitle(), Department: a.GetDepartment()}
}

// changeCommon validates what every change carries.
func (s *Service) changeCommon(code string, a *pb.Actor, note string, at *timestamppb.Timestamp) (changeInput, error) {
	in := changeInput{Code: normalizeCode(code), Actor: actorIn(a), Note: note}
	if _, _, _, ok := parseCode(in.Code); !ok {
		return in, errBadCode
	}
	if err := checkText(in.Actor.Name, in.Actor.Title, in.Actor.Department, note); err != nil {
		return in, err
	}
	var t time.Time
	if at != nil {
		t = at.AsTime()
	}
	var err error
	if in.At, err = s.at(t); err != nil {
		return in, apierr.Invalid("at", "date_in_future", "a date may not be in the future", "thời điểm không được ở tương lai")
	}
	return in, nil
}

func (g *grpcServer) ChangeStatus(ctx context.Context, req *pb.ChangeStatusRequest) (*pb.ChangeStatusResponse, error) {
	c, err := asAgency(ctx, "ChangeStatus", false)
	if err != nil {
		return nil, err
	}
	in, err := g.s.changeCommon(req.GetCode(), req.GetActor(), req.GetNote(), req.GetAt())
	if err != nil {
		return nil, err
	}
	in.Kind, in.Status = kindStatus, int(req.GetStatus())
	if !validStatus(in.Status) {
		return nil, errStatusRange
	}
	if len(req.GetResults()) > maxList || len(req.GetFees()) > maxList {
		return nil, errTooLong
	}
	for _, r := range req.GetResults() {
		if err := checkText(r.GetId(), r.GetName(), r.GetUrl()); err != nil {
			return nil, err
		}
		in.Results = append(in.Results, resultPaper{ID: r.GetId(), Name: r.GetName(), URL: r.GetUrl()})
	}
	in.Fees = feesIn(req.GetFees())
	d, err := g.s.change(ctx, c.who, in)
	if err != nil {
		return nil, toAPI(err)
	}
	return &pb.ChangeStatusResponse{Dossier: g.s.changed(ctx, d)}, nil
}

func (g *grpcServer) AddStep(ctx context.Context, req *pb.AddStepRequest) (*pb.AddStepResponse, error) {
	c, err := asAgency(ctx, "AddStep", false)
	if err != nil {
		return nil, err
	}
	in, err := g.s.changeCommon(req.GetCode(), req.GetActor(), req.GetContent(), req.GetAt())
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.GetContent()) == "" {
		return nil, errStepContent
	}
	in.Kind = kindStep
	d, err := g.s.change(ctx, c.who, in)
	if err != nil {
		return nil, toAPI(err)
	}
	return &pb.AddStepResponse{Dossier: g.s.changed(ctx, d)}, nil
}

func (g *grpcServer) TransferDossier(ctx context.Context, req *pb.TransferDossierRequest) (*pb.TransferDossierResponse, error) {
	c, err := asAgency(ctx, "TransferDossier", false)
	if err != nil {
		return nil, err
	}
	in, err := g.s.changeCommon(req.GetCode(), req.GetActor(), req.GetNote(), req.GetAt())
	if err != nil {
		return nil, err
	}
	in.Kind, in.ToAgency = kindTransfer, strings.TrimSpace(req.GetToAgency())
	if in.ToAgency == "" {
		return nil, errTransferTarget
	}
	d, err := g.s.change(ctx, c.who, in)
	if err != nil {
		return nil, toAPI(err)
	}
	return &pb.TransferDossierResponse{Dossier: g.s.changed(ctx, d)}, nil
}

// visible loads a dossier c may see.
func (s *Service) visible(ctx context.Context, c caller, code string) (*dossier, error) {
	code = normalizeCode(code)
	if _, _, _, ok := parseCode(code); !ok {
		return nil, errBadCode
	}
	d, err := s.st.load(ctx, code)
	if err != nil {
		return nil, toAPI(err)
	}
	if !c.overseer {
		ok, err := s.st.canSee(ctx, s.db, code, c.agency)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errDossierNotFound
		}
	}
	return d, nil
}

func (g *grpcServer) GetDossier(ctx context.Context, req *pb.GetDossierRequest) (*pb.GetDossierResponse, error) {
	c, err := asReader(ctx, "GetDossier")
	if err != nil {
		return nil, err
	}
	d, err := g.s.visible(ctx, c, req.GetCode())
	if err != nil {
		return nil, err
	}
	return &pb.GetDossierResponse{Dossier: g.s.toProto(ctx, d, true)}, nil
}

func (g *grpcServer) ListDossiers(ctx context.Context, req *pb.ListDossiersRequest) (*pb.ListDossiersResponse, error) {
	c, err := asReader(ctx, "ListDossiers")
	if err != nil {
		return nil, err
	}
	off, err := pageOffset(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	q := listQuery{agency: strings.TrimSpace(req.GetAgency()), procedure: strings.TrimSpace(req.GetProcedureCode()), status: int(req.GetStatus()),
		overdue: req.GetOverdue(), handling: req.GetHandlingOnly(), limit: pageSize(req.GetPageSize()), offset: off}
	if q.status != 0 && !validStatus(q.status) {
		return nil, errStatusRange
	}
	if req.GetReceivedFrom() != nil {
		q.from = req.GetReceivedFrom().AsTime()
	}
	if req.GetReceivedTo() != nil {
		q.to = req.GetReceivedTo().AsTime()
	}
	list, err := g.s.list(ctx, c, q)
	if err != nil {
		return nil, toAPI(err)
	}
	resp := &pb.ListDossiersResponse{}
	for _, d := range list {
		resp.Dossiers = append(resp.Dossiers, g.s.toProto(ctx, d, false))
	}
	if len(list) == q.limit {
		resp.NextPageToken = strconv.Itoa(off + q.limit)
	}
	return resp, nil
}

func (g *grpcServer) GetPublicDossier(ctx context.Context, req *pb.GetPublicDossierRequest) (*pb.GetPublicDossierResponse, error) {
	code := normalizeCode(req.GetCode())
	if _, _, _, ok := parseCode(code); !ok {
		return nil, errBadCode
	}
	d, err := g.s.st.load(ctx, code)
	if err != nil {
		if errors.Is(err, errNoRows) {
			return nil, apierr.New(errDossierNotFound.GRPC, "dossier_not_found",
				"no dossier with this code", "không có hồ sơ với mã này")
		}
		return nil, err
	}
	p := &pb.PublicDossier{
		Code: d.Code, ProcedureCode: d.Procedure, ProcedureName: d.Body.ProcedureName,
		HandlingAgency: d.Handling, HandlingAgencyName: d.Body.HandlingName,
		Status: int32(d.Status), StatusName: statusNames[d.Status],
		ReceivedAt: ts(d.Received), DueAt: ts(d.Due), FinishedAt: ts(d.Finished), ReturnedAt: ts(d.Returned),
		Timeliness: g.s.timelinessOf(d),
	}
	return &pb.GetPublicDossierResponse{Dossier: p}, nil
}

func (g *grpcServer) GetStatistics(ctx context.Context, req *pb.GetStatisticsRequest) (*pb.GetStatisticsResponse, error) {
	c, err := asReader(ctx, "GetStatistics")
	if err != nil {
		return nil, err
	}
	q := statsQuery{agency: strings.TrimSpace(req.GetAgency()), level: req.GetLevel(), by: req.GetBy()}
	if req.GetFrom() != nil {
		q.from = req.GetFrom().AsTime()
	}
	if req.GetTo() != nil {
		q.to = req.GetTo().AsTime()
	}
	q, err = g.s.resolveStats(q)
	if err != nil {
		return nil, err
	}
	rows, err := g.s.statistics(ctx, c, q)
	if err != nil {
		return nil, toAPI(err)
	}
	resp := &pb.GetStatisticsResponse{From: timestamppb.New(q.from), To: timestamppb.New(q.to), Total: statsProto(total(rows))}
	for _, r := range rows {
		resp.Rows = append(resp.Rows, statsProto(r))
	}
	return resp, nil
}

func statsProto(r statsRow) *pb.StatisticsRow {
	return &pb.StatisticsRow{Agency: r.Agency, Level: r.Level, Received: r.Received, Finished: r.Finished, Early: r.Early,
		OnTime: r.OnTime, Late: r.Late, OverdueNow: r.Overdue, InProgress: r.inProgress(), OnTimeRate: r.onTimeRate(),
		ClosedUnfinished: r.Closed}
}

func (g *grpcServer) GetSyncState(ctx context.Context, req *pb.GetSyncStateRequest) (*pb.GetSyncStateResponse, error) {
	c, err := asReader(ctx, "GetSyncState")
	if err != nil {
		return nil, err
	}
	d, err := g.s.visible(ctx, c, req.GetCode())
	if err != nil {
		return nil, err
	}
	items, err := g.s.syncItems(ctx, d.Code, 0, 0)
	if err != nil {
		return nil, err
	}
	resp := &pb.GetSyncStateResponse{Code: d.Code, State: syncState(items, d.SyncBlocked)}
	for _, it := range items {
		resp.Items = append(resp.Items, syncProto(it))
	}
	return resp, nil
}

func syncProto(it syncItem) *pb.SyncItem {
	return &pb.SyncItem{Version: it.Version, Call: it.Call, State: it.State, Attempts: int32(it.Attempts), LastError: it.LastError,
		CreatedAt: ts(it.Created), NextAttemptAt: ts(it.Next), DoneAt: ts(it.Done)}
}

func (g *grpcServer) ListDeadLetters(ctx context.Context, req *pb.ListDeadLettersRequest) (*pb.ListDeadLettersResponse, error) {
	if _, err := asOverseer(ctx, "ListDeadLetters"); err != nil {
		return nil, err
	}
	off, err := pageOffset(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	limit := pageSize(req.GetPageSize())
	items, err := g.s.syncItems(ctx, "", limit, off)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListDeadLettersResponse{}
	for _, it := range items {
		resp.DeadLetters = append(resp.DeadLetters, &pb.DeadLetter{Code: it.Code, Item: syncProto(it)})
	}
	if len(items) == limit {
		resp.NextPageToken = strconv.Itoa(off + limit)
	}
	return resp, nil
}

func (g *grpcServer) ReplayDeadLetter(ctx context.Context, req *pb.ReplayDeadLetterRequest) (*pb.ReplayDeadLetterResponse, error) {
	if _, err := asAdmin(ctx, "ReplayDeadLetter"); err != nil {
		return nil, err
	}
	n, err := g.s.replay(ctx, normalizeCode(req.GetCode()), req.GetVersion(), req.GetDiscard())
	if err != nil {
		return nil, toAPI(err)
	}
	return &pb.ReplayDeadLetterResponse{Requeued: int32(n)}, nil
}

func (g *grpcServer) PutProcedure(ctx context.Context, req *pb.PutProcedureRequest) (*pb.PutProcedureResponse, error) {
	if _, err := asAdmin(ctx, "PutProcedure"); err != nil {
		return nil, err
	}
	p := procRow{Code: req.GetCode(), Name: strings.TrimSpace(req.GetName()), FieldCode: req.GetFieldCode(), FieldName: req.GetFieldName(), Days: int(req.GetWorkingDays())}
	if err := g.s.putProcedure(ctx, p); err != nil {
		return nil, toAPI(err)
	}
	return &pb.PutProcedureResponse{Procedure: &pb.Procedure{Code: strings.TrimSpace(p.Code), Name: p.Name, FieldCode: p.FieldCode, FieldName: p.FieldName, WorkingDays: int32(p.Days)}}, nil
}

func (g *grpcServer) ListProcedures(ctx context.Context, _ *pb.ListProceduresRequest) (*pb.ListProceduresResponse, error) {
	if _, err := asReader(ctx, "ListProcedures"); err != nil {
		return nil, err
	}
	list, err := g.s.procedures(ctx)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListProceduresResponse{}
	for _, p := range list {
		resp.Procedures = append(resp.Procedures, &pb.Procedure{Code: p.Code, Name: p.Name, FieldCode: p.FieldCode, FieldName: p.FieldName, WorkingDays: int32(p.Days)})
	}
	return resp, nil
}

func (g *grpcServer) PutUnit(ctx context.Context, req *pb.PutUnitRequest) (*pb.PutUnitResponse, error) {
	if _, err := asAdmin(ctx, "PutUnit"); err != nil {
		return nil, err
	}
	u := unitRow{Agency: strings.TrimSpace(req.GetAgency()), Level: strings.TrimSpace(req.GetLevel()), Name: strings.TrimSpace(req.GetName())}
	if err := g.s.putUnit(ctx, u); err != nil {
		return nil, toAPI(err)
	}
	return &pb.PutUnitResponse{Unit: &pb.Unit{Agency: u.Agency, Level: u.Level, Name: g.s.unitName(ctx, u.Agency)}}, nil
}

func (g *grpcServer) ListUnits(ctx context.Context, _ *pb.ListUnitsRequest) (*pb.ListUnitsResponse, error) {
	if _, err := asReader(ctx, "ListUnits"); err != nil {
		return nil, err
	}
	list, err := g.s.units(ctx)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListUnitsResponse{Levels: g.s.cfg.Levels}
	for _, u := range list {
		resp.Units = append(resp.Units, &pb.Unit{Agency: u.Agency, Level: u.Level, Name: u.Name})
	}
	return resp, nil
}

func (g *grpcServer) PutCalendar(ctx context.Context, req *pb.PutCalendarRequest) (*pb.PutCalendarResponse, error) {
	if _, err := asAdmin(ctx, "PutCalendar"); err != nil {
		return nil, err
	}
	y := workday.Year{Year: int(req.GetYear())}
	for _, list := range []struct {
		in  []*pb.Holiday
		out *[]workday.Holiday
	}{{req.GetHolidays(), &y.Holidays}, {req.GetWorkdays(), &y.Workdays}} {
		for _, h := range list.in {
			d, err := workday.ParseDate(h.GetDate())
			if err != nil {
				return nil, errCalendar(errors.New("date " + strconv.Quote(h.GetDate()) + " is not YYYY-MM-DD / ngày không đúng dạng YYYY-MM-DD"))
			}
			*list.out = append(*list.out, workday.Holiday{Date: d, Name: h.GetName()})
		}
	}
	if err := g.s.putCalendar(ctx, y); err != nil {
		return nil, toAPI(err)
	}
	return &pb.PutCalendarResponse{Calendar: g.s.calendarProto(y.Year)}, nil
}

func (g *grpcServer) GetCalendar(ctx context.Context, req *pb.GetCalendarRequest) (*pb.GetCalendarResponse, error) {
	if _, err := asReader(ctx, "GetCalendar"); err != nil {
		return nil, err
	}
	y := int(req.GetYear())
	if y < 1900 || y > 2200 {
		return nil, apierr.Invalid("year", "invalid_year", "the year is between 1900 and 2200", "năm phải từ 1900 đến 2200")
	}
	return &pb.GetCalendarResponse{Calendar: g.s.calendarProto(y)}, nil
}

func (s *Service) calendarProto(year int) *pb.Calendar {
	y := s.cal().Year(year)
	loaded, _ := s.loadedYears.Load().(map[int]bool)
	out := &pb.Calendar{Year: int32(year), Loaded: loaded[year]}
	for _, h := range y.Holidays {
		out.Holidays = append(out.Holidays, &pb.Holiday{Date: h.Date.String(), Name: h.Name})
	}
	for _, h := range y.Workdays {
		out.Workdays = append(out.Workdays, &pb.Holiday{Date: h.Date.String(), Name: h.Name})
	}
	return out
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// timelinessOf classifies a dossier now.
func (s *Service) timelinessOf(d *dossier) pb.Timeliness {
	switch d.Timeliness {
	case "early":
		return pb.Timeliness_TIMELINESS_EARLY
	case "on_time":
		return pb.Timeliness_TIMELINESS_ON_TIME
	case "late":
		return pb.Timeliness_TIMELINESS_LATE
	}
	if closedUnfinished(d.Status) || d.Due.IsZero() {
		return pb.Timeliness_TIMELINESS_UNSPECIFIED
	}
	if d.PausedDays < 0 && d.Due.Before(s.now()) {
		return pb.Timeliness_TIMELINESS_OVERDUE
	}
	return pb.Timeliness_TIMELINESS_IN_PROGRESS
}

// changed renders a dossier as a change left it, for the change's answer:
// without the trail (GetDossier has it), and with the sync state the
// change implies (its item is pending, unless a dead letter holds the
// dossier), so that answering reads nothing more.
func (s *Service) changed(ctx context.Context, d *dossier) *pb.Dossier {
	out := s.toProto(ctx, d, false)
	out.SyncState = "pending"
	if d.SyncBlocked {
		out.SyncState = "dead"
	}
	return out
}

// toProto renders a dossier; withTrail adds its trail and sync state.
func (s *Service) toProto(ctx context.Context, d *dossier, withTrail bool) *pb.Dossier {
	b := d.Body
	out := &pb.Dossier{
		Code: d.Code, ProcedureCode: d.Procedure, ProcedureName: b.ProcedureName, FieldCode: b.FieldCode, FieldName: b.FieldName,
		Applicant: &pb.Applicant{Kind: pb.ApplicantKind(b.Applicant.Kind), Id: b.Applicant.ID, Name: b.Applicant.Name,
			Phone: b.Applicant.Phone, Email: b.Applicant.Email, Address: b.Applicant.Address},
		Summary: b.Summary, Channel: pb.Channel(b.Channel), ReceiptNumber: b.ReceiptNumber,
		ReceivingAgency: d.Receiving, HandlingAgency: d.Handling, HandlingLevel: d.Level,
		Status: int32(d.Status), StatusName: statusNames[d.Status],
		ReceivedAt: ts(d.Received), DueAt: ts(d.Due), Paused: d.PausedDays >= 0, FinishedAt: ts(d.Finished), ReturnedAt: ts(d.Returned),
		Timeliness: s.timelinessOf(d), CreatedAt: ts(d.Created), UpdatedAt: ts(d.Updated), Note: b.Note,
	}
	if d.PausedDays >= 0 {
		out.PausedDaysLeft = int32(d.PausedDays)
	}
	for _, n := range allowed(d.Status) {
		out.NextStatuses = append(out.NextStatuses, int32(n))
	}
	for _, x := range b.Documents {
		out.Documents = append(out.Documents, &pb.SubmittedDocument{Id: x.ID, Name: x.Name})
	}
	for _, f := range b.Fees {
		out.Fees = append(out.Fees, &pb.Fee{Code: f.Code, Name: f.Name, Amount: f.Amount, Method: f.Method})
	}
	for _, r := range b.Results {
		out.Results = append(out.Results, &pb.ResultPaper{Id: r.ID, Name: r.Name, Url: r.URL})
	}
	if !withTrail {
		return out
	}
	trail, err := s.st.trail(ctx, d.Code)
	if err != nil {
		s.log.Warn("onestop: reading a trail failed", "code", d.Code, "err", err)
	}
	for _, e := range trail {
		out.Trail = append(out.Trail, &pb.Event{Seq: e.Seq, Kind: e.Kind, At: ts(e.At), Agency: e.Agency, Application: e.Application,
			Actor:      &pb.Actor{Name: e.Body.Actor.Name, Title: e.Body.Actor.Title, Department: e.Body.Actor.Department},
			FromStatus: int32(e.FromStatus), ToStatus: int32(e.ToStatus), ToAgency: e.ToAgency, Note: e.Body.Note})
	}
	items, err := s.syncItems(ctx, d.Code, 0, 0)
	if err == nil {
		out.SyncState = syncState(items, d.SyncBlocked)
	}
	return out
}
