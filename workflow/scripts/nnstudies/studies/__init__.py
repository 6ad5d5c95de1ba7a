"""The ordered registry of studies: each is one module with the same small interface.

    NAME, TITLE        key (config section, file prefix, question ids) and section title
    PROTOCOL           the assignment's settings, to list a run's departures from them
    runs(cfg)          {(run name, seed): run dict} for the training jobs ({} if none)
    check(cfg)         raise ConfigError naming the key, before any job starts
    inputs(cfg, files) the per-run files its analysis reads (files(study, kind) gives paths)
    params(cfg)        the configuration its analysis and section read (nothing else)
    TABLES, figures(params)   names of the tables and figures its analysis writes
    analyse(inp, out, params) tables, figures and a facts file of every number its prose cites
    section(facts, tables, figures, params) -> report.Section, questions addressed by id
    departures(cfg)    how this configuration departs from PROTOCOL, one phrase each

Adding a study: a module here, its config section and schema fragment, its test.
"""
from . import (activations, architectures, assignment4, concepts, convolution, ece421, hw5,
               learning_rates)

REGISTRY = [concepts, convolution, architectures, activations, learning_rates, hw5, ece421,
            assignment4]
BY_NAME = {module.NAME: module for module in REGISTRY}
STUDIES = [module.NAME for module in REGISTRY]


def training_studies(cfg):
    """Studies with training runs in this configuration, in report order."""
    return [m.NAME for m in REGISTRY if m.runs(cfg)]
