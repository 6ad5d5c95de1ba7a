#!/usr/bin/env bash
# Set up (idempotent), then run the test suite: ./test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec .venv/bin/python -m pytest tests "$@"
