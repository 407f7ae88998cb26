#!/usr/bin/env bash
# Builds bin/ecospace (or the path given) and says what it is doing: a
# first build on an empty Go build cache compiles every package the binary
# needs, the standard library included (minutes on 2 cores); later builds
# take seconds. Each package is printed as it is compiled, numbered.
#
# The commit it was built from is passed with -ldflags for builds the Go
# tool cannot stamp itself (GOFLAGS=-buildvcs=false, a git worktree):
# 'ecospace --version' prints it.
set -euo pipefail

out=${1:-bin/ecospace}
go=${GO:-go}

ldflags=()
if rev=$(git rev-parse HEAD 2>/dev/null); then
  when=$(git log -1 --format=%cI HEAD)
  dirty=false
  if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then dirty=true; fi
  ldflags=(-ldflags "-X main.vcsRevision=$rev -X main.vcsTime=$when -X main.vcsModified=$dirty")
fi

total=$("$go" list -deps ./cmd/ecospace | wc -l)
start=$(date +%s)
echo "build: $go build -o $out ./cmd/ecospace — $total packages; those not in the build cache ($("$go" env GOCACHE)) are compiled and listed below"
n=0
# go build -v names each package as it compiles it; anything else (an
# error) passes through as it is.
"$go" build -v "${ldflags[@]}" -o "$out" ./cmd/ecospace 2>&1 | while IFS= read -r line; do
  case $line in
    *" "* | "" | "#"*) printf '%s\n' "$line" ;;
    *) n=$((n + 1)); printf 'build: [%d/%d] %s\n' "$n" "$total" "$line" ;;
  esac
done
echo "build: wrote $out in $(( $(date +%s) - start )) s"
