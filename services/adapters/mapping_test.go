package adapters

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n%s", name, got)
	}
}

// TestMappingGolden: the national records of the simulator's demo people
// and enterprise, as NGSP serves them (natdb JSON), and what the platform
// answers for them (adapters/v1 JSON), both kept as golden files, so that
// a change of either side of the one mapping shows in review.
func TestMappingGolden(t *testing.T) {
	// The simulator's clock is fixed: some of its records change with it.
	fixed := func() time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) }
	e := newEnv(t, sqltest.Open(t, "sqlite"), func(_ *Config, s *sim.Config) { s.Clock = fixed })
	d := e.demo
	ctx := dept()
	marshal := protojson.MarshalOptions{Multiline: true, Indent: "  ", EmitUnpopulated: true}
	for _, c := range []struct {
		name string
		call func() (proto.Message, error)
	}{
		{"enterprise", func() (proto.Message, error) {
			r, err := e.api.GetEnterprise(ctx, &pb.GetEnterpriseRequest{EnterpriseCode: d.MSDN})
			return r.GetEnterprise(), err
		}},
		{"citizen", func() (proto.Message, error) {
			r, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			return r.GetCitizen(), err
		}},
		{"birth", func() (proto.Message, error) {
			r, err := e.api.GetBirthRecord(ctx, &pb.GetBirthRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			return r.GetRecord(), err
		}},
		{"marriage", func() (proto.Message, error) {
			r, err := e.api.GetMarriageRecord(ctx, &pb.GetMarriageRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			return r.GetRecord(), err
		}},
		{"death", func() (proto.Message, error) {
			r, err := e.api.GetDeathRecord(ctx, &pb.GetDeathRecordRequest{CitizenId: d.DeceasedSoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			return r.GetRecord(), err
		}},
		{"insurance", func() (proto.Message, error) {
			r, err := e.api.GetInsuranceHistory(ctx, &pb.GetInsuranceHistoryRequest{InsuranceNumber: d.MaSoBHXH, LegalBasis: basis, CaseRef: caseRef})
			return r.GetHistory(), err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := c.call()
			if err != nil {
				t.Fatal(err)
			}
			b, err := marshal.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			// protojson's spacing is not stable by design: compact it.
			var buf bytes.Buffer
			if err := json.Indent(&buf, compact(t, b), "", "  "); err != nil {
				t.Fatal(err)
			}
			golden(t, c.name+".json", append(buf.Bytes(), '\n'))
		})
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzMapping: whatever JSON NGSP sends as a record, decoding and mapping
// it never panics, and dates that parse come out as ISO dates.
func FuzzMapping(f *testing.F) {
	for _, s := range []string{
		`{"maSoDoanhNghiep":"0101234567","ngayThanhLap":"03/09/2007","nguoiDaiDienPhapLuat":[{"hoTen":"A","ngaySinh":"01/01/1980"}]}`,
		`{"soDinhDanh":"001085736253","ngaySinh":"02/04/1985","queQuan":null,"cha":{"hoVaTen":"B"}}`,
		`{"quaTrinh":[{"tuThang":"01/2020","denThang":""}]}`, `null`, `[]`, `{"ngaySinh":31}`, `{"ngaySinh":"31/02/1990"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fe := fetched{data: data}
		var ent natdb.Enterprise
		if decode(fe, &ent) == nil {
			out := enterprise(ent)
			if d := out.GetFoundedOn(); d != ent.NgayThanhLap {
				if _, err := time.Parse(time.DateOnly, d); err != nil {
					t.Fatalf("foundedOn %q from %q", d, ent.NgayThanhLap)
				}
			}
		}
		var c natdb.Citizen
		if decode(fe, &c) == nil {
			_ = citizen(c)
		}
		var h natdb.InsuranceHistory
		if decode(fe, &h) == nil {
			_ = insuranceHistory(h)
		}
		var m natdb.MarriageRecord
		if decode(fe, &m) == nil {
			_ = marriageRecord(m)
		}
		var cat natdb.Catalog
		if decode(fe, &cat) == nil {
			for _, it := range cat.DanhSach {
				_ = catalogItem(it)
			}
		}
	})
}
