#!/usr/bin/env bash
# Set up (idempotent), then run the full default study: ./run.sh [extra snakemake arguments]
#   CORES=2 ./run.sh --config preset=quick     # the quick preset on 2 cores
# On a terminal the progress is one live display (the rich logger plugin); when the output is
# not a terminal (a pipe, a file, nohup, a cluster's log) it stays plain text. Snakemake writes
# its log to stderr, so that is the stream tested. A --logger argument of your own wins.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
logger=()
if [ -t 2 ] && [[ " $* " != *" --logger"* ]]; then
  logger=(--logger rich)
fi
exec .venv/bin/snakemake --cores "${CORES:-8}" "${logger[@]}" "$@"
