"""Send a Snakemake job's messages and any traceback to its log file."""
import logging
import sys


def to_log(path):
    """Route logging and stderr (tracebacks included) of this job to its `log:` file."""
    try:
        stream = open(path, "w", buffering=1)
    except OSError as err:
        print(f"error: cannot write {path}: {err.strerror or err}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # weasyprint font subsetting chatter
    return stream
