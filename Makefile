# LGSP build entry points. Every target installs what it needs.
SHELL := /bin/bash
GO ?= go
TOOLS := $(CURDIR)/.tools/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/lgsp-vn/lgsp/platform/buildinfo.Version=$(VERSION)
# Two cores: keep package-level parallelism modest so integration tests do not starve each other.
TESTFLAGS ?= -p 2 -timeout 20m

.PHONY: all build run test test-short test-browser screenshots generate generate-check tools lint bench clean

all: build

# A static binary (no cgo: SQLite is pure Go), so that it runs on any Linux.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/lgsp ./cmd/lgsp

run: build
	./bin/lgsp dev --data ./data

# Installs the pinned code generators and linters into .tools/bin (module
# tools/, outside the workspace).
tools: $(TOOLS)/buf
$(TOOLS)/buf: tools/go.mod tools/go.sum
	cd tools && GOWORK=off GOBIN=$(TOOLS) $(GO) install tool
	@touch $@

generate: tools
	PATH=$(TOOLS):$$PATH buf generate
	PATH=$(TOOLS):$$PATH buf lint

# Fails when the generated code in the tree differs from what the pinned
# generators produce from the protos.
generate-check: tools
	PATH=$(TOOLS):$$PATH buf lint
	scripts/check-generated.sh

# gofmt, go vet and staticcheck (pinned in tools/go.mod) over every package.
lint: tools
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change (run gofmt -w):"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./... ./proto/...
	$(TOOLS)/staticcheck ./... ./proto/...

# The Go tests, then the console's browser tests.
test: generate-check lint
	$(GO) test $(TESTFLAGS) ./... ./proto/...
	$(MAKE) test-browser

# Browser tests of the web console (console/e2e): Node's test runner drives
# Debian's Chromium through playwright-core against a real lgsp dev started
# from bin/lgsp. deps.sh installs Chromium (apt-get, as root) and the npm
# packages when they are missing, and fails, never skips, when it cannot.
E2E := console/e2e
test-browser: build
	$(E2E)/deps.sh
	cd $(E2E) && LGSP_BIN=$(CURDIR)/bin/lgsp node --test --test-concurrency=1 *.test.mjs

# Screenshots of the console's main pages at 1366×768 into docs/screenshots.
screenshots: build
	$(E2E)/deps.sh
	cd $(E2E) && LGSP_BIN=$(CURDIR)/bin/lgsp node screenshots.mjs $(CURDIR)/docs/screenshots

test-short:
	$(GO) test -short $(TESTFLAGS) ./...

clean:
	rm -rf bin .tools

# End-to-end load benchmarks, one after the other: the gateway against nginx
# (installs nginx and wrk with apt-get), the document exchange, the one-stop
# service and the national-database adapters (make bench-gateway,
# bench-docexchange, bench-onestop, bench-adapters run one each).
include bench/bench.mk
