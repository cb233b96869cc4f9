package natdb

// API contexts and resources, as NGSP publishes them: /{apiContext}/{version}/{resource}.
const (
	BusinessRegistrationContext = "/apiCSDLDKDN/1.0"
	// PathBusinessDetail answers an Enterprise for msdn.
	PathBusinessDetail = BusinessRegistrationContext + "/chiTietDoanhNghiep"
	// PathBusinessSearch answers an EnterpriseSearch for ten (and maTinh, soLuong).
	PathBusinessSearch = BusinessRegistrationContext + "/timKiemDoanhNghiep"
	// PathBusinessChanges answers EnterpriseChanges for tuNgay and denNgay.
	PathBusinessChanges = BusinessRegistrationContext + "/doanhNghiepThayDoi"

	CatalogContext = "/dmdc/1.0"
	// PathAllCategory answers a list of CatalogInfo.
	PathAllCategory = CatalogContext + "/AllCategory"
	// PathCategory answers a Catalog for ma.
	PathCategory = CatalogContext + "/Category"

	PopulationContext = "/apiCSDLDC/1.0"
	// PathCitizen answers a Citizen for soDinhDanh.
	PathCitizen = PopulationContext + "/congDan"

	CivilStatusContext = "/apiHoTichTuPhap/1.0"
	// PathBirth answers a BirthRecord for soDinhDanh.
	PathBirth = CivilStatusContext + "/khaiSinh"
	// PathMarriage answers a MarriageRecord for soDinhDanh.
	PathMarriage = CivilStatusContext + "/ketHon"
	// PathDeath answers a DeathRecord for soDinhDanh.
	PathDeath = CivilStatusContext + "/khaiTu"
	// PathRegistrationStatus answers a RegistrationStatus for soHoSo.
	PathRegistrationStatus = CivilStatusContext + "/trangThaiHoSo"

	JudicialContext = "/apiLyLichTuPhap/1.0"
	// PathJudicial answers a JudicialRecord for soDinhDanh.
	PathJudicial = JudicialContext + "/tinhTrangAnTich"
	// PathCertificateRequest takes a CertificateRequest (POST) and answers
	// a CertificateReceipt.
	PathCertificateRequest = JudicialContext + "/yeuCauCapPhieu"
	// PathCertificateStatus answers a CertificateStatus for soBienNhan.
	PathCertificateStatus = JudicialContext + "/trangThaiYeuCau"

	InsuranceContext = "/apiBHXH/1.0"
	// PathInsurance answers an InsuranceHistory for maSoBHXH.
	PathInsurance = InsuranceContext + "/quaTrinhThamGia"
)
