package natdb

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// TestEveryFieldHasItsNationalName: a field without a json tag would go on
// the wire under its Go name, which no national API uses.
func TestEveryFieldHasItsNationalName(t *testing.T) {
	types := []any{
		CodeName{}, Address{}, Enterprise{}, Representative{}, EnterpriseSummary{}, EnterpriseSearch{},
		EnterpriseChange{}, EnterpriseChanges{}, CatalogInfo{}, CatalogItem{}, Catalog{}, Relative{}, Citizen{},
		BirthRecord{}, Spouse{}, MarriageRecord{}, Declarant{}, DeathRecord{}, RegistrationStatus{},
		Conviction{}, JudicialRecord{}, CertificateRequest{}, CertificateReceipt{}, CertificateStatus{},
		InsurancePeriod{}, InsuranceHistory{},
	}
	for _, v := range types {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Anonymous {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || !unicode.IsLower(rune(name[0])) || !strings.EqualFold(name, f.Name) {
				t.Errorf("%s.%s: json name %q, want the national name in lower camel case", typ.Name(), f.Name, name)
			}
		}
	}
}

func TestPathsAreUnderTheirContexts(t *testing.T) {
	for ctx, paths := range map[string][]string{
		BusinessRegistrationContext: {PathBusinessDetail, PathBusinessSearch, PathBusinessChanges},
		CatalogContext:              {PathAllCategory, PathCategory},
		PopulationContext:           {PathCitizen},
		CivilStatusContext:          {PathBirth, PathMarriage, PathDeath, PathRegistrationStatus},
		JudicialContext:             {PathJudicial, PathCertificateRequest, PathCertificateStatus},
		InsuranceContext:            {PathInsurance},
	} {
		if strings.Count(ctx, "/") != 2 || !strings.HasPrefix(ctx, "/") {
			t.Errorf("context %q is not /{apiContext}/{version}", ctx)
		}
		for _, p := range paths {
			res, ok := strings.CutPrefix(p, ctx+"/")
			if !ok || res == "" || strings.Contains(res, "/") {
				t.Errorf("path %q is not one resource under %q", p, ctx)
			}
		}
	}
}
