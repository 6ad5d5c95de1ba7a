"""Snakemake entry point: read the verified raw files and split them once."""
import json
import logging
import sys

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies.data import DataError, prepare, save_prepared  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.outputs import one_line_errors, write_text  # noqa: E402
from nnstudies.process import end_job, keep_freed_memory  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
keep_freed_memory()  # reuse freed memory, no page faults per step (process.py)
with one_line_errors(DataError):
    arrays, info = prepare({**smk.config["data"], **smk.params.data})
    logging.info("prepared %s: %s", info["dataset"], info["sizes"])
    info.update(save_prepared(arrays, smk.output.arrays))  # its checksum, checked before use
    write_text(smk.output.info, json.dumps(info, indent=2))
end_job()  # the outputs are closed: skip the interpreter's teardown (process.end_job)
