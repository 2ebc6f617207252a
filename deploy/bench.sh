#!/usr/bin/env bash
# Normdrop's benchmarks (not part of the tests): writes bench.json and bench.md to OUT.
#   deploy/bench.sh [step|metrics|fashion|conv|all|compare|speed|allreduce|averaging|scale|shuffle|cluster|encryption|scoring|onnx|fits|fuzz] [OUT]  (default: step target/bench)
#   step    one training step: weight-norm dense vs DenseLayer, DL4J dropOut(1.0) vs keep = 1 elided, and a
#           small conv net with DL4J's ConvolutionLayer, WeightNormConv2D on DL4J's conv code (the baseline) and
#           WeightNormConv2D as it runs (the padded grid), then a JFR profile of each conv step (~6 min)
#   metrics the metrics module's cost: quickstart with full collection vs the bare trainer (~3 min)
#   fashion full Fashion-MNIST on Spark local[2] with and without weight norm, and in one JVM (~12 min)
#   conv    jobs/fashion-mnist-conv.conf on Spark local[2] as it is (weight-norm convolutions) and with DL4J's
#           plain conv2d and dense layers in their place, one after the other: test accuracy, training
#           s/epoch and their ratio (~40 min; writes conv.md and conv-compare.md, the runs in OUT/conv-*)
#   compare the performance table: (a) one-JVM fit, (b) Normdrop on Spark local[2] (resident master),
#           (b') with dl4j-spark's master, (c) dl4j-spark's master at its defaults, (d) Spark MLlib's
#           MLP (L-BFGS, -Dbench.mllibIterations=24, ~300 s), the ND4J sgemm roofline, then (e) the
#           one-step comparisons of "step" (~15 min)
#   speed   faster than one machine: (a) one-JVM fit over an iterator and (b) Normdrop's allreduce master
#           on local[2], a b b a, 15 epochs (-Dbench.epochs=N); the same reshuffled every epoch; the
#           resident master; DL4J's ParallelWrapper (2 workers, averaging every 20) at ND4J's default
#           threads and at one; the share of (b)'s training time outside fit (~25 min)
#   allreduce what the driver receives per averaging round with 2, 4, 8 and 16 workers (local[N]),
#           allreduce against resident, and the per-round costs the scaling model starts from (~6 min)
#   averaging what measuring the workers' drift costs a round: one allreduce task's mean of
#           jobs/fashion-mnist.conf's parameters and Adam state (2 workers) with and without it,
#           interleaved, against the job's median round on local[2] averaging every 5 and 20 (~3 min)
#   scale   jobs/scale-1m.conf streamed, one epoch on local[2], at 250,000, 1,000,000 and 4,000,000 synthetic
#           rows x 784 in Parquet (NORMDROP_SCALE_ROWS; generated once under data/), and kept in memory on
#           1,000,000: peak RSS of the one JVM, samples/s, read rate, the workers' wait for data
#           (~25 min; 10,000,000 rows add ~40 min and 7.6 GB of disk; writes scale.md and the runs)
#   shuffle Fashion-MNIST sorted by label in Parquet, streamed with jobs/fashion-mnist.conf's settings
#           (20 epochs) at each shuffle buffer of NORMDROP_SHUFFLE_BUFFERS, and the job as it is (~6 min a
#           run; writes shuffle.md)
#   cluster a Spark standalone cluster on this machine (a master and two 1-core workers on 127.0.0.1,
#           stopped at the end): jobs/fashion-mnist.conf for 3 epochs through deploy/submit.sh with
#           2 workers and with 1; the speedup of epochs 2-3 and the share of training time outside
#           the workers' fit (~8 min; writes cluster.md)
#   encryption the same cluster with spark.authenticate on its daemons: jobs/fashion-mnist.conf, 2 workers,
#           4 epochs (NORMDROP_BENCH_EPOCHS), with authentication only and with AES on RPC and block transfers
#           plus encrypted shuffle files, a b b a a b; training, fit and outside-fit s/epoch and submit-to-exit
#           time (~16 min; writes encryption.md)
#   scoring rows/s of scoring with a trained 784-1024-512-10 network (jobs/fashion-mnist.conf, 1 epoch):
#           the Fashion-MNIST test set in memory, Normdrop (folded and unfolded) vs MLlib's MLP transform vs
#           dl4j-spark's feedForwardWithKey vs one JVM's output(), interleaved; then 1,000,000 synthetic
#           rows from Parquet (generated once in data/synthetic-1m): deploy/local.sh predict with its peak
#           RSS, and Normdrop, MLlib and dl4j-spark in one JVM (~25 min; writes scoring.md too); first "onnx"
#   onnx    serving in one JVM: the same model's ONNX export in ONNX Runtime vs DL4J's output() on the test
#           set in memory, batches of 1,024 and single rows, interleaved, same classes checked (~3 min)
#   fits    twenty fits of the Spark ML estimator in one JVM, as a CrossValidator grid runs them (5 learning
#           rates x 4 folds, then the refit; 2,000 synthetic rows x 784, local[2]): after each fit and a full GC,
#           VmRSS, its Java-heap part, the native rest before and after trimming the C heap, the heap in use and
#           the training runs whose networks are still held (~2 min; writes fits.csv)
#   fuzz    coverage-guided fuzzing (Jazzer) of every reader of outside input: job files, sweep files, model
#           zips, IDX, csv and libsvm, 10,000 inputs each from the committed seeds, and Parquet through Spark
#           with the tests' seeded mutator (NORMDROP_FUZZ_PARQUET inputs, default 10,000); every input must
#           be read or refused with one line and exit 64/65/66 (~5 min + ~20 min for Parquet; writes
#           fuzz.md; a defect's input goes to src/test/resources/io/normdrop/job/ReadersFuzzTestInputs/METHOD)
# NORMDROP_BENCH_OPTS adds JVM options (e.g. -Dbench.epochs=1 for a quick look).
# Run nothing else meanwhile: timings are ratios measured side by side, on a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-step}"
out="${2:-$root/target/bench}"
# A Spark standalone cluster on this machine for "cluster" and "encryption": a master and two
# 1-core workers on 127.0.0.1 started from the Spark jars Maven resolved, stopped at exit by pid.
# Extra arguments are JVM options of the daemons.
start_cluster() {
  cd "$root"
  mkdir -p "$out"
  "$root/deploy/setup.sh" --data
  deploy/local.sh --version >/dev/null   # builds the job jar when stale
  home="$root/target/spark-home"         # a SPARK_HOME of the Spark jars Maven resolved
  mkdir -p "$home/jars" "$home/bin"
  # The classpath file ends without a newline: read's last line would be lost (slf4j-api, in a fresh clone).
  { tr ':' '\n' <target/spark.classpath; echo; } | while read -r jar; do [[ -n "$jar" ]] && ln -sf "$jar" "$home/jars/"; done
  echo "Spark 3.5.7 (Maven's jars)" >"$home/RELEASE"
  printf '#!/usr/bin/env bash\nexec java -Xmx4g @%s -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit "$@"\n' \
    "$root/conf/java17-module-flags.args" >"$home/bin/spark-submit"
  chmod +x "$home/bin/spark-submit"
  work="$(mktemp -d)"
  export SPARK_HOME="$home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12
  daemon() { java -Xmx512m @conf/java17-module-flags.args -cp "$home/jars/*" "$@" & pids+=("$!"); }
  # Stops a process started here and everything it started (a worker's executors), by pid.
  stop_tree() { local child; for child in $(pgrep -P "$1"); do stop_tree "$child"; done; kill "$1" 2>/dev/null || true; }
  pids=()
  trap 'for pid in "${pids[@]}"; do stop_tree "$pid"; done; rm -rf "$work"' EXIT
  daemon "$@" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7177 --webui-port 0 >"$work/master.log" 2>&1
  for w in 1 2; do
    daemon "$@" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 6g --webui-port 0 \
      --work-dir "$work/worker$w" spark://127.0.0.1:7177 >"$work/worker$w.log" 2>&1
  done
  for _ in $(seq 120); do [[ $(grep -c "Registering worker" "$work/master.log") -ge 2 ]] && break; sleep 0.5; done
  [[ $(grep -c "Registering worker" "$work/master.log") -ge 2 ]] || { echo "normdrop: the bench cluster did not start: $work/master.log" >&2; exit 70; }
}
# Mean of epochs.csv column $2 over epochs 2 and later (the first pays for JIT and data loading).
steady() { awk -F, -v c="$2" 'NR>2 {s+=$c; n++} END {printf "%.2f", s/n}' "$1"; }
# Share of training time outside the workers' fit (train_seconds, time_fit), epochs 2 and later.
outside_fit() { awk -F, 'NR>2 {s+=1-$12/$6; n++} END {printf "%.1f %%", 100*s/n}' "$1"; }
if [[ "$which" == cluster ]]; then
  start_cluster
  for n in 2 1; do
    NORMDROP_MASTER=spark://127.0.0.1:7177 NORMDROP_SUBMIT_ARGS="--conf spark.driver.host=127.0.0.1 --conf spark.cores.max=$n --conf spark.executor.cores=1" \
      bash deploy/submit.sh jobs/fashion-mnist.conf --set training.epochs=3 --set training.workers=$n \
      --out "$work/run-$n" --overwrite 2>&1 | tee "$out/cluster-$n.log" | grep -E "^(normdrop|epoch)"
    cp "$work/run-$n/epochs.csv" "$out/cluster-$n-epochs.csv"
  done
  s2=$(steady "$out/cluster-2-epochs.csv" 6)
  s1=$(steady "$out/cluster-1-epochs.csv" 6)
  a2=$(awk -F, 'END {print $4}' "$out/cluster-2-epochs.csv")
  a1=$(awk -F, 'END {print $4}' "$out/cluster-1-epochs.csv")
  o2=$(outside_fit "$out/cluster-2-epochs.csv")
  o1=$(outside_fit "$out/cluster-1-epochs.csv")
  {
    echo "# Standalone cluster, 2 workers vs 1 ($(date -u +%F), $(nproc) cores): jobs/fashion-mnist.conf, 3 epochs"
    echo
    echo "| workers (1 core each) | training s/epoch (epochs 2-3) | outside fit (epochs 2-3) | test accuracy after 3 epochs |"
    echo "|---|---|---|---|"
    echo "| 1 | $s1 | $o1 | $a1 |"
    echo "| 2 | $s2 | $o2 | $a2 |"
    echo
    echo "speedup 2 vs 1: $(awk -v a="$s1" -v b="$s2" 'BEGIN {printf "%.2f", a/b}')x"
  } >"$out/cluster.md"
  cat "$out/cluster.md"
  exit 0
