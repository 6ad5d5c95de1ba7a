"""Small pieces every study module uses: facts files, protocol departures, model checks."""
import json
import math
from pathlib import Path

import numpy as np

from .. import prose
from ..config import ConfigError
from ..data import DATASETS, split_sizes


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


# A run is at chance while its training loss lies within CHANCE_MARGIN × ln C of ln C, the
# loss of a uniform guess over C classes (Study 3's start at chance, Study 5's jitter premise)
CHANCE_MARGIN = 0.05


def chance_start(curve, chance):
    """(steps, records) of a run's start at chance: the step of the last record of the unbroken
    stretch, from its first record, whose training loss lies within CHANCE_MARGIN × `chance`
    of `chance` (ln C), and how many records it holds; (0, 0) where the first record already
    lies outside (or the run has none)."""
    if "train_loss" not in curve or not len(curve):
        return 0, 0
    loss = curve.train_loss.to_numpy(float)
    near = np.abs(loss - chance) <= CHANCE_MARGIN * chance  # NaN (diverged) is not near
    n = int(np.argmin(near)) if not near.all() else len(near)
    return (int(curve.step.iloc[n - 1]) if n else 0), n


def load_weights(path):
    """A run's saved state dict, tensors only (weights_only: a tampered file cannot run code);
    a file that is not one stops the analysis naming it."""
    import torch
    try:
        return torch.load(path, weights_only=True)
    except Exception as err:  # pickle, zip or weights-only refusal: all mean the same to a user
        raise RuntimeError(f"{path} is not a readable state dict ({type(err).__name__}: "
                           f"{str(err).splitlines()[0][:200]}); delete it and rerun to train "
                           "that run again") from None


def final_model_train_accuracy(runs_, model_paths, models, train_x, train_y, n_classes,
                               threads=None):
    """Each run's final model scored on every training image (NaN for a diverged run), one
    value per row of `runs_` (columns name, seed, model, status): its model.pt (`model_paths`:
    {(name, seed): path}) loaded into the zoo model `models[model]` (its layers), scored by
    train.evaluate in eval mode, so BatchNorm uses its running statistics. `train_x`: the
    training images in the study's scaling (data.scale), `train_y` their labels. The training
    accuracy a run records is a running mean over the batches since the record before, scored
    while the weights still improved (with one record, the mean since initialisation): this is
    what the trained network scores on the training set (Studies 3 and 6b)."""
    import torch

    from ..models import build_model
    from ..train import evaluate
    if threads:
        torch.set_num_threads(int(threads))
    x, y = torch.from_numpy(train_x), torch.from_numpy(train_y).long()
    out = []
    for r in runs_.itertuples():
        if r.status == "diverged":
            out.append(float("nan"))
            continue
        model = build_model(models[r.model], tuple(x.shape[1:]), n_classes)
        model.load_state_dict(load_weights(model_paths[(r.name, r.seed)]))
        out.append(float(evaluate(model, x, y, chunk=1000)[1]))
    return out


# Two curves of a panel coincide at a record where they lie within COINCIDE of the panel's
# drawn axis span of each other (about a line's width on the printed figure); they are noted
# when they do at COINCIDE_RECORDS of their common records or more (curves that only cross
# stay visible). Studies 4 and 5.
COINCIDE = 0.02
COINCIDE_RECORDS = 0.8


# Two lines of one panel of a loss-and-accuracy figure (Assignment 4's CNN, Study 6b's CNN)
# coincide when they differ by no more than this fraction of the panel's span at every record
# (about a line's width at the printed size).
SAME_LINE = 0.005
CNN_PANELS = ({"train_loss": "training loss", "val_loss": "validation loss"},
              {"train_acc": "training accuracy", "val_acc": "validation accuracy"})


