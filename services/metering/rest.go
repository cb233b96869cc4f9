package metering

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/protobuf/proto"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// Paths of the REST reports, as metering.proto's HTTP rules declare them.
const (
	pathUsage            = "/admin/v1/metering/usage"
	pathTopConsumers     = "/admin/v1/metering/top-consumers"
	pathTopAPIs          = "/admin/v1/metering/top-apis"
	pathAgencyYearTotals = "/admin/v1/metering/agency-year-totals"
)

// TimeZoneHeader names, on REST and CSV reports, the IANA time zone whose
// calendar the day, month and year buckets follow, and in which dates and
// times without an offset in the query were read.
const TimeZoneHeader = "X-LGSP-Time-Zone"

// registerREST registers the REST face of MeteringService on mux: the
// generated grpc-gateway handlers, with the report routes replaced by
// handlers that first rewrite the query string (params.go) and then parse
// it and call the service the same way. Both use mux's marshalers, error
// handler and response options.
func (s *Service) registerREST(ctx context.Context, mux *runtime.ServeMux) error {
	g := &grpcServer{s: s}
	if err := meteringv1.RegisterMeteringServiceHandlerServer(ctx, mux, g); err != nil {
		return err
	}
	// grpc-gateway's mux serves a request with the matching handler
	// registered last, so these take over the generated report routes.
	return errors.Join(
		restRoute(s, mux, pathUsage, meteringv1.MeteringService_QueryUsage_FullMethodName, usageParams, g.QueryUsage),
		restRoute(s, mux, pathTopConsumers, meteringv1.MeteringService_TopConsumers_FullMethodName, topParams, g.TopConsumers),
		restRoute(s, mux, pathTopAPIs, meteringv1.MeteringService_TopApis_FullMethodName, topParams, g.TopApis),
		restRoute(s, mux, pathAgencyYearTotals, meteringv1.MeteringService_AgencyYearTotals_FullMethodName, agencyYearParams, g.AgencyYearTotals),
	)
}

// restRoute serves GET path by calling call in process with the request
// read from the rewritten query string.
func restRoute[Req any, PReq interface {
	*Req
	proto.Message
}, Resp proto.Message](s *Service, mux *runtime.ServeMux, path, method string, params []queryParam, call func(context.Context, PReq) (Resp, error)) error {
	return mux.HandlePath(http.MethodGet, path, func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		_, out := runtime.MarshalerForRequest(mux, r)
		ctx, err := runtime.AnnotateIncomingContext(ctx, mux, r, method, runtime.WithHTTPPathPattern(path))
		if err != nil {
			runtime.HTTPError(ctx, mux, out, w, r, err)
			return
		}
		ctx = runtime.NewServerMetadataContext(ctx, runtime.ServerMetadata{})
		// The rows' bucket times are instants (UTC in JSON); their day,
		// month and year boundaries are the service's zone's.
		w.Header().Set(TimeZoneHeader, s.cal.loc.String())
		req := PReq(new(Req))
		if err := s.readQuery(r, req, params); err != nil {
			runtime.HTTPError(ctx, mux, out, w, r, err)
			return
		}
		resp, err := call(ctx, req)
		if err != nil {
			runtime.HTTPError(ctx, mux, out, w, r, err)
			return
		}
		runtime.ForwardResponseMessage(ctx, mux, out, w, r, resp, mux.GetForwardResponseOptions()...)
	})
}

// queryDefault is the value of a parameter the query string does not give.
type queryDefault struct {
	param queryParam
	value string
}

// readQuery fills req from r's query string: the parameters in params are
// rewritten first, then defaults are added for those the query does not
// give.
func (s *Service) readQuery(r *http.Request, req proto.Message, params []queryParam, defaults ...queryDefault) error {
	raw, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return errInvalidQuery(err)
	}
	q, err := normaliseQuery(raw, params, s.cal.loc)
	if err != nil {
		return err
	}
	for _, d := range defaults {
		withDefault(q, d.param.keys, d.value)
	}
	if err := runtime.PopulateQueryParameters(req, q, utilities.NewDoubleArray(nil)); err != nil {
		return errInvalidQuery(err)
	}
	return nil
}
