package adapters

import (
	"context"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	"github.com/lgsp-vn/lgsp/adapters/ngsp"
	"github.com/lgsp-vn/lgsp/platform/vnid"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// grpcServer is NationalDataService over the service. Every handler
// authorises, checks its input before anything leaves the province, calls
// NGSP (through the cache, and the access log for personal data) and maps
// the answer; errors go through toAPI.
type grpcServer struct {
	pb.UnimplementedNationalDataServiceServer
	s *Service
}

// Names of the lookups in the access log.
const (
	apiCitizen   = "population.GetCitizen"
	apiBirth     = "civil_status.GetBirthRecord"
	apiMarriage  = "civil_status.GetMarriageRecord"
	apiDeath     = "civil_status.GetDeathRecord"
	apiJudicial  = "judicial.SubmitJudicialRequest"
	apiInsurance = "insurance.GetInsuranceHistory"
)

var (
	catalogRe = regexp.MustCompile(`^[A-Z0-9_]{1,32}$`)
	dossierRe = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.-]{5,39}$`)
	receiptRe = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z./-]{3,39}$`)
	idemRe    = regexp.MustCompile(`^[0-9A-Za-z._-]{1,64}$`)
	phoneRe   = regexp.MustCompile(`^(0|\+84)[0-9]{9,10}$`)
)

func query(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// decode unmarshals f's record into out (a pointer to a natdb record),
// mapping a malformed one. An answer from the cache is decoded once: later
// answers copy the record (its slices are shared, and only read).
func decode(f fetched, out any) error {
	if f.memo == nil {
		return decodeRaw(f, out)
	}
	m := f.memo
	m.once.Do(func() {
		m.v = reflect.New(reflect.TypeOf(out).Elem())
		m.err = decodeRaw(f, m.v.Interface())
	})
	if m.err != nil {
		return m.err
	}
	if m.v.Type() != reflect.TypeOf(out) {
		return decodeRaw(f, out)
	}
	reflect.ValueOf(out).Elem().Set(m.v.Elem())
	return nil
}

func decodeRaw(f fetched, out any) error {
	return (&ngsp.Response{Data: f.data, RequestID: f.requestID}).Decode(out)
}

func (g *grpcServer) GetEnterprise(ctx context.Context, req *pb.GetEnterpriseRequest) (*pb.GetEnterpriseResponse, error) {
	if _, err := asCaller(ctx, "GetEnterprise"); err != nil {
		return nil, err
	}
	code := strings.TrimSpace(req.GetEnterpriseCode())
	if !vnid.Enterprise(code) {
		return nil, errEnterpriseCode
	}
	f, src, err := g.s.get(ctx, call{path: natdb.PathBusinessDetail, query: query("msdn", code), cache: g.s.business, stale: true})
	if err != nil {
		return nil, toAPI(err)
	}
	var e natdb.Enterprise
	if err := decode(f, &e); err != nil {
		return nil, toAPI(err)
	}
	return &pb.GetEnterpriseResponse{Enterprise: enterprise(e), Answer: answer(f, src)}, nil
}

func (g *grpcServer) SearchEnterprises(ctx context.Context, req *pb.SearchEnterprisesRequest) (*pb.SearchEnterprisesResponse, error) {
	if _, err := asCaller(ctx, "SearchEnterprises"); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.GetName())
	letters := 0
	for _, r := range name {
		if r > ' ' {
			letters++
		}
	}
	if letters < 2 || !text(name, 200) {
		return nil, errSearchName
	}
	prov := strings.TrimSpace(req.GetProvinceCode())
	if prov != "" && !vnid.Province(prov) {
		return nil, errProvinceCode
	}
	limit := req.GetLimit()
	if limit < 0 || limit > 100 {
		return nil, errLimit
	}
	if limit == 0 {
		limit = 20
	}
	f, src, err := g.s.get(ctx, call{path: natdb.PathBusinessSearch, cache: g.s.business,
		query: query("ten", name, "maTinh", prov, "soLuong", strconv.Itoa(int(limit)))})
	if err != nil {
		return nil, toAPI(err)
	}
	var res natdb.EnterpriseSearch
	if err := decode(f, &res); err != nil {
		return nil, toAPI(err)
	}
	out := &pb.SearchEnterprisesResponse{Total: int32(res.TongSo), Answer: answer(f, src)}
	for _, e := range res.DanhSach {
		out.Enterprises = append(out.Enterprises, enterpriseSummary(e))
	}
	return out, nil
}

