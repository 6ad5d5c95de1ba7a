"""The CPU a benchmark ran on, for the first line of its output (bench/README.md)."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))
from nnstudies.provenance import cpu_model  # noqa: E402  (one description: the report's too)


def cpu_name():
    """Model name, family/model (and the microarchitecture where the model name is generic)
    and the vector extensions that set the matmul limits, with the logical CPU count."""
    return f"{cpu_model()} ({os.cpu_count()} logical CPUs)"
