# opsloop — make help lists the targets.
GO        ?= go
PKG       := github.com/opsloop/opsloop
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN       := bin/opsloop
GOLANGCI  := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
FUZZTIME  ?= 10s

.PHONY: help build test test-short lint vet fuzz bench docs golden ci clean

help: ## List targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## Build bin/opsloop
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/opsloop

test: ## Run every test with the race detector
	$(GO) test -race ./...

test-short: ## Run the tests without the race detector
	$(GO) test ./...

vet: ## Run gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

lint: vet ## Run golangci-lint v2 (installed with go install on first use)
	$(GO) run $(GOLANGCI) run ./...

fuzz: ## Run each fuzz target for FUZZTIME (default 10s)
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; $(GO) test $$pkg -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

bench: ## Run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

docs: build ## Regenerate docs/rules.md from the rule definitions
	$(BIN) rules --format markdown > docs/rules.md

golden: ## Rewrite golden files (rule fixtures' want sections, testscript output)
	$(GO) test ./internal/check -run TestRuleFixtures -update

ci: ## What CI runs
	bash .ci/run

clean: ## Remove build output
	rm -rf bin dist
