package docexchange

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/service"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// NationalPath is where the national-axis-compatible surface is mounted on
// the admin listener; the gateway's vdxp/1.0 API points its upstream here,
// so an SDK's base URL is http://<gateway>/vdxp/1.0.
const NationalPath = "/docexchange/vdxp/"

// Routes mounts the national surface. It sits behind the admin listener's
// authentication, which accepts the gateway's identity assertion: the
// gateway has already checked the SDK's signed headers, the subscription
// and the rate limits.
func (s *Service) Routes() []service.Route {
	return []service.Route{{Pattern: NationalPath, Handler: http.HandlerFunc(s.serveNational)}}
}

// LargeBodies lets packages through the admin listener's body bound: as
// they are on the national surface (with the SDK's CRLF), in base64 inside
// JSON on the REST API (a third larger, and some room for the rest).
func (s *Service) LargeBodies() []service.BodyLimit {
	return []service.BodyLimit{
		{Prefix: NationalPath, Max: s.cfg.MaxPackageBytes + 2},
		{Prefix: "/admin/v1/docexchange/documents", Max: s.cfg.MaxPackageBytes/3*4 + 1<<20},
	}
}

// vnTime formats a time as the national answers do, in Asia/Ho_Chi_Minh.
func vnTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(signedheader.Zone).Format(vdxp.TimeLayout)
}

func (s *Service) serveNational(w http.ResponseWriter, r *http.Request) {
	call := strings.TrimPrefix(r.URL.Path, NationalPath)
	get := func(name string) string { return signedheader.Lookup(r.Header.Get, name) }
	ctx := r.Context()
	if r.Method != http.MethodPost && !(r.Method == http.MethodGet && (call == vdxp.CallCountReceiveEdoc || call == vdxp.CallCountReceiveStatus || call == vdxp.CallGetAgenciesList)) {
		nationalFail(w, r, call, errUnknownCall)
		return
	}
	c, err := asAgency(ctx, call)
	if err != nil {
		nationalFail(w, r, call, err)
		return
	}
	switch call {
	case vdxp.CallSendEdoc:
		h, err := readSendHeaders(get)
		if err != nil {
			nationalFail(w, r, call, err)
			return
		}
		body, err := edxml.ReadAll(r.Body, s.cfg.MaxPackageBytes+2, r.ContentLength)
		if err != nil {
			nationalFail(w, r, call, errPackage(err))
			return
		}
		res, err := s.send(ctx, sendInput{
			caller: c.agency, body: body, hashFile: h.hashFile, fromHeader: h.from,
			to: h.to, kind: h.kind, origin: originLocal,
		})
		if err != nil {
			nationalFail(w, r, call, err)
			return
		}
		writeNational(w, http.StatusOK, vdxp.SendResult{Result: vdxp.OK(), DocID: res.doc.ID})
	case vdxp.CallGetReceivedEdocList:
		kind := kindEdoc
		if strings.EqualFold(get(vdxp.HeaderMessageType), vdxp.MessageStatus) {
			kind = kindStatus
		}
		items, err := s.st.inbox(ctx, inboxFilter{recipient: c.agency, kind: kind, limit: 1000})
		if err != nil {
			nationalFail(w, r, call, s.storageErr(err))
			return
		}
		out := vdxp.ReceivedResult{Result: vdxp.OK(), Data: []vdxp.Knobstick{}}
		for _, it := range items {
			mt := vdxp.MessageEdoc
			if it.doc.Kind == kindStatus {
				mt = vdxp.MessageStatus
			}
			out.Data = append(out.Data, vdxp.Knobstick{
				ID: it.doc.ID, DocID: it.doc.ID, From: it.doc.Sender, To: it.del.Recipient, ServiceType: vdxp.ServiceEDoc,
				MessageType: mt, Status: transportOrInitial(it.del.TransportStatus), Created: vnTime(it.del.Created),
				Updated: vnTime(it.del.Created), DocumentID: it.doc.DocumentID,
			})
		}
		writeNational(w, http.StatusOK, out)
	case vdxp.CallGetEdoc:
		d, err := s.visible(ctx, c, get(vdxp.HeaderDocID))
		if err != nil {
			nationalFail(w, r, call, err)
			return
		}
		data, err := s.blob(ctx, d.SHA256)
		if err != nil {
			nationalFail(w, r, call, s.storageErr(err))
			return
		}
		writeNational(w, http.StatusOK, vdxp.EdocResult{Result: vdxp.OK(), Data: base64.StdEncoding.EncodeToString(data)})
	case vdxp.CallUpdateStatus:
		if _, err := s.acknowledge(ctx, c.agency, get(vdxp.HeaderDocID), strings.ToLower(get(vdxp.HeaderStatus))); err != nil {
			nationalFail(w, r, call, err)
			return
		}
		writeNational(w, http.StatusOK, vdxp.OK())
	case vdxp.CallGetSentEdocList:
		s.nationalSent(w, r, c, get(vdxp.HeaderDocID))
	case vdxp.CallCountReceiveEdoc, vdxp.CallCountReceiveStatus:
		kind := kindEdoc
		if call == vdxp.CallCountReceiveStatus {
			kind = kindStatus
		}
		n, err := s.st.countInbox(ctx, c.agency, kind)
		if err != nil {
			nationalFail(w, r, call, s.storageErr(err))
			return
		}
		writeNational(w, http.StatusOK, vdxp.CountResult{Result: vdxp.OK(), Count: n})
	case vdxp.CallGetAgenciesList:
		list, err := s.dir.list(ctx)
		if err != nil {
			nationalFail(w, r, call, errRegistryUnavailable)
			return
		}
		out := vdxp.AgenciesResult{Result: vdxp.OK(), Data: []vdxp.Agency{}}
		for _, a := range list {
			if a.active {
				out.Data = append(out.Data, vdxp.Agency{ID: a.code, Code: a.code, Name: a.name})
			}
		}
		slices.SortFunc(out.Data, func(a, b vdxp.Agency) int { return strings.Compare(a.Code, b.Code) })
		writeNational(w, http.StatusOK, out)
	default:
		nationalFail(w, r, call, errUnknownCall)
	}
}

