package ngsp

import "slices"

// Province is one of the 34 provincial units in force since 12 June 2025
// (Nghị quyết 202/2025/QH15). Each merged unit kept the code of the province
// that hosts its seat; the codes follow the 2025 administrative-unit list
// (unverified against the final official catalog, so treat them as data,
// not as logic).
type province struct {
	code   string
	name   string // full name as addresses write it
	city   bool   // centrally-run city
	merged []CodeName
}

var provinces = []province{
	{code: "01", name: "Thành phố Hà Nội", city: true},
	{code: "04", name: "Tỉnh Cao Bằng"},
	{code: "08", name: "Tỉnh Tuyên Quang", merged: []CodeName{{"08", "Tỉnh Tuyên Quang"}, {"02", "Tỉnh Hà Giang"}}},
	{code: "11", name: "Tỉnh Điện Biên"},
	{code: "12", name: "Tỉnh Lai Châu"},
	{code: "14", name: "Tỉnh Sơn La"},
	{code: "15", name: "Tỉnh Lào Cai", merged: []CodeName{{"10", "Tỉnh Lào Cai"}, {"15", "Tỉnh Yên Bái"}}},
	{code: "19", name: "Tỉnh Thái Nguyên", merged: []CodeName{{"19", "Tỉnh Thái Nguyên"}, {"06", "Tỉnh Bắc Kạn"}}},
	{code: "20", name: "Tỉnh Lạng Sơn"},
	{code: "22", name: "Tỉnh Quảng Ninh"},
	{code: "24", name: "Tỉnh Bắc Ninh", merged: []CodeName{{"27", "Tỉnh Bắc Ninh"}, {"24", "Tỉnh Bắc Giang"}}},
	{code: "25", name: "Tỉnh Phú Thọ", merged: []CodeName{{"25", "Tỉnh Phú Thọ"}, {"26", "Tỉnh Vĩnh Phúc"}, {"17", "Tỉnh Hòa Bình"}}},
	{code: "31", name: "Thành phố Hải Phòng", city: true, merged: []CodeName{{"31", "Thành phố Hải Phòng"}, {"30", "Tỉnh Hải Dương"}}},
	{code: "33", name: "Tỉnh Hưng Yên", merged: []CodeName{{"33", "Tỉnh Hưng Yên"}, {"34", "Tỉnh Thái Bình"}}},
	{code: "37", name: "Tỉnh Ninh Bình", merged: []CodeName{{"37", "Tỉnh Ninh Bình"}, {"35", "Tỉnh Hà Nam"}, {"36", "Tỉnh Nam Định"}}},
	{code: "38", name: "Tỉnh Thanh Hóa"},
	{code: "40", name: "Tỉnh Nghệ An"},
	{code: "42", name: "Tỉnh Hà Tĩnh"},
	{code: "44", name: "Tỉnh Quảng Trị", merged: []CodeName{{"45", "Tỉnh Quảng Trị"}, {"44", "Tỉnh Quảng Bình"}}},
	{code: "46", name: "Thành phố Huế", city: true},
	{code: "48", name: "Thành phố Đà Nẵng", city: true, merged: []CodeName{{"48", "Thành phố Đà Nẵng"}, {"49", "Tỉnh Quảng Nam"}}},
	{code: "51", name: "Tỉnh Quảng Ngãi", merged: []CodeName{{"51", "Tỉnh Quảng Ngãi"}, {"62", "Tỉnh Kon Tum"}}},
	{code: "52", name: "Tỉnh Gia Lai", merged: []CodeName{{"64", "Tỉnh Gia Lai"}, {"52", "Tỉnh Bình Định"}}},
	{code: "56", name: "Tỉnh Khánh Hòa", merged: []CodeName{{"56", "Tỉnh Khánh Hòa"}, {"58", "Tỉnh Ninh Thuận"}}},
	{code: "66", name: "Tỉnh Đắk Lắk", merged: []CodeName{{"66", "Tỉnh Đắk Lắk"}, {"54", "Tỉnh Phú Yên"}}},
	{code: "68", name: "Tỉnh Lâm Đồng", merged: []CodeName{{"68", "Tỉnh Lâm Đồng"}, {"67", "Tỉnh Đắk Nông"}, {"60", "Tỉnh Bình Thuận"}}},
	{code: "75", name: "Tỉnh Đồng Nai", merged: []CodeName{{"75", "Tỉnh Đồng Nai"}, {"70", "Tỉnh Bình Phước"}}},
	{code: "79", name: "Thành phố Hồ Chí Minh", city: true, merged: []CodeName{{"79", "Thành phố Hồ Chí Minh"}, {"74", "Tỉnh Bình Dương"}, {"77", "Tỉnh Bà Rịa - Vũng Tàu"}}},
	{code: "80", name: "Tỉnh Tây Ninh", merged: []CodeName{{"72", "Tỉnh Tây Ninh"}, {"80", "Tỉnh Long An"}}},
	{code: "82", name: "Tỉnh Đồng Tháp", merged: []CodeName{{"87", "Tỉnh Đồng Tháp"}, {"82", "Tỉnh Tiền Giang"}}},
	{code: "86", name: "Tỉnh Vĩnh Long", merged: []CodeName{{"86", "Tỉnh Vĩnh Long"}, {"83", "Tỉnh Bến Tre"}, {"84", "Tỉnh Trà Vinh"}}},
	{code: "91", name: "Tỉnh An Giang", merged: []CodeName{{"89", "Tỉnh An Giang"}, {"91", "Tỉnh Kiên Giang"}}},
	{code: "92", name: "Thành phố Cần Thơ", city: true, merged: []CodeName{{"92", "Thành phố Cần Thơ"}, {"94", "Tỉnh Sóc Trăng"}, {"93", "Tỉnh Hậu Giang"}}},
	{code: "96", name: "Tỉnh Cà Mau", merged: []CodeName{{"96", "Tỉnh Cà Mau"}, {"95", "Tỉnh Bạc Liêu"}}},
}