def coinciding_lines(runs, n_classes=None, same_line=SAME_LINE):
    """The CNN figure's lines that hide one another (cnn_figure draws every seed's run in its
    own colour): per panel and column, each group of two seeds or more whose curves coincide
    (`same_line` of the panel's span, chance included where it is drawn, at every record),
    with the value where the group's line is flat and whether it lies on the chance line (ln C
    for the loss, 1/C for the accuracy). `runs`: {seed: curve}; another figure's series (Study
    6b's L2 strengths) may stand for the seeds, with its own `same_line`. Returns [{column,
    what, seeds, value (None unless flat), chance}]."""
    out = []
    for panel, level in zip(CNN_PANELS, (math.log(n_classes) if n_classes else None,
                                         1 / n_classes if n_classes else None)):
        series = {(col, s): (c.step.to_numpy(float), c[col].to_numpy(float))
                  for s, c in runs.items() for col in panel
                  if col in c and c[col].notna().any()}
        if not series:
            continue
        values = np.concatenate([y[np.isfinite(y)] for _, y in series.values()]
                                + ([np.array([level])] if level is not None else []))
        tol = same_line * max(float(values.max() - values.min()), 1e-12)

        def same(a, b):
            return (len(a[0]) == len(b[0]) and np.array_equal(a[0], b[0])
                    and np.array_equal(np.isfinite(a[1]), np.isfinite(b[1]))
                    and bool(np.all(np.abs(a[1] - b[1])[np.isfinite(a[1])] <= tol)))
        for col, what in panel.items():
            left = [s for s in runs if (col, s) in series]
            while left:
                first = left.pop(0)
                group = [first] + [s for s in left if same(series[(col, first)],
                                                            series[(col, s)])]
                left = [s for s in left if s not in group]
                if len(group) < 2:
                    continue
                y = np.concatenate([series[(col, s)][1] for s in group])
                y = y[np.isfinite(y)]
                flat = bool(len(y) and y.max() - y.min() <= tol)
                out.append({"column": col, "what": what, "seeds": group,
                            "value": float(y.mean()) if flat else None,
                            "chance": bool(level is not None and len(y)
                                           and np.all(np.abs(y - level) <= tol))})
    return out


def coinciding_words(lines, label="Seeds"):
    """'Seeds 2 and 3: validation accuracy 20.00 % at every record; their lines coincide, on
    the chance line.' for each group of coinciding_lines, or ''; `label` names what the
    group's members are ('λ' for Study 6b's L2 strengths)."""
    out = []
    for g in lines or []:
        seeds = prose.names([str(x) for x in g["seeds"]])
        value = g.get("value")
        shown = ("" if value is None or value != value else
                 f" {prose.pct(value)}" if "accuracy" in g["what"] else f" {value:.4g}")
        out.append(f"{label} {seeds}: {g['what']}{shown}" + (" at every record" if shown else "")
                   + "; their lines coincide" + (", on the chance line" if g.get("chance")
                                                  else "") + ".")
    return " ".join(out)


def left_out_models(models, asked, only=False):
    """The assignment's models (`asked`) this configuration does not run, as the appendix
    says it: "the assignment's mlp_1 and cnn_4 are not run here" ("mlp_2 only; the ..." with
    `only`); '' where every one of them is run."""
    missing = [m for m in asked if m not in models]
    if not missing:
        return ""
    run = [m for m in asked if m in models]
    return ((f"{prose.names(run)} only; " if only and run else "") + f"the assignment's "
            f"{prose.names(missing)} {'is' if len(missing) == 1 else 'are'} not run here")


def departures(study, p, protocol, words=None, source="assignment"):
    """'architectures: 2 epochs (assignment: 15)' for every setting of a study's config section
    `p` that differs from the assignment's `protocol` (seeds compared by count, models and other
    lists as sets, naming what is left out). `words` names a setting in plain words where its
    config key is not ({"hidden": "H"}); `source` names whose value the protocol's is ("the
    seed")."""
    out, words = [], words or {}
    for key, want in protocol.items():
        have, label = p.get(key), words.get(key, key)
        if key == "seeds":
            if len(have) != want:
                out.append(f"{study}: {prose.count(len(have), 'seed')} ({source}: {want})")
        elif isinstance(want, list):
            missing = [x for x in want if x not in have]
            extra = [x for x in have if x not in want]
            if missing and extra and len(missing) == len(want):  # nothing in common
                out.append(f"{study}: {label} {', '.join(map(str, have))} ({source}: "
                           f"{', '.join(map(str, want))})")
            elif missing or extra:
                changes = ([f"{', '.join(map(str, missing))} left out"] if missing else []) + (
                    [f"{', '.join(map(str, extra))} added"] if extra else [])
                out.append(f"{study}: {label} {', '.join(map(str, have))} "
                           f"({'; '.join(changes)})")
        elif have != want:
            out.append(f"{study}: {label} {have} ({source}: {want})")
    return out


