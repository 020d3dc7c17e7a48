#!/usr/bin/env bash
# Two builds of one commit give byte-identical artifacts. Clones the commit twice (two paths, so nothing may depend on
# where the build runs), runs the release build in each (./mvnw -Prelease -DskipTests verify: jars, sources and
# javadoc jars, the shaded agent, the starter with its Boot 3.5 classes, SBOMs, the agent image tarball) and compares
# every artifact under */target by SHA-256. Exit 1 and the differing files if any differ.
# Usage: release/reproducible-check.sh [commit, default HEAD] [extra Maven arguments]
# Online, like every -Prelease build: the staging deploy and CycloneDX's makeBom refuse to run with -o.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COMMIT="$(git -C "$ROOT" rev-parse "${1:-HEAD}")"
shift || true
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
for n in 1 2; do
  git clone -q "$ROOT" "$WORK/build-$n"
  git -C "$WORK/build-$n" checkout -q "$COMMIT"
  echo "reproducible-check: build $n of ${COMMIT:0:7} in $WORK/build-$n"
  (cd "$WORK/build-$n" && ./mvnw -B -ntp -q -Prelease -DskipTests "$@" verify >"$WORK/build-$n.log" 2>&1) \
    || { tail -50 "$WORK/build-$n.log"; exit 1; }
  (cd "$WORK/build-$n" && find . -maxdepth 4 -path ./target -prune -o -path '*/target/*' -type f \
      \( -name '*.jar' -o -name '*-cyclonedx.json' -o -name '*.tar' \) -print | sort | xargs sha256sum) >"$WORK/sums-$n"
done
count=$(wc -l <"$WORK/sums-1")
if diff "$WORK/sums-1" "$WORK/sums-2" >"$WORK/diff"; then
  echo "reproducible-check: OK: $count artifacts byte-identical in two builds of ${COMMIT:0:7}"
  sed 's/^/  /' "$WORK/sums-1"
else
  echo "reproducible-check: FAILED: these artifacts differ between two builds of ${COMMIT:0:7}:"
  grep '^[<>]' "$WORK/diff" | awk '{print "  " $3}' | sort -u
  exit 1
fi
