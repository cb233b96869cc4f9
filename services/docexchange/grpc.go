package docexchange

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
)

// grpcServer is DocExchangeService over gRPC and, in process, REST.
type grpcServer struct {
	pb.UnimplementedDocExchangeServiceServer
	s *Service
}

func kindOf(k pb.MessageKind) (string, error) {
	switch k {
	case pb.MessageKind_MESSAGE_KIND_UNSPECIFIED, pb.MessageKind_MESSAGE_KIND_DOCUMENT:
		return kindEdoc, nil
	case pb.MessageKind_MESSAGE_KIND_STATUS:
		return kindStatus, nil
	}
	return "", errMessageType
}

func (g *grpcServer) SendDocument(ctx context.Context, req *pb.SendDocumentRequest) (*pb.SendDocumentResponse, error) {
	c, err := asAgency(ctx, "SendDocument")
	if err != nil {
		return nil, err
	}
	kind, err := kindOf(req.GetKind())
	if err != nil {
		return nil, err
	}
	var to []string
	if len(req.GetTo()) > 0 {
		to = req.GetTo()
	}
	res, err := g.s.send(ctx, sendInput{caller: c.agency, body: req.GetPackage(), hashFile: req.GetHashFile(), to: to, kind: kind, origin: originLocal})
	if err != nil {
		return nil, err
	}
	out := &pb.SendDocumentResponse{Document: docPB(res.doc), Duplicate: res.duplicate}
	for _, d := range res.deliveries {
		out.Deliveries = append(out.Deliveries, deliveryPB(d))
	}
	return out, nil
}

// Page tokens are "<created_ms>.<id>" of the last item, base64url.
func pageToken(ms int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(ms, 10) + "." + id))
}

func parsePageToken(t string) (int64, string, error) {
	if t == "" {
		return 0, "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, "", errPageToken
	}
	ms, id, ok := strings.Cut(string(b), ".")
	n, err := strconv.ParseInt(ms, 10, 64)
	if !ok || err != nil || id == "" {
		return 0, "", errPageToken
	}
	return n, id, nil
}

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return int(n)
}

func (g *grpcServer) ListInbox(ctx context.Context, req *pb.ListInboxRequest) (*pb.ListInboxResponse, error) {
	c, err := asAgency(ctx, "ListInbox")
	if err != nil {
		return nil, err
	}
	f := inboxFilter{recipient: c.agency, all: req.GetIncludeAcknowledged(), from: req.GetFrom(), limit: pageSize(req.GetPageSize())}
	switch req.GetKind() {
	case pb.MessageKind_MESSAGE_KIND_DOCUMENT:
		f.kind = kindEdoc
	case pb.MessageKind_MESSAGE_KIND_STATUS:
		f.kind = kindStatus
	}
	if req.GetSince() != nil {
		f.since = req.GetSince().AsTime()
	}
	if f.afterMs, f.afterID, err = parsePageToken(req.GetPageToken()); err != nil {
		return nil, err
	}
	items, err := g.s.st.inbox(ctx, f)
	if err != nil {
		return nil, g.s.storageErr(err)
	}
	out := &pb.ListInboxResponse{}
	for _, it := range items {
		out.Items = append(out.Items, &pb.InboxItem{Document: docPB(it.doc), Delivery: deliveryPB(it.del)})
	}
	if len(items) == f.limit {
		last := items[len(items)-1].del
		out.NextPageToken = pageToken(last.Created.UnixMilli(), last.ID)
	}
	return out, nil
}

// visible loads a document the caller may see: one it sent or received,
// or any for an overseer. Anything else is "not found", so that an agency
// cannot learn which ids exist.
func (s *Service) visible(ctx context.Context, c caller, docID string) (*docRow, error) {
	if docID == "" {
		return nil, errMissingDocID
	}
	d, err := s.st.doc(ctx, s.db, docID)
	if err != nil {
		return nil, s.storageErr(err)
	}
	if d == nil {
		return nil, errDocNotFound
	}
	if c.overseer {
		return d, nil
	}
	ok, err := s.st.involved(ctx, d, c.agency)
	if err != nil {
		return nil, s.storageErr(err)
	}
	if !ok {
		return nil, errDocNotFound
	}
	return d, nil
}

func (g *grpcServer) GetDocument(ctx context.Context, req *pb.GetDocumentRequest) (*pb.GetDocumentResponse, error) {
	c, err := asReader(ctx, "GetDocument")
	if err != nil {
		return nil, err
	}
	d, err := g.s.visible(ctx, c, req.GetDocId())
	if err != nil {
		return nil, err
	}
	out := &pb.GetDocumentResponse{Document: docPB(d)}
	if !c.overseer {
		if v, err := g.s.st.delivery(ctx, g.s.db, d.ID, c.agency); err == nil && v != nil {
			out.Delivery = deliveryPB(v)
		}
	}
	if !req.GetMetadataOnly() {
		if c.overseer {
			// Overseers read metadata, traces and statistics, never contents.
			return nil, errForbidden
		}
		if out.Package, err = g.s.blob(ctx, d.SHA256); err != nil {
			return nil, g.s.storageErr(err)
		}
	}
	return out, nil
}

