# The two commands a newcomer needs are `make run` and `make test` (see README.md).
export GOTOOLCHAIN := local

GO       ?= go
CONFIG   ?= config/example.yaml
BIN      := bin/amoflow

.PHONY: run build test test-short lint bench bench-cluster services

## run: everything in one process (embedded Temporal + Web UI, fake amoCRM unless configured)
run: services build
	./$(BIN) dev --config $(CONFIG)

build:
	$(GO) build -o $(BIN) ./cmd/amoflow

## test: unit, replay, integration and end-to-end tests on real RabbitMQ, Postgres and Temporal
test: services
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 60m ./...

## test-short: the fast packages only (no embedded Temporal server)
test-short: services
	$(GO) test -count=1 -short ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

## bench: ingest and flow benchmarks (docs/architecture.md#performance-targets, ~15 min); raw results in bench/results/, summary in BENCHMARKS.md
bench: services
	$(GO) run ./bench/ingest -out bench/results
	$(GO) run ./bench/flow -out bench/results
	$(GO) run ./bench/priority -out bench/results
	$(MAKE) bench-cluster

## bench-cluster: the amoCRM budget with the roles as separate processes, then form → lead latency with amoCRM-like answer times at idle, 50 % and 100 % of the budget (~12 min; BENCHMARKS.md)
LATENCY := -answer-median 150ms -answer-sigma 0.35 -answer-slow 0.01 -answer-slow-time 2s
bench-cluster: services
	$(GO) run ./bench/cluster -out bench/results -corp-forms 60
	$(GO) run ./bench/cluster -out bench/results -corp-forms 60 $(LATENCY) -name cluster-latency
	$(GO) run ./bench/cluster -out bench/results $(LATENCY) -rate 0.1 -duration 60s -name cluster-rate-idle
	$(GO) run ./bench/cluster -out bench/results $(LATENCY) -rate 0.72 -duration 90s -name cluster-rate-50
	$(GO) run ./bench/cluster -out bench/results $(LATENCY) -rate 1.44 -duration 90s -name cluster-rate-100

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
