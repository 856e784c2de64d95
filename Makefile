# nsx: `make run` builds and runs `nsx ls`; `make test` runs every test tier.
# The recipes are thin: the real work is in scripts/ and bench/, which run the
# same from anywhere.

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X nsx/cmd.Version=$(VERSION)
# Longer fuzzing than the 5 s per target of `make test`.
FUZZTIME ?= 60s

# Go is preinstalled at /usr/local/go on the test machines, not always on PATH.
export PATH := $(PATH):/usr/local/go/bin

.PHONY: all build run test bench fuzz image clean

all: build

# One static binary that also runs in a scratch debug container. cgo is for
# nsx enter's constructor (enter/nsexec), linked statically with glibc;
# netgo and osusergo keep name resolution and user lookup in Go, which a
# static glibc cannot do.
build:
	CGO_ENABLED=1 go build -tags netgo,osusergo -ldflags "$(LDFLAGS) -linkmode external -extldflags -static" -o bin/nsx ./cmd/nsx

# A scratch image with the static binary (Dockerfile): nothing is pulled.
image: build
	docker build -t nsx:$(VERSION) -t nsx:latest .

run: build
	./bin/nsx ls

test:
	bash scripts/test.sh

bench:
	bash bench/ls.sh

fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/test.sh fuzz

clean:
	rm -rf bin
