"""The job's process: glibc's malloc keeps freed memory for reuse, and a finished job ends
without the interpreter's teardown; both in a fresh Python, as a job runs them."""
import ctypes
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPTS = str(Path(__file__).resolve().parents[1] / "workflow" / "scripts")


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def has_mallopt():
    try:
        return bool(ctypes.CDLL(None).mallopt)
    except (AttributeError, OSError):
        return False


# 100 times, allocate and touch three 8 MB blocks, then free them together (as a training
# step's activations are), and count the page faults: by default the freed top of the heap goes
# back to the kernel, and the next blocks fault fresh pages in.
FAULTS = """import resource, sys; sys.path.insert(0, %r)
import numpy as np
from nnstudies.process import keep_freed_memory
if %r:
    assert keep_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):
    blocks = [np.ones(1 << 21, dtype=np.float32) for _ in range(3)]
    del blocks
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


@pytest.mark.skipif(not has_mallopt(), reason="glibc's mallopt only")
def test_keep_freed_memory_reuses_blocks_instead_of_faulting_new_pages():
    default, kept = (int(run_python(FAULTS % (SCRIPTS, keep)).stdout) for keep in (False, True))
    assert default > 50 * 1000  # 100,000 measured: about 4 MB of fresh pages per round
    assert kept < default / 20


def test_end_job_keeps_everything_written_and_exits_0(tmp_path):
    """end_job skips the interpreter's teardown: what the job wrote to its log (a logging line,
    a tqdm-style line without its newline), its stdout and its stderr still arrive whole; an
    atexit handler, part of the teardown it skips, does not run."""
    log = tmp_path / "job.log"
    code = ("import atexit, logging, sys; sys.path.insert(0, %r)\n"
            "from nnstudies.logs import to_log\n"
            "from nnstudies.process import end_job\n"
            "atexit.register(print, 'teardown ran')\n"
            "print('to stdout', end='')\n"
            "sys.__stderr__.write('to the terminal')\n"
            "stream = to_log(%r)\n"
            "logging.info('analysed')\n"
            "stream.write('\\rprogress 100%%')\n"
            "end_job()\n"
            "print('after end_job')\n" % (SCRIPTS, str(log)))
    result = run_python(code)
    assert result.returncode == 0
    assert result.stdout == "to stdout"
    assert result.stderr == "to the terminal"
    assert log.read_bytes().endswith(b" analysed\n\rprogress 100%")
