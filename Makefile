# ecospace: the two commands are `make run` and `make test`.
GO      ?= go
# The address make run serves on: make run ADDR=host:port, or
# ECOSPACE_ADDR in the environment (as ecospace serve reads it).
ADDR    ?= $(or $(ECOSPACE_ADDR),127.0.0.1:8080)
WEB_STAMP := web/node_modules/.package-lock.json

.PHONY: run build web test test-deps test-go test-web test-readme fuzz bench vet clean

## run: serve the API and the map on the embedded store with the demo layers
# (builds bin/ecospace first, saying what it compiles: the first build takes
# minutes)
run: build
	@echo "run: bin/ecospace serve --addr $(ADDR)   (the map and the API on http://$(ADDR)/; Ctrl-C stops it)"
	bin/ecospace serve --addr $(ADDR)

## build: the binary, with the map's assets embedded, at bin/ecospace
build: web
	@GO=$(GO) scripts/build.sh bin/ecospace

# The map's third-party code (Leaflet, Geoman, VectorGrid, shpjs) comes from the npm
# packages pinned in web/package-lock.json, is copied into web/dist/vendor
# and embedded; it is never committed. npm ci runs only when the lockfile
# changed.
$(WEB_STAMP): web/package.json web/package-lock.json
	@echo "web: npm ci — the map's packages pinned in web/package-lock.json, from the npm registry"
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web: $(WEB_STAMP)
	@echo "web: node web/build.js — copies the map's packages into web/dist for embedding"
	@node web/build.js

## test: every test — Go (both stores, PostGIS for real), browser, node
test: test-deps web vet test-go test-web

test-deps:
	scripts/test-deps.sh

vet:
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 40m ./...

test-web:
	node --test web/src/

# test-readme: the README's sh blocks, run as written against a server on a
# free port and a throwaway database (part of test-go as well)
test-readme:
	$(GO) test -count=1 -run 'TestREADMECommands|TestReadme|TestMakefileAddr' -v ./cmd/ecospace

## fuzz: the fuzz targets, each for a short fixed time
FUZZTIME ?= 20s
# Minimizing each new interesting input for up to Go's default 60 s stalled
# short runs (FuzzBatchRequest spent 10 of its 15 s on one); a crasher is
# still written, only less shrunk.
FUZZMINIMIZE ?= 2s
fuzz:
	GO=$(GO) scripts/fuzz.sh ./server FuzzDecodeGeometry $(FUZZTIME) $(FUZZMINIMIZE)
	GO=$(GO) scripts/fuzz.sh ./server FuzzCheckRequest $(FUZZTIME) $(FUZZMINIMIZE)
	GO=$(GO) scripts/fuzz.sh ./server FuzzBatchRequest $(FUZZTIME) $(FUZZMINIMIZE)
	GO=$(GO) scripts/fuzz.sh ./geo FuzzAppendString $(FUZZTIME) $(FUZZMINIMIZE)
	GO=$(GO) scripts/fuzz.sh ./geo FuzzCheckJSON $(FUZZTIME) $(FUZZMINIMIZE)
	GO=$(GO) scripts/fuzz.sh ./data/layerfile FuzzReadTXT $(FUZZTIME) $(FUZZMINIMIZE)

## bench: the Go benchmarks quoted in the README
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./geo ./server

clean:
	rm -rf bin web/dist/vendor web/node_modules
