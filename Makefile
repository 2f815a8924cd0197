# postmortem — every target works on a fresh clone with only Go, npm and apt
# reachable; what a target needs it installs itself, and fast when present.
GO        ?= go
ECHARTS   := reports/assets/echarts.min.js
# The Loki server binary for the integration tests is built once from the Go
# module proxy and cached outside the repository.
LOKI_BIN  ?= $(HOME)/.cache/postmortem/loki-v3.7.8
export LOKI_BIN
VERSION   ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build demo test test-go lint bench clean assets chromium loki

all: build

assets: $(ECHARTS)

# ECharts comes from the npm package pinned in package.json / package-lock.json.
$(ECHARTS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $@)
	cp node_modules/echarts/dist/echarts.min.js $@

build: $(ECHARTS)
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/postmortem ./cmd/postmortem
	$(GO) build -o bin/loggen ./cmd/loggen

demo: build
	rm -rf demo-logs
	./bin/loggen --scenario viral --seed 1 --out demo-logs
	mv demo-logs/truth.json demo-truth.json  # the answer key, not a log
	./bin/postmortem --title "Viral post outage (simulated)" -o report.html demo-logs
	@echo "wrote report.html"

chromium:
	scripts/ensure-chromium.sh

loki:
	scripts/ensure-loki.sh "$(LOKI_BIN)"

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

test: $(ECHARTS) chromium loki lint
	$(GO) test -count=1 -timeout 20m ./...
	$(GO) test -count=1 -race -timeout 20m ./analyzer/... ./sources/...

bench: build
	scripts/bench.sh

clean:
	rm -rf bin report.html demo-logs bench-data $(ECHARTS)
