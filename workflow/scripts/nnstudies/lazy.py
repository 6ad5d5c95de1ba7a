"""Heavy libraries imported on first use.

Snakemake imports this package to plan the workflow: on every `snakemake` call (a dry run
too), and again inside every cluster job before the job's script starts. torch, pandas,
scipy.stats and matplotlib take seconds to import, and only the jobs that train or analyse
use them; the modules the plan reads therefore bind them with `lazy_import`, and the import
happens at the first attribute access. `from torch import nn` would import at once: write
`torch.nn`.

The stand-in is not put in `sys.modules` (as importlib's LazyLoader recipe does): libraries
take a module there as already imported and touch it. scipy.stats' array-API support does so
for torch at its own import, which then loaded all of torch, 1.5 s more in every analysis job
that needed none of it (measured with `python -X importtime`).
"""
import importlib
import importlib.util
import sys


class LazyModule:
    """Stands for the module `name`; imports it when one of its attributes is first read,
    after calling `before()` when given (settings that must precede the import)."""

    def __init__(self, name, before=None):
        self._name = name
        self._module = None
        self._before = before

    def __getattr__(self, attr):  # only for names not set in __init__
        if self._module is None:
            if self._before is not None:
                self._before()
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self):
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r}, {state}>"


def lazy_import(name, before=None):
    """The module `name` if already imported (after `before()`, when given), else a stand-in
    that imports it on first use."""
    if name in sys.modules:
        if before is not None:
            before()
        return sys.modules[name]
    if importlib.util.find_spec(name.partition(".")[0]) is None:  # fail here, not at first use
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return LazyModule(name, before)
