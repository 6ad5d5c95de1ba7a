"""Writing results safely: a file is complete under its name or not there at all, and a failed
write (disk full, read-only folder) ends the job with one line that names the path."""
import contextlib
import os
import sys
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


class OutputError(OSError):
    """A result file that could not be written; str() is the one line to show."""

    def __init__(self, path, reason):
        super().__init__(f"cannot write {path}: {reason}")
        self.path = str(path)


def reason_of(err):
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


@contextlib.contextmanager
def atomic_write(path, mode="w"):
    """Open a temporary file beside `path`; on success it is flushed to disk and renamed to
    `path`, on any failure removed. An OSError becomes an OutputError naming `path`."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        raise OutputError(path, reason_of(err)) from None
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # what open() would have given, not mkstemp's 0600
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError) and not isinstance(err, OutputError):
            raise OutputError(path, reason_of(err)) from None
        raise


def write_bytes(path, data):
    with atomic_write(path, "wb") as f:
        f.write(data)


def write_text(path, text):
    with atomic_write(path, "w") as f:
        f.write(text)


@contextlib.contextmanager
def one_line_errors(*expected):
    """Around a script's body: an OutputError (or one of `expected`, e.g. a data error) ends
    the job with its message as one line on stderr (the job's log) and on the terminal."""
    try:
        yield
    except (OutputError, *expected) as err:
        line = f"error: {err}"
        print(line, file=sys.stderr, flush=True)
        if sys.stderr is not sys.__stderr__:
            print(line, file=sys.__stderr__, flush=True)
        raise SystemExit(1) from None
