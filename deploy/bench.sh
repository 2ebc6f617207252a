#!/usr/bin/env bash
# Normdrop's benchmarks (not part of the tests): writes bench.json and bench.md to OUT.
#   deploy/bench.sh [step|metrics|fashion|all|compare|scale] [OUT]     (default: step target/bench)
#   step    one training step: weight-norm dense vs DenseLayer, DL4J dropOut(1.0) vs keep = 1 elided (~1 min)
#   metrics the metrics module's cost: quickstart with full collection vs the bare trainer (~3 min)
#   fashion full Fashion-MNIST on Spark local[2] with and without weight norm, and in one JVM (~12 min)
#   compare the performance table: (a) one-JVM fit, (b) Normdrop on Spark local[2] (resident master),
#           (b') with dl4j-spark's master, (c) dl4j-spark's master at its defaults, (d) Spark MLlib's
#           MLP (L-BFGS, -Dbench.mllibIterations=24, ~300 s), the ND4J sgemm roofline, then (e) the
#           one-step comparisons of "step" (~15 min)
#   scale   jobs/scale-1m.conf: generates 1,000,000 x 784 synthetic examples as Parquet (once, in
#           data/synthetic-1m), trains one epoch on local[2], records the time per epoch and the
#           peak memory of the one JVM that is driver and executors in local mode (~10 min;
#           writes scale.md, scale-time.txt and the run's metrics.json to OUT)
# NORMDROP_BENCH_OPTS adds JVM options (e.g. -Dbench.epochs=1 for a quick look).
# Run nothing else meanwhile: timings are ratios measured side by side, on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-step}"
out="${2:-$root/target/bench}"
if [[ "$which" == scale ]]; then
  cd "$root"
  mkdir -p "$out"
  data=data/synthetic-1m
  if [[ ! -f "$data/train.parquet/_SUCCESS" ]]; then
    /usr/bin/time -f '%e s, max RSS %M KB' -o "$out/scale-generate-time.txt" \
      deploy/local.sh generate "$data" --examples 1000000 --test-examples 10000 --format parquet --master 'local[2]'
  fi
  /usr/bin/time -v -o "$out/scale-time.txt" deploy/local.sh jobs/scale-1m.conf --master 'local[2]' --overwrite \
    | tee "$out/scale-console.txt"
  cp runs/scale-1m/metrics.json runs/scale-1m/epochs.csv "$out/"
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/scale-time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/scale-time.txt")
  epoch=$(awk -F, 'NR==2 {printf "%.0f s training + %.0f s evaluation, %.0f samples/s", $6, $7, $8}' runs/scale-1m/epochs.csv)
  {
    echo "# Scale run: jobs/scale-1m.conf on local[2] ($(date -u +%F), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB)"
    echo
    echo "| what | value |"
    echo "|---|---|"
    [[ -f "$out/scale-generate-time.txt" ]] && echo "| generate 1,000,000 + 10,000 examples as Parquet | $(cat "$out/scale-generate-time.txt") |"
    echo "| whole train command (read, check, scale, 1 epoch, evaluate, write) | $wall |"
    echo "| epoch | $epoch |"
    echo "| peak RSS of the JVM (driver and executors in local mode) | $((rss_kb / 1024)) MiB |"
  } >"$out/scale.md"
  cat "$out/scale.md"
  exit 0
fi
"$root/deploy/setup.sh" $([[ "$which" == fashion || "$which" == all || "$which" == compare ]] && echo --data)
cd "$root"
mvn -B -q -ntp -DskipTests test-compile dependency:build-classpath -DincludeScope=test \
  -Dmdep.outputFile=target/test.classpath >target/bench-build.log 2>&1 || { tail -30 target/bench-build.log; exit 70; }
mkdir -p logs
exec java -Xmx8g ${NORMDROP_BENCH_OPTS:-} @conf/java17-module-flags.args -Dlog4j2.configurationFile=conf/log4j2.properties \
  -Dnormdrop.logFile=logs/bench.log \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.normdrop.bench.Benchmarks "$which" "$out"
