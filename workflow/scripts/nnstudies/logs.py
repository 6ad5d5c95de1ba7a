"""Send a Snakemake job's messages and any traceback to its log file."""
import logging
import os
import sys


class LogStream:
    """The job's log file as its stderr: a write that fails (a full disk, say) ends the job with
    one line on the terminal naming the log, not an interpreter dump ("lost sys.stderr")."""

    def __init__(self, stream, path):
        self._stream, self._path = stream, path

    def write(self, text):
        try:
            return self._stream.write(text)
        except OSError as err:
            self._fail(err)

    def flush(self):
        try:
            self._stream.flush()
        except OSError as err:
            self._fail(err)

    def __getattr__(self, name):  # fileno, isatty, encoding, ...: the file's own
        return getattr(self._stream, name)

    def _fail(self, err):
        sys.__stderr__.write(f"error: cannot write the log {self._path}: "
                             f"{err.strerror or err}\n")
        sys.__stderr__.flush()
        os._exit(1)  # no interpreter teardown: it would try this stream again


def to_log(path):
    """Route logging and stderr (tracebacks included) of this job to its `log:` file."""
    try:
        stream = LogStream(open(path, "w", buffering=1), path)
    except OSError as err:
        print(f"error: cannot write {path}: {err.strerror or err}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
    sys.stderr = stream
    logging.basicConfig(stream=stream, level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # weasyprint font subsetting chatter
    return stream
