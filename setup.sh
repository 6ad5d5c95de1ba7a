#!/usr/bin/env bash
# Idempotent set-up: a virtual environment from the pinned requirements, and Fashion-MNIST from
# Debian's dataset-fashion-mnist when apt is usable (otherwise torchvision downloads it on the
# first run). A second call reuses both and returns in seconds.
set -euo pipefail
cd "$(dirname "$0")"

# --- Python environment (reinstalled only when requirements.txt changes) ---
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
fi
stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.txt
  echo "$want" > "$stamp"
fi

# --- System packages: the dataset, and the Pango/fonts weasyprint renders PDFs with ---
debs="dataset-fashion-mnist libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
missing=$(for p in $debs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then SUDO=""
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"
  else SUDO="none"
  fi
  if [ "$SUDO" != none ]; then
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
  else
    echo "setup: cannot use apt (not root, no sudo): missing $missing." >&2
    echo "setup: torchvision will download the dataset on the first run; PDF needs Pango." >&2
  fi
fi
echo "setup: environment ready (.venv), $(.venv/bin/snakemake --version | head -1 | sed 's/^/snakemake /')"
