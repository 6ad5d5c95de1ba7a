"""Reading a run's files, checked where they are read: a damaged file stops the analysis with its
path, what is wrong with it and how to train that one run again, instead of a bare parser error
or, worse, a silently shorter curve.
"""
import csv
import io
import json
from pathlib import Path

import numpy as np

from .lazy import lazy_import

pd = lazy_import("pandas")


class RunFileError(ValueError):
    """A per-run file that is incomplete, unreadable or inconsistent with its run's summary."""

    def __init__(self, path, problem):
        run_dir = Path(path).parent
        super().__init__(
            f"{path}: {problem}. Train this run again: delete {run_dir}/ and rerun, or "
            f"snakemake --cores 1 --forcerun {run_dir / 'summary.json'} (what depends on it "
            "follows)")


def read_summary(path):
    """A run's summary.json: complete JSON with the fields every trainer writes."""
    try:
        summary = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError) as err:
        raise RunFileError(path, f"cannot be read ({err.__class__.__name__}: {err})") from None
    except json.JSONDecodeError as err:
        raise RunFileError(path, f"is not complete JSON ({err.msg} at line {err.lineno})") \
            from None
    missing = [k for k in ("run", "steps", "records") if k not in summary]
    if missing:
        raise RunFileError(path, f"lacks {', '.join(missing)}")
    return summary


def read_curves(path, summary):
    """A run's curves.csv: parsable, one row per record the summary counts, steps rising, and
    the training loss finite in every record (a run that diverges stops before recording)."""
    try:
        curves = pd.read_csv(path)
    except Exception as err:  # pandas raises several parser errors; all mean "damaged"
        raise RunFileError(path, f"cannot be parsed ({err.__class__.__name__})") from None
    if len(curves) != summary["records"]:
        raise RunFileError(path, f"has {len(curves)} records where its summary.json says "
                                 f"{summary['records']} (truncated or overwritten)")
    if len(curves):
        for column in ("step", "train_loss"):
            if column not in curves:
                raise RunFileError(path, f"has no {column} column")
        steps = pd.to_numeric(curves.step, errors="coerce")
        if steps.isna().any() or (steps.diff().dropna() <= 0).any():
            raise RunFileError(path, "has steps that are missing or do not rise")
        loss = pd.to_numeric(curves.train_loss, errors="coerce")
        if not np.isfinite(loss).all():
            bad = int(steps[~np.isfinite(loss)].iloc[0])
            raise RunFileError(path, f"has a training loss that is missing or not finite at "
                                     f"step {bad:,}")
        for column in ("train_acc", "val_acc"):
            if column in curves and not curves[column].between(0, 1).all():
                raise RunFileError(path, f"has a {column} outside [0, 1] or missing")
    return curves


def curves_csv(records, columns):
    """A run's curves.csv text from its records (dicts; a key a record lacks is left empty):
    the bytes pandas' DataFrame(records, columns=columns).to_csv(index=False) writes, without
    importing pandas in every training job (0.2 s each). As there, a column of integers only
    is written as integers; any other column as floats in their shortest round-trip form
    (numpy's; float32 values alone stay float32, mixed with other values float64), with NaN
    (or a missing value) empty."""
    text = []
    for column in columns:
        values = [record.get(column) for record in records]
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
            text.append([str(int(v)) for v in values])
            continue
        numbers = np.array([np.nan if v is None else v for v in values])
        if numbers.dtype.kind != "f" or any(isinstance(v, (bool, np.bool_)) for v in values):
            raise ValueError(f"curve column {column!r} holds values other than numbers")
        cells = numbers.astype(str)
        cells[np.isnan(numbers)] = ""
        text.append(cells.tolist())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*text))
    return out.getvalue()


def load_array(path):
    """A run's .npy array (first-layer weights, unit class means); not checked for finiteness:
    a diverged run's weights may be NaN, and its fate says so."""
    try:
        array = np.load(path, allow_pickle=False)
    except Exception as err:  # truncated, not .npy, or an object array: all damaged here
        raise RunFileError(path, f"is not a complete .npy array ({err.__class__.__name__})") \
            from None
    return array