fi
if [[ "$which" == encryption ]]; then
  # The daemons authenticate and speak AES; the secret reaches them in the environment and the
  # submits in a 0600 file, never on a command line.
  umask 077
  secret_file="$(mktemp)"
  head -c 32 /dev/urandom | base64 >"$secret_file"
  _SPARK_AUTH_SECRET="$(cat "$secret_file")" start_cluster -Dspark.authenticate=true -Dspark.network.crypto.enabled=true
  trap 'for pid in "${pids[@]}"; do stop_tree "$pid"; done; rm -rf "$work" "$secret_file"' EXIT
  umask 022
  epochs="${NORMDROP_BENCH_EPOCHS:-4}"
  # a b b a a b: authentication only and with encryption, interleaved so the machine's drift falls on both alike.
  n=0
  for variant in auth encrypted encrypted auth auth encrypted; do
    n=$((n + 1))
    encrypt=false; [[ "$variant" == encrypted ]] && encrypt=true   # deploy/submit.sh's three settings
    start=$(date +%s.%N)
    SPARK_AUTHENTICATE_SECRET_FILE="$secret_file" NORMDROP_MASTER=spark://127.0.0.1:7177 NORMDROP_ENCRYPT="$encrypt" \
      NORMDROP_SUBMIT_ARGS="--conf spark.driver.host=127.0.0.1 --conf spark.cores.max=2 --conf spark.executor.cores=1" \
      bash deploy/submit.sh jobs/fashion-mnist.conf --set training.epochs="$epochs" --set training.workers=2 \
      --out "$work/run-$n" --overwrite 2>&1 | tee "$out/encryption-$n-$variant.log" | grep -E "^(normdrop|epoch)"
    end=$(date +%s.%N)
    csv="$out/encryption-$n-$variant-epochs.csv"
    cp "$work/run-$n/epochs.csv" "$csv"
    # variant, training s/epoch, fit, outside fit, of which the workers' exchange (epochs 2 and later), submit to exit, accuracy
    echo "$variant $(steady "$csv" 6) $(steady "$csv" 12) $(awk -F, 'NR>2 {s+=$6-$12; n++} END {printf "%.2f", s/n}' "$csv") \
$(steady "$csv" 13) $(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b-a}') $(awk -F, 'END {print $4}' "$csv")" >>"$work/rows"
  done
  mean() { awk -v v="$1" -v c="$2" '$1 == v {s+=$c; n++} END {printf "%.3f", s/n}' "$work/rows"; }
  ratio() { awk -v a="$(mean encrypted "$1")" -v b="$(mean auth "$1")" 'BEGIN {printf "%.3f", a/b}'; }
  {
    echo "# Encryption on a standalone cluster ($(date -u +%F), $(nproc) cores): jobs/fashion-mnist.conf, $epochs epochs, 2 workers"
    echo
    echo "Authentication only (spark.authenticate) against authentication + AES on RPC and block transfers"
    echo "(spark.network.crypto.enabled, no SASL fallback) + encrypted shuffle and spill files"
    echo "(spark.io.encryption.enabled); runs in the order a b b a a b; per-epoch means over epochs 2-$epochs."
    echo
    echo "| run | settings | training s/epoch | workers' fit s/epoch | outside fit s/epoch | exchange s/epoch | submit to exit (s) | test accuracy |"
    echo "|---|---|---|---|---|---|---|---|"
    awk '{printf "| %d | %s | %s | %s | %s | %s | %s | %s |\n", NR, $1, $2, $3, $4, $5, $6, $7}' "$work/rows"
    echo
    echo "encrypted / authentication only: training s/epoch $(ratio 2)x, fit $(ratio 3)x, outside fit $(ratio 4)x, exchange $(ratio 5)x, submit to exit $(ratio 6)x"
  } >"$out/encryption.md"
  cat "$out/encryption.md"
  exit 0