func provinceByCode(code string) (province, bool) {
	i := slices.IndexFunc(provinces, func(p province) bool { return p.code == code })
	if i < 0 {
		return province{}, false
	}
	return provinces[i], true
}

var (
	genderMale   = CodeName{"1", "Nam"}
	genderFemale = CodeName{"2", "Nữ"}
	nationVN     = CodeName{"VN", "Việt Nam"}
)

// Ethnic groups with the codes of the national statistics list (a subset).
var ethnicGroups = []CodeName{
	{"01", "Kinh"}, {"02", "Tày"}, {"03", "Thái"}, {"04", "Hoa"}, {"05", "Khơ Me"},
	{"06", "Mường"}, {"07", "Nùng"}, {"08", "Mông"}, {"09", "Dao"}, {"10", "Gia Rai"},
	{"12", "Ê Đê"}, {"13", "Ba Na"},
}

func ethnic(code string) CodeName {
	i := slices.IndexFunc(ethnicGroups, func(c CodeName) bool { return c.Ma == code })
	return ethnicGroups[i]
}

var nationalities = []CodeName{nationVN, {"LA", "Lào"}, {"KH", "Campuchia"}, {"CN", "Trung Quốc"}, {"KR", "Hàn Quốc"}, {"JP", "Nhật Bản"}}

// Enterprise types (Luật Doanh nghiệp 2020) and activity states. The codes
// are the simulator's own; the labels are the official wording.
var (
	typeLLC1     = CodeName{"1", "Công ty trách nhiệm hữu hạn một thành viên"}
	typeLLC2     = CodeName{"2", "Công ty trách nhiệm hữu hạn hai thành viên trở lên"}
	typeJSC      = CodeName{"3", "Công ty cổ phần"}
	typePartner  = CodeName{"4", "Công ty hợp danh"}
	typePrivate  = CodeName{"5", "Doanh nghiệp tư nhân"}
	typeBranch   = CodeName{"CN", "Chi nhánh"}
	stateActive  = CodeName{"01", "Đang hoạt động"}
	statePaused  = CodeName{"02", "Tạm ngừng kinh doanh có thời hạn"}
	stateClosed  = CodeName{"03", "Đã giải thể, phá sản, chấm dứt tồn tại"}
	stateMissing = CodeName{"04", "Không hoạt động tại địa chỉ đã đăng ký"}
)

const catalogVersion = "2025.07"

// buildCatalogs assembles the shared catalogs, in AllCategory order.
func buildCatalogs() []Catalog {
	provItems := make([]CatalogItem, 0, len(provinces))
	for _, p := range provinces {
		level := "Tỉnh"
		if p.city {
			level = "Thành phố trực thuộc trung ương"
		}
		provItems = append(provItems, CatalogItem{Ma: p.code, Ten: p.name, Cap: level, SapNhapTu: p.merged})
	}
	plain := func(cs []CodeName) []CatalogItem {
		out := make([]CatalogItem, len(cs))
		for i, c := range cs {
			out[i] = CatalogItem{Ma: c.Ma, Ten: c.Ten}
		}
		return out
	}
	mk := func(ma, ten, from string, items []CatalogItem) Catalog {
		return Catalog{CatalogInfo: CatalogInfo{Ma: ma, Ten: ten, PhienBan: catalogVersion, NgayHieuLuc: from, SoPhanTu: len(items)}, DanhSach: items}
	}
	return []Catalog{
		mk("TINH", "Danh mục đơn vị hành chính cấp tỉnh", "01/07/2025", provItems),
		mk("DANTOC", "Danh mục các dân tộc Việt Nam", "01/01/2020", plain(ethnicGroups)),
		mk("GIOITINH", "Danh mục giới tính", "01/01/2020", plain([]CodeName{genderMale, genderFemale})),
		mk("QUOCTICH", "Danh mục quốc tịch", "01/01/2020", plain(nationalities)),
		mk("LOAIHINHDN", "Danh mục loại hình doanh nghiệp", "01/01/2021", plain([]CodeName{typeLLC1, typeLLC2, typeJSC, typePartner, typePrivate, typeBranch})),
		mk("TINHTRANGDN", "Danh mục tình trạng hoạt động của doanh nghiệp", "01/01/2021", plain([]CodeName{stateActive, statePaused, stateClosed, stateMissing})),
	}
}
