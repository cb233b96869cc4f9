package ngsp

import (
	"slices"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
)

// Province is one of the 34 provincial units in force since 12 June 2025
// (Nghị quyết 202/2025/QH15). Each merged unit kept the code of the province
// that hosts its seat; the codes follow the 2025 administrative-unit list
// (unverified against the final official catalog, so treat them as data,
// not as logic).
type province struct {
	code   string
	name   string // full name as addresses write it
	city   bool   // centrally-run city
	merged []natdb.CodeName
}

var provinces = []province{
	{code: "01", name: "Thành phố Hà Nội", city: true},
	{code: "04", name: "Tỉnh Cao Bằng"},
	{code: "08", name: "Tỉnh Tuyên Quang", merged: []natdb.CodeName{cn("08", "Tỉnh Tuyên Quang"), cn("02", "Tỉnh Hà Giang")}},
	{code: "11", name: "Tỉnh Điện Biên"},
	{code: "12", name: "Tỉnh Lai Châu"},
	{code: "14", name: "Tỉnh Sơn La"},
	{code: "15", name: "Tỉnh Lào Cai", merged: []natdb.CodeName{cn("10", "Tỉnh Lào Cai"), cn("15", "Tỉnh Yên Bái")}},
	{code: "19", name: "Tỉnh Thái Nguyên", merged: []natdb.CodeName{cn("19", "Tỉnh Thái Nguyên"), cn("06", "Tỉnh Bắc Kạn")}},
	{code: "20", name: "Tỉnh Lạng Sơn"},
	{code: "22", name: "Tỉnh Quảng Ninh"},
	{code: "24", name: "Tỉnh Bắc Ninh", merged: []natdb.CodeName{cn("27", "Tỉnh Bắc Ninh"), cn("24", "Tỉnh Bắc Giang")}},
	{code: "25", name: "Tỉnh Phú Thọ", merged: []natdb.CodeName{cn("25", "Tỉnh Phú Thọ"), cn("26", "Tỉnh Vĩnh Phúc"), cn("17", "Tỉnh Hòa Bình")}},
	{code: "31", name: "Thành phố Hải Phòng", city: true, merged: []natdb.CodeName{cn("31", "Thành phố Hải Phòng"), cn("30", "Tỉnh Hải Dương")}},
	{code: "33", name: "Tỉnh Hưng Yên", merged: []natdb.CodeName{cn("33", "Tỉnh Hưng Yên"), cn("34", "Tỉnh Thái Bình")}},
	{code: "37", name: "Tỉnh Ninh Bình", merged: []natdb.CodeName{cn("37", "Tỉnh Ninh Bình"), cn("35", "Tỉnh Hà Nam"), cn("36", "Tỉnh Nam Định")}},
	{code: "38", name: "Tỉnh Thanh Hóa"},
	{code: "40", name: "Tỉnh Nghệ An"},
	{code: "42", name: "Tỉnh Hà Tĩnh"},
	{code: "44", name: "Tỉnh Quảng Trị", merged: []natdb.CodeName{cn("45", "Tỉnh Quảng Trị"), cn("44", "Tỉnh Quảng Bình")}},
	{code: "46", name: "Thành phố Huế", city: true},
	{code: "48", name: "Thành phố Đà Nẵng", city: true, merged: []natdb.CodeName{cn("48", "Thành phố Đà Nẵng"), cn("49", "Tỉnh Quảng Nam")}},
	{code: "51", name: "Tỉnh Quảng Ngãi", merged: []natdb.CodeName{cn("51", "Tỉnh Quảng Ngãi"), cn("62", "Tỉnh Kon Tum")}},
	{code: "52", name: "Tỉnh Gia Lai", merged: []natdb.CodeName{cn("64", "Tỉnh Gia Lai"), cn("52", "Tỉnh Bình Định")}},
	{code: "56", name: "Tỉnh Khánh Hòa", merged: []natdb.CodeName{cn("56", "Tỉnh Khánh Hòa"), cn("58", "Tỉnh Ninh Thuận")}},
	{code: "66", name: "Tỉnh Đắk Lắk", merged: []natdb.CodeName{cn("66", "Tỉnh Đắk Lắk"), cn("54", "Tỉnh Phú Yên")}},
	{code: "68", name: "Tỉnh Lâm Đồng", merged: []natdb.CodeName{cn("68", "Tỉnh Lâm Đồng"), cn("67", "Tỉnh Đắk Nông"), cn("60", "Tỉnh Bình Thuận")}},
	{code: "75", name: "Tỉnh Đồng Nai", merged: []natdb.CodeName{cn("75", "Tỉnh Đồng Nai"), cn("70", "Tỉnh Bình Phước")}},
	{code: "79", name: "Thành phố Hồ Chí Minh", city: true, merged: []natdb.CodeName{cn("79", "Thành phố Hồ Chí Minh"), cn("74", "Tỉnh Bình Dương"), cn("77", "Tỉnh Bà Rịa - Vũng Tàu")}},
	{code: "80", name: "Tỉnh Tây Ninh", merged: []natdb.CodeName{cn("72", "Tỉnh Tây Ninh"), cn("80", "Tỉnh Long An")}},
	{code: "82", name: "Tỉnh Đồng Tháp", merged: []natdb.CodeName{cn("87", "Tỉnh Đồng Tháp"), cn("82", "Tỉnh Tiền Giang")}},
	{code: "86", name: "Tỉnh Vĩnh Long", merged: []natdb.CodeName{cn("86", "Tỉnh Vĩnh Long"), cn("83", "Tỉnh Bến Tre"), cn("84", "Tỉnh Trà Vinh")}},
	{code: "91", name: "Tỉnh An Giang", merged: []natdb.CodeName{cn("89", "Tỉnh An Giang"), cn("91", "Tỉnh Kiên Giang")}},
	{code: "92", name: "Thành phố Cần Thơ", city: true, merged: []natdb.CodeName{cn("92", "Thành phố Cần Thơ"), cn("94", "Tỉnh Sóc Trăng"), cn("93", "Tỉnh Hậu Giang")}},
	{code: "96", name: "Tỉnh Cà Mau", merged: []natdb.CodeName{cn("96", "Tỉnh Cà Mau"), cn("95", "Tỉnh Bạc Liêu")}},
}

