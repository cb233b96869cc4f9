package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/internal/app"
)

// meteredCalls is metering's count of the calls made through the gateway
// since start, read as the admin; it waits up to 15 s for the count to
// reach want (events travel through JetStream).
func meteredCalls(t *testing.T, a *app.App, adminPassword string, start time.Time, want int64) int64 {
	t.Helper()
	login, _ := http.NewRequest(http.MethodPost, a.Info.AdminURL+"/admin/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, adminPassword)))
	var session struct {
		SessionToken string `json:"sessionToken"`
	}
	doJSON(t, login, http.StatusOK, &session)
	q := url.Values{}
	q.Set("startTime", start.Add(-time.Minute).UTC().Format(time.RFC3339))
	q.Set("endTime", time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339))
	q.Set("granularity", "GRANULARITY_HOUR")
	q.Set("total", "true")
	var total int64
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, a.Info.AdminURL+"/admin/v1/metering/usage?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+session.SessionToken)
		var usage struct {
			Rows []struct {
				Totals struct {
					RequestCount string `json:"requestCount"`
				} `json:"totals"`
			} `json:"rows"`
		}
		doJSON(t, req, http.StatusOK, &usage)
		total = 0
		for _, r := range usage.Rows {
			var n int64
			fmt.Sscan(r.Totals.RequestCount, &n)
			total += n
		}
		if total >= want || time.Now().After(deadline) {
			return total
		}
		time.Sleep(100 * time.Millisecond)
	}
}
