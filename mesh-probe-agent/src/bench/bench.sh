#!/usr/bin/env bash
# Start-up, release latency, gate head start and RSS of the mesh-probe agent (not run in CI).
# Needs: python3, /usr/bin/time, built jars: ./mvnw -q -pl mesh-probe-agent -am package -DskipTests
# Usage: mesh-probe-agent/src/bench/bench.sh [java ...]   (default: the JDK on PATH and Temurin 25)
# The sidecar is the testkit's fake sidecar CLI (its "READY epochMillis=" line is the moment it turns ready).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=$(ls "$here"/../../target/mesh-probe-agent-*-SNAPSHOT.jar | grep -v original | head -1)
kit=$(ls "$here"/../../../mesh-probe-testkit/target/mesh-probe-testkit-*-SNAPSHOT.jar | head -1)
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
javas=("$@"); [ ${#javas[@]} -gt 0 ] || javas=("$(command -v java)" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
runs=${RUNS:-20}

# Hello app, gate app, an empty agent and a time-stamping agent, compiled for Java 8.
mkdir -p "$work/app" "$work/empty" "$work/stamp"
cat > "$work/app/Hello.java" <<'J'
public class Hello { public static void main(String[] a) { System.out.println("main-start " + System.currentTimeMillis()); } }
J
cat > "$work/empty/Empty.java" <<'J'
public class Empty { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }
J
cp "$here/GateApp.java" "$work/app/"; cp "$here/Stamp.java" "$work/stamp/"
javac --release 8 -d "$work/app" "$work/app/Hello.java" "$work/app/GateApp.java" 2>/dev/null
javac --release 8 -d "$work/empty" "$work/empty/Empty.java" 2>/dev/null
javac --release 8 -d "$work/stamp" "$work/stamp/Stamp.java" 2>/dev/null
printf 'Premain-Class: Empty\nCan-Retransform-Classes: true\n' > "$work/empty/m.txt"
jar cfm "$work/empty.jar" "$work/empty/m.txt" -C "$work/empty" Empty.class
printf 'Premain-Class: Stamp\n' > "$work/stamp/m.txt"
jar cfm "$work/stamp.jar" "$work/stamp/m.txt" -C "$work/stamp" Stamp.class

# sidecar NAME BASEPORT [flags...]: a fake Istio sidecar on BASEPORT (status), +1 (readiness), +2 (admin); log in $work/NAME.log
sidecar() {
  local name=$1 base=$2; shift 2
  java -jar "$kit" --mesh istio --port ISTIO_STATUS=$base --port ISTIO_READINESS=$((base + 1)) --port ENVOY_ADMIN=$((base + 2)) "$@" > "$work/$name.log" 2>&1 &
  spid=$!
  until grep -q "ISTIO_READINESS listening" "$work/$name.log" 2>/dev/null; do sleep 0.05; done
}
props() { echo "-Dmeshprobe.mesh=istio -Dmeshprobe.istio.status-url=http://127.0.0.1:$1 -Dmeshprobe.istio.readiness-url=http://127.0.0.1:$(($1 + 1)) -Dmeshprobe.istio.admin-url=http://127.0.0.1:$(($1 + 2))"; }
readyat() { sed -n 's/.*READY epochMillis=\([0-9]*\).*/\1/p' "$work/$1.log"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

sidecar ready 25020 --linger-on-quit
istio="$(props 25020) -Dmeshprobe.agent.jmx=false"

for java in "${javas[@]}"; do
  [ -x "$java" ] || continue
  echo "== $("$java" -version 2>&1 | head -1)"
  # Start-up: every command once per round, shuffled, RUNS rounds; medians, and the median of the per-round
  # difference to the empty agent. With BASE_JAR=<an older agent jar>, its rows run in the same rounds ("before").
  rows=()
  for tag in now before; do
    j=$jar; [ $tag = before ] && { [ -n "${BASE_JAR:-}" ] || continue; j=$BASE_JAR; }
    rows+=("$tag: no mesh (nothing listens, not k8s)=$java -javaagent:$j -cp $work/app Hello"
      "$tag: mesh none (verdict known)=$java -javaagent:$j=mesh=none -cp $work/app Hello"
      "$tag: gate mode, no mesh=$java -javaagent:$j=wait.mode=gate -cp $work/app Hello"
      "$tag: proxy already ready, block, quit never=$java $istio -Dmeshprobe.quit=never -javaagent:$j -cp $work/app Hello"
      "$tag: proxy already ready, block, quit auto=$java $istio -javaagent:$j -cp $work/app Hello")
  done
  python3 "$here/startup.py" "$runs" "empty agent" "no agent=$java -cp $work/app Hello" \
    "empty agent=$java -javaagent:$work/empty.jar -cp $work/app Hello" "${rows[@]}"

  # Release latency: a fake sidecar turning ready 600 ms after it listens; the app JVM starts at once.
  # ready->premain-end: the agent noticing (poll period + one HTTP GET) and returning from premain;
  # premain-end->main: the JVM launching main (the same without mesh-probe).
  tot=(); ag=(); jv=()
  for i in $(seq 1 15); do
    p=$((26000 + 10 * i)); sidecar "lat$i" $p --ready-after 600ms
    out=$("$java" $(props $p) -Dmeshprobe.quit=never -Dmeshprobe.agent.jmx=false -javaagent:$jar -javaagent:$work/stamp.jar -cp "$work/app" Hello)
    r=$(readyat "lat$i"); pe=$(echo "$out" | awk '/premain-end/{print $2}'); ms=$(echo "$out" | awk '/main-start/{print $2}')
    kill $spid 2>/dev/null || true; wait $spid 2>/dev/null || true
    tot+=($((ms - r))); ag+=($((pe - r))); jv+=($((ms - pe)))
  done
  echo "release: READY -> main-start ms: ${tot[*]}  p50 $(printf '%s\n' "${tot[@]}" | median)"
  echo "         READY -> premain returns: p50 $(printf '%s\n' "${ag[@]}" | median); premain returns -> main-start: p50 $(printf '%s\n' "${jv[@]}" | median)"

  # Gate head start: init takes 1.5 s, the proxy turns ready 1.5 s after it listens; time from "pod start" (the
  # proxy listens and the app JVM is launched) to the app's first outbound call being let through (median of 7).
  # gate/block: the agent; serial-hold: no agent, the app starts only once the proxy is ready (like Istio's
  # holdApplicationUntilProxyStarts); self-wait: no agent, the app polls readiness itself after its init.
  for mode in gate block serial-hold self-wait; do
    t=()
    for i in $(seq 1 7); do
      p=$((27000 + 10 * i)); sidecar "g$i" $p --ready-after 1500ms
      t0=$(date +%s%3N) # "the pod starts": the proxy listens, not ready yet
      if [ $mode = serial-hold ]; then until [ -n "$(readyat g$i)" ]; do sleep 0.005; done; fi
      case $mode in
        gate) out=$("$java" $(props $p) -Dmeshprobe.wait.mode=gate -javaagent:$jar -cp "$work/app" GateApp 1500) ;;
        block) out=$("$java" $(props $p) -javaagent:$jar -cp "$work/app" GateApp 1500) ;;
        serial-hold) out=$("$java" -cp "$work/app" GateApp 1500) ;;
        self-wait) out=$("$java" -cp "$work/app" GateApp 1500 "http://127.0.0.1:$((p + 1))/healthz/ready") ;;
      esac
      kill $spid 2>/dev/null || true; wait $spid 2>/dev/null || true
      t+=($(( $(echo "$out" | awk '/released/{print $2}') - t0 )))
    done
    echo "first outbound call released, $mode: ${t[*]}  median $(printf '%s\n' "${t[@]}" | median) ms"
  done

  # Max RSS, median of 7.
  rss() { for i in 1 2 3 4 5 6 7; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | median; }
  e=$(rss "$java" -javaagent:$work/empty.jar -cp $work/app Hello)
  n=$(rss "$java" -javaagent:$jar -cp $work/app Hello)
  m=$(rss "$java" $istio -javaagent:$jar -cp $work/app Hello)
  echo "max RSS KB (median of 7): empty agent $e, no mesh $n ($(( (n-e)/1024 )) MB more), proxy ready $m ($(( (m-e)/1024 )) MB more)"
done
echo "jar: $(stat -c %s "$jar") bytes"
