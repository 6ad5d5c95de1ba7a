"""bench/bench_pdf_layout.py runs on a small report and prints its table: one process and two
give the same pages (the script checks it)."""
import subprocess
import sys
from pathlib import Path

from nnstudies.report import REPORT_DIR

ROOT = Path(__file__).resolve().parents[1]
TEXT = "A sentence of an answer that goes on for a while, as the report's answers do. "


def test_bench_pdf_layout_prints_its_table(tmp_path):
    style = (REPORT_DIR / "style.css").read_text()
    sections = "".join(f'<section id="s{i}"><h2>Section {i}</h2><p>{TEXT * 40 * (i + 1)}</p>'
                       f"</section>" for i in range(3))
    html = tmp_path / "report.html"
    html.write_text(f"<html><head><style>{style}</style></head><body>{sections}</body></html>")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_pdf_layout.py"),
                           str(html), "--rounds", "1", "--whole"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    row = [line for line in done.stdout.splitlines() if line.startswith("| 1 |")][0]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert float(cells[1]) > 0 and float(cells[2]) > 0 and int(cells[4]) >= 3
    assert "the whole document laid out once" in done.stdout
