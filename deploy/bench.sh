#!/usr/bin/env bash
# Normdrop's benchmarks (not part of the tests): writes bench.json and bench.md to OUT.
#   deploy/bench.sh [step|metrics|fashion|all] [OUT]     (default: step target/bench)
#   step    one training step: weight-norm dense vs DenseLayer, DL4J dropOut(1.0) vs keep = 1 elided (~1 min)
#   metrics the metrics module's cost: quickstart with full collection vs the bare trainer (~3 min)
#   fashion full Fashion-MNIST on Spark local[2] with and without weight norm, and in one JVM (~12 min)
# Run nothing else meanwhile: timings are ratios measured side by side, on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-step}"
out="${2:-$root/target/bench}"
"$root/deploy/setup.sh" $([[ "$which" == fashion || "$which" == all ]] && echo --data)
cd "$root"
mvn -B -q -ntp -DskipTests test-compile dependency:build-classpath -DincludeScope=test \
  -Dmdep.outputFile=target/test.classpath >target/bench-build.log 2>&1 || { tail -30 target/bench-build.log; exit 70; }
mkdir -p logs
exec java -Xmx8g @conf/java17-module-flags.args -Dlog4j2.configurationFile=conf/log4j2.properties \
  -Dnormdrop.logFile=logs/bench.log \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.normdrop.bench.Benchmarks "$which" "$out"
