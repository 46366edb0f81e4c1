# The two commands a newcomer needs are `make run` and `make test` (see README.md).
export GOTOOLCHAIN := local

GO       ?= go
CONFIG   ?= config/example.yaml
BIN      := bin/amoflow
DEV_BIN  := bin/amoflow-dev
GOLANGCI_VERSION := v2.15.0
GOLANGCI := bin/golangci-lint-$(GOLANGCI_VERSION)


.PHONY: run build build-dev test test-short lint bench bench-cluster bench-ceiling services

## run: everything in one process (embedded Temporal + Web UI, fake amoCRM unless configured)
run: services build-dev
	./$(DEV_BIN) dev --config $(CONFIG)

## build: the production binary (what the Dockerfile builds): no embedded Temporal server
build:
	$(GO) build -o $(BIN) ./cmd/amoflow

## build-dev: the development binary: `amoflow dev` with the embedded Temporal server and Web UI
build-dev:
	$(GO) build -tags dev -o $(DEV_BIN) ./cmd/amoflow

## test: unit, replay, integration and end-to-end tests on real RabbitMQ, Postgres and Temporal
test: services
	$(GO) vet ./...
	$(GO) vet -tags dev ./cmd/amoflow
	$(GO) test -count=1 -timeout 60m ./...

## test-short: the tests that need no server (no PostgreSQL, RabbitMQ or Temporal; README "Tests")
test-short:
	$(GO) test -count=1 -short ./...

## lint: gofmt, go vet of both builds, golangci-lint (.golangci.yml); run by .ci/run
lint: $(GOLANGCI)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) vet -tags dev ./cmd/amoflow
	$(GOLANGCI) run ./...

# golangci-lint at a pinned version, built from the Go module proxy into bin/
# the first time (CI included); a new version gets a new file.
$(GOLANGCI):
	GOBIN=$(CURDIR)/bin $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	mv bin/golangci-lint $@

## bench: ingest and flow benchmarks (docs/architecture.md#performance-targets, ~15 min); raw results in bench/results/, summary in BENCHMARKS.md
bench: services
	$(GO) run ./bench/ingest -out bench/results
	$(GO) run ./bench/flow -out bench/results
	$(GO) run ./bench/priority -out bench/results
	$(MAKE) bench-cluster
	$(MAKE) bench-ceiling

## bench-cluster: the amoCRM budget with the roles as separate processes, then form → lead latency with amoCRM-like answer times at idle, 50 % and 100 % of the budget (~12 min; BENCHMARKS.md)
LATENCY := -answer-median 150ms -answer-sigma 0.35 -answer-slow 0.01 -answer-slow-time 2s
bench-cluster: services
	$(GO) run ./bench/cluster -out bench/results -corp-forms 60
	$(GO) run ./bench/cluster -out bench/results -corp-forms 60 $(LATENCY) -name cluster-latency
	$(GO) run ./bench/cluster -out bench/results $(LATENCY) -rate 0.1 -duration 60s -name cluster-rate-idle
	$(GO) run ./bench/cluster -out bench/results $(LATENCY) -rate 0.72 -duration 90s -name cluster-rate-50
	$(GO) run ./bench/cluster -out bench/results $(LATENCY) -rate 1.44 -duration 90s -name cluster-rate-100

## bench-ceiling: forms/s one process with every role completes with amoCRM's limit lifted, its CPU profile by area and the history per flow, on each Temporal store (~10 min; BENCHMARKS.md, Issue 13 table 4)
bench-ceiling: services
	$(GO) run ./bench/ceiling -out bench/results -persistence sqlite-wal
	$(GO) run ./bench/ceiling -out bench/results -persistence postgres
	$(GO) run ./bench/ceiling -out bench/results -persistence memory
	$(GO) run ./bench/ceiling -out bench/results -persistence sqlite
	$(GO) run ./bench/ceiling -out bench/results -persistence sqlite-wal -rates 5,8 -name ceiling-sqlite-wal-store
	$(GO) run ./bench/ceiling -out bench/results -persistence postgres -rates 5,8 -name ceiling-postgres-store

services:
	@scripts/services.sh

# --- soak (fault matrix) ---
.PHONY: soak soak-short

## soak: fault-matrix soak, ~15 min, not part of make test; table in soak/results/soak.md, see RELIABILITY.md
soak: services
	$(GO) run ./soak -out soak/results

## soak-short: the same schedule compressed into 2 minutes of traffic (smoke run)
soak-short: services
	$(GO) run ./soak -short
