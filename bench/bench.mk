# End-to-end load benchmarks. Included from the top-level Makefile with:
#   include bench/bench.mk
# bench runs the gateway against nginx (installs nginx and wrk from Debian
# packages when they are missing), then the document exchange, the
# one-stop service and the national-database adapters through `lgsp dev`
# (they need nothing more). Each refreshes only its own section of
# docs/BENCHMARKS.md.
GO ?= go
BENCH_FLAGS ?=
DOCEXCHANGE_BENCH_FLAGS ?=
ONESTOP_BENCH_FLAGS ?=
ADAPTERS_BENCH_FLAGS ?=

.PHONY: bench bench-gateway bench-docexchange bench-onestop bench-adapters
# One after the other, even under make -j: they share the machine's cores.
bench:
	$(MAKE) bench-gateway
	$(MAKE) bench-docexchange
	$(MAKE) bench-onestop
	$(MAKE) bench-adapters

bench-gateway:
	@command -v nginx >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq nginx wrk; }
	$(GO) build -o bin/gatewaybench ./bench/cmd/gatewaybench
	./bin/gatewaybench -out docs/BENCHMARKS.md $(BENCH_FLAGS)

# Measures bin/lgsp as `make build` ships it: 10 KiB documents through the
# gateway against the service directly, then a 100,000-document backlog
# (about 15 minutes on 2 cores).
bench-docexchange: build
	$(GO) build -o bin/docexchangebench ./bench/cmd/docexchangebench
	./bin/docexchangebench -lgsp bin/lgsp -out docs/BENCHMARKS.md $(DOCEXCHANGE_BENCH_FLAGS)

# Measures the one-stop service: its Go benchmarks (status updates in
# process, statistics over 250,000 dossiers), then bin/lgsp as `make build`
# ships it, status updates through the gateway against the service
# directly with the sync to the portal simulator (about 5 minutes on 2
# cores with SQLite alone, 10 with both engines). With LGSP_TEST_POSTGRES_DSN
# set (or ONESTOP_BENCH_FLAGS=-postgres=postgres://…) everything runs on
# PostgreSQL too, in a new schema it drops afterwards.
bench-onestop: build
	$(GO) build -o bin/onestopbench ./bench/cmd/onestopbench
	./bin/onestopbench -lgsp bin/lgsp -go $(GO) -out docs/BENCHMARKS.md $(ONESTOP_BENCH_FLAGS)

# Measures the national-database adapters on bin/lgsp as `make build` ships
# it: typed business and citizen lookups through the gateway against the
# same calls proxied to the NGSP simulator and the simulator directly (32
# and 64 clients, 3 interleaved rounds, the business cache on, then off in
# a second child), and the NGSP token requests 200 concurrent lookups cause
# once the adapter's token is revoked (about 9 minutes on 2 cores).
bench-adapters: build
	$(GO) build -o bin/adaptersbench ./bench/cmd/adaptersbench
	./bin/adaptersbench -lgsp bin/lgsp -out docs/BENCHMARKS.md $(ADAPTERS_BENCH_FLAGS)
