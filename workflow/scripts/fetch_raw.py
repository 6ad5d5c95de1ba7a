"""Snakemake entry point: put the dataset's raw files in place and verify their SHA-256."""
import logging
import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies.data import DataError, fetch_raw, root_of  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.outputs import one_line_errors  # noqa: E402
from nnstudies.process import end_job  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
with one_line_errors(DataError):
    root = root_of(smk.output[0], smk.params.dataset)
    # data.offline_dir only says where to look: the files' content is pinned by SHA-256
    checksums = fetch_raw(root, smk.params.dataset, smk.config["data"].get("offline_dir"))
for name, digest in checksums.items():
    logging.info("%s: SHA-256 %s (the published content)", name, digest)
end_job()  # the outputs are closed: skip the interpreter's teardown (process.end_job)
