#!/usr/bin/env bash
# Set up (idempotent), then run the test suite: ./test.sh [extra pytest arguments]
# The test files run on TEST_WORKERS processes (default 2), a file's tests on one worker
# (pytest-xdist --dist loadfile); the one workflow run is made once and shared by the workers
# (tests/workflow_run.py), the file that makes it starts first (tests/conftest.py).
# TEST_WORKERS=0: one process.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" --dist loadfile --no-loadscope-reorder \
  tests "$@"
