#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: unit tests (*Test) and the Spark integration
# tests (*IT, local[2] on 127.0.0.1). Installs the JDK, Maven, the Fashion-MNIST package,
# Chromium and the Prometheus Pushgateway first when they are missing. Extra arguments go to
# Maven (e.g. -Dtest=JobFilesTest).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/deploy/setup.sh" --data --test
cd "$root"
exec mvn -B -ntp verify "$@"
