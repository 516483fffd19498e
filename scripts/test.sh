#!/usr/bin/env bash
# The whole suite, on both stores: starts a local Neo4j unless BCG_NEO4J_URI
# points at one, runs lint and pytest, and stops what it started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"

# The page tests drive Debian's chromium with Playwright (pyproject's dev extras); its
# own browser download is not used. CI runs as root on a fresh Debian machine.
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" -eq 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
"$BIN/python" -c "import playwright" 2>/dev/null || "$BIN/pip" install --quiet -e '.[dev]'

started=""
if [[ -z "${BCG_NEO4J_URI:-}" ]]; then
  export BCG_NEO4J_STATE="$ROOT/.neo4j/test"
  export BCG_NEO4J_PORT="${BCG_TEST_NEO4J_PORT:-$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
  rm -rf "$BCG_NEO4J_STATE/home"
  BCG_NEO4J_URI="$(scripts/neo4j.sh start | tail -1)"
  export BCG_NEO4J_URI
  started="yes"
  trap 'scripts/neo4j.sh stop' EXIT
fi
echo "Neo4j for the contract suite: $BCG_NEO4J_URI"

"$BIN/ruff" check app graph ingest migrations tests synth bench
"$BIN/mypy" app graph ingest
# Neo4j tests must run here, not be skipped.
BCG_REQUIRE_NEO4J=1 "$BIN/pytest" -q "$@"