func (g *grpcServer) ListEnterpriseChanges(ctx context.Context, req *pb.ListEnterpriseChangesRequest) (*pb.ListEnterpriseChangesResponse, error) {
	if _, err := asCaller(ctx, "ListEnterpriseChanges"); err != nil {
		return nil, err
	}
	from, fromT, ok1 := nationalDate(strings.TrimSpace(req.GetFrom()))
	to, toT, ok2 := nationalDate(strings.TrimSpace(req.GetTo()))
	if !ok1 || !ok2 {
		return nil, errDate
	}
	// At most 5 days, counting both ends, as NGSP counts them.
	if toT.Before(fromT) || toT.Sub(fromT) >= natdb.MaxChangeRangeDays*24*time.Hour {
		return nil, errRange
	}
	f, src, err := g.s.get(ctx, call{path: natdb.PathBusinessChanges, query: query("tuNgay", from, "denNgay", to), cache: g.s.business})
	if err != nil {
		return nil, toAPI(err)
	}
	var res natdb.EnterpriseChanges
	if err := decode(f, &res); err != nil {
		return nil, toAPI(err)
	}
	out := &pb.ListEnterpriseChangesResponse{Total: int32(res.TongSo), Answer: answer(f, src)}
	for _, e := range res.DanhSach {
		out.Enterprises = append(out.Enterprises, enterpriseChange(e))
	}
	return out, nil
}

// citizenID checks a citizen ID before anything is asked.
func (g *grpcServer) citizenID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if !vnid.Citizen(id, g.s.now()) {
		return "", errCitizenID
	}
	return id, nil
}

func (g *grpcServer) GetCitizen(ctx context.Context, req *pb.GetCitizenRequest) (*pb.GetCitizenResponse, error) {
	c, err := asCaller(ctx, "GetCitizen")
	if err != nil {
		return nil, err
	}
	id, err := g.citizenID(req.GetCitizenId())
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.GetFullName())
	if !text(name, 200) {
		return nil, errFullName
	}
	var dob string
	if b := strings.TrimSpace(req.GetBirthDate()); b != "" {
		d, t, ok := nationalDate(b)
		if !ok || t.After(g.s.now()) {
			return nil, errBirthDate
		}
		dob = d
	}
	p := purpose{req.GetLegalBasis(), req.GetCaseRef(), req.GetOfficerId()}
	f, src, err := g.s.personal(ctx, c, apiCitizen, subject{subjectCitizen, id}, p, func(ctx context.Context) (fetched, pb.Source, error) {
		return g.s.get(ctx, call{path: natdb.PathCitizen, query: query("soDinhDanh", id, "hoVaTen", name, "ngaySinh", dob), cache: g.s.population})
	})
	if err != nil {
		return nil, toAPI(err)
	}
	var rec natdb.Citizen
	if err := decode(f, &rec); err != nil {
		return nil, toAPI(err)
	}
	return &pb.GetCitizenResponse{Citizen: citizen(rec), Answer: answer(f, src)}, nil
}

// civilRecord runs a civil-status lookup of a person.
func (g *grpcServer) civilRecord(ctx context.Context, call0, api, path, rawID, basis, caseRef, officer string, out any) (fetched, pb.Source, error) {
	c, err := asCaller(ctx, call0)
	if err != nil {
		return fetched{}, 0, err
	}
	id, err := g.citizenID(rawID)
	if err != nil {
		return fetched{}, 0, err
	}
	f, src, err := g.s.personal(ctx, c, api, subject{subjectCitizen, id}, purpose{basis, caseRef, officer}, func(ctx context.Context) (fetched, pb.Source, error) {
		return g.s.get(ctx, call{path: path, query: query("soDinhDanh", id), cache: g.s.civil})
	})
	if err != nil {
		return f, src, toAPI(err)
	}
	if err := decode(f, out); err != nil {
		return f, src, toAPI(err)
	}
	return f, src, nil
}

