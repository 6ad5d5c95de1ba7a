"""The registry of studies, found by itself: every module in this package that declares ORDER
is a study (a module that splits a long study, studies/<study>_*.py, declares none).

Each study module has the same small interface:

    NAME, TITLE, ORDER  key (config section, file prefix, question ids), section title, and its
                        place in the report (ascending)
    CAPTION            the caption of its figures in Snakemake's --report
    PROTOCOL           the assignment's settings, to list a run's departures from them
    runs(cfg)          {(run name, seed): run dict} for the training jobs ({} if none)
    check(cfg)         raise ConfigError naming the key, before any job starts
    inputs(cfg, files) the per-run files its analysis reads (files(study, kind) gives paths;
                       a study that reads another study's runs names that study here)
    params(cfg)        the configuration its analysis and section read (nothing else)
    TABLES, figures_of(params)   names of the tables and figures its analysis writes
    analyse(inp, out, params, info)  tables, figures and a facts file of every number,
                       decision and claim its prose cites
    section(facts, figures, params, info) -> report.Section, questions addressed by id: prose
                       from the facts alone; it places tables by name (sec.add_table)
    SHOWN              {table name: report.Shown}: how the report shows each placed table
    departures(cfg)    how this configuration departs from PROTOCOL, one phrase each
    ASKED              the seed assignments' questions, exercises and figures this study
                       answers or leaves open, one dict each: {"seed": "003", "ask": "5.1: ...",
                       "answer": "<html id>"} or {..., "not_reproduced": "why"}, optionally a
                       "note"; the answer an element of its own section: "<study>",
                       "<study>-q<n>" (n-th sec.ask), "<study>-fig-<figure name>" or
                       "<study>-table-<table name>". The report's appendix, "What each
                       assignment asked", lists them by seed (nnstudies/appendix.py).

Its config section is validated by its schema fragment, workflow/schemas/studies/<NAME>.yaml.
Adding a study: this module, its config section and schema fragment, its test; nothing else.
"""
import importlib
import pkgutil


def _discover():
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "ORDER"):
            found.append(module)
    return sorted(found, key=lambda m: (m.ORDER, m.NAME))


REGISTRY = _discover()
BY_NAME = {module.NAME: module for module in REGISTRY}
STUDIES = [module.NAME for module in REGISTRY]


def training_studies(cfg):
    """Studies with training runs in this configuration, in report order."""
    return [m.NAME for m in REGISTRY if m.runs(cfg)]
