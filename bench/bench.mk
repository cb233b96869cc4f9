# End-to-end load benchmarks. Included from the top-level Makefile with:
#   include bench/bench.mk
# bench runs the gateway against nginx (installs nginx and wrk from Debian
# packages when they are missing), then the document exchange through
# `lgsp dev` (needs nothing more). Each refreshes only its own section of
# docs/BENCHMARKS.md.
GO ?= go
BENCH_FLAGS ?=
DOCEXCHANGE_BENCH_FLAGS ?=

.PHONY: bench bench-gateway bench-docexchange
# One after the other, even under make -j: they share the machine's cores.
bench:
	$(MAKE) bench-gateway
	$(MAKE) bench-docexchange

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