func transportOrInitial(s string) string {
	if s == "" {
		return "initial"
	}
	return s
}

// nationalSent answers getSentEdocList: per recipient of the caller's
// recent documents (or of one, with docId).
func (s *Service) nationalSent(w http.ResponseWriter, r *http.Request, c caller, docID string) {
	ctx := r.Context()
	var docs []*docRow
	if docID != "" {
		d, err := s.visible(ctx, c, docID)
		if err != nil {
			nationalFail(w, r, vdxp.CallGetSentEdocList, err)
			return
		}
		if d.Sender != c.agency {
			nationalFail(w, r, vdxp.CallGetSentEdocList, errDocNotFound)
			return
		}
		docs = []*docRow{d}
	} else {
		var err error
		if docs, err = s.st.sent(ctx, c.agency, s.now().AddDate(0, 0, -30), 0, "", 500); err != nil {
			nationalFail(w, r, vdxp.CallGetSentEdocList, s.storageErr(err))
			return
		}
	}
	dels, err := s.st.deliveriesOf(ctx, docs)
	if err != nil {
		nationalFail(w, r, vdxp.CallGetSentEdocList, s.storageErr(err))
		return
	}
	out := vdxp.SentResult{Result: vdxp.OK(), Data: []vdxp.SentEntry{}}
	for _, d := range docs {
		for _, v := range dels[d.ID] {
			updated := v.Created
			for _, t := range []time.Time{v.Acked, v.StatusAt} {
				if t.After(updated) {
					updated = t
				}
			}
			out.Data = append(out.Data, vdxp.SentEntry{
				DocID: d.ID, FromCode: d.Sender, ToCode: v.Recipient, Status: v.State, BusinessStatus: v.StatusCode,
				Created: vnTime(v.Created), Updated: vnTime(updated),
			})
		}
	}
	writeNational(w, http.StatusOK, out)
}

// sendHeaders are sendEdoc's logical headers, read and checked.
type sendHeaders struct {
	kind           string
	to             []string // nil: the package's To list
	from, hashFile string
}

// readSendHeaders reads sendEdoc's headers, with or without the XroadVnpt-
// prefix (get is signedheader.Lookup over the request).
func readSendHeaders(get func(string) string) (sendHeaders, error) {
	h := sendHeaders{kind: kindEdoc, from: strings.TrimSpace(get(vdxp.HeaderFrom)), hashFile: strings.TrimSpace(get(vdxp.HeaderHashFile))}
	switch strings.ToLower(strings.TrimSpace(get(vdxp.HeaderMessageType))) {
	case "", vdxp.MessageEdoc:
	case vdxp.MessageStatus:
		h.kind = kindStatus
	default:
		return h, errMessageType
	}
	if raw := strings.TrimSpace(get(vdxp.HeaderTo)); raw != "" {
		to, err := parseTo(raw)
		if err != nil {
			return h, err
		}
		h.to = to
	}
	return h, nil
}

// parseTo reads the to header: a JSON array of codes as the SDK writes it,
// or, leniently, codes separated by commas.
func parseTo(raw string) ([]string, error) {
	if strings.HasPrefix(raw, "[") {
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return nil, errBadTo
		}
		var to []string
		for _, c := range list {
			if c = strings.TrimSpace(c); c != "" {
				to = append(to, c)
			}
		}
		if len(to) == 0 {
			return nil, errBadTo
		}
		return to, nil
	}
	var to []string
	for _, c := range strings.Split(raw, ",") {
		if c = strings.TrimSpace(c); c != "" {
			to = append(to, c)
		}
	}
	if len(to) == 0 {
		return nil, errBadTo
	}
	return to, nil
}

func writeNational(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// nationalFail answers err in the national shape, with our stable code in
// X-LGSP-Error and the HTTP status our error model gives it.
func nationalFail(w http.ResponseWriter, r *http.Request, call string, err error) {
	b, code := apierr.FromError(err)
	if errors.Is(err, errUnavailable) || errors.Is(err, errRegistryUnavailable) {
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("X-LGSP-Error", b.Code)
	res := vdxp.Fail(nationalCode(err), nationalDesc(err))
	if call == vdxp.CallSendEdoc {
		writeNational(w, code, vdxp.SendResult{Result: res, DocID: ""})
		return
	}
	writeNational(w, code, res)
}
