#!/usr/bin/env bash
# Normdrop on YARN: spark-submit --master yarn (through deploy/submit.sh), the job file shipped
# with --files in cluster mode, data and output on HDFS.
#
#   HADOOP_CONF_DIR=/etc/hadoop/conf deploy/yarn/submit-yarn.sh [JOB.conf] [train options: --set, --run-id, ...]
#
# JOB.conf defaults to jobs/fashion-mnist.conf; its data are the four IDX files in NORMDROP_DATA.
# Environment (and deploy/submit.sh's: SPARK_HOME, NORMDROP_JAR, SPARK_AUTHENTICATE_SECRET_FILE):
#   HADOOP_CONF_DIR        the cluster's client configuration (core-site.xml, yarn-site.xml) (required)
#   NORMDROP_DEPLOY_MODE   cluster (default: the driver runs in the YARN application master) or client
#   NORMDROP_DATA          directory of the IDX files (default hdfs:///datasets/fashion-mnist)
#   NORMDROP_OUT           output directory (default hdfs:///models/normdrop/fashion-mnist)
#   NORMDROP_QUEUE         YARN queue (default: default)
#   NORMDROP_SPARK_ARCHIVE spark.yarn.archive: a zip of $SPARK_HOME/jars on HDFS, made once with
#                            (cd $SPARK_HOME/jars && zip -q -0 /tmp/spark-libs.zip *) &&
#                            hdfs dfs -put /tmp/spark-libs.zip hdfs:///apps/spark/spark-libs.zip
#                          without it every submit zips and uploads Spark's jars (about 260 MB)
#   NORMDROP_SUBMIT_ARGS   more spark-submit options; they come after the defaults below and win
#   NORMDROP_POLICY        the deployment's policy (conf/policy.conf; default /etc/normdrop/policy.conf
#                          when that file exists): deploy/submit.sh ships it to the application master
# Defaults: 2 executors of 2 cores; executor memory 3g plus memoryOverhead 3g for ND4J's off-heap
# arrays (YARN kills a container that outgrows memory + overhead); the driver 4g plus 2g; one
# application attempt (a second would find the first's lock: rerun with --resume instead).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR to the Hadoop configuration of the cluster}"
job="$root/jobs/fashion-mnist.conf"
if [[ $# -gt 0 && "$1" == *.conf ]]; then
  job="$1"; shift
fi
data="${NORMDROP_DATA:-hdfs:///datasets/fashion-mnist}"
archive=()
[[ -n "${NORMDROP_SPARK_ARCHIVE:-}" ]] && archive=(--conf "spark.yarn.archive=$NORMDROP_SPARK_ARCHIVE")

if [[ -z "${NORMDROP_POLICY:-}" && -f /etc/normdrop/policy.conf ]]; then
  export NORMDROP_POLICY=/etc/normdrop/policy.conf
fi
export NORMDROP_MASTER=yarn NORMDROP_DEPLOY_MODE="${NORMDROP_DEPLOY_MODE:-cluster}"
export NORMDROP_SUBMIT_ARGS="--queue ${NORMDROP_QUEUE:-default} --num-executors 2 --executor-cores 2
  --executor-memory 3g --conf spark.executor.memoryOverhead=3g --driver-memory 4g --conf spark.driver.memoryOverhead=2g
  --conf spark.yarn.maxAppAttempts=1
  ${archive[*]} ${NORMDROP_SUBMIT_ARGS:-}"
exec "$root/deploy/submit.sh" "$job" \
  --set "data.train.images=\"$data/train-images-idx3-ubyte.gz\"" \
  --set "data.train.labels=\"$data/train-labels-idx1-ubyte.gz\"" \
  --set "data.test.images=\"$data/t10k-images-idx3-ubyte.gz\"" \
  --set "data.test.labels=\"$data/t10k-labels-idx1-ubyte.gz\"" \
  --out "${NORMDROP_OUT:-hdfs:///models/normdrop/fashion-mnist}" "$@"
