"""Compare two finished runs of the workflow number by number (e.g. local against Slurm):
every table (CSV, JSON) under tables/, every run's curves and summary, and the report's text.
Only what measures time or names the machine may differ. Exit 1 with the differences.

    python .ci/compare_runs.py RESULTS_A RESULTS_B       # e.g. results/quick in two checkouts
"""
import json
import re
import sys
from html import unescape
from pathlib import Path

import pandas as pd

# Keys and columns that are measurements of the machine or the clock, not results.
VOLATILE = re.compile(r"seconds|wall|time|hardware|hostname|host$|started|finished|(^|_)date($|_)",
                      re.I)
# a report table's column that measures the clock or the machine, by name or by unit
CLOCK_HEADER = re.compile(r"\b(seconds|wall|time|memory)\b|\((s|min|h|MB)\)", re.I)


def strip(value):
    """A JSON value without its volatile keys."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if not VOLATILE.search(k)}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def compare_csv(a, b):
    da, db = pd.read_csv(a), pd.read_csv(b)
    keep = [c for c in da.columns if not VOLATILE.search(c)]
    if list(da.columns) != list(db.columns):
        return f"columns differ: {list(da.columns)} vs {list(db.columns)}"
    try:
        pd.testing.assert_frame_equal(da[keep], db[keep], check_exact=True)
    except AssertionError as err:
        return str(err).splitlines()[0:6]
    return None


def mask_clock_columns(html):
    """Every table cell under a header that names a measurement of the clock or the machine
    ("seconds", "wall time", "memory") replaced by [clock]: measurements, not results."""
    def table(match):
        t = match.group(0)
        heads = re.findall(r"<th[^>]*>(.*?)</th>", t, flags=re.S)
        clock = {i for i, h in enumerate(heads) if CLOCK_HEADER.search(h)}

        def row(r):
            cells = iter(range(10 ** 6))
            return re.sub(r"<td([^>]*)>.*?</td>", lambda c: f"<td{c.group(1)}>[clock]</td>"
                          if next(cells) in clock else c.group(0), r.group(0), flags=re.S)
        return re.sub(r"<tr[^>]*>.*?</tr>", row, t, flags=re.S) if clock else t
    return re.sub(r"<table.*?</table>", table, html, flags=re.S)


CLOCK_FIGURE = re.compile(r"seconds|wall", re.I)  # a figure drawn against the clock
CLOCK_TEXT = re.compile(r"[-+]?\b\d+(\.\d+)? (s|min|h|seconds?)\b")  # "5.2 s", "0.13 h"
# a claim about the clock (its sentence speaks of seconds): its evidence, in place and in the
# PDF's notes, holds the measured times
CLOCK_CLAIM = [re.compile(r'(<span class="claim-text">[^<]*\bseconds\b[^<]*</span>'
                          r'<sup class="claim-note">.*?</sup><details>).*?(</details>)', re.S),
               re.compile(r'(<li id="note-\d+"[^>]*><span class="claim-text">[^<]*'
                          r'\bseconds\b[^<]*</span>).*?(</li>)', re.S)]


def report_text(path):
    """The report's visible text and its embedded figures, with what measures the clock masked:
    the generation date, the hours of training, the wall-time table, columns of seconds,
    durations in sentences ("5.2 s", "0.13 h") and figures drawn against the clock."""
    html = mask_clock_columns(Path(path).read_text())
    for claim in CLOCK_CLAIM:
        html = claim.sub(r"\1[clock evidence]\2", html)
    # a figure whose caption speaks of seconds or wall time plots the clock: compared by presence
    html = re.sub(r"(<figure.*?)data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+(.*?</figure>)",
                  lambda m: (m.group(1) + "[clock figure]" + m.group(2))
                  if CLOCK_FIGURE.search(m.group(2)) else m.group(0), html, flags=re.S)
    figures = re.findall(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", html)
    html = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", "\n", html))
    lines, in_wall_times = [], False
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("generated "):
            continue
        in_wall_times = (line == "Wall time") or (in_wall_times and line != "Software and hardware")
        if in_wall_times and re.fullmatch(r"[\d.e+-]+", line) and "." in line:
            line = "<seconds>"
        line = re.sub(r"[\d.]+ (CPU-)?hours of training", r"<h> \1hours of training", line)
        lines.append(CLOCK_TEXT.sub("<s>", line))
    return lines + [f"figure {i}: {len(f)} characters" for i, f in enumerate(figures)], figures


def main(root_a, root_b):
    a, b = Path(root_a), Path(root_b)
    problems, checked = [], 0
    files = sorted(p.relative_to(a) for p in a.rglob("*")
                   if p.suffix in (".csv", ".json") and p.is_file())
    if not files:
        problems.append(f"no tables under {a}")
    for rel in files:
        if not (b / rel).exists():
            problems.append(f"{rel}: missing in {b}")
            continue
        if rel.suffix == ".csv":
            diff = compare_csv(a / rel, b / rel)
        else:
            ja, jb = (strip(json.loads((r / rel).read_text())) for r in (a, b))
            diff = None if ja == jb else "JSON differs"
        checked += 1
        if diff:
            problems.append(f"{rel}: {diff}")
    html = Path("report/report.html")
    if (a / html).exists():
        (ta, fa), (tb, fb) = report_text(a / html), report_text(b / html)
        checked += 1
        if fa != fb:
            problems.append(f"{html}: embedded figures differ")
        elif ta != tb:
            first = next(i for i, (x, y) in enumerate(zip(ta + [""], tb + [""])) if x != y)
            problems.append(f"{html}: text differs first at {ta[first:first + 1]} vs "
                            f"{tb[first:first + 1]}")
    for p in problems:
        print("DIFFERS:", p)
    print(f"compared {checked} files (tables, curves, summaries, report text): "
          f"{'identical' if not problems else f'{len(problems)} differ'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
