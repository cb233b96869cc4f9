package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/internal/logbuf"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// TestDevNationalData uses the national-database adapters as a department
// would, through the gateway of `lgsp dev`: the typed business lookup,
// the citizen lookup with a purpose, refused without one or without a
// subscription; then the auditor reads the access report and verifies the
// chain. Metering counts every call, and the citizen ID is in no log line
// and no file of the data directory.
func TestDevNationalData(t *testing.T) {
	start := time.Now()
	dir := t.TempDir()
	logs := &logbuf.Buffer{}
	a, stop := startDevLog(t, dir, logs)
	waitReady(t, a.Info.GatewayURL)
	waitReady(t, a.Info.AdminURL)
	if a.Info.AdaptersAPIKey == "" || a.Info.DemoCitizenID == "" {
		t.Fatalf("the adapters demo is missing: %+v", a.Info)
	}
	gw, citizen := a.Info.GatewayURL, a.Info.DemoCitizenID
	calls := int64(0)
	get := func(key, path string, want int, out any) http.Header {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, gw+path, nil)
		req.Header.Set("apikey", key)
		calls++
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, body, want)
		}
		if out != nil {
			if err := json.Unmarshal(body, out); err != nil {
				t.Fatalf("GET %s: %v in %s", path, err, body)
			}
		}
		return resp.Header
	}
	key := a.Info.AdaptersAPIKey

	var ent struct {
		Enterprise struct {
			EnterpriseCode string `json:"enterpriseCode"`
			Name           string `json:"name"`
		} `json:"enterprise"`
		Answer struct {
			Source string `json:"source"`
		} `json:"answer"`
	}
	get(key, "/ngsp-business/v1/enterprises/"+a.Info.DemoEnterprise, http.StatusOK, &ent)
	if ent.Enterprise.EnterpriseCode != a.Info.DemoEnterprise || ent.Enterprise.Name == "" || ent.Answer.Source == "" {
		t.Fatalf("enterprise: %+v", ent)
	}
	var errBody struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		MessageVI string `json:"message_vi"`
	}
	get(key, "/ngsp-business/v1/enterprises/12345", http.StatusBadRequest, &errBody)
	if errBody.Code != "invalid_enterprise_code" || errBody.MessageVI == "" {
		t.Fatalf("bad code: %+v", errBody)
	}

	var cit struct {
		Citizen struct {
			CitizenID string `json:"citizenId"`
			FullName  string `json:"fullName"`
		} `json:"citizen"`
	}
	purpose := "?legalBasis=Lu%E1%BA%ADt+C%C6%B0+tr%C3%BA+2020&caseRef=000.00.14.H56-261130-0001&officerId=cb-07"
	get(key, "/ngsp-population/v1/citizens/"+citizen+purpose, http.StatusOK, &cit)
	if cit.Citizen.CitizenID != citizen || cit.Citizen.FullName == "" {
		t.Fatalf("citizen: %+v", cit)
	}
	get(key, "/ngsp-population/v1/citizens/"+citizen, http.StatusBadRequest, &errBody)
	if errBody.Code != "purpose_required" || errBody.Message == "" || errBody.MessageVI == "" {
		t.Fatalf("no purpose: %+v", errBody)
	}
	// An application not subscribed to the population API is refused by
	// the gateway before the adapters see it.
	other := registry.OneStopDemoAPIKey(registry.OneStopDemoAgencies[0].Code)
	get(other, "/ngsp-population/v1/citizens/"+citizen+purpose, http.StatusForbidden, nil)
	// The catalog list answers with and without a trailing slash.
	for _, path := range []string{"/ngsp-catalogs/v1", "/ngsp-catalogs/v1/"} {
		var cats struct {
			Catalogs []struct {
				Code string `json:"code"`
			} `json:"catalogs"`
		}
		get(key, path, http.StatusOK, &cats)
		if len(cats.Catalogs) == 0 || cats.Catalogs[0].Code == "" {
			t.Fatalf("%s: %+v", path, cats)
		}
	}
	// Paths the API does not declare are refused too.
	get(key, "/ngsp-population/v1/citizens/"+citizen+"/extra", http.StatusNotFound, nil)

	// The auditor sees who looked the citizen up, when and why.
	login, _ := http.NewRequest(http.MethodPost, a.Info.AdminURL+"/admin/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"username":"auditor","password":%q}`, a.Info.AuditorPassword)))
	var session struct {
		SessionToken string `json:"sessionToken"`
	}
	doJSON(t, login, http.StatusOK, &session)
	admin := func(method, path string, want int, out any) {
		t.Helper()
		req, _ := http.NewRequest(method, a.Info.AdminURL+path, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+session.SessionToken)
		doJSON(t, req, want, out)
	}
	var report struct {
		Entries []struct {
			Agency     string `json:"agency"`
			OfficerID  string `json:"officerId"`
			API        string `json:"api"`
			LegalBasis string `json:"legalBasis"`
			CaseRef    string `json:"caseRef"`
			Result     string `json:"result"`
		} `json:"entries"`
	}
	admin(http.MethodGet, "/admin/v1/adapters/access-report?subjectKind=SUBJECT_KIND_CITIZEN_ID&subject="+citizen, http.StatusOK, &report)
	if len(report.Entries) != 2 {
		t.Fatalf("access report: %+v", report)
	}
	refused, found := report.Entries[0], report.Entries[1]
	if found.Result != "found" || found.Agency != registry.AdaptersDemoAgency.Code || found.OfficerID != "cb-07" ||
		found.LegalBasis != "Luật Cư trú 2020" || found.CaseRef != "000.00.14.H56-261130-0001" || found.API != "population.GetCitizen" {
		t.Fatalf("found entry: %+v", found)
	}
	if refused.Result != "refused" {
		t.Fatalf("refused entry: %+v", refused)
	}
	req, _ := http.NewRequest(http.MethodGet, a.Info.AdminURL+"/admin/v1/adapters/access-report.csv?subjectKind=SUBJECT_KIND_CITIZEN_ID&subject="+citizen, nil)
	req.Header.Set("Authorization", "Bearer "+session.SessionToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(csv), "Luật Cư trú 2020,000.00.14.H56-261130-0001,found") {
		t.Fatalf("CSV: %d %s", resp.StatusCode, csv)
	}
	var verify struct {
		OK      bool   `json:"ok"`
		Entries string `json:"entries"`
	}
	admin(http.MethodPost, "/admin/v1/adapters/access-log/verify", http.StatusOK, &verify)
	if !verify.OK || verify.Entries != "2" {
		t.Fatalf("verify: %+v", verify)
	}
	// A department's own credential does not open the report.
	req, _ = http.NewRequest(http.MethodGet, a.Info.AdminURL+"/admin/v1/adapters/access-report?subjectKind=SUBJECT_KIND_CITIZEN_ID&subject="+citizen, nil)
	req.Header.Set("apikey", key)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("report with a department key: %v %v", resp, err)
	}

	if total := meteredCalls(t, a, a.Info.AdminPassword, start, calls); total != calls {
		t.Fatalf("metering counted %d calls, the test made %d through the gateway", total, calls)
	}

	// The citizen's ID is in no log line, and in no file the platform
	// wrote, once it has stopped and flushed everything.
	stop()
	if strings.Contains(logs.String(), citizen) {
		t.Fatalf("a log line holds the citizen ID")
	}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(citizen)) {
			t.Errorf("%s holds the citizen ID in plain text", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
