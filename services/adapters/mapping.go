package adapters

import (
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// This file is the one place where the national databases' field names
// (natdb, as NGSP serves them) meet the platform's contract (adapters/v1).
// National dates (dd/MM/yyyy) become ISO dates (yyyy-MM-dd), months
// (MM/yyyy) become yyyy-MM; a value that does not parse is passed on as it
// came rather than dropped.

func isoDate(s string) string {
	if t, err := time.Parse(natdb.DateLayout, s); err == nil {
		return t.Format(time.DateOnly)
	}
	return s
}

func isoMonth(s string) string {
	if t, err := time.Parse(natdb.MonthLayout, s); err == nil {
		return t.Format("2006-01")
	}
	return s
}

// nationalDate turns an ISO or national date into the national form.
func nationalDate(s string) (string, time.Time, bool) {
	for _, layout := range []string{time.DateOnly, natdb.DateLayout} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(natdb.DateLayout), t, true
		}
	}
	return "", time.Time{}, false
}

func codeName(c natdb.CodeName) *pb.CodeName {
	if c.Ma == "" && c.Ten == "" {
		return nil
	}
	return &pb.CodeName{Code: c.Ma, Name: c.Ten}
}

func address(a *natdb.Address) *pb.Address {
	if a == nil {
		return nil
	}
	return &pb.Address{Street: a.SoNhaDuong, Ward: a.PhuongXa, Province: a.TinhThanhPho, ProvinceCode: a.MaTinh, Full: a.DiaChiDayDu}
}

func relative(r *natdb.Relative) *pb.Relative {
	if r == nil {
		return nil
	}
	return &pb.Relative{FullName: r.HoVaTen, BirthYear: r.NamSinh}
}

func enterprise(e natdb.Enterprise) *pb.Enterprise {
	out := &pb.Enterprise{
		EnterpriseCode: e.MaSoDoanhNghiep, ParentCode: e.MaSoDoanhNghiepMe, Name: e.TenDoanhNghiep,
		EnglishName: e.TenTiengAnh, ShortName: e.TenVietTat, Type: codeName(e.LoaiHinhDoanhNghiep),
		Status: codeName(e.TinhTrangHoatDong), FoundedOn: isoDate(e.NgayThanhLap), LastChangedOn: isoDate(e.NgayThayDoiGanNhat),
		ChangeCount: int32(e.LanThayDoi), HeadOffice: address(&e.DiaChiTruSo), Phone: e.DienThoai, Email: e.Email,
		Website: e.Website, CharterCapital: e.VonDieuLe, MainBusinessLine: codeName(e.NganhNgheChinh),
		RegistrationAuthority: e.CoQuanDangKy, Branches: e.ChiNhanh,
	}
	for _, r := range e.NguoiDaiDienPhapLuat {
		out.LegalRepresentatives = append(out.LegalRepresentatives, &pb.Representative{
			FullName: r.HoTen, Title: r.ChucDanh, Gender: r.GioiTinh, BirthDate: isoDate(r.NgaySinh),
			IdType: r.LoaiGiayTo, IdNumber: r.SoGiayTo,
		})
	}
	return out
}

func enterpriseSummary(e natdb.EnterpriseSummary) *pb.EnterpriseSummary {
	return &pb.EnterpriseSummary{EnterpriseCode: e.MaSoDoanhNghiep, Name: e.TenDoanhNghiep, EnglishName: e.TenTiengAnh,
		HeadOffice: e.DiaChiTruSo, ProvinceCode: e.MaTinh, Status: codeName(e.TinhTrangHoatDong)}
}

func enterpriseChange(e natdb.EnterpriseChange) *pb.EnterpriseSummary {
	return &pb.EnterpriseSummary{EnterpriseCode: e.MaSoDoanhNghiep, Name: e.TenDoanhNghiep, ProvinceCode: e.MaTinh,
		Status: codeName(e.TinhTrangHoatDong), LastChangedOn: isoDate(e.NgayThayDoiGanNhat)}
}

// citizen maps a population record. The population database's real API
// is not public; its field names follow the conventions of the other
// national databases, and this function is the only place they are read.
func citizen(c natdb.Citizen) *pb.Citizen {
	return &pb.Citizen{
		CitizenId: c.SoDinhDanh, FormerIdNumber: c.SoCMND, FullName: c.HoVaTen, BirthDate: isoDate(c.NgaySinh),
		Gender: codeName(c.GioiTinh), Ethnicity: codeName(c.DanToc), Religion: c.TonGiao, Nationality: codeName(c.QuocTich),
		Hometown: address(c.QueQuan), PermanentResidence: address(c.NoiThuongTru), CurrentResidence: address(c.NoiOHienTai),
		MaritalStatus: c.TinhTrangHonNhan, Father: relative(c.Cha), Mother: relative(c.Me), Spouse: relative(c.VoChong),
	}
}

