"""Airflow DAG: retrain Normdrop's Fashion-MNIST model every night with SparkSubmitOperator.

Copy to Airflow's dags/ folder. Needs apache-airflow-providers-apache-spark and a Spark
connection (``spark_default``: host spark://spark-master, port 7077). The jar, job and
properties files are read from NORMDROP_HOME on the worker that runs spark-submit.
"""
import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

NORMDROP_HOME = os.environ.get("NORMDROP_HOME", "/opt/normdrop")

with DAG(
    dag_id="normdrop_fashion_mnist",
    schedule="30 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0, "execution_timeout": timedelta(hours=4)},
    tags=["normdrop"],
) as dag:
    SparkSubmitOperator(
        task_id="train",
        conn_id="spark_default",
        application=f"{NORMDROP_HOME}/target/normdrop-job.jar",
        java_class="io.normdrop.job.Main",
        application_args=[
            "train",
            f"{NORMDROP_HOME}/jobs/fashion-mnist.conf",
            "--overwrite",
        ],
        properties_file=f"{NORMDROP_HOME}/conf/spark-defaults.conf",
        name="normdrop-fashion-mnist",
        verbose=False,
    )
