#!/usr/bin/env bash
# Runs Normdrop in local mode, no cluster needed:
#   deploy/local.sh JOB.conf [--set key=value ...] [--out DIR] [--overwrite] [--master URL]
#   deploy/local.sh validate JOB.conf        (any normdrop command: train, predict, export, validate, sweep, compare, generate, keys, --help)
# Builds the job jar when it is missing or older than the sources, puts Spark (the Maven
# "provided" jars) on the classpath, adds the Java 17 module flags and DL4J's clock property,
# and uses master local[*] unless --master, the job's spark.master or -Dspark.master say otherwise.
# Environment: NORMDROP_DRIVER_MEMORY (JVM heap, default 8g), NORMDROP_JAVA_OPTS (extra JVM flags).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/target/normdrop-job.jar"
spark_cp="$root/target/spark.classpath"

"$root/deploy/setup.sh"

stale() { [[ ! -f "$1" || -n "$(find "$root/pom.xml" "$root/src/main" "$root/conf" -newer "$1" -print -quit)" ]]; }
if stale "$jar" || [[ ! -f "$spark_cp" ]]; then
  echo "normdrop: building the job jar (the first build downloads dependencies: a few minutes) ..." >&2
  mkdir -p "$root/target"
  if ! (cd "$root" && mvn -B -DskipTests package) >"$root/target/build.log" 2>&1; then
    tail -40 "$root/target/build.log" >&2
    echo "normdrop: build failed; the whole log is in target/build.log" >&2
    exit 70
  fi
  touch "$jar" "$spark_cp"
fi

case "${1:-}" in
  train|predict|export|validate|compare|sweep|generate|keys|help|-h|--help|-V|--version) args=("$@") ;;
  *) args=(train "$@") ;;
esac

mkdir -p "$root/logs"
# shellcheck disable=SC2086
exec java -Xmx"${NORMDROP_DRIVER_MEMORY:-8g}" @"$root/conf/java17-module-flags.args" \
  -Dnormdrop.defaultMaster='local[*]' \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -Dnormdrop.logFile="$root/logs/normdrop.log" \
  ${NORMDROP_JAVA_OPTS:-} \
  -cp "$jar:$(cat "$spark_cp")" io.normdrop.job.Main "${args[@]}"
