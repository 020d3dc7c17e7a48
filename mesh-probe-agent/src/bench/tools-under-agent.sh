#!/usr/bin/env bash
# Starts non-app JVMs (jcmd, keytool, javac) with the agent in JAVA_TOOL_OPTIONS, next to an Istio fake sidecar
# that never turns ready, and shows that the agent never blocks them and adds no byte to their stdout.
# Not run in CI. Usage (after ./mvnw -q -pl mesh-probe-testkit,mesh-probe-agent -am package -DskipTests):
#   mesh-probe-agent/src/bench/tools-under-agent.sh [iterations per tool, default 200]
# A "block" is a run that took longer than half the configured wait timeout (10 s) or logged that it waits.
set -euo pipefail
cd "$(dirname "$0")/../../.."
N="${1:-200}"
AGENT="$(ls mesh-probe-agent/target/mesh-probe-agent-*.jar | grep -v -e sources -e javadoc -e original | head -1)"
SIDECAR="$(ls mesh-probe-testkit/target/mesh-probe-testkit-*.jar | grep -v -e sources -e javadoc | head -1)"
JAVA_BIN="$(dirname "$(readlink -f "$(command -v java)")")"
WORK="$(mktemp -d)"
trap 'kill "$SIDE_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

java -jar "$SIDECAR" --mesh istio --free-ports --never-ready >"$WORK/sidecar.out" 2>&1 &
SIDE_PID=$!
for _ in $(seq 100); do grep -q ENVOY_ADMIN "$WORK/sidecar.out" 2>/dev/null && grep -q ISTIO_READINESS "$WORK/sidecar.out" && break; sleep 0.1; done
url() { grep " $1 listening on " "$WORK/sidecar.out" | sed 's/.* listening on //'; }
PROPS="-Dmeshprobe.istio.status-url=$(url ISTIO_STATUS) -Dmeshprobe.istio.readiness-url=$(url ISTIO_READINESS) -Dmeshprobe.istio.admin-url=$(url ENVOY_ADMIN) -Dmeshprobe.wait.timeout=10s"
printf 'class Hello { }\n' >"$WORK/Hello.java"

run() { # run NAME OPTS -> appends "millis stdout-bytes waited" to $WORK/NAME
  local name=$1 opts=$2; shift 2
  local start end
  start=$(date +%s%N)
  JAVA_TOOL_OPTIONS="$opts" "$@" >"$WORK/out" 2>"$WORK/err" || true
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) $(wc -c <"$WORK/out") $(grep -c 'waiting' "$WORK/err" || true)" >>"$WORK/$name"
}

printf '%-8s %-9s %6s %12s %12s %7s %14s\n' tool mode runs "median ms" "max ms" blocks "stdout bytes"
for tool in jcmd keytool javac; do
  case $tool in
    jcmd) cmd=("$JAVA_BIN/jcmd" -l) ;;
    keytool) cmd=("$JAVA_BIN/keytool" -help) ;;
    javac) cmd=("$JAVA_BIN/javac" -d "$WORK" "$WORK/Hello.java") ;;
  esac
  for mode in baseline agent; do
    opts="-Dmeshprobe.bench=1"
    [ "$mode" = agent ] && opts="-javaagent:$AGENT $PROPS"
    for _ in $(seq "$N"); do run "$tool-$mode" "$opts" "${cmd[@]}"; done
    sort -n "$WORK/$tool-$mode" | awk -v t="$tool" -v m="$mode" '
      { ms[NR]=$1; if ($1 > 5000 || $3 > 0) blocks++; if ($2 > maxout) maxout=$2; sum += $2 }
      END { printf "%-8s %-9s %6d %12d %12d %7d %14s\n", t, m, NR, ms[int((NR+1)/2)], ms[NR], blocks+0, maxout+0 }'
  done
done
# jcmd -l lists JVMs by pid (its output length varies with the pids), so compare its stdout per run, not exactly.
