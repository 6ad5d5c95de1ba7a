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


# The files that run the workflow take most of the suite's time: they start first, so that
# the other files run beside them on the other workers (./test.sh).
LONGEST_FIRST = ("test_workflow.py",)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.path.name not in LONGEST_FIRST)  # stable: order kept
