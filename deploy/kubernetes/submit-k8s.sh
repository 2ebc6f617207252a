#!/usr/bin/env bash
# Normdrop on Kubernetes without the operator: spark-submit against the API server, cluster mode.
#   K8S_API=https://k8s.example.com:6443 IMAGE=registry.example.com/normdrop:0.1.0 deploy/kubernetes/submit-k8s.sh
# The image (deploy/kubernetes/Dockerfile) holds the jar and the job files; --set points the data
# and the output at storage every pod reaches.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${K8S_API:?set K8S_API to the Kubernetes API server URL}"
: "${IMAGE:?set IMAGE to the Normdrop image}"
exec "${SPARK_HOME:?set SPARK_HOME to a Spark 3.5 installation}/bin/spark-submit" \
  --master "k8s://$K8S_API" --deploy-mode cluster \
  --name normdrop-fashion-mnist \
  --properties-file "$root/conf/spark-defaults.conf" \
  --conf spark.kubernetes.container.image="$IMAGE" \
  --conf spark.kubernetes.namespace="${NAMESPACE:-normdrop}" \
  --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark \
  --conf spark.executor.instances=2 --conf spark.executor.cores=2 --conf spark.executor.memory=3g \
  --class io.normdrop.job.Main \
  local:///opt/normdrop/normdrop-job.jar \
  train /opt/normdrop/jobs/fashion-mnist.conf --out s3a://models/normdrop/fashion-mnist --overwrite "$@"