func (g *grpcServer) GetBirthRecord(ctx context.Context, req *pb.GetBirthRecordRequest) (*pb.GetBirthRecordResponse, error) {
	var rec natdb.BirthRecord
	f, src, err := g.civilRecord(ctx, "GetBirthRecord", apiBirth, natdb.PathBirth, req.GetCitizenId(), req.GetLegalBasis(), req.GetCaseRef(), req.GetOfficerId(), &rec)
	if err != nil {
		return nil, err
	}
	return &pb.GetBirthRecordResponse{Record: birthRecord(rec), Answer: answer(f, src)}, nil
}

func (g *grpcServer) GetMarriageRecord(ctx context.Context, req *pb.GetMarriageRecordRequest) (*pb.GetMarriageRecordResponse, error) {
	var rec natdb.MarriageRecord
	f, src, err := g.civilRecord(ctx, "GetMarriageRecord", apiMarriage, natdb.PathMarriage, req.GetCitizenId(), req.GetLegalBasis(), req.GetCaseRef(), req.GetOfficerId(), &rec)
	if err != nil {
		return nil, err
	}
	return &pb.GetMarriageRecordResponse{Record: marriageRecord(rec), Answer: answer(f, src)}, nil
}

func (g *grpcServer) GetDeathRecord(ctx context.Context, req *pb.GetDeathRecordRequest) (*pb.GetDeathRecordResponse, error) {
	var rec natdb.DeathRecord
	f, src, err := g.civilRecord(ctx, "GetDeathRecord", apiDeath, natdb.PathDeath, req.GetCitizenId(), req.GetLegalBasis(), req.GetCaseRef(), req.GetOfficerId(), &rec)
	if err != nil {
		return nil, err
	}
	return &pb.GetDeathRecordResponse{Record: deathRecord(rec), Answer: answer(f, src)}, nil
}

func (g *grpcServer) GetCivilRegistrationStatus(ctx context.Context, req *pb.GetCivilRegistrationStatusRequest) (*pb.GetCivilRegistrationStatusResponse, error) {
	c, err := asCaller(ctx, "GetCivilRegistrationStatus")
	if err != nil {
		return nil, err
	}
	no := strings.ToUpper(strings.TrimSpace(req.GetDossierNumber()))
	if !dossierRe.MatchString(no) {
		return nil, errDossierNumber
	}
	ctx = g.s.requester(ctx, c, "", "tra cứu tình trạng hồ sơ hộ tịch "+no)
	f, src, err := g.s.get(ctx, call{path: natdb.PathRegistrationStatus, query: query("soHoSo", no), cache: noCache})
	if err != nil {
		return nil, toAPI(err)
	}
	var rec natdb.RegistrationStatus
	if err := decode(f, &rec); err != nil {
		return nil, toAPI(err)
	}
	return &pb.GetCivilRegistrationStatusResponse{Status: registrationStatus(rec), Answer: answer(f, src)}, nil
}