func (g *grpcServer) AcknowledgeDocument(ctx context.Context, req *pb.AcknowledgeDocumentRequest) (*pb.AcknowledgeDocumentResponse, error) {
	c, err := asAgency(ctx, "AcknowledgeDocument")
	if err != nil {
		return nil, err
	}
	ts := req.GetTransportStatus()
	if ts == "" {
		ts = "done"
	}
	v, err := g.s.acknowledge(ctx, c.agency, req.GetDocId(), ts)
	if err != nil {
		return nil, err
	}
	return &pb.AcknowledgeDocumentResponse{Delivery: deliveryPB(v)}, nil
}

func (g *grpcServer) SendStatus(ctx context.Context, req *pb.SendStatusRequest) (*pb.SendStatusResponse, error) {
	c, err := asAgency(ctx, "SendStatus")
	if err != nil {
		return nil, err
	}
	res, err := g.s.sendStatus(ctx, c.agency, req)
	if err != nil {
		return nil, err
	}
	return &pb.SendStatusResponse{Status: docPB(res.doc)}, nil
}

func (g *grpcServer) ListSent(ctx context.Context, req *pb.ListSentRequest) (*pb.ListSentResponse, error) {
	c, err := asAgency(ctx, "ListSent")
	if err != nil {
		return nil, err
	}
	afterMs, afterID, err := parsePageToken(req.GetPageToken())
	if err != nil {
		return nil, err
	}
	var since time.Time
	if req.GetSince() != nil {
		since = req.GetSince().AsTime()
	}
	limit := pageSize(req.GetPageSize())
	docs, err := g.s.st.sent(ctx, c.agency, since, afterMs, afterID, limit)
	if err != nil {
		return nil, g.s.storageErr(err)
	}
	dels, err := g.s.st.deliveriesOf(ctx, docs)
	if err != nil {
		return nil, g.s.storageErr(err)
	}
	out := &pb.ListSentResponse{}
	for _, d := range docs {
		it := &pb.SentItem{Document: docPB(d)}
		for _, v := range dels[d.ID] {
			it.Deliveries = append(it.Deliveries, deliveryPB(v))
		}
		out.Items = append(out.Items, it)
	}
	if len(docs) == limit {
		last := docs[len(docs)-1]
		out.NextPageToken = pageToken(last.Created.UnixMilli(), last.ID)
	}
	return out, nil
}

func (g *grpcServer) GetTrace(ctx context.Context, req *pb.GetTraceRequest) (*pb.GetTraceResponse, error) {
	c, err := asReader(ctx, "GetTrace")
	if err != nil {
		return nil, err
	}
	d, err := g.s.visible(ctx, c, req.GetDocId())
	if err != nil {
		return nil, err
	}
	out := &pb.GetTraceResponse{Document: docPB(d)}
	dels, err := g.s.st.deliveries(ctx, g.s.db, d.ID)
	if err != nil {
		return nil, g.s.storageErr(err)
	}
	for _, v := range dels {
		// A recipient sees its own delivery; the sender and overseers all.
		if c.overseer || d.Sender == c.agency || v.Recipient == c.agency {
			out.Deliveries = append(out.Deliveries, deliveryPB(v))
		}
	}
	events, err := g.s.st.traceOf(ctx, d.ID)
	if err != nil {
		return nil, g.s.storageErr(err)
	}
	for _, e := range events {
		out.Events = append(out.Events, &pb.TraceEvent{Time: timestamppb.New(e.At), Event: e.Event, Agency: e.Agency, Detail: e.Detail})
	}
	sts, err := g.s.st.statusesOf(ctx, d.ID)
	if err != nil {
		return nil, g.s.storageErr(err)
	}
	for _, st := range sts {
		if c.overseer || d.Sender == c.agency || st.Sender == c.agency {
			out.Statuses = append(out.Statuses, docPB(st))
		}
	}
	return out, nil
}

func (g *grpcServer) GetStatistics(ctx context.Context, req *pb.GetStatisticsRequest) (*pb.GetStatisticsResponse, error) {
	c, err := asReader(ctx, "GetStatistics")
	if err != nil {
		return nil, err
	}
	agency := req.GetAgencyCode()
	if !c.overseer {
		agency = c.agency
	}
	st, err := g.s.statistics(ctx, agency, req.GetStartTime(), req.GetEndTime())
	if err != nil {
		return nil, err
	}
	return st, nil
}

func (g *grpcServer) GetPublicStatistics(ctx context.Context, req *pb.GetPublicStatisticsRequest) (*pb.GetPublicStatisticsResponse, error) {
	if !g.s.cfg.PublicStatistics {
		return nil, errPublicStatsOff
	}
	st, err := g.s.statistics(ctx, "", req.GetStartTime(), req.GetEndTime())
	if err != nil {
		return nil, err
	}
	return &pb.GetPublicStatisticsResponse{StartTime: st.StartTime, EndTime: st.EndTime, Agencies: st.Agencies, Total: st.Total}, nil
}