fi
if [[ "$which" == fuzz ]]; then
  cd "$root"
  mkdir -p "$out"
  report="$out/fuzz.txt"
  : >"$report"
  failed=()
  for method in jobFile sweepFile modelZip idx csv libsvm; do
    echo "fuzzing $method ..."
    if ! JAZZER_FUZZ=1 NORMDROP_FUZZ_REPORT="$report" mvn -B -o -q -ntp test -Dtest="ReadersFuzzTest#$method" \
        -Dsurefire.failIfNoSpecifiedTests=false >"$out/fuzz-$method.log" 2>&1; then
      failed+=("$method")
    fi
    grep -E '^#[0-9]+ +DONE' "$out/fuzz-$method.log" | tail -1 || true
  done
  # Parquet is read through Spark (about 0.1 s an input): the seeded mutator of the tests, not Jazzer.
  parquet="${NORMDROP_FUZZ_PARQUET:-10000}"
  echo "fuzzing parquet ($parquet inputs, ~$((parquet / 500)) min) ..."
  if ! NORMDROP_FUZZ_REPORT="$report" mvn -B -o -q -ntp verify -Dtest=none -Dit.test=ParquetFuzzIT \
      -Dnormdrop.fuzz.parquet="$parquet" -Dsurefire.failIfNoSpecifiedTests=false >"$out/fuzz-parquet.log" 2>&1; then
    failed+=(parquet)
  fi
  {
    echo "# Fuzzing the readers ($(date -u +%F)): Jazzer, 10,000 inputs a reader from the committed seeds (Parquet: $parquet seeded mutations)"
    echo
    echo "| reader | inputs | read | refused (one line, exit 64/65/66) |"
    echo "|---|---|---|---|"
    # One line per JVM and reader; a fuzzing run also replays the other readers' seeds: add them up.
    awk -F'[:,]' '{gsub(/[^0-9]/, "", $2); gsub(/[^0-9]/, "", $3); gsub(/[^0-9]/, "", $4);
                   n[$1] += $2; r[$1] += $3; f[$1] += $4; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
                   END { for (i = 1; i <= k; i++) printf "| %s | %d | %d | %d |\n", order[i], n[order[i]], r[order[i]], f[order[i]] }' "$report"
    echo
    if ((${#failed[@]})); then echo "defects: ${failed[*]} (see fuzz-METHOD.log)"; else echo "defects: none"; fi
  } >"$out/fuzz.md"
  cat "$out/fuzz.md"
  ((${#failed[@]} == 0))
  exit $?
fi
if [[ "$which" == conv ]]; then
  cd "$root"
  mkdir -p "$out"
  "$root/deploy/setup.sh" --data
  plain=(--set 'model.layers[0].type=conv2d' --set 'model.layers[2].type=conv2d' --set 'model.layers[4].type=dense'
    --set model.dataInit.enabled=false)
  deploy/local.sh jobs/fashion-mnist-conv.conf --master 'local[2]' --out "$out/conv-weightnorm" --overwrite \
    | tee "$out/conv-weightnorm.log" | grep -E '^(normdrop|epoch)'
  deploy/local.sh jobs/fashion-mnist-conv.conf --master 'local[2]' "${plain[@]}" --out "$out/conv-plain" --overwrite \
    | tee "$out/conv-plain.log" | grep -E '^(normdrop|epoch)'
  deploy/local.sh compare "$out/conv-weightnorm" "$out/conv-plain" --markdown "$out/conv-compare.md" >/dev/null
  # epochs.csv: test accuracy ($4) of the last epoch; training seconds ($6) of epochs 2.. (the first warms
  # up): their median, mean and fastest, as the two runs do not share their minutes of machine noise
  acc() { awk -F, 'END {print $4}' "$1/epochs.csv"; }
  secs() { awk -F, 'NR>2 {print $6}' "$1/epochs.csv" | sort -n | awk '{a[NR]=$1; s+=$1}
    END {m = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.1f %.1f %.1f", m, s/NR, a[1]}'; }
  epochs=$(($(wc -l <"$out/conv-weightnorm/epochs.csv") - 1))
  read -r wm wa wf <<<"$(secs "$out/conv-weightnorm")"
  read -r pm pa pf <<<"$(secs "$out/conv-plain")"
  {
    echo "# Fashion-MNIST conv net on Spark local[2] ($(date -u +%F), $(nproc) cores): jobs/fashion-mnist-conv.conf, $epochs epochs"
    echo
    echo "| convolutions | test accuracy | training s/epoch, epochs 2-$epochs: median | mean | fastest |"
    echo "|---|---|---|---|---|"
    echo "| weightnorm-conv2d (+ weightnorm-dense, data init), as the job is | $(acc "$out/conv-weightnorm") | $wm | $wa | $wf |"
    echo "| conv2d (+ dense), DL4J's layers | $(acc "$out/conv-plain") | $pm | $pa | $pf |"
    echo
    echo "time per epoch, weight-norm / plain: median $(awk -v a="$wm" -v b="$pm" 'BEGIN {printf "%.3f", a/b}')x," \
      "mean $(awk -v a="$wa" -v b="$pa" 'BEGIN {printf "%.3f", a/b}')x, fastest $(awk -v a="$wf" -v b="$pf" 'BEGIN {printf "%.3f", a/b}')x" \
      "(one run after the other; deploy/bench.sh step times the two layers' steps interleaved)"
  } >"$out/conv.md"
  cat "$out/conv.md"
  exit 0
fi
if [[ "$which" == scale ]]; then
  # Data larger than memory (issue 27): one epoch of jobs/scale-1m.conf streamed at each size of
  # NORMDROP_SCALE_ROWS (synthetic Parquet, generated once under data/), and the in-memory path
  # (data.cacheLimitMiB above the set, 2 epochs, a 16 GiB heap) on 1,000,000 rows; one after the other.
  cd "$root"
  mkdir -p "$out"
  rows_list="${NORMDROP_SCALE_ROWS:-250000 1000000 4000000}"
  summary="$out/scale-runs.tsv"
  : >"$summary"
  one() { # name rows data extra...
    local name=$1 n=$2 data=$3
    shift 3
    /usr/bin/time -v -o "$out/$name-time.txt" deploy/local.sh jobs/scale-1m.conf --master 'local[2]' --overwrite \
      --set "data.train.path=\"$data/train.parquet\"" --set "data.test.path=\"$data/test.parquet\"" \
      --out "$out/$name" "$@" >"$out/$name.log" 2>&1 || { tail -20 "$out/$name.log"; exit 70; }
    grep '^normdrop: training' "$out/$name.log"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$n" "$(du -sb "$data/train.parquet" | cut -f1)" \
      "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/$name-time.txt")" "$out/$name/epochs.csv" >>"$summary"
  }
  for n in $rows_list; do
    data="data/synthetic-$n"
    if [[ ! -f "$data/train.parquet/_SUCCESS" ]]; then
      deploy/local.sh generate "$data" --examples "$n" --test-examples 10000 --format parquet --master 'local[2]'
    fi
    one "streamed-$n" "$n" "$data"
    if [[ "$n" == 1000000 ]]; then
      NORMDROP_DRIVER_MEMORY=16g one "kept-$n" "$n" "$data" --set data.cacheLimitMiB=16384 --set training.epochs=2
    fi
  done
  python3 - "$summary" "$out/scale.md" <<'PY'
import csv, sys, datetime, os
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
out = ["# Streamed epochs at scale (%s, %d cores, deploy/bench.sh scale)" % (datetime.date.today(), os.cpu_count()), "",
       "jobs/scale-1m.conf on local[2] (784-256-128-10, weight norm, keep 0.8, standardized, Adam; one JVM is driver and",
       "executors); streamed = the defaults; kept = data.cacheLimitMiB above the set, its epoch 2 (the shards dealt).", "",
       "| run | rows | Parquet on disk | peak RSS | samples/s | read rate | workers waiting for data | epoch |",
       "|---|---|---|---|---|---|---|---|"]
for name, n, size, rss, epochs in rows:
    e = list(csv.DictReader(open(epochs)))[-1]
    train = float(e["train_seconds"])
    wait = float(e["time_repartition"]) / train if train else 0
    n = int(n)
    out.append("| %s | %s | %.0f MB | %s MiB | %s | %.0f MB/s (%s rows/s) | %.1f %% | %s: %.0f s training |" % (
        name, format(n, ","), int(size) / 1e6, format(int(rss) // 1024, ","), format(round(float(e["samples_per_second"])), ","),
        int(size) / 1e6 / train, format(round(n / train), ","), 100 * wait, e["epoch"], train))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
  exit 0
fi
if [[ "$which" == shuffle ]]; then
  # The worst case for a streamed shuffle (issue 27, goal 3): Fashion-MNIST written to Parquet sorted by
  # label, row groups of 256 KiB, trained with jobs/fashion-mnist.conf's settings streamed
  # (data.cacheLimitMiB = 0) at each shuffle buffer of NORMDROP_SHUFFLE_BUFFERS, against the job as it
  # is (IDX, kept on the executors); one after the other.
  cd "$root"
  mkdir -p "$out"
  "$root/deploy/setup.sh" --data
  mvn -B -q -ntp -DskipTests package test-compile dependency:build-classpath -DincludeScope=test \
    -Dmdep.outputFile=target/test.classpath >target/bench-build.log 2>&1 || { tail -30 target/bench-build.log; exit 70; }
  data=data/fashion-mnist-sorted
  for set in train:sorted t10k:unsorted; do
    [[ -f "$data/${set%%:*}.parquet/_SUCCESS" ]] && continue
    java -Xmx4g @conf/java17-module-flags.args -Dlog4j2.configurationFile=conf/log4j2.properties -Dnormdrop.logFile=logs/bench.log \
      -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.normdrop.bench.SortedParquet \
      "/usr/share/datasets/fashion-mnist/${set%%:*}-images-idx3-ubyte.gz" "/usr/share/datasets/fashion-mnist/${set%%:*}-labels-idx1-ubyte.gz" \
      "$data/${set%%:*}.parquet" 262144 "${set##*:}"
  done
  deploy/local.sh jobs/fashion-mnist.conf --master 'local[2]' --out "$out/shuffle-kept" --overwrite | tail -1
  for b in ${NORMDROP_SHUFFLE_BUFFERS:-8192}; do
    deploy/local.sh jobs/fashion-mnist.conf --master 'local[2]' --out "$out/shuffle-sorted-$b" --overwrite \
      --set data.format=parquet --set "data.train.path=\"$data/train.parquet\"" --set "data.test.path=\"$data/t10k.parquet\"" \
      --set data.train.images=null --set data.train.labels=null --set data.test.images=null --set data.test.labels=null \
      --set data.cacheLimitMiB=0 --set "data.shuffleBuffer=$b" | tail -1
  done
  {
    echo "# Streamed shuffle, worst case ($(date -u +%F)): Fashion-MNIST sorted by label, jobs/fashion-mnist.conf, local[2]"
    echo
    echo "| run | test accuracy, last epoch | best epoch |"
    echo "|---|---|---|"
    for r in "$out"/shuffle-kept "$out"/shuffle-sorted-*; do
      awk -F, -v run="$(basename "$r")" 'NR > 1 { last = $4; if ($4 > best) { best = $4; at = $1 } }
        END { printf "| %s | %.4f | %.4f (epoch %d) |\n", run, last, best, at }' "$r/epochs.csv"
    done
  } >"$out/shuffle.md"
  cat "$out/shuffle.md"
  exit 0
fi
if [[ "$which" == onnx ]]; then
  cd "$root"
  "$root/deploy/setup.sh" --data
  if [[ ! -f "$out/model-run/_SUCCESS" ]]; then
    deploy/local.sh jobs/fashion-mnist.conf --set training.epochs=1 --out "$out/model-run" --overwrite --master 'local[2]' \
      | grep '^normdrop'
  fi
  export NORMDROP_BENCH_OPTS="${NORMDROP_BENCH_OPTS:-} -Dbench.model=$out/model-run"
fi
if [[ "$which" == scoring ]]; then
  cd "$root"
  mkdir -p "$out"
  "$root/deploy/setup.sh" --data
  data=data/synthetic-1m
  if [[ ! -f "$data/train.parquet/_SUCCESS" ]]; then
    deploy/local.sh generate "$data" --examples 1000000 --test-examples 10000 --format parquet --master 'local[2]'
  fi
  deploy/local.sh jobs/fashion-mnist.conf --set training.epochs=1 --out "$out/model-run" --overwrite --master 'local[2]' \
    | grep '^normdrop'
  /usr/bin/time -v -o "$out/predict-1m-time.txt" deploy/local.sh predict "$out/model-run" --data "$data/train.parquet" \
    --set data.format=parquet --out "$out/predict-1m" --overwrite --master 'local[2]' | tee "$out/predict-1m.log"
  rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/predict-1m-time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/predict-1m-time.txt")
  rate=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print("%d rows in %.1f s, %.0f rows/s" % (m["scored"], m["seconds"], m["rowsPerSecond"]))' "$out/predict-1m/_predictions.json")
  rm -rf "$out/predict-1m"
  {
    echo "# deploy/local.sh predict on 1,000,000 rows of Parquet ($(date -u +%F), $(nproc) cores, local[2])"
    echo
    echo "| what | value |"
    echo "|---|---|"
    echo "| whole command (JVM start, model load, read, score, write) | $wall |"
    echo "| scoring as _predictions.json reports it | $rate |"
    echo "| peak RSS of the JVM (driver and executors in local mode) | $((rss_kb / 1024)) MiB |"
  } >"$out/scoring.md"
  cat "$out/scoring.md"
  export NORMDROP_BENCH_OPTS="${NORMDROP_BENCH_OPTS:-} -Dbench.model=$out/model-run -Dbench.million=$root/$data/train.parquet"
fi
"$root/deploy/setup.sh" $([[ "$which" == fashion || "$which" == all || "$which" == compare || "$which" == averaging ]] && echo --data)
cd "$root"
mvn -B -q -ntp -DskipTests test-compile dependency:build-classpath -DincludeScope=test \
  -Dmdep.outputFile=target/test.classpath >target/bench-build.log 2>&1 || { tail -30 target/bench-build.log; exit 70; }
mkdir -p logs
exec java -Xmx8g ${NORMDROP_BENCH_OPTS:-} @conf/java17-module-flags.args -Dlog4j2.configurationFile=conf/log4j2.properties \
  -Dnormdrop.logFile=logs/bench.log \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.normdrop.bench.Benchmarks "$which" "$out"
