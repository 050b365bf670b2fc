# lakegate. Every build that links DuckDB needs the duckdb_arrow tag.
GO        ?= go
TAGS      := -tags duckdb_arrow
TIMEOUT   ?= 20m

.PHONY: test deps vet build demo

test: deps vet
	$(GO) test $(TAGS) -timeout $(TIMEOUT) ./...

deps:
	./scripts/install-test-deps.sh

vet:
	$(GO) vet $(TAGS) ./...

build:
	$(GO) build $(TAGS) -o bin/gateway ./cmd/gateway

demo:
	$(GO) run $(TAGS) ./cmd/gateway demo
