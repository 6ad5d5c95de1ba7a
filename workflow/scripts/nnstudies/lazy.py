"""Heavy libraries imported on first use.

Snakemake imports this package to plan the workflow: on every `snakemake` call (a dry run
too), and again inside every cluster job before the job's script starts. torch, pandas,
scipy.stats and matplotlib take seconds to import, and only the jobs that train or analyse
use them; the modules the plan reads therefore bind them with `lazy_import`, and the import
happens at the first attribute access (the recipe in importlib's documentation,
"Implementing lazy imports"). `from torch import nn` would import at once: write `torch.nn`.
"""
import importlib.util
import sys


def lazy_import(name):
    """The module `name`, loaded the first time one of its attributes is read."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)  # imports the parent package of a submodule
    if spec is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return module
