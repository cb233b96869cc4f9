// Package telemetry sets up the process's observability: W3C trace context
// propagation and OpenTelemetry traces exported over OTLP when an endpoint
// is configured, and the Prometheus /metrics handler.
//
// Metrics are Prometheus client_golang collectors that packages register on
// prometheus.DefaultRegisterer (once per process); OpenTelemetry is used for
// traces only. See docs/decisions.md.
package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// Options configures telemetry.
type Options struct {
	// ServiceName is reported as service.name, e.g. "lgsp-gateway".
	ServiceName string
	Version     string
	// OTLPEndpoint enables trace export (host:port of an OTLP/gRPC
	// collector). Empty leaves tracing as a no-op, which costs nearly nothing.
	// The standard OTEL_EXPORTER_OTLP_ENDPOINT variable also enables it.
	OTLPEndpoint string
	// SampleRatio is the fraction of new traces kept (parent-based).
	SampleRatio float64
}

// Telemetry owns the tracer provider and the /metrics handler.
type Telemetry struct {
	tp *sdktrace.TracerProvider
}

// Setup installs the global propagator and, when an OTLP endpoint is
// configured, the tracer provider.
func Setup(ctx context.Context, o Options) (*Telemetry, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	t := &Telemetry{}
	endpoint := o.OTLPEndpoint
	if endpoint == "" {
		endpoint = os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	if endpoint == "" {
		return t, nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(o.ServiceName), semconv.ServiceVersion(o.Version)))
	if err != nil {
		res = resource.Default()
	}
	opts := []otlptracegrpc.Option{}
	if o.OTLPEndpoint != "" {
		opts = append(opts, otlptracegrpc.WithEndpoint(o.OTLPEndpoint), otlptracegrpc.WithInsecure())
	}
	te, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("invalid setting LGSP_OTLP_ENDPOINT: %w", err)
	}
	ratio := o.SampleRatio
	if ratio <= 0 || ratio > 1 {
		ratio = 1
	}
	t.tp = sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(te),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	)
	otel.SetTracerProvider(t.tp)
	return t, nil
}

// Handler serves the Prometheus exposition of the default registry: the Go
// and process collectors and every package's own collectors.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(prometheus.DefaultGatherer, promhttp.HandlerOpts{})
}

// Shutdown flushes spans and stops the tracer provider.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t.tp == nil {
		return nil
	}
	return t.tp.Shutdown(ctx)
}
