#!/usr/bin/env bash
# Start-up, release latency and RSS of the mesh-probe agent against an empty -javaagent (not run in CI).
# Needs: hyperfine, python3, a built jar (./mvnw -q -pl mesh-probe-agent -am package -DskipTests).
# Usage: mesh-probe-agent/src/bench/bench.sh [java ...]   (default: the JDK on PATH and Temurin 25)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=$(ls "$here"/../../target/mesh-probe-agent-*-SNAPSHOT.jar | grep -v original | head -1)
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
javas=("$@"); [ ${#javas[@]} -gt 0 ] || javas=("$(command -v java)" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)

# Hello app and an empty agent, compiled for Java 8.
mkdir -p "$work/app" "$work/empty"
cat > "$work/app/Hello.java" <<'J'
public class Hello { public static void main(String[] a) { System.out.println("main-start " + System.currentTimeMillis()); } }
J
cat > "$work/empty/Empty.java" <<'J'
public class Empty { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }
J
javac --release 8 -d "$work/app" "$work/app/Hello.java" 2>/dev/null
javac --release 8 -d "$work/empty" "$work/empty/Empty.java" 2>/dev/null
printf 'Premain-Class: Empty\nCan-Retransform-Classes: true\n' > "$work/empty/m.txt"
jar cfm "$work/empty.jar" "$work/empty/m.txt" -C "$work/empty" Empty.class

port=15999
python3 "$here/sidecar.py" $port 0 > /dev/null & sleep 0.5
url=http://127.0.0.1:$port
istio="mesh=istio;istio.status-url=$url;istio.readiness-url=$url;istio.admin-url=$url;quit=never;agent.jmx=false"

for java in "${javas[@]}"; do
  [ -x "$java" ] || continue
  echo "== $("$java" -version 2>&1 | head -1)"
  hyperfine -N --warmup 3 --runs 20 --export-json "$work/h.json" \
    -n "no agent" "$java -cp $work/app Hello" \
    -n "empty agent" "$java -javaagent:$work/empty.jar -cp $work/app Hello" \
    -n "no mesh (nothing listens, not k8s)" "$java -javaagent:$jar -cp $work/app Hello" \
    -n "meshprobe.mesh=none" "$java -javaagent:$jar=mesh=none -cp $work/app Hello" \
    -n "gate mode, no mesh" "$java -javaagent:$jar=wait.mode=gate -cp $work/app Hello" \
    -n "proxy already ready (block)" "$java -javaagent:$jar=$istio -cp $work/app Hello" \
    -n "proxy already ready, quit=auto" "$java -javaagent:$jar=${istio/quit=never/quit=auto} -cp $work/app Hello" > /dev/null
  python3 - "$work/h.json" <<'P'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = next(x for x in r if x["command"] == "empty agent")["median"]
for x in r:
    print(f'{x["command"]:38s} median {x["median"]*1000:7.1f} ms   vs empty agent {(x["median"]-base)*1000:+7.1f} ms')
P
  # Release latency: the sidecar turns ready 0.6 s after start; main-start minus the sidecar's READY time.
  lat=()
  for i in $(seq 1 15); do
    p=$((16000 + i)); python3 "$here/sidecar.py" $p 0.6 > "$work/s.log" & spid=$!; sleep 0.2
    u=http://127.0.0.1:$p
    start=$("$java" -javaagent:$jar="mesh=istio;istio.status-url=$u;istio.readiness-url=$u;istio.admin-url=$u;quit=never;agent.jmx=false" -cp "$work/app" Hello | awk '{print $2}')
    ready=$(awk '/READY/{print $2}' "$work/s.log"); kill $spid; wait $spid 2>/dev/null || true
    lat+=($((start - ready)))
  done
  printf 'release after ready (ms, 15 runs): %s  p50 %s\n' "${lat[*]}" "$(printf '%s\n' "${lat[@]}" | sort -n | sed -n 8p)"
  # Max RSS, median of 7.
  rss() { for i in 1 2 3 4 5 6 7; do /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 4p; }
  e=$(rss "$java" -javaagent:$work/empty.jar -cp $work/app Hello)
  n=$(rss "$java" -javaagent:$jar -cp $work/app Hello)
  m=$(rss "$java" -javaagent:$jar=$istio -cp $work/app Hello)
  echo "max RSS KB (median of 7): empty agent $e, no mesh $n ($(( (n-e)/1024 )) MB more), proxy ready $m ($(( (m-e)/1024 )) MB more)"
done
echo "jar: $(stat -c %s "$jar") bytes"
