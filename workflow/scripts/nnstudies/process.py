"""The job's own process: how it allocates memory, and how it ends.

Both are start-up and tear-down costs of one short-lived Snakemake job, measured in
bench/README.md ("Per-job waste, fourth round"); neither changes a result."""
import ctypes
import logging
import os
import sys

# glibc's mallopt parameters (malloc.h) and the values set.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20  # the largest glibc accepts: bigger blocks are mapped on their own
TRIM_THRESHOLD = 1 << 30   # free memory the heap keeps before it gives any back


def keep_freed_memory():
    """Let glibc's malloc reuse freed memory instead of handing it back to the kernel.

    By default, a freed block at the top of the heap beyond a small threshold is returned to
    the kernel, and blocks over 128 kB get pages of their own; each training step allocates and
    frees its activations, so the next step faults fresh zeroed pages in: 690,000 page faults and
    1.4 s of kernel time in a 5.5 s quick cnn_4 training (4.1 s with this). The job's peak
    memory is what it was. True where set (Linux with glibc); elsewhere a no-op."""
    try:  # glibc only: macOS and musl have no mallopt, Windows no CDLL(None)
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError, TypeError):
        return False  # the allocator as it is
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def end_job():
    """End a job whose files are all written and closed, skipping the interpreter's teardown.

    After torch is imported, Python's exit (collecting about 1,000 modules, then libtorch's own
    C++ teardown) takes 0.5 s, and 1 s in an analysis job that also has pandas, scipy and
    matplotlib: a tenth of a quick training job. Nothing in it is needed once the outputs are
    closed, so the job flushes its streams and leaves with status 0. Call it as a script's
    last line only: a failing script never reaches it."""
    logging.shutdown()  # flushes the handlers (the log file among them)
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        stream.flush()
    os._exit(0)
