"""Airflow DAG: retrain Normdrop's Fashion-MNIST model every night, then score the day's data
with the published model, both with SparkSubmitOperator.

Each training run gets a run id and is published as runs/fashion-mnist/published only when it
passes the quality gate; a failed run or gate (exit 81) fails the train task, so score does not
run and nothing new is scored. Scoring writes SCORE_OUTPUT/{{ ds }} atomically (_SUCCESS last).
output.onnx=true makes each run write model.onnx too: runs/fashion-mnist/published/model.onnx is
the model for services outside the JVM (ONNX Runtime, Triton).

Copy to Airflow's dags/ folder. Needs apache-airflow-providers-apache-spark and a Spark
connection (``spark_default``: host spark://spark-master, port 7077). The jar, job and
properties files are read from NORMDROP_HOME on the worker that runs spark-submit.
"""
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

NORMDROP_HOME = os.environ.get("NORMDROP_HOME", "/opt/normdrop")
SCORE_INPUT = os.environ.get("NORMDROP_SCORE_INPUT", "hdfs:///data/fashion-mnist/incoming")
SCORE_OUTPUT = os.environ.get("NORMDROP_SCORE_OUTPUT", "hdfs:///data/fashion-mnist/predictions")
# What job files may do here (conf/policy.conf, copied to /etc/normdrop and edited); the driver
# (client mode: the spark-submit the task runs) reads it.
POLICY = {"NORMDROP_POLICY": os.environ.get("NORMDROP_POLICY", "/etc/normdrop/policy.conf")}

with DAG(
    dag_id="normdrop_fashion_mnist",
    schedule="30 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0, "execution_timeout": timedelta(hours=4)},
    tags=["normdrop"],
) as dag:
    train = SparkSubmitOperator(
        task_id="train",
        conn_id="spark_default",
        application=f"{NORMDROP_HOME}/target/normdrop-job.jar",
        java_class="io.normdrop.job.Main",
        application_args=[
            "train",
            f"{NORMDROP_HOME}/jobs/fashion-mnist.conf",
            "--run-id",
            "auto",
            "--set",
            "output.onnx=true",
        ],
        properties_file=f"{NORMDROP_HOME}/conf/spark-defaults.conf",
        name="normdrop-fashion-mnist",
        env_vars=POLICY,
        verbose=False,
    )
    score = SparkSubmitOperator(
        task_id="score",
        conn_id="spark_default",
        application=f"{NORMDROP_HOME}/target/normdrop-job.jar",
        java_class="io.normdrop.job.Main",
        application_args=[
            "predict",
            "runs/fashion-mnist/published",
            "--data",
            SCORE_INPUT + "/{{ ds }}",
            "--set",
            "data.format=parquet",
            "--out",
            SCORE_OUTPUT + "/{{ ds }}",
            "--overwrite",
        ],
        properties_file=f"{NORMDROP_HOME}/conf/spark-defaults.conf",
        name="normdrop-fashion-mnist-score",
        env_vars=POLICY,
        verbose=False,
    )
    train >> score