func (g *grpcServer) SubmitJudicialRequest(ctx context.Context, req *pb.SubmitJudicialRequestRequest) (*pb.SubmitJudicialRequestResponse, error) {
	c, err := asCaller(ctx, "SubmitJudicialRequest")
	if err != nil {
		return nil, err
	}
	rid := strings.TrimSpace(req.GetRequestId())
	if !idemRe.MatchString(rid) {
		return nil, errRequestID
	}
	id, err := g.citizenID(req.GetCitizenId())
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(req.GetFullName())
	if name == "" || !text(name, 200) {
		return nil, errFullName
	}
	dob, t, ok := nationalDate(strings.TrimSpace(req.GetBirthDate()))
	if !ok || t.After(g.s.now()) {
		return nil, errBirthDate
	}
	kind := int(req.GetCertificateType())
	if kind != natdb.CertificateKind1 && kind != natdb.CertificateKind2 {
		return nil, errCertificateType
	}
	phone := strings.TrimSpace(req.GetPhone())
	if phone != "" && !phoneRe.MatchString(phone) {
		return nil, errPhone
	}
	addr := strings.TrimSpace(req.GetDeliveryAddress())
	if !text(addr, 300) {
		return nil, errAddress
	}
	p := purpose{req.GetLegalBasis(), req.GetCaseRef(), req.GetOfficerId()}
	body := natdb.CertificateRequest{MaYeuCau: rid, SoDinhDanh: id, HoVaTen: name, NgaySinh: dob, LoaiPhieu: kind,
		MucDich: strings.TrimSpace(p.legalBasis) + " | " + strings.TrimSpace(p.caseRef), SoDienThoai: phone, DiaChiNhan: addr}
	f, src, err := g.s.personal(ctx, c, apiJudicial, subject{subjectCitizen, id}, p, func(ctx context.Context) (fetched, pb.Source, error) {
		nat := g.s.client()
		if nat == nil {
			return fetched{}, 0, errNotConfigured
		}
		resp, err := nat.Post(ctx, natdb.PathCertificateRequest, body)
		countLookup(natdb.PathCertificateRequest, pb.Source_SOURCE_NATIONAL, err)
		if err != nil {
			return fetched{}, 0, err
		}
		return fetched{data: resp.Data, incomplete: resp.Incomplete, at: g.s.now(), requestID: resp.RequestID}, pb.Source_SOURCE_NATIONAL, nil
	})
	if err != nil {
		return nil, toAPI(err)
	}
	var rec natdb.CertificateReceipt
	if err := decode(f, &rec); err != nil {
		return nil, toAPI(err)
	}
	return &pb.SubmitJudicialRequestResponse{Request: certificateReceipt(rec), Answer: answer(f, src)}, nil
}

func (g *grpcServer) GetJudicialRequest(ctx context.Context, req *pb.GetJudicialRequestRequest) (*pb.GetJudicialRequestResponse, error) {
	c, err := asCaller(ctx, "GetJudicialRequest")
	if err != nil {
		return nil, err
	}
	no := strings.ToUpper(strings.TrimSpace(req.GetReceiptNumber()))
	if !receiptRe.MatchString(no) {
		return nil, errReceiptNumber
	}
	ctx = g.s.requester(ctx, c, "", "theo dõi yêu cầu cấp phiếu lý lịch tư pháp "+no)
	f, src, err := g.s.get(ctx, call{path: natdb.PathCertificateStatus, query: query("soBienNhan", no), cache: noCache})
	if err != nil {
		return nil, toAPI(err)
	}
	var rec natdb.CertificateStatus
	if err := decode(f, &rec); err != nil {
		return nil, toAPI(err)
	}
	return &pb.GetJudicialRequestResponse{Request: certificateStatus(rec), Answer: answer(f, src)}, nil
}

func (g *grpcServer) GetInsuranceHistory(ctx context.Context, req *pb.GetInsuranceHistoryRequest) (*pb.GetInsuranceHistoryResponse, error) {
	c, err := asCaller(ctx, "GetInsuranceHistory")
	if err != nil {
		return nil, err
	}
	no := strings.TrimSpace(req.GetInsuranceNumber())
	if !vnid.Insurance(no) {
		return nil, errInsuranceNumber
	}
	p := purpose{req.GetLegalBasis(), req.GetCaseRef(), req.GetOfficerId()}
	f, src, err := g.s.personal(ctx, c, apiInsurance, subject{subjectInsurance, no}, p, func(ctx context.Context) (fetched, pb.Source, error) {
		return g.s.get(ctx, call{path: natdb.PathInsurance, query: query("maSoBHXH", no), cache: g.s.insurance})
	})
	if err != nil {
		return nil, toAPI(err)
	}
	var rec natdb.InsuranceHistory
	if err := decode(f, &rec); err != nil {
		return nil, toAPI(err)
	}
	return &pb.GetInsuranceHistoryResponse{History: insuranceHistory(rec), Answer: answer(f, src)}, nil
}

