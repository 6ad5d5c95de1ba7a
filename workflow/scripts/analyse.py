"""Snakemake entry point: one study's analysis (tables, figures, facts file) by its module."""
import json
import sys
import time

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821 (the snakemake object is injected)
from nnstudies.logs import to_log  # noqa: E402
from nnstudies.process import end_job, keep_freed_memory  # noqa: E402
from nnstudies.studies import BY_NAME  # noqa: E402
from nnstudies.studies.common import Outputs, read_facts, write_facts  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
keep_freed_memory()  # reuse freed memory, no page faults per step (process.py)
started = time.perf_counter()
info = json.loads(open(smk.input.data_info).read())
out = Outputs(dict(smk.output.items()))
BY_NAME[smk.params.study].analyse(smk.input, out, smk.params.settings, info)
facts = read_facts(out.facts)
write_facts(out.facts, {**facts, "analysis_seconds": time.perf_counter() - started})
end_job()  # the outputs are closed: skip the interpreter's teardown (process.end_job)
