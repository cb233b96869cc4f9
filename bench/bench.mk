# End-to-end load benchmark of the gateway against nginx. Included from the
# top-level Makefile with:  include bench/bench.mk
# Installs nginx and wrk from Debian packages when they are missing.
GO ?= go
BENCH_FLAGS ?=

.PHONY: bench
bench:
	@command -v nginx >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq nginx wrk; }
	$(GO) build -o bin/gatewaybench ./bench/cmd/gatewaybench
	./bin/gatewaybench -out docs/BENCHMARKS.md $(BENCH_FLAGS)
