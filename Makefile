# lakegate. Every build that links DuckDB needs the duckdb_arrow tag.
GO        ?= go
TAGS      := duckdb_arrow
TEST_TIMEOUT ?= 20m

.PHONY: all build demo test test-deps deps vet unit integration clean

all: build

build:
	$(GO) build -tags $(TAGS) -o bin/gateway ./cmd/gateway

# Builds (first run) and serves the demo lakehouse on 127.0.0.1:5433.
demo: build
	./bin/gateway demo

# Installs the real clients the integration tests drive (psql, pgjdbc, psycopg2,
# node-postgres) when missing; fast when they are present.
test-deps:
	./scripts/install-test-deps.sh

deps: test-deps

vet:
	$(GO) vet -tags $(TAGS) ./...

test: test-deps vet
	$(GO) test -tags $(TAGS) -timeout $(TEST_TIMEOUT) ./...

unit:
	$(GO) test -tags $(TAGS) -timeout $(TEST_TIMEOUT) $$($(GO) list ./... | grep -v /integration)

integration: test-deps
	$(GO) test -tags $(TAGS) -timeout $(TEST_TIMEOUT) -v ./integration/

# Benchmarks (issue 7): TPC-H through the gateway vs DuckDB directly vs PostgreSQL 15,
# point lookups, streaming, a mixed load and gateway memory, in one run; see
# BENCHMARKS.md. `make bench SF=1` for the full scale; BENCH_FLAGS passes more flags
# (e.g. BENCH_FLAGS="-queries 1,6 -duration 5s"). Data is cached by scale factor.
.PHONY: bench
SF ?= 0.1
BENCH_FLAGS ?=
bench: test-deps build
	$(GO) run -tags $(TAGS) ./bench/cmd/lakebench -sf $(SF) -gateway bin/gateway $(BENCH_FLAGS)
	$(GO) run -tags $(TAGS) ./bench/pruning

clean:
	rm -rf bin
