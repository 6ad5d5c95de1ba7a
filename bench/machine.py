"""The CPU a benchmark ran on, for the first line of its output (bench/README.md), and the
process settings a workflow job runs with."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))
from nnstudies.process import keep_freed_memory  # noqa: E402
from nnstudies.provenance import cpu_model  # noqa: E402  (one description: the report's too)


def cpu_name():
    """Model name, family/model (and the microarchitecture where the model name is generic)
    and the vector extensions that set the matmul limits, with the logical CPU count."""
    return f"{cpu_model()} ({os.cpu_count()} logical CPUs)"


def add_malloc_option(parser):
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's malloc as it is; by default it keeps freed memory "
                             "for reuse, as in a workflow job (process.keep_freed_memory)")


def set_malloc(args):
    """Keep freed memory as a workflow job does, unless --default-malloc; says which."""
    if not args.default_malloc and keep_freed_memory():
        return "malloc keeps freed memory"
    return "default malloc"
