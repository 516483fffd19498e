#!/usr/bin/env bash
# Start or stop the local Neo4j 5.26 Community used for development and tests.
# It runs embedded in neo4j/ (a Maven project) on the machine's JDK 17; no Docker.
#   scripts/neo4j.sh start   -> prints bolt://127.0.0.1:PORT once Bolt answers
#   scripts/neo4j.sh stop
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${BCG_NEO4J_STATE:-$ROOT/.neo4j}"
PORT="${BCG_NEO4J_PORT:-7687}"
HEAP="${BCG_NEO4J_HEAP:-1g}"
PAGECACHE_MB="${BCG_NEO4J_PAGECACHE_MB:-512}"

find_java17() {
  # Neo4j 5.26 is the last line that runs on JDK 17; a newer JDK must not be used.
  local candidates=()
  [[ -n "${JAVA17_HOME:-}" ]] && candidates+=("$JAVA17_HOME/bin/java")
  candidates+=(/usr/lib/jvm/java-17-openjdk-amd64/bin/java /usr/lib/jvm/java-17-openjdk*/bin/java /usr/lib/jvm/*17*/bin/java)
  command -v java >/dev/null && candidates+=("$(command -v java)")
  for c in "${candidates[@]}"; do
    if [[ -x "$c" ]] && "$c" -version 2>&1 | head -1 | grep -q '"17\.'; then
      echo "$c"; return 0
    fi
  done
  echo "no JDK 17 found (Neo4j 5.26 needs JDK 17; set JAVA17_HOME)" >&2
  return 1
}

build() {
  local java; java="$(find_java17)"
  local jhome; jhome="$(dirname "$(dirname "$(readlink -f "$java")")")"
  if [[ ! -f "$ROOT/neo4j-local/target/classpath.txt" || "$ROOT/neo4j-local/pom.xml" -nt "$ROOT/neo4j-local/target/classpath.txt" \
        || "$ROOT/neo4j-local/src/main/java/bcg/LocalNeo4j.java" -nt "$ROOT/neo4j-local/target/classpath.txt" ]]; then
    (cd "$ROOT/neo4j-local" && JAVA_HOME="$jhome" mvn -B -q compile dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt >&2)
  fi
}

wait_for_bolt() {
  local deadline=$((SECONDS + ${BCG_NEO4J_START_TIMEOUT:-180}))
  while (( SECONDS < deadline )); do
    if ! kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
      echo "neo4j exited during start; see $STATE/neo4j.log" >&2; tail -30 "$STATE/neo4j.log" >&2; return 1
    fi
    if grep -q "^bolt://" "$STATE/neo4j.log" 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  echo "neo4j did not answer on port $PORT in time; see $STATE/neo4j.log" >&2
  return 1
}

start() {
  mkdir -p "$STATE"
  if [[ -f "$STATE/pid" ]] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
    cat "$STATE/uri"; return 0
  fi
  build
  local java; java="$(find_java17)"
  # The --add-opens flags are those of Neo4j's own neo4j.conf (server.jvm.additional).
  nohup "$java" -Xms256m -Xmx"$HEAP" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
    -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -Djdk.nio.maxCachedBufferSize=1024 \
    -Dio.netty.tryReflectionSetAccessible=true -Djdk.tls.ephemeralDHKeySize=2048 \
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
    --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
    --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED \
    --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
    --enable-native-access=ALL-UNNAMED \
    -cp "$ROOT/neo4j-local/target/classes:$(cat "$ROOT/neo4j-local/target/classpath.txt")" \
    bcg.LocalNeo4j "$STATE/home" "$PORT" "$PAGECACHE_MB" >"$STATE/neo4j.log" 2>&1 &
  echo $! >"$STATE/pid"
  wait_for_bolt
  echo "bolt://127.0.0.1:$PORT" | tee "$STATE/uri"
}

stop() {
  if [[ -f "$STATE/pid" ]]; then
    local pid; pid="$(cat "$STATE/pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/pid" "$STATE/uri"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
