package onestop

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

// The portal's wire items, built in the transaction of each change from
// the dossier as it is then, so that the portal receives every committed
// state in order even when later changes were made before the first was
// sent.

// enqueueDossier queues DongBoHoSoMC with the dossier's state.
func (s *Service) enqueueDossier(ctx context.Context, tx *sql.Tx, d *dossier, now time.Time) error {
	h := hoSo(d)
	h.PhienBan = d.SyncVersion + 1
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return s.st.enqueueSync(ctx, tx, d, dvcqg.CallDongBoHoSoMC, raw, now)
}

// enqueueProgress queues CapNhatTienDoHoSoMC for one processing step.
func (s *Service) enqueueProgress(ctx context.Context, tx *sql.Tx, d *dossier, a actor, content string, at, now time.Time) error {
	t := dvcqg.TienDo{
		MaHoSo: d.Code, NguoiXuLy: a.Name, ChucDanh: a.Title, ThoiDiemXuLy: dvcqg.FormatTime(at),
		PhongBanXuLy: a.Department, NoiDungXuLy: content, TrangThai: strconv.Itoa(d.Status),
		PhienBan: d.SyncVersion + 1,
	}
	if t.NguoiXuLy == "" {
		t.NguoiXuLy = d.Handling
	}
	raw, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return s.st.enqueueSync(ctx, tx, d, dvcqg.CallCapNhatTienDoHoSoMC, raw, now)
}

// channelWire maps our channel to HinhThuc.
var channelWire = map[int]string{1: dvcqg.ChannelCounter, 2: dvcqg.ChannelOnline, 3: dvcqg.ChannelPost}

// hoSo is the dossier as DongBoHoSoMC takes it.
func hoSo(d *dossier) dvcqg.HoSo {
	b := d.Body
	h := dvcqg.HoSo{
		MaHoSo: d.Code, MaTTHC: d.Procedure, TenTTHC: b.ProcedureName, MaLinhVuc: b.FieldCode, TenLinhVuc: b.FieldName,
		SoBienNhan: b.ReceiptNumber, ChuHoSo: b.Applicant.Name, LoaiDoiTuong: strconv.Itoa(b.Applicant.Kind),
		MaDoiTuong: b.Applicant.ID, Email: b.Applicant.Email, SoDienThoai: b.Applicant.Phone, TrichYeuHoSo: b.Summary,
		NgayTiepNhan: dvcqg.FormatTime(d.Received), NgayHenTra: dvcqg.FormatTime(d.Due),
		TrangThaiHoSo: strconv.Itoa(d.Status), NgayTra: dvcqg.FormatTime(d.Returned), HinhThuc: channelWire[b.Channel],
		NgayKetThucXuLy: dvcqg.FormatTime(d.Finished), DonViXuLy: d.Handling, GhiChu: b.Note,
	}
	if h.SoBienNhan == "" {
		h.SoBienNhan = d.Code
	}
	if h.HinhThuc == "" {
		h.HinhThuc = dvcqg.ChannelCounter
	}
	for _, x := range b.Documents {
		h.TaiLieuNop = append(h.TaiLieuNop, dvcqg.TaiLieu{TepDinhKemID: x.ID, TenTepDinhKem: x.Name})
	}
	for _, f := range b.Fees {
		h.DanhSachLePhi = append(h.DanhSachLePhi, dvcqg.LePhi{MaPhiLePhi: f.Code, TenPhiLePhi: f.Name, Gia: f.Amount, HinhThucThu: f.Method})
	}
	for _, x := range b.Supplements {
		state := "Chờ bổ sung"
		if x.ReceivedMS != 0 {
			state = "Đã bổ sung"
		}
		h.DanhSachHoSoBoSung = append(h.DanhSachHoSoBoSung, dvcqg.HoSoBoSung{
			HoSoBoSungID: x.ID, NguoiYeuCauBoSung: x.RequestedBy, NoiDungBoSung: x.Content,
			NgayBoSung: dvcqg.FormatTime(fromMS(x.RequestedMS)), NgayTiepNhanBoSung: dvcqg.FormatTime(fromMS(x.ReceivedMS)),
			TrangThaiBoSung: state, NgayHenTraTruoc: dvcqg.FormatTime(fromMS(x.DueBeforeMS)), NgayHenTraMoi: dvcqg.FormatTime(fromMS(x.DueAfterMS)),
		})
	}
	for _, r := range b.Results {
		h.DanhSachGiayToKetQua = append(h.DanhSachGiayToKetQua, dvcqg.GiayToKetQua{GiayToID: r.ID, TenGiayTo: r.Name, DuongDanTepTinKetQua: r.URL})
	}
	return h
}
