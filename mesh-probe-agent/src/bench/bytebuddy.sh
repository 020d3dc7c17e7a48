#!/usr/bin/env bash
# Byte Buddy vs ASM for the gate's hooks (issue 14), with the same interleaved harness as bench.sh (startup.py).
# Builds a copy of the shaded agent jar whose PatchWriter is bytebuddy/PatchWriter.java (Byte Buddy's Advice from
# the agent's plain ClassFileTransformer, no AgentBuilder), with Byte Buddy's classes added (not relocated: this
# is a measurement, not a build), then times both jars in the same rounds.
# Needs: python3, the built jars (./mvnw -q -pl mesh-probe-agent -am package -DskipTests), Byte Buddy in ~/.m2.
# Usage: mesh-probe-agent/src/bench/bytebuddy.sh [java ...]   RUNS=20 by default; BASE_JAR=<an older agent jar>
# adds its gate rows ("base") to the same rounds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=$(ls "$here"/../../target/mesh-probe-agent-*-SNAPSHOT.jar | grep -v original | head -1)
classes="$here/../../target/classes"
kit=$(ls "$here"/../../../mesh-probe-testkit/target/mesh-probe-testkit-*-SNAPSHOT.jar | head -1)
bb=${BYTEBUDDY_JAR:-$(ls ~/.m2/repository/net/bytebuddy/byte-buddy/1.18.17/byte-buddy-1.18.17.jar)}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
javas=("$@"); [ ${#javas[@]} -gt 0 ] || javas=("$(command -v java)" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java)
runs=${RUNS:-20}

# The Byte Buddy variant of the agent jar.
mkdir -p "$work/bbout" "$work/bbx" "$work/app" "$work/empty"
javac -nowarn --release 8 -cp "$classes:$bb" -d "$work/bbout" "$here/bytebuddy/PatchWriter.java"
cp "$jar" "$work/agent-bytebuddy.jar"
(cd "$work/bbx" && unzip -q "$bb" -x 'META-INF/MANIFEST.MF' 'META-INF/versions/9/module-info.class' 'META-INF/maven/*')
jar uf "$work/agent-bytebuddy.jar" -C "$work/bbout" . -C "$work/bbx" .

cat > "$work/app/Hello.java" <<'J'
public class Hello { public static void main(String[] a) { System.out.println("main-start " + System.currentTimeMillis()); } }
J
# The gate patches the socket classes as they load (not in premain), so its cost shows at the first socket use:
# this app makes one loopback connect (never gated) right after main starts; its wall time includes that.
cat > "$work/app/Connect.java" <<'J'
public class Connect {
  public static void main(String[] a) throws Exception {
    System.out.println("main-start " + System.currentTimeMillis());
    new java.net.Socket("127.0.0.1", Integer.parseInt(a[0])).close();
  }
}
J
cat > "$work/empty/Empty.java" <<'J'
public class Empty { public static void premain(String a, java.lang.instrument.Instrumentation i) {} }
J
javac --release 8 -d "$work/app" "$work/app/Hello.java" "$work/app/Connect.java" 2>/dev/null
javac --release 8 -d "$work/empty" "$work/empty/Empty.java" 2>/dev/null
printf 'Premain-Class: Empty\nCan-Retransform-Classes: true\n' > "$work/empty/m.txt"
jar cfm "$work/empty.jar" "$work/empty/m.txt" -C "$work/empty" Empty.class

# Two fake Istio sidecars: one ready, one that never turns ready (the gate stays shut: premain patches and returns).
sidecar() {
  local name=$1 base=$2; shift 2
  java -jar "$kit" --mesh istio --port ISTIO_STATUS=$base --port ISTIO_READINESS=$((base + 1)) --port ENVOY_ADMIN=$((base + 2)) "$@" > "$work/$name.log" 2>&1 &
  until grep -q "ISTIO_READINESS listening" "$work/$name.log" 2>/dev/null; do sleep 0.05; done
}
props() { echo "-Dmeshprobe.mesh=istio -Dmeshprobe.istio.status-url=http://127.0.0.1:$1 -Dmeshprobe.istio.readiness-url=http://127.0.0.1:$(($1 + 1)) -Dmeshprobe.istio.admin-url=http://127.0.0.1:$(($1 + 2)) -Dmeshprobe.agent.jmx=false -Dmeshprobe.quit=never"; }
sidecar ready 25620 --linger-on-quit
sidecar waiting 25630 --never-ready
ready=$(props 25620); waiting=$(props 25630)

for java in "${javas[@]}"; do
  [ -x "$java" ] || continue
  echo "== $("$java" -version 2>&1 | head -1)"
  # Check first that the variant really patches (one debug run).
  "$java" $waiting -Dmeshprobe.log.level=debug -Dmeshprobe.wait.mode=gate -javaagent:"$work/agent-bytebuddy.jar" -cp "$work/app" Connect 25630 2>&1 | grep -E "patched|could not" | sed 's/^/   byte buddy variant: /'
  rows=()
  if [ -n "${BASE_JAR:-}" ]; then
    rows+=("base: gate, not ready, 1st connect=$java $waiting -Dmeshprobe.wait.mode=gate -javaagent:$BASE_JAR -cp $work/app Connect 25630"
      "base: gate, ready, 1st connect=$java $ready -Dmeshprobe.wait.mode=gate -javaagent:$BASE_JAR -cp $work/app Connect 25620")
  fi
  for v in asm bytebuddy; do
    j=$jar; [ $v = bytebuddy ] && j=$work/agent-bytebuddy.jar
    rows+=("$v: gate, not ready, 1st connect=$java $waiting -Dmeshprobe.wait.mode=gate -javaagent:$j -cp $work/app Connect 25630"
      "$v: gate, ready, 1st connect=$java $ready -Dmeshprobe.wait.mode=gate -javaagent:$j -cp $work/app Connect 25620"
      "$v: block, proxy ready=$java $ready -javaagent:$j -cp $work/app Hello"
      "$v: no mesh=$java -javaagent:$j -cp $work/app Hello")
  done
  python3 "$here/startup.py" "$runs" "empty agent" "empty agent=$java -javaagent:$work/empty.jar -cp $work/app Hello" \
    "empty agent, 1st connect=$java -javaagent:$work/empty.jar -cp $work/app Connect 25620" "${rows[@]}"
done
echo "jars: asm $(stat -c %s "$jar") bytes, byte buddy variant $(stat -c %s "$work/agent-bytebuddy.jar") bytes"
