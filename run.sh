#!/usr/bin/env bash
# Set up (idempotent), then run the full default study: ./run.sh [extra snakemake arguments]
#   CORES=2 ./run.sh --config preset=quick     # the quick preset on 2 cores
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec .venv/bin/snakemake --cores "${CORES:-8}" "$@"
