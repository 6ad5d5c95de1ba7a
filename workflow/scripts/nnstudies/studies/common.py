"""Small pieces every study module uses: facts files, protocol departures, model checks."""
import json
import math
from pathlib import Path

from .. import prose
from ..config import ConfigError
from ..data import DATASETS


def write_facts(path, facts):
    """The numbers a study's prose cites, beside its tables (NaN written as null)."""
    def clean(x):
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        if hasattr(x, "item"):  # numpy scalars
            x = x.item()
        return None if isinstance(x, float) and math.isnan(x) else x
    Path(path).write_text(json.dumps(clean(facts), indent=2))


def read_facts(path):
    """A facts file back, with null as NaN so that arithmetic and formatting just work."""
    def nan(x):
        if isinstance(x, dict):
            return {k: nan(v) for k, v in x.items()}
        if isinstance(x, list):
            return [nan(v) for v in x]
        return float("nan") if x is None else x
    return nan(json.loads(Path(path).read_text()))


def records(df, columns=None):
    """The rows of a table that a section's prose reads, as facts (the columns it reads, or a
    small table whole)."""
    return (df if columns is None else df[list(columns)]).to_dict("records")


def departures(study, p, protocol):
    """'architectures: 2 epochs (assignment: 15)' for every setting of a study's config section
    `p` that differs from the assignment's `protocol` (seeds compared by count, models and other
    lists as sets, naming what is left out)."""
    out = []
    for key, want in protocol.items():
        have = p.get(key)
        if key == "seeds":
            if len(have) != want:
                out.append(f"{study}: {prose.count(len(have), 'seed')} (assignment: {want})")
        elif isinstance(want, list):
            missing = [x for x in want if x not in have]
            extra = [x for x in have if x not in want]
            if missing or extra:
                out.append(f"{study}: {key} {', '.join(map(str, have))}"
                           + (f" ({', '.join(map(str, missing))} left out)" if missing else "")
                           + (f" ({', '.join(map(str, extra))} added)" if extra else ""))
        elif have != want:
            out.append(f"{study}: {key} {have} (assignment: {want})")
    return out


def data_departures(cfg):
    """The data settings that depart from the assignments (full Fashion-MNIST, all classes)."""
    d, out = cfg["data"], []
    if d["dataset"] != "fashion_mnist":
        out.append(f"data: {DATASETS[d['dataset']].title} instead of Fashion-MNIST")
    if d.get("classes"):
        out.append(f"data: classes {d['classes']} only")
    known = DATASETS[d["dataset"]]
    train, test = sum(known.train_counts), sum(known.test_counts)
    if d.get("train_subset"):
        out.append(f"data: {d['train_subset']:,} of the {train:,} training images "
                   f"({100 * d['train_subset'] / train:.0f} %, split into training and "
                   "validation)")
    if d.get("test_subset"):
        out.append(f"data: {d['test_subset']:,} of the {test:,} test images "
                   f"({100 * d['test_subset'] / test:.0f} %)")
    return out


def study_data_departures(cfg, study, seed_data=None):
    """How a study's own `data:` settings differ from the global block, one phrase each
    (a study may run on other data, e.g. the dataset its assignment used). `seed_data` says,
    per key, what the study's assignment used (a study module's SEED_DATA)."""
    own, out = cfg.get(study, {}).get("data", {}), []
    for key, value in own.items():
        if value == cfg["data"].get(key):
            continue
        seed = f"the seed: {seed_data[key]}; " if key in (seed_data or {}) else ""
        if key == "dataset":
            out.append(f"{study}: runs on {DATASETS[value].title} "
                       f"({seed}the other studies: {DATASETS[cfg['data'][key]].title})")
        else:
            out.append(f"{study}: data.{key} {_setting(value)} ({seed}the other studies: "
                       f"{_setting(cfg['data'][key])})")
    return out


def _setting(value):
    """A data setting as the notice says it: no value (a subset not taken) is the whole set."""
    return "the whole set" if value is None else f"{value:,}" if isinstance(value, int) else value


def check_models(cfg, study, key="models"):
    """Every model a study names is declared in the zoo."""
    names = cfg[study][key]
    for i, model in enumerate([names] if isinstance(names, str) else names):
        if model not in cfg["models"]:
            where = f"{study}.{key}" + ("" if isinstance(names, str) else f"[{i}]")
            raise ConfigError(f"config key '{where}': unknown model {model!r}; "
                              f"declared models are {sorted(cfg['models'])}")


def table_path(results, study, name):
    return f"{results}/tables/{study}_{name}.csv"


def figure_path(results, study, name, ext="png"):
    return f"{results}/figures/{study}_{name}.{ext}"


def facts_path(results, study):
    return f"{results}/tables/{study}_facts.json"


class Outputs:
    """Where a study's analysis writes: tables and figures by name, and its facts file.
    Built from a Snakemake job's named outputs (table_<name>, png_<name>, svg_<name>, facts)."""

    def __init__(self, named):
        self.facts = named["facts"]
        self.tables = {k[6:]: v for k, v in named.items() if k.startswith("table_")}
        self.figures = {k[4:]: (v, named[f"svg_{k[4:]}"]) for k, v in named.items()
                        if k.startswith("png_")}

    def table(self, name):
        return self.tables[name]

    def figure(self, name):
        return self.figures[name]
