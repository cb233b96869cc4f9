package metering

import (
	"testing"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

func TestClassifyAndQuotaCharging(t *testing.T) {
	for _, c := range []struct {
		status  int32
		errCode string
		sub     string
		class   meteringv1.StatusClass
		charged bool
	}{
		{200, "", "s", meteringv1.StatusClass_STATUS_CLASS_SUCCESS, true},
		{0, "", "s", meteringv1.StatusClass_STATUS_CLASS_SUCCESS, true},
		{101, "", "s", meteringv1.StatusClass_STATUS_CLASS_SUCCESS, true},
		{304, "", "s", meteringv1.StatusClass_STATUS_CLASS_SUCCESS, true},
		{404, "", "s", meteringv1.StatusClass_STATUS_CLASS_CLIENT_ERROR, true},
		{499, "", "", meteringv1.StatusClass_STATUS_CLASS_CLIENT_ERROR, false},
		{500, "", "s", meteringv1.StatusClass_STATUS_CLASS_SERVER_ERROR, true},
		{599, "", "s", meteringv1.StatusClass_STATUS_CLASS_SERVER_ERROR, true},
		{429, "rate_limited", "s", meteringv1.StatusClass_STATUS_CLASS_GATEWAY_ERROR, false},
		{401, "invalid_token", "", meteringv1.StatusClass_STATUS_CLASS_GATEWAY_ERROR, false},
		{504, "upstream_timeout", "s", meteringv1.StatusClass_STATUS_CLASS_GATEWAY_ERROR, false},
	} {
		ev := &meteringv1.Event{Status: c.status, ErrorCode: c.errCode, SubscriptionId: c.sub}
		if got := classify(ev); got != c.class {
			t.Errorf("status %d error %q: class %v, want %v", c.status, c.errCode, got, c.class)
		}
		if got := countsTowardQuota(ev); got != c.charged {
			t.Errorf("status %d error %q sub %q: charged %v, want %v", c.status, c.errCode, c.sub, got, c.charged)
		}
	}
}
