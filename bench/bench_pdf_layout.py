"""Time laying out the report's PDF in one process against two (pagefit.layout's `workers`,
the report_pdf job's threads), on a report the workflow made; each round times both, back to
back, so both see the same machine load, and checks they give the same pages.

The straightforward way, one weasyprint layout of the whole document per mending pass, took 4
times the one-process time (bench/README.md, "Test suite and quick preset"); `--whole` adds
one such layout (no mending) for scale.

    .venv/bin/python bench/bench_pdf_layout.py [results/quick/report/report.html] [--rounds 3]
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow" / "scripts"))
from nnstudies import pagefit  # noqa: E402
from nnstudies.report import REPORT_DIR  # noqa: E402


def timed(html, workers):
    started = time.perf_counter()
    document, left = pagefit.layout(html, str(REPORT_DIR), workers=workers)
    document.write_pdf()
    return time.perf_counter() - started, len(document.pages), len(left)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", nargs="?", default="results/quick/report/report.html")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--whole", action="store_true",
                        help="also one layout of the whole document, unmended")
    args = parser.parse_args()
    html = Path(args.html).read_text(encoding="utf-8")
    print(f"{args.html}: {len(html) / 1e6:.1f} MB of HTML\n")
    print("| round | 1 process (s) | 2 processes (s) | ratio | pages | holes left |\n"
          "|---:|---:|---:|---:|---:|---:|")
    for r in range(args.rounds):
        one, pages_one, left_one = timed(html, 1)
        two, pages_two, left_two = timed(html, 2)
        assert (pages_one, left_one) == (pages_two, left_two), "not the same pages"
        print(f"| {r + 1} | {one:.1f} | {two:.1f} | {two / one:.2f} | {pages_one} | {left_one} |")
    if args.whole:
        import weasyprint
        started = time.perf_counter()
        document = weasyprint.HTML(string=html, base_url=str(REPORT_DIR)).render()
        document.write_pdf()
        print(f"\nthe whole document laid out once, unmended: "
              f"{time.perf_counter() - started:.1f} s, {len(document.pages)} pages")


if __name__ == "__main__":
    main()
