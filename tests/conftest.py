"""Shared test setup: make the workflow's package importable as `nnstudies`."""
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "workflow" / "scripts"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


@pytest.fixture
def raw_config():
    """config.yaml as snakemake loads it (plain YAML): a fresh dict for every test."""
    return yaml.safe_load((ROOT / "config.yaml").read_text())
