package docexchange

import (
	"net/http"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
)

// newNationalClient is the connector to the national axis.
func newNationalClient(cfg National) nationalClient {
	return &vdxp.Client{
		BaseURL:  cfg.URL,
		SystemID: cfg.SystemID,
		Secret:   cfg.Secret,
		HTTP:     &http.Client{Timeout: cfg.Timeout},
	}
}

// permanentNational reports whether the national axis refused a delivery
// for good (unknown or locked recipient), as opposed to a failure worth
// retrying.
func permanentNational(err error) bool {
	return vdxp.IsUnknownReceiver(err) || vdxp.IsRejected(err)
}