func provinceByCode(code string) (province, bool) {
	i := slices.IndexFunc(provinces, func(p province) bool { return p.code == code })
	if i < 0 {
		return province{}, false
	}
	return provinces[i], true
}

var (
	genderMale   = cn("1", "Nam")
	genderFemale = cn("2", "Nữ")
	nationVN     = cn("VN", "Việt Nam")
)

// Ethnic groups with the codes of the national statistics list (a subset).
var ethnicGroups = []natdb.CodeName{
	cn("01", "Kinh"), cn("02", "Tày"), cn("03", "Thái"), cn("04", "Hoa"), cn("05", "Khơ Me"),
	cn("06", "Mường"), cn("07", "Nùng"), cn("08", "Mông"), cn("09", "Dao"), cn("10", "Gia Rai"),
	cn("12", "Ê Đê"), cn("13", "Ba Na"),
}

func ethnic(code string) natdb.CodeName {
	i := slices.IndexFunc(ethnicGroups, func(c natdb.CodeName) bool { return c.Ma == code })
	return ethnicGroups[i]
}

var nationalities = []natdb.CodeName{nationVN, cn("LA", "Lào"), cn("KH", "Campuchia"), cn("CN", "Trung Quốc"), cn("KR", "Hàn Quốc"), cn("JP", "Nhật Bản")}

// Enterprise types (Luật Doanh nghiệp 2020) and activity states. The codes
// are the simulator's own; the labels are the official wording.
var (
	typeLLC1     = cn("1", "Công ty trách nhiệm hữu hạn một thành viên")
	typeLLC2     = cn("2", "Công ty trách nhiệm hữu hạn hai thành viên trở lên")
	typeJSC      = cn("3", "Công ty cổ phần")
	typePartner  = cn("4", "Công ty hợp danh")
	typePrivate  = cn("5", "Doanh nghiệp tư nhân")
	typeBranch   = cn("CN", "Chi nhánh")
	stateActive  = cn("01", "Đang hoạt động")
	statePaused  = cn("02", "Tạm ngừng kinh doanh có thời hạn")
	stateClosed  = cn("03", "Đã giải thể, phá sản, chấm dứt tồn tại")
	stateMissing = cn("04", "Không hoạt động tại địa chỉ đã đăng ký")
)

const catalogVersion = "2025.07"

// buildCatalogs assembles the shared catalogs, in AllCategory order.
func buildCatalogs() []natdb.Catalog {
	provItems := make([]natdb.CatalogItem, 0, len(provinces))
	for _, p := range provinces {
		level := "Tỉnh"
		if p.city {
			level = "Thành phố trực thuộc trung ương"
		}
		provItems = append(provItems, natdb.CatalogItem{Ma: p.code, Ten: p.name, Cap: level, SapNhapTu: p.merged})
	}
	plain := func(cs []natdb.CodeName) []natdb.CatalogItem {
		out := make([]natdb.CatalogItem, len(cs))
		for i, c := range cs {
			out[i] = natdb.CatalogItem{Ma: c.Ma, Ten: c.Ten}
		}
		return out
	}
	mk := func(ma, ten, from string, items []natdb.CatalogItem) natdb.Catalog {
		return natdb.Catalog{CatalogInfo: natdb.CatalogInfo{Ma: ma, Ten: ten, PhienBan: catalogVersion, NgayHieuLuc: from, SoPhanTu: len(items)}, DanhSach: items}
	}
	return []natdb.Catalog{
		mk("TINH", "Danh mục đơn vị hành chính cấp tỉnh", "01/07/2025", provItems),
		mk("DANTOC", "Danh mục các dân tộc Việt Nam", "01/01/2020", plain(ethnicGroups)),
		mk("GIOITINH", "Danh mục giới tính", "01/01/2020", plain([]natdb.CodeName{genderMale, genderFemale})),
		mk("QUOCTICH", "Danh mục quốc tịch", "01/01/2020", plain(nationalities)),
		mk("LOAIHINHDN", "Danh mục loại hình doanh nghiệp", "01/01/2021", plain([]natdb.CodeName{typeLLC1, typeLLC2, typeJSC, typePartner, typePrivate, typeBranch})),
		mk("TINHTRANGDN", "Danh mục tình trạng hoạt động của doanh nghiệp", "01/01/2021", plain([]natdb.CodeName{stateActive, statePaused, stateClosed, stateMissing})),
	}
}

// cn builds a catalog reference.
func cn(ma, ten string) natdb.CodeName { return natdb.CodeName{Ma: ma, Ten: ten} }
