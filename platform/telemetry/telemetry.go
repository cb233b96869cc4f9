// Package telemetry sets up OpenTelemetry for the process: W3C trace context
// propagation, traces exported over OTLP when an endpoint is configured, and
// metrics exposed for Prometheus at /metrics.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
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

// Telemetry owns the providers and the /metrics handler.
type Telemetry struct {
	registry *prometheus.Registry
	tp       *sdktrace.TracerProvider
	mp       *sdkmetric.MeterProvider
}

// Setup installs the global propagator, tracer provider and meter provider.
func Setup(ctx context.Context, o Options) (*Telemetry, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(o.ServiceName), semconv.ServiceVersion(o.Version)))
	if err != nil {
		res = resource.Default()
	}

	// Prometheus: OTel instruments go to a registry of their own; /metrics
	// merges it with the default registry (Go and process collectors, and
	// packages that use client_golang directly on the hot path).
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	t := &Telemetry{registry: reg}
	t.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))
	otel.SetMeterProvider(t.mp)

	endpoint := o.OTLPEndpoint
	if endpoint == "" {
		endpoint = os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	if endpoint != "" {
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
	}
	return t, nil
}

// Handler serves the Prometheus exposition of both our registry and the
// default one.
func (t *Telemetry) Handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{t.registry, prometheus.DefaultGatherer}, promhttp.HandlerOpts{})
}

// Shutdown flushes spans and stops the providers.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	if t.tp != nil {
		errs = append(errs, t.tp.Shutdown(ctx))
	}
	if t.mp != nil {
		errs = append(errs, t.mp.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
