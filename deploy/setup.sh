#!/usr/bin/env bash
# Installs what Normdrop needs on a Debian machine when it is missing: a Java 17 JDK and Maven;
# with --data the full Fashion-MNIST set (package dataset-fashion-mnist); with --test what the
# tests drive (headless Chromium renders the HTML reports, a Prometheus Pushgateway receives
# pushed metrics, python3 checks the Airflow DAG's syntax, python3-onnx's checker the exported
# ONNX models). Idempotent; installs nothing that is already there. Needs root (or
# sudo) only when it must install.
set -euo pipefail

want_data=false
want_test=false
for arg in "$@"; do
  case "$arg" in
    --data) want_data=true ;;
    --test) want_test=true ;;
    *) echo "usage: deploy/setup.sh [--data] [--test]" >&2; exit 64 ;;
  esac
done

packages=()
if ! command -v javac >/dev/null 2>&1 || ! javac -version 2>&1 | grep -qE 'javac (1[7-9]|2[0-9])'; then
  packages+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null 2>&1 || packages+=(maven)
if $want_data && [[ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  packages+=(dataset-fashion-mnist)
fi
if $want_test; then
  [[ -x /usr/bin/chromium ]] || packages+=(chromium fonts-dejavu-core)
  [[ -x /usr/bin/prometheus-pushgateway ]] || packages+=(prometheus-pushgateway)
  command -v python3 >/dev/null 2>&1 || packages+=(python3-minimal)
  [[ -f /usr/lib/python3/dist-packages/onnx/checker.py ]] || packages+=(python3-onnx)
fi
((${#packages[@]} == 0)) && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
    echo "normdrop: need to install ${packages[*]}: run as root or install them yourself" >&2; exit 69
  fi
fi
echo "normdrop: installing ${packages[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
