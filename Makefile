# loyaltygraph developer tasks. `make` alone lists them.

GO ?= go
BIN_DIR ?= bin

.DEFAULT_GOAL := help
.PHONY: help run test test-scale e2e bench build generate fmt vet clean clean-data services services-stop credentials version

help: ## list targets
	@echo "loyaltygraph make targets:"
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-14s %s\n", $$1, $$2}'

run: ## start PostgreSQL+Redis in .local/ (unless DATABASE_URL and REDIS_URL are set), migrate, load demo data, serve on :8080 (HTTP_ADDR=:9090 moves it)
	@bash scripts/run.sh

credentials: ## create a credential in make run's database: make credentials KIND=admin|settlement|partner|seller|pos NAME=name [MERCHANT=id]
	@bash scripts/credentials.sh

test: ## go vet + go test against throw-away PostgreSQL/Redis (GOTESTFLAGS="-run X -v")
	@bash scripts/test.sh

test-scale: ## three `serve` processes (built binary) on one PostgreSQL and Redis: OTPs, outbox, subscriptions, batches across replicas
	@LG_VET_TAGS=scale LG_TEST_PACKAGES=./cmd/loyaltygraph/ GOTESTFLAGS="-tags scale -run TestThreeReplicas -v $(GOTESTFLAGS)" bash scripts/test.sh

e2e: ## headless Chromium (installed from the OS packages if missing) on GraphiQL and /docs, offline, against the built binary with the demo data
	@bash scripts/e2e.sh

bench: ## benchmarks in ./bench/... (BENCH=pattern BENCH_COUNT=n)
	@bash scripts/bench.sh

build: ## build bin/loyaltygraph
	$(GO) build -buildvcs=auto -o $(BIN_DIR)/loyaltygraph ./cmd/loyaltygraph

generate: ## regenerate gqlgen code
	$(GO) tool gqlgen generate

fmt: ## gofmt all Go code
	$(GO) fmt ./...

vet: ## go vet
	$(GO) vet ./...

services: ## start PostgreSQL+Redis in .local/ in the background; then: source .local/env
	@bash scripts/services.sh start .local
	@echo "services running; use them with: source .local/env   (stop: make services-stop)"

services-stop: ## stop the .local/ PostgreSQL+Redis
	@bash scripts/services.sh stop .local

clean: ## remove built binaries (bin/, .local/bin/); keeps local data
	rm -rf $(BIN_DIR) .local/bin

clean-data: ## stop local services and delete .local/ (database, secret key)
	@bash scripts/services.sh stop .local
	rm -rf .local
