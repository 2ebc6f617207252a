#!/usr/bin/env bash
# Submits a Normdrop job to a Spark cluster with spark-submit, with the settings the job needs
# from conf/spark-defaults.conf (Kryo with ND4J's registrator, DL4J's clock on driver and
# executors, executor memory and ND4J off-heap sizing).
#
#   deploy/submit.sh JOB.conf [normdrop train options: --set KEY=VALUE, --out DIR, --overwrite ...]
#   deploy/submit.sh predict MODEL [JOB.conf] --out DIR [normdrop predict options: --data PATH, --set ...]
#                         (MODEL, data and DIR on a file system the cluster shares: hdfs:, s3a:, NFS)
#
# Environment:
#   NORMDROP_MASTER       Spark master, e.g. spark://host:7077, yarn, k8s://https://host:6443 (required)
#   NORMDROP_DEPLOY_MODE  client (default) or cluster; in cluster mode the job file travels with
#                         --files and the driver reads it by its file name
#   NORMDROP_JAR          the job jar (default target/normdrop-job.jar; built when missing)
#   NORMDROP_SUBMIT_ARGS  further spark-submit options, e.g. "--executor-memory 8g --num-executors 4"
#   NORMDROP_ENCRYPT      true: AES on RPC and block transfers with no fallback to SASL, and encrypted
#                         shuffle and spill files (needs spark.authenticate, and the cluster's daemons
#                         with spark.network.crypto.enabled; see src/site/markdown/security.md)
#   NORMDROP_POLICY       the deployment's policy file (conf/policy.conf): what job files may do here;
#                         in cluster mode it travels with --files and the driver's environment names it
#   SPARK_HOME            a Spark 3.5 (Scala 2.12) installation, or spark-submit on the PATH
# Secrets (spark.authenticate.secret) come from SPARK_AUTHENTICATE_SECRET_FILE or the cluster's own
# configuration, never from this command line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit $([[ $# -lt 1 ]] && echo 64 || echo 0)
fi
command=train
if [[ "$1" == predict ]]; then
  command=predict; shift
  [[ $# -ge 1 ]] || { echo "normdrop: predict needs a MODEL (a run directory, OUTPUT_DIR/published or a model.zip)" >&2; exit 64; }
  job="$1"; shift   # the model: passed through as it is
else
  job="$1"; shift
  [[ -f "$job" ]] || { echo "normdrop: job file not found: $job" >&2; exit 66; }
fi
master="${NORMDROP_MASTER:?normdrop: set NORMDROP_MASTER to the Spark master URL (spark://..., yarn, k8s://...)}"
mode="${NORMDROP_DEPLOY_MODE:-client}"
[[ "$mode" == client || "$mode" == cluster ]] || { echo "normdrop: NORMDROP_DEPLOY_MODE must be client or cluster, not $mode" >&2; exit 64; }
encrypt_conf=()
case "${NORMDROP_ENCRYPT:-false}" in
  true) encrypt_conf=(--conf spark.network.crypto.enabled=true --conf spark.network.crypto.saslFallback=false
                      --conf spark.io.encryption.enabled=true) ;;
  false) ;;
  *) echo "normdrop: NORMDROP_ENCRYPT must be true or false, not $NORMDROP_ENCRYPT" >&2; exit 64 ;;
esac

jar="${NORMDROP_JAR:-$root/target/normdrop-job.jar}"
if [[ ! -f "$jar" ]]; then
  echo "normdrop: building $jar ..." >&2
  (cd "$root" && mvn -B -q -DskipTests package) || exit 70
fi

submit=spark-submit
[[ -n "${SPARK_HOME:-}" ]] && submit="$SPARK_HOME/bin/spark-submit"

secret_conf=()
if [[ -n "${SPARK_AUTHENTICATE_SECRET_FILE:-}" ]]; then
  # The file's path goes on the command line, the secret itself does not.
  secret_conf=(--conf spark.authenticate=true
               --conf "spark.authenticate.secret.file=$SPARK_AUTHENTICATE_SECRET_FILE")
fi

job_arg="$job"
ship=()
if [[ "$mode" == cluster && "$command" == train ]]; then
  ship+=("$job")
  job_arg="$(basename "$job")"
fi

# The deployment's policy (src/site/markdown/security.md, "Deployment policy"): the driver reads the file that
# NORMDROP_POLICY names. In client mode the driver is this process and inherits it; in cluster mode
# the file travels with the application and the driver's environment names it (YARN: its
# container's working directory; standalone and Kubernetes: the same path on the driver's host).
policy_conf=()
if [[ -n "${NORMDROP_POLICY:-}" ]]; then
  [[ -f "$NORMDROP_POLICY" ]] || { echo "normdrop: NORMDROP_POLICY: no such file: $NORMDROP_POLICY" >&2; exit 64; }
  if [[ "$mode" == cluster ]]; then
    ship+=("$NORMDROP_POLICY")
    policy_conf=(--conf "spark.yarn.appMasterEnv.NORMDROP_POLICY=$(basename "$NORMDROP_POLICY")"
                 --conf "spark.driverEnv.NORMDROP_POLICY=$NORMDROP_POLICY"
                 --conf "spark.kubernetes.driverEnv.NORMDROP_POLICY=$NORMDROP_POLICY")
  fi
fi
files=()
if (( ${#ship[@]} > 0 )); then
  files=(--files "$(IFS=,; echo "${ship[*]}")")
fi

# shellcheck disable=SC2086
cmd=("$submit" --master "$master" --deploy-mode "$mode"
  --properties-file "$root/conf/spark-defaults.conf"
  --class io.normdrop.job.Main
  "${secret_conf[@]}" "${encrypt_conf[@]}" "${policy_conf[@]}" "${files[@]}" ${NORMDROP_SUBMIT_ARGS:-}
  "$jar" "$command" "$job_arg" "$@")
if [[ "$mode" != cluster ]]; then
  exec "${cmd[@]}"
fi
# In cluster mode spark-submit exits 1 for any failed application (YARN: final status FAILED); the
# driver's own exit code (64-81, see src/site/markdown/commands.md) is in the application's diagnostics as "normdrop
# exited with code N". Exit with it, as a client-mode run would, so a scheduler can tell a failed
# quality gate (81) from a held lock (75).
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
"${cmd[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if (( rc != 0 )); then
  code="$(grep -o 'normdrop exited with code [0-9]*' "$log" | tail -n 1 | grep -o '[0-9]*$' || true)"
  [[ -n "$code" ]] && exit "$code"
fi
exit "$rc"
