#!/usr/bin/env bash
# Normdrop on YARN, cluster mode: the job file travels with --files (deploy/submit.sh does that),
# data and output are on HDFS.
#   HADOOP_CONF_DIR=/etc/hadoop/conf deploy/yarn/submit-yarn.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR to the Hadoop configuration of the cluster}"
export NORMDROP_MASTER=yarn NORMDROP_DEPLOY_MODE=cluster
export NORMDROP_SUBMIT_ARGS="${NORMDROP_SUBMIT_ARGS:---queue default --num-executors 2 --executor-cores 2 --executor-memory 3g}"
exec "$root/deploy/submit.sh" "$root/jobs/fashion-mnist.conf" \
  --set 'data.train.images="hdfs:///datasets/fashion-mnist/train-images-idx3-ubyte.gz"' \
  --set 'data.train.labels="hdfs:///datasets/fashion-mnist/train-labels-idx1-ubyte.gz"' \
  --set 'data.test.images="hdfs:///datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"' \
  --set 'data.test.labels="hdfs:///datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"' \
  --out hdfs:///models/normdrop/fashion-mnist --overwrite "$@"