def data_departures(cfg):
    """The data settings that depart from the assignments (full Fashion-MNIST, all classes,
    inputs in [0, 1]), with the sizes the split really has (a class subset shrinks the pool a
    subset is drawn from, and a stratified subset rounds down to whole images per class)."""
    d, out = cfg["data"], []
    known = DATASETS[d["dataset"]]
    if d["dataset"] != "fashion_mnist":
        out.append(f"data: {known.title} instead of Fashion-MNIST")
    kept = list(d.get("classes") or range(known.n_classes))
    k = len(kept)
    of_these = ""
    if d.get("classes"):
        out.append(f"data: {k} of the {known.n_classes} classes ({_setting(kept)}), so chance "
                   f"is 1/{k} = {100 / k:.2f} % and a uniform guess's loss ln {k} = "
                   f"{math.log(k):.3f} (all {known.n_classes}: {100 / known.n_classes:g} % and "
                   f"{math.log(known.n_classes):.3f})")
        of_these = " of these classes"
    sizes = _sizes(d)
    pool_train = sum(known.train_counts[c] for c in kept)
    pool_test = sum(known.test_counts[c] for c in kept)
    used = sizes["train"] + sizes["val"]
    if d.get("train_subset") and used < pool_train:  # a subset as large as the pool is all
        out.append(f"data: {used:,} of the {pool_train:,} training images{of_these} "
                   f"({100 * used / pool_train:.0f} %, split into {sizes['train']:,} for "
                   f"training and {sizes['val']:,} for validation)")
    if d.get("test_subset") and sizes["test"] < pool_test:
        out.append(f"data: {sizes['test']:,} of the {pool_test:,} test images{of_these} "
                   f"({100 * sizes['test'] / pool_test:.0f} %)")
    if d["scaling"] != "unit":
        out.append(f"data: inputs scaled to {SCALING_RANGES[d['scaling']]} (the default: "
                   f"{SCALING_RANGES['unit']})")
    return out


SCALING_RANGES = {"unit": "[0, 1]", "symmetric": "[−1, 1]", "raw": "[0, 255]"}


# A study's own data settings that set the sizes of its split (said as the sizes they give),
# and the others in words.
SIZE_KEYS = ("train_subset", "val_fraction", "test_subset", "classes")
DATA_WORDS = {"scaling": "input scaling", "split_seed": "seed of the validation split",
              "root": "data folder", "offline_dir": "folder of raw files"}


def study_data_departures(cfg, study, seed_data=None):
    """How a study's own `data:` settings differ from the global block, in plain words (a study
    may run on other data, e.g. the dataset or the split sizes its assignment used): its
    dataset; the training, validation and test sizes its subsets and validation fraction give
    (one line, against the other studies'); any other setting. `seed_data`, a study module's
    SEED_DATA, says what its assignment used: "dataset" (a dataset's title), "sizes" ({"train",
    "val"} counts, where the assignment had a validation split of its own) and "split" (those
    sizes in words). A setting that gives the seed's own value is said to be the seed's, not
    listed as a departure from it."""
    own, other, seed = cfg.get(study, {}).get("data", {}), cfg["data"], seed_data or {}
    changed = {k: v for k, v in own.items() if v != other.get(k)}
    out = []
    if "dataset" in changed:
        title, theirs = DATASETS[changed["dataset"]].title, DATASETS[other["dataset"]].title
        same = seed.get("dataset") == title
        out.append(f"{study}: runs on {title}" + (", the seed's dataset (" if same else " (")
                   + (f"the seed: {seed['dataset']}; " if seed.get("dataset") and not same
                      else "") + f"the other studies: {theirs})")
    if set(changed) & set(SIZE_KEYS):
        mine, others = _sizes({**other, **own}), _sizes(other)
        sizes = seed.get("sizes")
        same = bool(sizes) and all(mine[k] == v for k, v in sizes.items())
        said = (f"the seed: {seed['split']}; " if seed.get("split") and not same else "")
        out.append(f"{study}: {mine['train']:,} training and {mine['val']:,} validation images"
                   + (", the seed's sizes (" if same else " (") + f"{said}the other studies: "
                   f"{others['train']:,} and {others['val']:,})")
        if mine["test"] != others["test"]:
            out.append(f"{study}: {mine['test']:,} test images (the other studies: "
                       f"{others['test']:,})")
        if "classes" in changed:
            out.append(f"{study}: classes {_setting(changed['classes'])} (the other studies: "
                       f"{_setting(other.get('classes'), 'all')})")
    for key in [k for k in changed if k not in ("dataset", *SIZE_KEYS)]:
        out.append(f"{study}: {DATA_WORDS.get(key, key)} {_setting(changed[key])} (the other "
                   f"studies: {_setting(other.get(key))})")
    return out


def _sizes(settings):
    """{train, val, test}: the split sizes a data block gives (no file read)."""
    return split_sizes(settings["dataset"], settings["val_fraction"], settings.get("classes"),
                       settings.get("train_subset"), settings.get("test_subset"))


def _setting(value, none="the whole set"):
    """A data setting as the notice says it: no value (a subset not taken) is the whole set."""
    if value is None:
        return none
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return f"{value:,}" if isinstance(value, int) else str(value)


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