func (g *grpcServer) CreateWebhook(ctx context.Context, req *pb.CreateWebhookRequest) (*pb.CreateWebhookResponse, error) {
	c, err := asAgency(ctx, "CreateWebhook")
	if err != nil {
		return nil, err
	}
	h, secret, at, err := g.s.hooks.create(ctx, c.agency, req.GetUrl())
	if err != nil {
		return nil, err
	}
	return &pb.CreateWebhookResponse{Webhook: &pb.Webhook{Id: h.id, AgencyCode: h.agency, Url: h.url, CreateTime: timestamppb.New(at)}, Secret: secret}, nil
}

func (g *grpcServer) ListWebhooks(ctx context.Context, _ *pb.ListWebhooksRequest) (*pb.ListWebhooksResponse, error) {
	c, err := asAgency(ctx, "ListWebhooks")
	if err != nil {
		return nil, err
	}
	rows, err := g.s.db.QueryContext(ctx, g.s.st.q(`SELECT id, agency, url, created_ms, last_error FROM docexchange_webhooks WHERE agency = ? ORDER BY created_ms, id`), c.agency)
	if err != nil {
		return nil, g.s.storageErr(err)
	}
	defer rows.Close()
	out := &pb.ListWebhooksResponse{}
	for rows.Next() {
		var w pb.Webhook
		var ms int64
		if err := rows.Scan(&w.Id, &w.AgencyCode, &w.Url, &ms, &w.LastError); err != nil {
			return nil, g.s.storageErr(err)
		}
		w.CreateTime = timestamppb.New(time.UnixMilli(ms))
		if info, err := g.s.bus.JS.Consumer(ctx, "LGSP_DOCEXCHANGE", consumerName(w.Id)); err == nil {
			if ci, err := info.Info(ctx); err == nil {
				w.Backlog = int64(ci.NumPending) + int64(ci.NumAckPending)
			}
		}
		out.Webhooks = append(out.Webhooks, &w)
	}
	return out, rows.Err()
}

func (g *grpcServer) DeleteWebhook(ctx context.Context, req *pb.DeleteWebhookRequest) (*pb.DeleteWebhookResponse, error) {
	c, err := asAgency(ctx, "DeleteWebhook")
	if err != nil {
		return nil, err
	}
	if err := g.s.hooks.remove(ctx, c.agency, req.GetId()); err != nil {
		return nil, err
	}
	return &pb.DeleteWebhookResponse{}, nil
}

func tsOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func docPB(d *docRow) *pb.Document {
	kind := pb.MessageKind_MESSAGE_KIND_DOCUMENT
	if d.Kind == kindStatus {
		kind = pb.MessageKind_MESSAGE_KIND_STATUS
	}
	out := &pb.Document{
		DocId: d.ID, Kind: kind, From: d.Sender, To: d.Recipients, DocumentId: d.DocumentID,
		BusinessDocType: int32(d.BusinessType), CodeNumber: d.CodeNumber, CodeNotation: d.CodeNotation,
		Subject: d.Subject, DocumentType: d.DocType, PromulgationDate: d.PromulgationDate, DueDate: d.DueDate,
		Priority: d.Priority, StatusCode: d.StatusCode, Sha256: d.SHA256, SizeBytes: d.Size,
		AttachmentCount: int32(d.Attachments), UnknownOriginal: d.UnknownOriginal, Superseded: d.Superseded,
		CreateTime: timestamppb.New(d.Created),
	}
	if d.Kind == kindStatus {
		out.ResponseForDocId = d.ResponseFor
	}
	return out
}

func deliveryPB(v *deliveryRow) *pb.Delivery {
	out := &pb.Delivery{
		DocId: v.DocID, Recipient: v.Recipient, TransportStatus: v.TransportStatus, StatusCode: v.StatusCode,
		CreateTime: timestamppb.New(v.Created), AcknowledgeTime: tsOrNil(v.Acked), StatusTime: tsOrNil(v.StatusAt),
		NationalDocId: v.NationalID, Error: v.Error,
	}
	if v.AddressedTo != v.Recipient {
		out.AddressedTo = v.AddressedTo
	}
	switch v.Route {
	case routeLocal:
		out.Route = pb.Route_ROUTE_LOCAL
	case routeNational:
		out.Route = pb.Route_ROUTE_NATIONAL
	}
	switch v.State {
	case statePending:
		out.State = pb.DeliveryState_DELIVERY_STATE_PENDING
	case stateForwarded:
		out.State = pb.DeliveryState_DELIVERY_STATE_FORWARDED
	case stateAcked:
		out.State = pb.DeliveryState_DELIVERY_STATE_ACKNOWLEDGED
	case stateFailed:
		out.State = pb.DeliveryState_DELIVERY_STATE_FAILED
	}
	return out
}
