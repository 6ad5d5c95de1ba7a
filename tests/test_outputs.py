"""Result files are whole or absent; a failed write ends with one line naming the path."""
import errno
import os

import pytest

from nnstudies import outputs


def leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "a.csv"
    outputs.write_text(path, "old\n")
    assert path.read_text() == "old\n" and oct(path.stat().st_mode & 0o777) != "0o600"
    with pytest.raises(ZeroDivisionError):
        with outputs.atomic_write(path) as f:
            f.write("half")
            1 / 0
    assert path.read_text() == "old\n" and leftovers(tmp_path) == []


def test_disk_full_names_the_path_and_leaves_no_file(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    path = tmp_path / "model.pt"
    with pytest.raises(outputs.OutputError) as info:
        outputs.write_bytes(path, b"x" * 1000)
    assert str(info.value) == f"cannot write {path}: No space left on device"
    assert not path.exists() and leftovers(tmp_path) == []


def test_read_only_folder_names_the_path(tmp_path, monkeypatch):
    def read_only(**kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(outputs.tempfile, "mkstemp", read_only)
    path = tmp_path / "summary.json"
    with pytest.raises(outputs.OutputError, match=f"cannot write {path}: Read-only file system"):
        outputs.write_text(path, "{}")


def test_one_line_errors_exit_with_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        with outputs.one_line_errors():
            raise outputs.OutputError(tmp_path / "x.npy", "No space left on device")
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert err.strip() == f"error: cannot write {tmp_path / 'x.npy'}: No space left on device"
    assert "Traceback" not in err
    with pytest.raises(KeyError):  # anything else is a bug: its traceback is kept
        with outputs.one_line_errors():
            raise KeyError("x")


def test_a_full_disk_under_the_log_ends_the_job_with_one_line(tmp_path):
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    import subprocess
    import sys
    from pathlib import Path
    scripts = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
    code = ("import logging, sys; sys.path.insert(0, %r)\n"
            "from nnstudies.logs import to_log\n"
            "to_log('/dev/full')\n"
            "logging.info('training step 10')\n"
            "raise ValueError('a traceback to write')\n" % str(scripts))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == "error: cannot write the log /dev/full: No space left on device\n"