func registration(number, book, on, authority, kind string) *pb.CivilRegistration {
	return &pb.CivilRegistration{Number: number, Book: book, RegisteredOn: isoDate(on), Authority: authority, Kind: kind}
}

func birthRecord(b natdb.BirthRecord) *pb.BirthRecord {
	return &pb.BirthRecord{
		CitizenId: b.SoDinhDanh, FullName: b.HoVaTen, BirthDate: isoDate(b.NgaySinh), Gender: codeName(b.GioiTinh),
		Ethnicity: codeName(b.DanToc), Nationality: codeName(b.QuocTich), BirthPlace: b.NoiSinh, Hometown: b.QueQuan,
		Father: relative(b.Cha), Mother: relative(b.Me),
		Registration: registration(b.SoDangKy, b.QuyenSo, b.NgayDangKy, b.CoQuanDangKy, b.LoaiDangKy),
	}
}

func spouse(s natdb.Spouse) *pb.Spouse {
	return &pb.Spouse{CitizenId: s.SoDinhDanh, FullName: s.HoVaTen, BirthDate: isoDate(s.NgaySinh),
		Nationality: codeName(s.QuocTich), Residence: s.NoiCuTru}
}

func marriageRecord(m natdb.MarriageRecord) *pb.MarriageRecord {
	return &pb.MarriageRecord{Husband: spouse(m.Chong), Wife: spouse(m.Vo),
		Registration: registration(m.SoDangKy, m.QuyenSo, m.NgayDangKy, m.NoiDangKy, m.LoaiDangKy), Status: m.TinhTrang.Ten}
}

func deathRecord(d natdb.DeathRecord) *pb.DeathRecord {
	return &pb.DeathRecord{CitizenId: d.SoDinhDanh, FullName: d.HoVaTen, BirthDate: isoDate(d.NgaySinh),
		DiedOn: isoDate(d.NgayMat), PlaceOfDeath: d.NoiMat, Cause: d.NguyenNhan, Declarant: d.NguoiDiKhai.HoVaTen,
		Registration: registration(d.SoDangKy, d.QuyenSo, d.NgayDangKy, d.NoiDangKy, d.LoaiDangKy)}
}

func registrationStatus(r natdb.RegistrationStatus) *pb.CivilRegistrationStatus {
	updated := r.NgayTraKetQua
	return &pb.CivilRegistrationStatus{DossierNumber: r.SoHoSo, Kind: r.LoaiHoSo.Ten, Status: codeName(r.TrangThai),
		ReceivedOn: isoDate(r.NgayTiepNhan), DueOn: isoDate(r.NgayHenTra), Authority: r.CoQuanXuLy, UpdatedOn: isoDate(updated)}
}

func certificateReceipt(r natdb.CertificateReceipt) *pb.JudicialRequest {
	return &pb.JudicialRequest{RequestId: r.MaYeuCau, ReceiptNumber: r.SoBienNhan, Status: codeName(r.TrangThai),
		ReceivedOn: isoDate(r.NgayTiepNhan), DueOn: isoDate(r.NgayHenTra)}
}

func certificateStatus(r natdb.CertificateStatus) *pb.JudicialRequest {
	return &pb.JudicialRequest{RequestId: r.MaYeuCau, ReceiptNumber: r.SoBienNhan, Status: codeName(r.TrangThai),
		ReceivedOn: isoDate(r.NgayTiepNhan), DueOn: isoDate(r.NgayHenTra), UpdatedOn: isoDate(r.NgayCapNhat)}
}

func insuranceHistory(h natdb.InsuranceHistory) *pb.InsuranceHistory {
	out := &pb.InsuranceHistory{InsuranceNumber: h.MaSoBHXH, FullName: h.HoVaTen, BirthDate: isoDate(h.NgaySinh),
		Gender: codeName(h.GioiTinh), TotalMonths: int32(h.TongSoThang), UpdatedOn: isoDate(h.NgayCapNhat)}
	for _, p := range h.QuaTrinh {
		out.Periods = append(out.Periods, &pb.InsurancePeriod{FromMonth: isoMonth(p.TuThang), ToMonth: isoMonth(p.DenThang),
			Employer: p.DonVi, EmployerCode: p.MaDonVi, Position: p.ChucVu, Salary: p.MucLuong, InsuranceKind: p.LoaiBaoHiem})
	}
	return out
}

func catalogInfo(c natdb.CatalogInfo) *pb.CatalogInfo {
	return &pb.CatalogInfo{Code: c.Ma, Name: c.Ten, Version: c.PhienBan, EffectiveOn: isoDate(c.NgayHieuLuc), Size: int32(c.SoPhanTu)}
}

func catalogItem(i natdb.CatalogItem) *pb.CatalogItem {
	out := &pb.CatalogItem{Code: i.Ma, Name: i.Ten, Level: i.Cap}
	for _, m := range i.SapNhapTu {
		out.MergedFrom = append(out.MergedFrom, codeName(m))
	}
	return out
}
