#!/usr/bin/env bash
# ensure-loki.sh BIN — builds the Grafana Loki server used by the integration
# tests into BIN when BIN is absent. Idempotent and instant when BIN exists.
#
# The server is built from the Go module proxy at the version pinned in
# tools/loki/go.mod (the same as the client packages in ../go.mod), CGO off,
# netgo. tools/loki is a module of its own because Loki's go.mod carries
# replace directives, which apply in the main module only: `go install
# github.com/grafana/loki/v3/cmd/loki@v3.7.8` is refused. Expect ~8 minutes
# and ~2.4 GB of module cache on 2 cores the first time.
set -euo pipefail

BIN=${1:?usage: ensure-loki.sh BIN}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

if [ -x "$BIN" ]; then
	exit 0
fi

mkdir -p "$(dirname "$BIN")"
# One build at a time, also across concurrent `make test` runs.
exec 9>"$BIN.lock"
if ! flock -n 9; then
	echo "ensure-loki: another build of $BIN is running; waiting for it" >&2
	flock 9
fi
if [ -x "$BIN" ]; then
	exit 0
fi

VERSION=$(awk '$1 == "require" && $2 == "github.com/grafana/loki/v3" {print $3}' "$ROOT/tools/loki/go.mod")
echo "ensure-loki: building Loki ${VERSION:-?} server into $BIN (from tools/loki, CGO_ENABLED=0 -tags netgo; first build takes minutes)" >&2
tmp="$BIN.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(cd "$ROOT/tools/loki" && CGO_ENABLED=0 go build -tags netgo -trimpath -o "$tmp" github.com/grafana/loki/v3/cmd/loki)
mv "$tmp" "$BIN"
trap - EXIT
echo "ensure-loki: built $BIN ($("$BIN" -version 2>/dev/null | head -1 || true))" >&2
