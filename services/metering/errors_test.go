package metering

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// Errors are built in errors.go only: elsewhere the package may render
// them (apierr.WriteJSON) but not make new ones.
func TestErrorsComeFromTheCatalogue(t *testing.T) {
	builders := map[string]bool{"New": true, "Invalid": true, "NotFound": true, "Wrap": true, "Body": true,
		"ErrInternal": true, "ErrForbidden": true, "ErrUnauthenticated": true}
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		name := f.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || name == "errors.go" {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "apierr" && builders[sel.Sel.Name] {
				t.Errorf("%s: apierr.%s outside errors.go; add the error to the catalogue", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "status" && (sel.Sel.Name == "Error" || sel.Sel.Name == "Errorf")) {
				t.Errorf("%s: status.%s outside errors.go; add the error to the catalogue", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

// Codes are stable: clients act on them. Every message has both languages.
func TestErrorCatalogue(t *testing.T) {
	for code, errs := range map[string][]error{
		"unauthenticated":         {errUnauthenticated},
		"forbidden":               {errForbidden},
		"registry_unavailable":    {errRegistryUnavailable},
		"missing_start_time":      {errMissingStartTime},
		"missing_end_time":        {errMissingEndTime},
		"invalid_start_time":      {errBadStartTime, errInvalidTime("start_time", "invalid_start_time", "x", time.UTC)},
		"invalid_end_time":        {errBadEndTime},
		"empty_time_range":        {errEmptyTimeRange},
		"missing_granularity":     {errMissingGranularity},
		"invalid_granularity":     {errInvalidEnum("granularity", "invalid_granularity", "weekly", "GRANULARITY_", []string{"day"})},
		"invalid_status_class":    {errInvalidStatusClass},
		"too_many_filter_values":  {errTooManyAgencyCodes, errTooManyFilterValues("filter.api_ids", 500)},
		"invalid_perspective":     {errInvalidPerspective},
		"invalid_year":            {errInvalidYear},
		"invalid_page_token":      {errInvalidPageToken},
		"invalid_page_size":       {errInvalidPageSize},
		"invalid_limit":           {errInvalidLimit},
		"invalid_subscription_id": {errInvalidSubscription},
		"subscription_not_found":  {errSubscriptionNotFound("sub-1")},
		"time_range_too_long":     {errTimeRangeTooLong(tableMinute), errTimeRangeTooLong(tableHour), errTimeRangeTooLong(tableDay)},
		"invalid_query":           {errInvalidQuery(errors.New("bad"))},
		"method_not_allowed":      {errCSVMethod},
	} {
		for _, err := range errs {
			b, status := apierr.FromError(err)
			if b.Code != code || b.Message == "" || b.MessageVI == "" || b.Message == b.MessageVI {
				t.Errorf("%v: %+v, want code %s with an English and a Vietnamese message", err, b, code)
			}
			if status < 400 || status == http.StatusInternalServerError {
				t.Errorf("%s: HTTP status %d", code, status)
			}
		}
	}
	if _, status := apierr.FromError(errRegistryUnavailable); status != http.StatusServiceUnavailable {
		t.Errorf("registry_unavailable is HTTP %d, want 503", status)
	}
	rec := httptest.NewRecorder()
	(&Service{}).CSVHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, CSVPath, nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" || !strings.Contains(rec.Body.String(), `"code":"method_not_allowed"`) {
		t.Errorf("POST to the CSV export: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	long := errInvalidEnum("granularity", "invalid_granularity", strings.Repeat("x", 5000), "GRANULARITY_", []string{"day"})
	if b, _ := apierr.FromError(long); len(b.Message) > 300 {
		t.Errorf("a long rejected value is repeated whole: %d bytes", len(b.Message))
	}
}
