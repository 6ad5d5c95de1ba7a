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


# The workflow run (tests/workflow_run.py) is most of the suite's time: the file that makes it
# starts first, the other files run beside it on the other workers (./test.sh), and the file
# that only works on copies of the run comes last, when the run is (nearly) done.
ORDER = {"test_workflow.py": 0, "test_workflow_copies.py": 2}


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: ORDER.get(item.path.name, 1))  # stable: the order within kept
