"""Snakemake entry point: the HTML report as a PDF, no page left half empty by a figure or a
table that did not fit (nnstudies/pagefit.py); holes that could not be mended are logged."""
import logging
import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import pagefit  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.outputs import one_line_errors  # noqa: E402
from nnstudies.process import end_job, keep_freed_memory  # noqa: E402
from nnstudies.report import REPORT_DIR  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
keep_freed_memory()  # reuse freed memory, no page faults per step (process.py)
with open(smk.input.html, encoding="utf-8") as f:
    html = f.read()
with one_line_errors():
    pagefit.write_pdf(html, str(REPORT_DIR), smk.output.pdf, workers=min(smk.threads, 2))
logging.info("wrote %s", smk.output.pdf)
end_job()  # the outputs are closed: skip the interpreter's teardown (process.end_job)
