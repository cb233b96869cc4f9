package vdxp

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
)

// agencyRow is one agency the simulator plays itself: code, parent code and
// name. The names are illustrative, not the official table of
// QĐ 20/2020/QĐ-TTg. The agencies of the national SDK's sample packages
// (fixtures/edxml) keep the names those packages give them, odd as some
// are, so that a sample and the directory agree; a test proves every code
// of the samples is here.
type agencyRow struct{ code, parent, name string }

var agencyRows = []agencyRow{
	// Central bodies.
	{"000.00.00.G01", "", "Văn phòng Quốc hội"},
	{"000.00.00.G02", "", "Văn phòng Chủ tịch nước"},
	{"000.00.00.G03", "", "Bộ Công an"},
	{"000.00.00.G04", "", "Bộ Ngoại giao"},
	{"000.00.00.G05", "", "Bộ Tư pháp"},
	{"000.00.00.G06", "", "Bộ Tài chính"},
	{"000.00.00.G07", "", "Bộ Công Thương"},
	{"000.00.00.G08", "", "Bộ Nông nghiệp và Môi trường"},
	{"000.00.00.G09", "", "Bộ Xây dựng"},
	{"000.00.00.G10", "", "Bộ Nội vụ"},
	{"000.00.00.G11", "", "Bộ Giáo dục và Đào tạo"},
	{"000.00.00.G12", "", "Bộ Y tế"},
	{"000.00.00.G13", "", "Bộ Khoa học và Công nghệ"},
	{"000.00.00.G14", "", "Bộ Văn hóa, Thể thao và Du lịch"},
	{"000.00.00.G15", "", "Thanh tra Chính phủ"},
	{"000.00.00.G16", "", "Ngân hàng Nhà nước Việt Nam"},
	{"000.00.00.G17", "", "Sở Thông tin và Truyền thông Hải Phòng"}, // as the SDK samples name it
	{"000.00.00.G18", "", "Bộ Dân tộc và Tôn giáo"},
	{"000.00.00.G19", "", "Bộ Quốc phòng"},
	{"000.00.00.G22", "", "Văn phòng Chính phủ"},
	{"01.02.G22", "000.00.00.G22", "Trung tâm Tin học, Văn phòng Chính phủ"}, // short code of the SDK samples
	{"000.00.00.G23", "", "Bảo hiểm xã hội Việt Nam"},
	{"000.00.00.G24", "", "Đài Truyền hình Việt Nam"},
	{"000.00.00.G25", "", "Thông tấn xã Việt Nam"},
	{"000.00.00.G26", "", "Viện Hàn lâm Khoa học và Công nghệ Việt Nam"},

	// Other provinces and their bodies.
	{"000.00.00.H01", "", "UBND thành phố Hà Nội"},
	{"000.00.01.H01", "000.00.00.H01", "Văn phòng UBND thành phố Hà Nội"},
	{"000.00.00.H14", "", "UBND tỉnh Cao Bằng"},
	{"002.00.20.H13", "", "UBND xã Hòa Tiến, huyện Hòa Vang, thành phố Đà Nẵng"}, // as the SDK samples name it
	{"28.22.H17", "", "UBND xã Hòa Sơn, huyện Hòa Vang, thành phố Đà Nẵng"},      // short code of the SDK samples
	{"000.00.00.H29", "", "UBND Thành phố Hồ Chí Minh"},
	{"000.00.01.H29", "000.00.00.H29", "Văn phòng UBND Thành phố Hồ Chí Minh"},
	{"000.00.00.H31", "", "UBND thành phố Hải Phòng"},
	{"000.00.03.H31", "000.00.00.H31", "Sở Tài chính thành phố Hải Phòng"},
	{"000.00.00.H32", "", "UBND thành phố Huế"},
	{"000.00.00.H33", "", "UBND thành phố Cần Thơ"},
	{"000.00.00.H35", "", "UBND tỉnh Quảng Ninh"},
	{"000.00.00.H37", "", "UBND tỉnh Thanh Hóa"},
	{"000.00.00.H40", "", "UBND tỉnh Hà Tĩnh"},
	{"000.00.00.H41", "", "UBND tỉnh Nghệ An"},
	{"000.00.01.H41", "000.00.00.H41", "Văn phòng UBND tỉnh Nghệ An"},
	{"000.00.02.H41", "000.00.00.H41", "Sở Nội vụ tỉnh Nghệ An"},
	{"000.00.00.H42", "", "UBND tỉnh Quảng Trị"},
	{"000.00.00.H45", "", "UBND tỉnh Khánh Hòa"},
	{"000.00.00.H46", "", "UBND tỉnh Gia Lai"},
	{"000.00.00.H48", "", "UBND tỉnh Đắk Lắk"},
	{"000.00.00.H49", "", "UBND tỉnh Lâm Đồng"},
	{"000.00.00.H50", "", "UBND tỉnh Đồng Nai"},
	{"000.00.15.H51", "", "Trung tâm kiểm thử liên thông văn bản"}, // a test centre in the SDK samples
	{"000.00.00.H52", "", "UBND tỉnh Tây Ninh"},
	{"000.00.00.H54", "", "UBND tỉnh An Giang"},
	{"000.00.00.H56", "", "UBND tỉnh Cà Mau"},
	{"000.00.00.H57", "", "UBND tỉnh Vĩnh Long"},
	{"000.00.00.H58", "", "UBND tỉnh Đồng Tháp"},
	// Appears only in a commented-out block of a sample; kept so that every
	// code the samples spell is known.
	{"001.00.20.JB2", "", "Đơn vị thử nghiệm của bộ mẫu SDK"},
}

// directory is the simulator's own agencies, immutable once built.
type directory struct {
	list   []wire.Agency
	byCode map[string]int
}

func newDirectory() *directory {
	d := &directory{list: make([]wire.Agency, 0, len(agencyRows)), byCode: make(map[string]int, len(agencyRows))}
	for _, r := range agencyRows {
		sum := sha256.Sum256([]byte("vdxp-sim-agency:" + r.code))
		d.byCode[r.code] = len(d.list)
		d.list = append(d.list, wire.Agency{
			ID:    hex.EncodeToString(sum[:12]), // shaped like the axis's 24-digit ids
			Code:  r.code,
			PCode: r.parent,
			Name:  r.name,
		})
	}
	return d
}

func (d *directory) has(code string) bool {
	_, ok := d.byCode[code]
	return ok
}

func (d *directory) get(code string) (wire.Agency, bool) {
	i, ok := d.byCode[code]
	if !ok {
		return wire.Agency{}, false
	}
	return d.list[i], true
}

func (d *directory) all() []wire.Agency { return slices.Clone(d.list) }

// Directory returns the simulator's agency directory, the same in every
// run: what getAgenciesList answers.
func Directory() []wire.Agency { return newDirectory().all() }