func (g *grpcServer) ListCatalogs(ctx context.Context, _ *pb.ListCatalogsRequest) (*pb.ListCatalogsResponse, error) {
	if _, err := asCaller(ctx, "ListCatalogs"); err != nil {
		return nil, err
	}
	f, src, err := g.s.get(ctx, call{path: natdb.PathAllCategory, query: url.Values{}, cache: g.s.catalogs, stale: true})
	if err != nil {
		return nil, toAPI(err)
	}
	var list []natdb.CatalogInfo
	if err := decode(f, &list); err != nil {
		return nil, toAPI(err)
	}
	out := &pb.ListCatalogsResponse{Answer: answer(f, src)}
	for _, c := range list {
		out.Catalogs = append(out.Catalogs, catalogInfo(c))
	}
	return out, nil
}

func (g *grpcServer) GetCatalog(ctx context.Context, req *pb.GetCatalogRequest) (*pb.GetCatalogResponse, error) {
	if _, err := asCaller(ctx, "GetCatalog"); err != nil {
		return nil, err
	}
	code := strings.ToUpper(strings.TrimSpace(req.GetCode()))
	if !catalogRe.MatchString(code) {
		return nil, errCatalogCode
	}
	f, src, err := g.s.get(ctx, call{path: natdb.PathCategory, query: query("ma", code), cache: g.s.catalogs, stale: true})
	if err != nil {
		return nil, toAPI(err)
	}
	var cat natdb.Catalog
	if err := decode(f, &cat); err != nil {
		return nil, toAPI(err)
	}
	out := &pb.GetCatalogResponse{Info: catalogInfo(cat.CatalogInfo), Answer: answer(f, src)}
	for _, it := range cat.DanhSach {
		out.Items = append(out.Items, catalogItem(it))
	}
	return out, nil
}

func (g *grpcServer) GetStatus(ctx context.Context, _ *pb.GetStatusRequest) (*pb.GetStatusResponse, error) {
	if err := asAuditor(ctx, "GetStatus"); err != nil {
		return nil, err
	}
	out := &pb.GetStatusResponse{CachedCatalogs: int32(g.s.catalogs.len())}
	if nat := g.s.client(); nat != nil {
		out.Configured, out.Breaker, out.TokenRequests = true, nat.BreakerState(), nat.TokenRequests()
	}
	return out, nil
}

// warmCatalogs reads the catalog list and each catalog from NGSP into the
// cache.
func (s *Service) warmCatalogs(ctx context.Context) error {
	nat := s.client()
	if nat == nil {
		return nil
	}
	ctx = ngsp.WithHeaders(ctx, ngspHeaders(s.cfg.ProvinceAgency, "lgsp-adapters", "làm mới danh mục dùng chung"))
	list, err := nat.Get(ctx, natdb.PathAllCategory, nil)
	if err != nil {
		return err
	}
	var infos []natdb.CatalogInfo
	if err := list.Decode(&infos); err != nil {
		return err
	}
	s.catalogs.put(natdb.PathAllCategory+"?", fetched{data: list.Data, at: s.now(), requestID: list.RequestID, memo: &memo{}})
	if err := s.announceCatalogs(ctx, infos); err != nil {
		s.log.WarnContext(ctx, "catalog versions not announced; next round tries again", "err", err)
	}
	for _, c := range infos {
		q := query("ma", c.Ma)
		resp, err := nat.Get(ctx, natdb.PathCategory, q)
		if err != nil {
			return err
		}
		if !resp.Incomplete {
			s.catalogs.put(natdb.PathCategory+"?"+q.Encode(), fetched{data: resp.Data, at: s.now(), requestID: resp.RequestID, memo: &memo{}})
		}
	}
	return nil
}
