package onestop

import (
	"context"
	"fmt"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// DemoUnit is a one-stop unit of the dev-mode demo.
type DemoUnit struct{ Agency, Level string }

// DemoProcedures are the dev-mode demo's catalogue: procedure codes of the
// national database's form with illustrative processing times (the
// province's own catalogue, with its real times, is loaded with
// PUT /admin/v1/onestop/procedures/{code}).
var DemoProcedures = []struct {
	Code, Name, FieldCode, FieldName string
	Days                             int
}{
	{"1.000894.000.00.00.H56", "Đăng ký khai sinh", "HT", "Hộ tịch", 3},
	{"1.004227.000.00.00.H56", "Đăng ký thành lập hộ kinh doanh", "HKD", "Thành lập và hoạt động của hộ kinh doanh", 3},
	{"2.001263.000.00.00.H56", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "XD", "Hoạt động xây dựng", 15},
	{"1.001612.000.00.00.H56", "Đăng ký đất đai, cấp giấy chứng nhận quyền sử dụng đất lần đầu", "DD", "Đất đai", 30},
}

// SeedDemo loads, idempotently, the demo's units and procedures. The
// units' agencies must exist in the registry.
func (s *Service) SeedDemo(ctx context.Context, units []DemoUnit) error {
	ctx = authn.WithPrincipal(ctx, authn.Principal{Subject: "system:demo", Role: authn.RolePlatformAdmin})
	for _, u := range units {
		if err := s.putUnit(ctx, unitRow{Agency: u.Agency, Level: u.Level}); err != nil {
			return fmt.Errorf("unit %s: %w", u.Agency, err)
		}
	}
	for _, p := range DemoProcedures {
		if err := s.putProcedure(ctx, procRow{Code: p.Code, Name: p.Name, FieldCode: p.FieldCode, FieldName: p.FieldName, Days: p.Days}); err != nil {
			return fmt.Errorf("procedure %s: %w", p.Code, err)
		}
	}
	return nil
}
