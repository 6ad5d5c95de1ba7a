"""Study 5: learning rate (EE449 part 5): constant rates, a plateau schedule, Adam for reference."""
import json
import math

import numpy as np

from .. import aggregate, claims, figures, prose
from ..config import ConfigError, make_run
from ..report import Section, Shown
from ..runfiles import read_summary
from ..schedule import describe_rule, epoch_end_accuracy
from ..stats import BLOWUP_FACTOR, STUCK_Z, chance_band
from .common import (COINCIDE, COINCIDE_RECORDS, CHANCE_MARGIN, chance_start, check_models,
                     departures as protocol_departures, records, write_facts)
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "learning_rates"
TITLE = "Study 5: learning rate"
ORDER = 50
CAPTION = ("Study 5: training loss and validation accuracy for each constant learning rate "
           "and the plateau-scheduled run (vertical lines: its switches).")
PROTOCOL = {"model": "cnn_4", "lrs": [0.1, 0.01, 0.001], "optimizer": "sgd", "momentum": 0.0,
            "batch_size": 50, "epochs": 20, "seeds": 1}
# The scheduled run (the spec's Study 5): from 0.1, switched to 0.01 and then 0.001 at the
# plateaus, to 30 epochs.
SCHEDULE_PROTOCOL = {"lrs": [0.1, 0.01, 0.001], "epochs": 30}
TABLES = ["runs", "variants", "curves", "adam_reference"]
_DISCUSSION = ["the effect of the learning rate on the speed of convergence",
               "the effect of the learning rate on converging to a better point",
               "does the scheduled learning rate work, and in what sense?",
               "the scheduled learning rate against Adam (part on architectures), in accuracy "
               "and convergence"]
# The seeds' asks this section answers (nnstudies/appendix.py): EE449's learning-rate part
# (part 4 in seed 000's report, part 5 in seed 001's).
# the seed's figures of a schedule, by the number of switches each shows: where the run made
# fewer, the appendix says so (section: asked_notes)
SWITCH_ASKS = {1: "5.1 Fig. 14: validation accuracy, lr 0.1 switched to 0.01",
               2: "5.1 Fig. 15: validation accuracy, lr 0.1 then 0.01 then 0.001"}
# the figures of the constant rates, of the whole schedule and the test table: where the model
# or the rates differ from the assignment's, the appendix says so (asked_notes)
CONSTANT_ASKS = ["4.1 Fig. 5: training loss and validation accuracy at lr 0.1, 0.01, 0.001 (no "
                 "schedule)", "5.1 Fig. 13: cnn_4 at lr 0.1, 0.01 and 0.001"]
SCHEDULE_ASK = "4.2 Fig. 6: validation accuracy with the scheduled learning rate"
TEST_ASK = "5.1 Fig. 16: test accuracy after the scheduled training"
ASKED = [
    {"seed": "000", "ask": CONSTANT_ASKS[0], "answer": "learning_rates-fig-curves"},
    {"seed": "000", "ask": SCHEDULE_ASK, "answer": "learning_rates-fig-curves",
     "note": "its last column"},
    *({"seed": "000", "ask": f"4.3 Q{i}: {q}", "answer": f"learning_rates-q{i}"}
      for i, q in enumerate(_DISCUSSION, 1)),
    {"seed": "001", "ask": CONSTANT_ASKS[1], "answer": "learning_rates-fig-curves"},
    {"seed": "001", "ask": SWITCH_ASKS[1], "answer": "learning_rates-fig-curves",
     "note": "the scheduled run's column"},
    {"seed": "001", "ask": SWITCH_ASKS[2], "answer": "learning_rates-fig-curves",
     "note": "the scheduled run's column"},
    {"seed": "001", "ask": TEST_ASK, "answer": "learning_rates-table-variants"},
    *({"seed": "001", "ask": f"5.2.{i}: {q}", "answer": f"learning_rates-q{i}"}
      for i, q in enumerate(_DISCUSSION, 1)),
]

# the asks for the schedule against Adam (section: asked_notes, asked_reasons)
ADAM_ASKS = [a["ask"] for a in ASKED if a["answer"] == f"{NAME}-q4"]


def lr_name(lr):
    return f"lr{lr:g}"


def runs(cfg):
    """The model at each constant learning rate, plus the plateau-scheduled run."""
    p = cfg[NAME]
    out = {(lr_name(lr), s): make_run(cfg, NAME, lr_name(lr), p["model"], s, p, lr=lr)
           for lr in p["lrs"] for s in p["seeds"]}
    schedule = p["schedule"]
    reference = lr_name(schedule["lrs"][0])
    for s in p["seeds"]:
        out[("schedule", s)] = make_run(
            cfg, NAME, "schedule", p["model"], s, p, lr=schedule["lrs"][0],
            epochs=schedule["epochs"], schedule=schedule,
            reference=reference)  # its plateau sets the first switch
        if (reference, s) in out:  # the scheduled run continues from its state at the plateau
            out[(reference, s)]["keep_epoch_states"] = True
    return out


def check(cfg):
    check_models(cfg, NAME, key="model")
    p = cfg[NAME]
    if p["schedule"]["lrs"][0] not in p["lrs"]:
        raise ConfigError(
            f"config key '{NAME}.schedule.lrs[0]': the schedule starts at "
            f"{p['schedule']['lrs'][0]}, which must be one of {NAME}.lrs {p['lrs']} (the "
            "plateau of that run sets the first switch)")


def departures(cfg):
    """The constant-rate runs' departures, then the scheduled run's (its epochs and rates)."""
    words = {"lrs": "learning rates"}
    return (protocol_departures(NAME, cfg[NAME], PROTOCOL, words)
            + protocol_departures(f"{NAME}, the scheduled run", cfg[NAME]["schedule"],
                                  SCHEDULE_PROTOCOL, words))


def adam_seeds(cfg):
    """The learning-rate model's Adam runs in the architecture study: all of them (none if the
    model is not there). The two studies' runs are independent, so the comparison is unpaired
    and gains nothing from a subset of shared seeds; all of them give the reference the mean
    the architecture study reports."""
    if cfg[NAME]["model"] not in cfg["architectures"]["models"]:
        return []
    return list(cfg["architectures"]["seeds"])


def inputs(cfg, files):
    adam = [(cfg[NAME]["model"], s) for s in adam_seeds(cfg)]
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv"),
            "adam_summary": files("architectures", "summary.json", adam),
            "adam_curves": files("architectures", "curves.csv", adam)}


def params(cfg):
    # what the architecture study ran, so that Q4 names it even where it has no run of the
    # learning-rate model (a configuration may run it with SGD: no Adam run at all)
    arch = cfg["architectures"]
    return {"protocol": cfg[NAME], "adam": arch if cfg[NAME]["model"] in arch["models"] else None,
            "architectures": {"optimizer": arch["optimizer"], "lr": arch["lr"],
                              "momentum": arch.get("momentum"), "models": list(arch["models"])}}


def figures_of(params):
    return ["curves"]


def analyse(inp, out, params, info):
    p = params["protocol"]
    n_classes, n_test = len(info["class_names"]), info["sizes"]["test"]
    runs_, by_run, variants, curves = aggregate.variant_tables(
        inp.summary, inp.curves, n_classes, n_test, p["target_val_acc"])
    runs_.to_csv(out.table("runs"), index=False)
    variants = with_reached_counts(variants, runs_, by_run, p["target_val_acc"])
    variants = with_fate_groups(variants, runs_, by_run, p["target_val_acc"])
    variants.to_csv(out.table("variants"), index=False)
    curves.to_csv(out.table("curves"), index=False)
    # momentum too: the reference is named by what ran (reference_arm)
    adam, adam_curves = aggregate.load_runs(inp.adam_summary, inp.adam_curves, n_classes, n_test,
                                            fields=("momentum",))
    adam.to_csv(out.table("adam_reference"), index=False)
    switches, sources, resumed = {}, {}, {}
    for path in inp.summary:
        summary = read_summary(path)
        if summary["run"]["name"] == "schedule":
            switches[summary["run"]["seed"]] = summary["switch_epochs"]
            sources[summary["run"]["seed"]] = summary.get("first_switch_from")
            resumed[summary["run"]["seed"]] = summary.get("resumed_at_epoch")
    steps_per_epoch = read_summary(inp.summary[0])["steps_per_epoch"]
    fates = dict(zip(zip(runs_.name, runs_.seed), runs_.status))
    figures.save(figures.learning_rate_figure(
        curves, variants, steps_per_epoch, switches, n_classes,
        runs={key: (fates[key], df) for key, df in by_run.items() if key in fates}),
        *out.figure("curves"))
    write_facts(out.facts, {**facts(runs_, variants, adam, adam_curves, switches, p, sources,
                                    by_run, steps_per_epoch, n_classes=n_classes,
                                    n_val=info["sizes"]["val"]),
                            "resumed_at_epoch": resumed})




def figure_overlaps(runs_, by_run):
    """What the figure hides where it draws a variant run by run (its runs' fates differ, as
    figures.learning_rate_figure does): per variant and panel, the runs whose curves coincide
    (within COINCIDE of the row's shared axis span, log for the loss, at COINCIDE_RECORDS of their
    common records), and the runs that did not end ok whose last records coincide, whose
    markers the figure moves apart to the left. [{name, panel, seeds, markers}]."""
    fates = {(str(n), int(s)): st for n, s, st in zip(runs_.name, runs_.seed, runs_.status)}
    spans = {}  # the panels share their row's axis: the span over every run of the study
    for column, log in (("train_loss", True), ("val_acc", False)):
        ys = [c[column].astype(float) for c in by_run.values()
              if c is not None and not c.empty and column in c]
        ys = pd.concat(ys) if ys else pd.Series(dtype=float)
        ys = ys[np.isfinite(ys) & ((ys > 0) if log else True)]
        ys = np.log(ys) if log else ys
        spans[column] = max(float(ys.max() - ys.min()), 1e-12) if len(ys) else 1e-12
    out = []
    for name in dict.fromkeys(str(n) for n in runs_.name):
        seeds = sorted(s for n, s in fates if n == name)
        if len({fates[(name, s)] for s in seeds}) < 2:
            continue
        for column, panel, log in (("train_loss", "training-loss", True),
                                   ("val_acc", "validation-accuracy", False)):
            series = {}
            for s in seeds:
                c = by_run.get((name, s))
                if c is None or c.empty or column not in c:
                    continue
                y = c.set_index("step")[column].astype(float)
                y = y[y > 0] if log else y
                series[s] = (np.log(y) if log else y).dropna()
            if len(series) < 2:
                continue
            tol = COINCIDE * spans[column]
            together, ends = [], []
            for i, a in enumerate(series):
                for b in list(series)[i + 1:]:
                    both = pd.concat([series[a], series[b]], axis=1, keys=["a", "b"]).dropna()
                    if len(both) >= 2 and ((both.a - both.b).abs() <= tol).sum() >= \
                            COINCIDE_RECORDS * len(both):
                        together.append((a, b))
                    ea, eb = series[a], series[b]
                    if "ok" not in (fates[(name, a)], fates[(name, b)]) and len(ea) and \
                            len(eb) and ea.index[-1] == eb.index[-1] and \
                            abs(ea.iloc[-1] - eb.iloc[-1]) <= tol:
                        ends.append((a, b))
            if together or ends:
                out.append({"name": name, "panel": panel,
                            "seeds": _groups(together), "markers": _groups(ends)})
    return out


def _groups(pairs):
    """[[seeds]]: the pairs joined into groups that share a seed."""
    groups = []
    for a, b in pairs:
        hit = [g for g in groups if a in g or b in g]
        merged = sorted({a, b}.union(*hit))
        groups = [g for g in groups if g not in hit] + [merged]
    return sorted(groups)


def figure_caption(facts):
    """The figure's caption, from what it draws: the switch verticals as its legend names
    them (by seed where each epoch has its own style, else one entry for all, each epoch's
    seeds then said here), and, where runs are drawn one by one, the curves that lie on one
    another and the fate markers moved apart (figure_overlaps)."""
    at = {}
    for seed, epochs in sorted(facts["switches"].items(), key=lambda x: int(x[0])):
        for e in epochs:
            at.setdefault(int(e), []).append(str(seed))
    text = ("One column per constant learning rate and one for the scheduled run: training "
            "loss (top, log scale) and validation accuracy (bottom) against epoch, mean over "
            "seeds.")
    if at and len(at) > len(figures.SWITCH_STYLES):
        text += (" In the scheduled run's column the verticals are its switches, one per epoch "
                 "at which a seed switched, all drawn alike (legend: \"switch (a seed's)\"): "
                 + "; ".join(f"epoch {e}: {_seeds(seeds)}" for e, seeds in sorted(at.items()))
                 + ".")
    elif at:
        text += (" In the scheduled run's column the verticals are its switches, one per epoch "
                 "at which a seed switched (the legend names its seeds).")
    for o in facts.get("figure_overlaps") or []:
        label = "the scheduled run" if o["name"] == "schedule" else \
            f"lr {float(o['name'][2:]):g}"
        if o["seeds"]:
            text += (f" In {label}'s {o['panel']} panel the curves of "
                     + "; of ".join(_seeds(g) for g in o["seeds"])
                     + f" coincide (within {100 * COINCIDE:.0f} % of the axis's span at "
                     f"{100 * COINCIDE_RECORDS:.0f} % of their records): one hides another.")
        if o["markers"]:
            text += (f" In {label}'s {o['panel']} panel the runs of "
                     + "; of ".join(_seeds(g) for g in o["markers"])
                     + " end on one spot: their markers are moved apart to the left, so a "
                     "marker may sit left of its run's end.")
    return text


def with_reached_counts(variants, runs_, by_run, target):
    """The variants table with `reached_target`: how many of each variant's runs reached the
    target (its steps_to_target_mean is the mean over those runs only)."""
    per_run = aggregate.per_run_numbers(runs_, by_run, target)
    reached = per_run.groupby("name").steps_to_target.count()
    return variants.assign(reached_target=[int(reached.get(n, 0)) for n in variants.name])


FATE_ORDER = ["ok", "blew up", "stuck", "diverged"]


def with_fate_groups(variants, runs_, by_run, target):
    """The variants table with `by_fate`: for a variant whose runs ended with different fates
    (two clusters: runs that learned, runs stuck at chance), its runs grouped by fate, each
    group's seeds and means (JSON); '' for a variant whose runs share one fate. The report's
    table shows such a variant one row per fate (rows_by_fate): a mean over both clusters is a
    level no run reached."""
    per_run = aggregate.per_run_numbers(runs_, by_run, target)
    cells = []
    for name in variants.name:
        group = per_run[per_run.name == name]
        if group.status.nunique() < 2:
            cells.append("")
            continue
        fates = []
        for fate in sorted(group.status.unique(), key=FATE_ORDER.index):
            g = group[group.status == fate].sort_values("seed")
            fates.append({"status": fate, "seeds": [int(x) for x in g.seed],
                          "steps": float(g.steps.mean()),
                          "reached_target": int(g.steps_to_target.notna().sum()),
                          **{k: float(g[k].mean()) if g[k].notna().any() else None
                             for k in ("final_val_acc", "best_val_acc", "test_acc",
                                       "steps_to_target")}})
        cells.append(json.dumps(fates))
    return variants.assign(by_fate=cells)


def rows_by_fate(variants):
    """The variants table as the report shows it: a variant whose runs ended with different
    fates one row per fate, named with its seeds ('lr0.2, seed 1'), its numbers that group's
    means; a best validation accuracy only for runs that ended ok (a stuck run's best record is
    noise at chance, or a level it lost)."""
    rows = []
    for r in variants.to_dict("records"):
        groups = r.get("by_fate")
        if not isinstance(groups, str) or not groups:
            rows.append(r)
            continue
        for g in json.loads(groups):
            n = len(g["seeds"])
            nan = float("nan")
            rows.append({**r, "name": f"{r['name']}, {_seeds(g['seeds'])}", "runs": n,
                         "with_final_point": 0 if g["status"] == "diverged" else n,
                         "status": g["status"], "steps_mean": g["steps"],
                         "final_val_acc_mean": nan if g["final_val_acc"] is None
                         else g["final_val_acc"],
                         "best_val_acc_mean": g["best_val_acc"] if g["status"] == "ok" and
                         g["best_val_acc"] is not None else nan,
                         "test_acc_mean": nan if g["test_acc"] is None else g["test_acc"],
                         "steps_to_target_mean": nan if g["steps_to_target"] is None
                         else g["steps_to_target"],
                         "reached_target": g["reached_target"]})
    return pd.DataFrame(rows)


SOURCE = "tables/learning_rates_runs.csv (with each run's curves.csv)"
PROSE_COLUMNS = ["name", "lr", "epochs", "steps_mean", "status", "worst_status",
                 "final_val_acc_mean", "best_val_acc_mean", "test_acc_mean",
                 "steps_to_target_mean", "val_acc_jitter_mean"]


def _count(x):
    return "–" if x != x else f"{x:,.0f}"


SHOWN = {"variants": Shown(rows=rows_by_fate, columns=(
    ("run", "name"), ("starting lr", lambda r: f"{r.lr:g}"), ("epochs", "epochs"),
    ("steps", lambda r: _count(r.steps_mean)), ("runs (with final point)", prose.runs_cell),
    ("fate", "status"),
    ("final val. acc. %", lambda r: prose.cell(r.final_val_acc_mean)),
    ("best val. acc. %", lambda r: _best_cell(r)),
    ("test acc. %", lambda r: prose.cell(r.test_acc_mean)),
    ("steps to the target", lambda r: _steps_cell(r))))}


def _best_cell(r):
    """The best validation accuracy of a row whose runs ended ok; '–' for any other fate (one
    rule for table and prose, _best_given): a run that did not end ok holds no level it
    reached, so its highest record is noise at chance or a level it lost."""
    return prose.cell(r.best_val_acc_mean) if _best_given(r.status) else "–"


def _best_given(status):
    """Whether a row's best validation accuracy is given: its runs all ended ok."""
    return status == "ok"


def _steps_cell(r):
    """Mean steps to the target over the runs that reached it, with their count where not
    every run did ('95 (2 of 3)')."""
    if r.steps_to_target_mean != r.steps_to_target_mean:
        return "never"
    reached = getattr(r, "reached_target", r.runs)
    return f"{r.steps_to_target_mean:,.0f}" + ("" if reached == r.runs else
                                               f" ({reached:.0f} of {r.runs})")


SPEED_EXPECTED = ("a larger rate takes larger steps, so it gets near a good region sooner, as "
                  "long as it does not overshoot: fewer steps to the target at a larger rate.")
JITTER_EXPECTED = ("a large rate keeps bouncing around a minimum instead of settling: more "
                   "jitter at a larger rate.")


def _steps_fmt(x):
    return "–" if x is None or x != x else f"{x:,.0f} steps"


def _steps_diff(x):
    return f"{x:+,.0f} steps"


def reference_arm(adam):
    """What the schedule is compared with in Q4, read from the architecture study's runs (the
    reference table): the assignment asks for Adam, but a configuration may run that study with
    another optimiser, and the arm is then named by what ran ('SGD (lr 0.05, momentum 0.9)')."""
    row = adam.iloc[0]
    optimizer = str(row["optimizer"])
    momentum = row.get("momentum")
    momentum = None if momentum is None or momentum != momentum else float(momentum)
    name = prose.OPTIMIZER_NAMES.get(optimizer, optimizer)
    settings = prose.optimizer({"optimizer": optimizer, "lr": row["lr"], "momentum": momentum})
    is_adam = optimizer == "adam"
    return {"optimizer": optimizer, "name": name, "lr": float(row["lr"]), "momentum": momentum,
            "is_adam": is_adam, "settings": settings, "label": "Adam" if is_adam else settings}


def _fates(statuses):
    """'2 of 3 runs stuck, 1 diverged' for the runs that did not end ok; '' when all did."""
    statuses = list(statuses)
    bad = [(s, statuses.count(s)) for s in ("diverged", "blew up", "stuck") if s in statuses]
    return ", ".join((f"{k} of {len(statuses)} {'run' if len(statuses) == 1 else 'runs'} "
                      if i == 0 else f"{k} ") + s for i, (s, k) in enumerate(bad))


LATER = {"stuck": "ended stuck", "diverged": "then diverged", "blew up": "then blew up"}


def _reach_counts(const, rates):
    """' (lr 0.3: 2 of 3 runs reached it, 1 never did, 2 of those ended stuck)' for each rate
    with a run that reached the target whose runs did not all reach it or did not all end ok
    ('' when none; a rate none of whose runs reached it is said so with its value)."""
    parts = []
    for lr in rates:
        group = const[const.lr == lr]
        hit = group[group.steps_to_target.notna()]
        if not len(hit) or len(hit) == len(group) and (group.status == "ok").all():
            continue
        part = f"lr {lr:g}: {len(hit)} of {prose.count(len(group), 'run')} reached it"
        if len(hit) < len(group):
            part += f", {len(group) - len(hit)} never did"
        later = [((hit.status == s).sum(), LATER[s]) for s in LATER if (hit.status == s).any()]
        part += "".join(f", {k} of those {fate}" if i == 0 else f", {k} {fate}"
                        for i, (k, fate) in enumerate(later))
        parts.append(part)
    return f" ({'; '.join(parts)})" if parts else ""


def _pairs(runs_, first):
    """The scheduled run and the constant run of its first rate, seed by seed (the schedule of
    seed s continues that run of seed s): {"kept": seeds with a test accuracy on both sides and
    a run that did not end stuck, "idle": seeds whose two runs both ended stuck (two runs at
    chance: their difference measures no schedule), "unpaired": seeds without a test accuracy
    on both sides (diverged)}."""
    def by_seed(name):
        g = runs_[runs_.name == name]
        return {int(s): (a, st) for s, a, st in zip(g.seed, g.test_acc, g.status)}
    sched, const = by_seed("schedule"), by_seed(first)
    out = {"kept": [], "idle": [], "unpaired": []}
    for s in sorted(set(sched) | set(const)):
        if s not in sched or s not in const or sched[s][0] != sched[s][0] \
                or const[s][0] != const[s][0]:
            out["unpaired"].append(s)
        elif sched[s][1] == const[s][1] == "stuck":
            out["idle"].append(s)
        else:
            out["kept"].append(s)
    return out


def _schedule_vs_first(runs_, first, first_lr):
    """The scheduled run against the constant run of its first rate, seed by seed: the
    schedule of seed s continues that run of seed s (its state at the plateau), so the two
    arms are paired, not independent. A seed whose runs both ended stuck is left out and named
    (two runs at chance: a difference of 0 there would dilute the mean, and no schedule is
    measured); a seed whose run has no test accuracy (diverged) has no pair; each arm's fates
    over the pairs kept are named where some did not end ok."""
    pairs = _pairs(runs_, first)
    kept = runs_[runs_.seed.astype(int).isin(pairs["kept"])]
    acc = {name: dict(zip(g.seed.astype(int), g.test_acc)) for name, g in kept.groupby("name")}
    diffs = {s: float(acc["schedule"][s] - acc[first][s]) for s in pairs["kept"]}
    idle = pairs["idle"]
    notes = [f"{_seeds(idle)} left out, where both runs ended stuck"] if idle else []
    notes += [f"{label}: {_fates(kept[kept.name == name].status)}"
              for name, label in ((first, f"lr {first_lr:g}"), ("schedule", "the scheduled run"))
              if (kept[kept.name == name].status != "ok").any()]
    unpaired = len(pairs["unpaired"])
    notes += ([f"{prose.count(unpaired, 'seed')} without a test accuracy on both sides left "
               "out"] if unpaired else [])
    return claims.paired(
        diffs, f"Test accuracy, the scheduled run minus the constant lr {first_lr:g} run of the "
        "same seed, which it continues" + (f" ({'; '.join(notes)})" if notes else ""),
        source=SOURCE)


SCHEDULE_JITTER_EXPECTED = ("after a switch the lower rate takes smaller steps, so the run "
                            "should bounce less: less jitter over the last epoch than the "
                            "constant run.")


def _schedule_jitter(per_run, first, switches, levels, line, first_lr, at_chance=None,
                     ln_c=None):
    """'In what sense' the schedule works, where it can be measured: the jitter of validation
    accuracy over the last epoch (std of record-to-record changes), the scheduled run minus the
    constant run of the same seed, over the seeds where the schedule switched off a plateau
    above chance (a switch at chance, or none, is not the schedule meant), both runs ended ok,
    and both meet Q2's jitter premise (`at_chance`: {(name, seed): steps at chance from the
    first record, still_at_chance; None where the run left chance before its last epoch}): a
    run still at chance in its last epoch has no minimum to bounce around. Each seed left out
    is named with why. Where no seed qualifies, each arm's jitter over its runs that meet
    those conditions as values, saying why none is compared."""
    at_chance = at_chance or {}
    status = {(str(n), int(s)): st for n, s, st in zip(per_run.name, per_run.seed,
                                                       per_run.status)}
    steps = {(str(n), int(s)): x for n, s, x in zip(per_run.name, per_run.seed,
                                                    per_run.steps)}
    jitter = {(str(n), int(s)): j for n, s, j, st in zip(per_run.name, per_run.seed,
                                                        per_run.val_acc_jitter, per_run.status)
              if st == "ok" and j == j and at_chance.get((str(n), int(s))) is None}
    arms = (("schedule", "the scheduled run"), (first, f"the constant lr {first_lr:g} run"))
    diffs, out = {}, {}  # out: reason -> seeds left out
    for seed, epochs in sorted(switches.items(), key=lambda x: int(x[0])):
        seed = int(seed)
        lv = levels.get(seed, levels.get(str(seed), []))
        why = []
        if not epochs:
            why.append("the schedule never switched")
        elif not all(x == x and x > line for x in lv[:1]):
            why.append("the first switch came on a plateau at chance")
        for name, label in arms:
            st = status.get((name, seed))
            if st != "ok":
                why.append(f"{label} " + ("has no run" if st is None else f"ended {st}"))
            elif at_chance.get((name, seed)) is not None:
                why.append(f"{label} was still at chance in its last epoch "
                           f"({at_chance[(name, seed)]:,} of {steps[(name, seed)]:,.0f} "
                           "steps)")
            elif (name, seed) not in jitter:
                why.append(f"{label} has no jitter value")
        if why:
            out.setdefault("; ".join(why), []).append(seed)
        else:
            diffs[seed] = jitter[("schedule", seed)] - jitter[(first, seed)]
    premise = ("left chance before their last epoch, Q2's jitter premise (training loss "
               f"within {CHANCE_MARGIN:g} × ln C" + (f" of ln C = {ln_c:.4g}" if ln_c else "")
               + " from the first record: no minimum to bounce around yet)")
    left = "; ".join(f"{_seeds(seeds)} left out: {why}" for why, seeds in out.items())
    rule = ("over the seeds whose schedule switched off a plateau above chance and whose two "
            f"runs both ended ok and {premise}")
    if not diffs:
        return claims.values_only(
            {label: [j for (n, _), j in jitter.items() if n == name] for name, label in arms},
            "Jitter over the last epoch, over the runs that ended ok and meet Q2's jitter "
            "premise", fmt=_points, source=SOURCE, missing="no value",
            note="no seed is compared, each pair needing a schedule that switched off a "
            f"plateau above chance and two runs that ended ok and {premise}; {left}")
    return claims.mechanism(SCHEDULE_JITTER_EXPECTED, claims.paired(
        diffs, "Jitter over the last epoch, the scheduled run minus the constant lr "
        f"{first_lr:g} run of the same seed, {rule}" + (f" ({left})" if left else ""),
        source=SOURCE), expected_sign=-1, name="the schedule jitters less")


def _known(x):
    """A value the facts file holds (its null is read back as NaN)."""
    return x is not None and x == x


def _points(x):
    """A spread in points, unsigned ('0.49 points')."""
    return "–" if x != x else f"{100 * x:.2f} points"


def _seeds(seeds):
    """'seed 1', 'seeds 0 and 2'."""
    seeds = list(seeds)
    return f"{'seed' if len(seeds) == 1 else 'seeds'} {prose.names(seeds)}"


def _reached_as_first_rate(sched_runs, first_runs):
    """True when every scheduled run that reached the target did so at the very step the
    constant first-rate run of its seed did: the two share that phase update for update
    (training is deterministic), so the schedule's steps are its first rate's. A schedule that
    reached it later (after a switch, or past the end of a shorter constant run) is its own."""
    reached = sched_runs[sched_runs.steps_to_target.notna()]
    first = dict(zip(first_runs.seed.astype(int), first_runs.steps_to_target))
    return bool(len(reached)) and all(
        first.get(int(r.seed)) == r.steps_to_target for r in reached.itertuples())


def left_chance(run, curve, line, ln_c=None):
    """Whether a run ever learned: it ended ok, reached the target, ended an epoch with its
    validation accuracy above `line` (the stuck rule's chance band, on the validation images),
    or rose (rise: a record above the band with the training loss below `ln_c`, as a run that
    learned and then blew up did). A single record above the band while the loss stays at a
    uniform guess's is noise, not learning."""
    if run.status == "ok" or run.steps_to_target == run.steps_to_target:
        return True
    if curve is None or curve.empty or "val_acc" not in curve:
        return False
    return (any(v > line for v in epoch_end_accuracy(curve).values())
            or rise(curve, line, ln_c) is not None)


def rise(curve, line, ln_c):
    """Where a run showed it had learned before falling back: its best validation record
    among those above `line` with the training loss below `ln_c` (both away from chance), and
    the first record after it whose training loss passed the blow-up level (BLOWUP_FACTOR ×
    ln C), if one did: {step, val_acc, blowup_step, blowup_loss}; None where no record rose."""
    if ln_c is None or curve is None or curve.empty or "val_acc" not in curve \
            or "train_loss" not in curve:
        return None
    up = curve[(curve.val_acc > line) & (curve.train_loss < ln_c)]
    if up.empty:
        return None
    best = up.loc[up.val_acc.idxmax()]
    after = curve[(curve.step > best.step) & (curve.train_loss > BLOWUP_FACTOR * ln_c)]
    blown = after.iloc[0] if len(after) else None
    return {"step": int(best.step), "val_acc": float(best.val_acc),
            "blowup_step": None if blown is None else int(blown.step),
            "blowup_loss": None if blown is None else float(blown.train_loss)}


def learning(per_run, curves, line, ln_c=None):
    """Per run name: each run's fate, whether it never left chance (left_chance), its test
    accuracy, final and best validation accuracy, its training loss over the last epoch (a
    diverged run has none of these) and, for a run that did not end ok, where it had risen
    before falling back (rise; None where it never rose)."""
    out = {}
    for name, group in per_run.groupby("name", sort=False):
        group = group.sort_values("seed")
        runs = list(group.itertuples())
        out[str(name)] = {
            "seeds": [int(x) for x in group.seed], "statuses": list(group.status),
            "never": [not left_chance(r, curves.get((r.name, r.seed)), line, ln_c)
                      for r in runs],
            "test_acc": [float(x) for x in group.test_acc],
            "final_val_acc": [float(x) for x in group.final_val_acc],
            "best_val_acc": [float(x) for x in group.best_val_acc],
            "loss": [float(x) for x in group.last_epoch_train_loss],
            "rise": [None if r.status == "ok" else rise(curves.get((r.name, r.seed)), line, ln_c)
                     for r in runs]}
    return out


def switch_levels(switches, curves):
    """{seed: [the level of each switch's plateau]}: the best end-of-epoch validation accuracy
    of the phase the switch ends (from the start or the previous switch up to its epoch), the
    value the plateau rule compared with. Read from the scheduled run's kept curve, whose first
    phase is the constant first-rate run's own (the schedule continues it)."""
    out = {}
    for seed, epochs in switches.items():
        curve = curves.get(("schedule", int(seed)))
        ends = ({} if curve is None or curve.empty or "val_acc" not in curve
                else epoch_end_accuracy(curve))
        levels, start = [], 0
        for e in epochs:
            phase = [a for k, a in ends.items() if start < k <= e]
            levels.append(float(max(phase)) if phase else float("nan"))
            start = e
        out[seed] = levels
    return out


def switch_rises(switches, curves, line, ln_c):
    """{seed: [rise of each switch's phase, or None]}: where the phase a switch ends (from the
    start or the previous switch up to its epoch) had risen above chance before its plateau
    (rise), so that a plateau at chance is not called the untrained network's when the run had
    learned and then blown up."""
    out = {}
    for seed, epochs in switches.items():
        curve = curves.get(("schedule", int(seed)))
        rises, start = [], 0
        for e in epochs:
            phase = (None if curve is None or curve.empty or "epoch" not in curve
                     else curve[(curve.epoch > start) & (curve.epoch <= e)])
            rises.append(rise(phase, line, ln_c))
            start = e
        out[seed] = rises
    return out


def last_epoch_gains(curves, names):
    """{(name, seed): the validation accuracy at the end of the last epoch minus the best
    earlier epoch end}: the plateau rule's comparison at the end of the budget (NaN for a run
    with fewer than two epochs recorded)."""
    out = {}
    for (name, seed), curve in curves.items():
        if name not in names:
            continue
        ends = ({} if curve is None or curve.empty or "val_acc" not in curve
                else epoch_end_accuracy(curve))
        keys = sorted(ends)
        out[(name, int(seed))] = (float(ends[keys[-1]] - max(ends[k] for k in keys[:-1]))
                                  if len(keys) >= 2 else float("nan"))
    return out


def still_at_chance(curve, ln_c):
    """The steps a run spent at chance from its first record (Study 3's start-at-chance rule,
    common.chance_start: training loss within CHANCE_MARGIN × ln C of ln C) where that
    stretch reaches into the run's last epoch, the one its jitter is measured over: the run had
    not yet reached a minimum to bounce around there, so its record-to-record changes are its
    climb off chance (or its stillness at chance), not the jitter the expectation means. None
    where the run had left chance before its last epoch (or has no curve)."""
    if curve is None or curve.empty or "epoch" not in curve or "train_loss" not in curve:
        return None
    steps, n = chance_start(curve, ln_c)
    if not n or curve.epoch.iloc[n - 1] != curve.epoch.max():
        return None
    return steps


def jitter_premise(healthy, curves, gains, ln_c):
    """The runs of `healthy` (the jitter comparison's) that do not meet the jitter expectation's
    premise (still_at_chance), each {name, lr, seed, chance_steps, steps, jitter, gain} (`gains`:
    last_epoch_gains), in rate then seed order."""
    out = []
    for r in healthy.sort_values(["lr", "seed"], ascending=[False, True]).itertuples():
        at = still_at_chance(curves.get((r.name, r.seed)), ln_c)
        if at is None:
            continue
        out.append({"name": str(r.name), "lr": float(r.lr), "seed": int(r.seed),
                    "chance_steps": int(at), "steps": int(r.steps),
                    "jitter": float(r.val_acc_jitter),
                    "gain": float(gains.get((str(r.name), int(r.seed)), float("nan")))})
    return out


def _jitter_claims(healthy, premise, ln_c, n_classes):
    """The jitter claims: the expectation against the runs that meet its premise (`jitter`,
    where they hold two rates or more), and, where some runs were left out (`premise`), the
    rule that left them out (`jitter_premise`) and every ok run's trend as a description
    (`jitter_all`), which tests nothing."""
    found = {}
    out = {(r["name"], r["seed"]) for r in premise}
    kept = healthy[pd.Series([(str(n), int(s)) not in out for n, s in
                              zip(healthy.name, healthy.seed)], index=healthy.index, dtype=bool)]
    what = ("Learning rate against the jitter of validation accuracy over the last epoch (one "
            "point per run")
    if premise:
        rates = list(dict.fromkeys(r["lr"] for r in premise))
        one = len(rates) == 1
        found["jitter_premise"] = claims.rule(
            prose.names(f"lr {lr:g}" for lr in rates), [r["chance_steps"] for r in premise],
            f"Steps at chance from the first record (training loss within "
            f"{CHANCE_MARGIN * ln_c:.2g} of ln {n_classes} = {ln_c:.2f}, a uniform guess)",
            True, f"Study 3's start-at-chance rule (training loss within {CHANCE_MARGIN:g} × "
            f"ln C of ln C, from the first record); a run still within it in its last epoch, "
            "the one the jitter is measured over, had not reached a minimum to bounce around, "
            "and is left out of the jitter comparison",
            "still at chance in the last epoch", "left chance before the last epoch",
            fmt=lambda x: f"{x:,.0f} of {premise[0]['steps']:,} steps"
            if len({r['steps'] for r in premise}) == 1 else f"{x:,.0f} steps",
            source=SOURCE, labels=[f"seed {r['seed']}" if one else
                                   f"lr {r['lr']:g} seed {r['seed']}" for r in premise])
        if len(set(kept.lr)) < 2:  # no comparison left: the runs described, no verdict
            c = claims.trend(list(zip(healthy.lr, healthy.val_acc_jitter)),
                             what + ", every run that ended ok, those left out included)",
                             source=SOURCE, x_name="the rate", y_name="the jitter",
                             fmt=claims.fmt_points)
            rho = c["evidence"].get("rho")
            if not c["evidence"]["direction"] and rho is not None and rho == rho and rho:
                c["text"] += (": in direction " + ("the way the expectation says (more jitter "
                              "at a larger rate)" if rho > 0 else "against the expectation "
                              "(more jitter at a smaller rate)"))
            found["jitter_all"] = c
            return found
        what += "; " + prose.names(f"lr {r['lr']:g} seed {r['seed']}" for r in premise) + \
            " left out"
    found["jitter"] = _pointing(claims.mechanism(JITTER_EXPECTED, claims.trend(
        list(zip(kept.lr, kept.val_acc_jitter)), what + ")", source=SOURCE, x_name="the rate",
        y_name="the jitter", fmt=claims.fmt_points), expected_sign=1,
        name="a larger rate jitters more"), 1,
        "more jitter at a larger rate", "more jitter at a smaller rate")
    return found


NOISE_Z = 2  # a gain counts as climbing beyond this many binomial SEs of a validation accuracy


def climb_threshold(acc, margin, n_val):
    """The gain a run must beat to count as still climbing: the plateau rule's margin, or
    NOISE_Z binomial standard errors of an accuracy `acc` measured on `n_val` validation
    images, whichever is larger (a smaller gain is within the validation set's noise)."""
    se = math.sqrt(acc * (1 - acc) / n_val) if n_val and acc == acc else 0.0
    return max(margin, NOISE_Z * se)


def _climbing(const, gains, lrs, p, n_val=None):
    """(claim, run names of the rates still climbing): the settled check of the ranked rates
    (`lrs`). A run is still climbing at the end of its budget when its last epoch's end beat
    its best earlier epoch end by more than climb_threshold (the plateau rule's margin, or the
    noise of an accuracy on `n_val` validation images where that is larger); such an end point
    is where the budget stopped the run, not the point it converges to. One claim for all the
    rates, each run's gain shown; runs that fell by more than the threshold are counted too."""
    margin = p["schedule"]["min_delta"]
    points = f"{100 * margin:g} {'point' if round(100 * margin, 10) == 1 else 'points'}"
    values, labels, climbing, fell, limits, rates = [], [], [], 0, [], []
    for lr in lrs:
        group = const[const.lr == lr].sort_values("seed")
        kept = [(int(s), gains.get((str(n), int(s)), float("nan")), float(a)) for n, s, a in
                zip(group.name, group.seed, group.final_val_acc)]
        kept = [(s, g, a) for s, g, a in kept if g == g]
        if not kept:
            continue
        rates.append(lr)
        k = 0
        for s, g, a in kept:
            t = climb_threshold(a, margin, n_val)
            limits.append(t)
            values.append(g)
            labels.append(f"lr {lr:g} seed {s}")
            k += g > t
            fell += g < -t
        if k:
            climbing.append((lr, k, len(kept)))
    if not values:
        return None, []
    if len(rates) == 1:  # one rate: the runs by seed, the rate named once
        labels = [x.split(" ", 2)[2] for x in labels]
    noise = (f" or {NOISE_Z} binomial standard errors of the run's last validation accuracy on "
             f"{n_val:,} images, whichever is larger (here "
             f"{_span(limits, lambda x: f'{100 * x:.2f}', ' points')})"
             if n_val else "")
    rule_text = (f"a run is still climbing when its validation accuracy at the end of the last "
                 f"epoch beats its best earlier epoch end by more than {points}, the plateau "
                 f"rule's margin{noise}: a smaller gain is within the noise of the validation "
                 "set; the rule is applied run by run")
    said = " and ".join(f"lr {lr:g} (" + _of(k, n) + ")" for lr, k, n in climbing)
    beyond = "beyond the noise" if n_val else f"by more than {points}"
    fallen = f"; {_of(fell, len(values))} fell by more than it" if fell else ""
    claim = claims.rule(
        prose.names(f"lr {lr:g}" for lr in rates), values,
        "Gain over the last epoch (validation accuracy at its end minus the best earlier epoch "
        f"end, run by run; mean {claims.fmt_points(sum(values) / len(values))}; climbing "
        f"needs more than {_span(limits, lambda x: f'{100 * x:.2f}', ' points')})",
        bool(climbing), rule_text, f"still climbing {beyond}: {said}{fallen}",
        f"no run gained {beyond}{fallen}", fmt=claims.fmt_points, source=SOURCE,
        labels=labels)
    return claim, [lr_name(lr) for lr, _, _ in climbing]


def _of(k, n):
    """'its run', 'both runs', 'all 3 runs', '2 of 3 runs'."""
    if k == n:
        return "its run" if n == 1 else "both runs" if n == 2 else f"all {n} runs"
    return f"{k} of {prose.count(n, 'run')}"


def speed_points(const):
    """The runs of each constant rate as the speed expectation reads them: a run that reached
    the target counts at its step (whatever its fate afterwards); a run that ended ok without
    reaching it is right-censored, slower than its budget, not missing: it ranks above every run
    that reached it (every constant rate trains the same epochs) and ties with the others
    censored; a run that neither reached it nor ended ok is left out (its fate, not its
    speed, ended it). Returns ([(lr, rank key)], {lr: phrase}, budget): the key of a censored run
    is one step past the longest budget, a rank only."""
    budget = int(const.steps.max()) if len(const) else 0
    points, told = [], {}
    for lr in sorted(const.lr.unique(), reverse=True):
        g = const[const.lr == lr]
        hit = g[g.steps_to_target.notna()]
        waited = g[g.steps_to_target.isna() & (g.status == "ok")]
        gone = g[g.steps_to_target.isna() & (g.status != "ok")]
        points += [(float(lr), float(x)) for x in hit.steps_to_target]
        points += [(float(lr), float(budget + 1))] * len(waited)
        bits = []
        if len(hit):
            at = [f"{x:,}" for x in sorted(int(x) for x in hit.steps_to_target)]
            later = [f"{(hit.status == f).sum()} {FATE_VERBS[f]}" for f in FATE_VERBS
                     if (hit.status == f).any()]
            bits.append(f"{_of(len(hit), len(g))} reached it, at {prose.names(at)} "
                        + ("step" if at == ["1"] else "steps")
                        + (f", of those {', '.join(later)} afterwards" if later else ""))
        if len(waited):
            bits.append(f"{_of(len(waited), len(g))} ended ok without reaching it within "
                        f"{int(waited.steps.max()):,} steps")
        if len(gone):
            fates = [FATE_VERBS[f] for f in FATE_VERBS if (gone.status == f).any()]
            bits.append(f"{_of(len(gone), len(g))} {' or '.join(fates)} without reaching it, "
                        "left out")
        told[float(lr)] = f"lr {lr:g}: " + ", ".join(bits)
    return points, told, budget


def speed_trend(const, rates, described=False):
    """The speed expectation against the rates' runs (speed_points): a rank correlation of the
    steps to the target with the rate, the runs censored at the budget counted as slower than
    it. None where no run reached the target or the points hold fewer than two rates (no
    order). `described`: the claim lists what each rate's runs did (where no ranking of means
    says it). Where the verdict is 'cannot tell', the claim still says which way the runs point,
    as a description."""
    points, told, budget = speed_points(const)
    if len({x for x, _ in points}) < 2 or not any(y <= budget for _, y in points):
        return None
    censored = sum(y > budget for _, y in points)
    what = ("Learning rate against the steps to the target ("
            + ("; ".join(told[float(lr)] for lr in rates if float(lr) in told) if described
               else "one point per run that reached it, whatever its fate afterwards")
            + (f"; a run that ended ok without reaching it is right-censored: slower than its "
               f"{budget:,} steps, ranked after every run that reached it" if censored else "")
            + ")")
    measured = claims.trend(points, what, source=SOURCE, x_name="the rate", y_name="the steps")
    ev = measured["evidence"]
    # the evidence table: a censored run has no step to show (its rank key is no measurement)
    for arm in ev["arms"]:
        late = sum(v > budget for v in arm["values"])
        arm["values"] = [v for v in arm["values"] if v <= budget]
        arm["n"] = len(arm["values"])
        arm["mean"] = float(sum(arm["values"]) / len(arm["values"])) if arm["values"] else None
        if late:
            arm["arm"] += f" ({late} never reached it within {budget:,} steps)"
    c = claims.mechanism(SPEED_EXPECTED, measured, expected_sign=-1,
                         name="a larger rate reaches the target sooner")
    return _pointing(c, -1, "fewer steps at a larger rate", "more steps at a larger rate")


def _pointing(c, expected_sign, said, other):
    """A mechanism claim `c` whose verdict is 'cannot tell', with the way its runs point (the
    sign of Spearman's ρ against `expected_sign`) said as a description, which no test
    establishes: `said` the expectation's direction in words, `other` the opposite."""
    ev = c["evidence"]
    rho = ev["measurement"].get("rho")
    if ev["verdict"] != "cannot tell" or rho is None or rho != rho or not rho:
        return c
    way = (f"the way the expectation says ({said})" if (rho > 0) == (expected_sign > 0) else
           f"against the expectation ({other})")
    c["text"] = c["text"].replace(
        ". Verdict: cannot tell", f". In direction these runs point {way}, which no test "
        "here establishes. Verdict: cannot tell", 1)
    return c


def _no_speed_order(const):
    """Why the rates' runs give no order to set against the speed expectation: no run reached
    the target, or the runs that reached it or ended ok without it are of one rate only."""
    points, _, budget = speed_points(const)
    if not any(y <= budget for _, y in points):
        return (f"No run reached it within its {budget:,} steps, so the rates are not ordered "
                "by speed.")
    rates = {x for x, _ in points}
    if len(rates) != 1:
        return "The rates' runs give no order to set against it."
    (lr,) = rates
    return (f"Only lr {lr:g} has runs that reached it or ended ok without it; the other rates' "
            "runs never reached it and did not end ok, so there is no order of rates to set "
            "against the expectation.")


def _reached(steps):
    """Whether any run has steps to the target (a run that never reached it has NaN)."""
    return any(x is not None and x == x for x in steps)


def with_fate(label, status):
    """'Adam (ok)', 'SGD (lr 0.05, momentum 0.9; stuck)': an arm named with its fate."""
    return f"{label[:-1]}; {status})" if label.endswith(")") else f"{label} ({status})"


def facts(runs_, variants, adam, adam_curves, switches, p, sources=None, by_run=None,
          steps_per_epoch=None, *, n_classes, n_val):
    """The numbers and claims of the section, from per-run values: steps to the target per
    constant rate, end points, jitter against the rate, the schedule against its first rate
    and against Adam, and what the scheduled run trained (steps kept and steps computed); which
    runs never left chance (on `n_classes` classes and `n_val` validation images) and the level
    of each switch's plateau, so that the prose can say when nothing learned."""
    target = p["target_val_acc"]
    first = lr_name(p["schedule"]["lrs"][0])
    tested = runs_[runs_.test_acc.notna()]
    acc = {name: g.test_acc for name, g in tested.groupby("name")}
    adam_ok = adam[adam.test_acc.notna()]
    out = {"switches": switches, "switched": any(switches.values()),
           "first_switch_from": sources or {},
           "rule": describe_rule(p["schedule"]["min_delta"], p["schedule"]["patience"]),
           "first": first, "variants": records(variants, PROSE_COLUMNS)}
    found = {}
    per_run = (aggregate.per_run_numbers(runs_, by_run, target) if by_run is not None
               else runs_.assign(steps_to_target=float("nan"), final_val_acc=runs_.final_val_acc,
                                 val_acc_jitter=float("nan"),
                                 last_epoch_train_loss=float("nan")))
    # chance: a run that never ended an epoch above the stuck rule's band did not learn, and a
    # plateau at that level is the untrained network's, not convergence
    line = chance_band(n_classes, n_val)
    out["chance"] = {"classes": n_classes, "accuracy": 1 / n_classes,
                     "ln_c": math.log(n_classes), "line": line, "n_val": n_val}
    ln_c = math.log(n_classes)
    out["learning"] = learning(per_run, by_run or {}, line, ln_c)
    out["switch_levels"] = switch_levels(switches, by_run or {})
    out["switch_rises"] = switch_rises(switches, by_run or {}, line, ln_c)
    out["figure_overlaps"] = figure_overlaps(runs_, by_run or {})
    const = per_run[per_run.name != "schedule"]
    rates = sorted(const.lr.unique(), reverse=True)
    ok_rates = [lr for lr in rates if (const[const.lr == lr].status == "ok").all()]
    # Reaching the target comes before a run's fate (a run may reach it, then get stuck or
    # diverge): every run that reached it counts, and the rates whose runs did not all reach
    # it or did not all end ok are named with their counts.
    steps = {lr: list(const[const.lr == lr].steps_to_target) for lr in rates}
    reached = [lr for lr in rates if any(x == x for x in steps[lr])]
    speed = f"Steps until the validation accuracy first reaches {100 * target:g} %"
    if rates:
        found["speed_values"] = claims.values_only(
            {f"lr {lr:g}": steps[lr] for lr in rates}, f"{speed}, over the runs that reached "
            "it whatever their fate afterwards" + _reach_counts(const, rates), fmt=_steps_fmt,
            source=SOURCE, missing="never reached it")
    if len(reached) >= 2:
        found["speed"] = claims.ranking(
            {f"lr {lr:g}": steps[lr] for lr in reached}, f"{speed} (each rate with a run that "
            "reached it, over those runs)", fmt=_steps_fmt, source=SOURCE,
            higher_is_better=False, diff_fmt=_steps_diff, bounds=(0, math.inf))
    gains = last_epoch_gains(by_run or {}, set(const.name))
    if ok_rates:
        found["end_point"] = claims.ranking(
            {f"lr {lr:g}": list(const[const.lr == lr].final_val_acc) for lr in ok_rates},
            "Validation accuracy at the last record (rates whose runs all ended ok; a fate is "
            "judged on the test set, so an ok run may still be near chance here)",
            source=SOURCE)
        # a rate still climbing at the end of the budget: the ranking measures the budget
        settled, out["climbing"] = _climbing(const, gains, ok_rates, p, n_val)
        if settled:
            found["climbing"] = settled
    healthy = const[const.lr.isin(ok_rates)]
    # the jitter expectation presumes runs bouncing around a minimum: a run still at chance in
    # its last epoch does not meet that, and is left out of the comparison
    out["jitter_premise"] = jitter_premise(healthy, by_run or {}, gains, ln_c)
    found.update(_jitter_claims(healthy, out["jitter_premise"], ln_c, n_classes))
    out["jitter_rates"] = sorted({float(r.lr) for r in healthy.itertuples()
                                  if (str(r.name), int(r.seed)) not in {
                                      (x["name"], x["seed"]) for x in out["jitter_premise"]}},
                                 reverse=True)  # the rates the comparison keeps
    trend = speed_trend(const, rates, described=len(reached) < 2)
    if trend:
        found["speed_trend"] = trend
    elif len(const):  # why there is no order to check, from the runs (the section has none)
        out["no_speed_order"] = _no_speed_order(const)
    if "schedule" in acc:
        found["schedule_vs_first"] = _schedule_vs_first(runs_, first, p["schedule"]["lrs"][0])
        out["pairs"] = _pairs(runs_, first)
        at_chance = {(n, int(s)): still_at_chance((by_run or {}).get((n, s)), ln_c)
                     for n, s in zip(per_run.name, per_run.seed) if n in (first, "schedule")}
        found["schedule_jitter"] = _schedule_jitter(per_run, first, switches,
                                                    out["switch_levels"], line,
                                                    p["schedule"]["lrs"][0], at_chance, ln_c)
    sched_runs = per_run[per_run.name == "schedule"]
    out["schedule_reached_as_first"] = _reached_as_first_rate(sched_runs,
                                                              per_run[per_run.name == first])
    if "schedule" in acc and len(sched_runs):
        first_lr = p["schedule"]["lrs"][0]
        found["schedule_speed"] = claims.values_only(
            {"the scheduled run": list(sched_runs.steps_to_target),
             f"the constant lr {first_lr:g} run": list(
                 per_run[per_run.name == first].steps_to_target)},
            f"Steps until the validation accuracy first reaches {100 * target:g} %",
            fmt=_steps_fmt, source=SOURCE, missing="never reached it",
            note="every scheduled run that reached it did so at the step the constant run of "
                 "its seed did, before any switch: the schedule did not change it"
            if out["schedule_reached_as_first"] else "")
    gone = runs_[(runs_.name == "schedule") & (runs_.status == "diverged")]
    out["schedule_diverged"] = {int(r.seed): int(r.diverged_at_step) for r in gone.itertuples()
                                if r.diverged_at_step == r.diverged_at_step}
    sched = runs_[(runs_.name == "schedule") & (runs_.status != "diverged")]  # its budget
    if len(sched):
        trained = (sched.steps_trained if "steps_trained" in sched
                   else sched.steps * float("nan"))
        out["schedule_steps"] = {"kept": float(sched.steps.mean()),
                                 "trained": float(trained.mean()),
                                 "per_epoch": steps_per_epoch,
                                 # each run's own: a mean would give steps no run computed
                                 "runs": {int(s): [float(k), float(t)] for s, k, t in
                                          zip(sched.seed, sched.steps, trained)}}
    if len(adam):
        reached_adam = [aggregate.curve_summary(c, target).get("steps_to_target")
                        for c in adam_curves.values()]
        ref = reference_arm(adam)
        ref_runs = aggregate.per_run_numbers(adam, adam_curves, target)
        out["learning"]["reference"] = next(iter(learning(ref_runs, adam_curves, line,
                                                          ln_c).values()))
        out["adam"] = {"seeds": sorted(int(s) for s in adam.seed),
                       "test_acc_mean": float(adam_ok.test_acc.mean()),
                       "steps": float(adam.steps.mean()), "epochs": int(adam.epochs.iloc[0]),
                       "batch_size": int(adam.batch_size.iloc[0]),
                       "status": aggregate.status_column(adam.status), **ref}
        sched_steps = sched_runs.steps_to_target
        # each arm with its fate, in place: a gap to a run that never learned is no schedule's
        arm_ref = with_fate(ref["label"], out["adam"]["status"])
        arm_sched = with_fate("schedule", aggregate.status_column(sched_runs.status))
        before = out["schedule_reached_as_first"]
        if before:  # the schedule's steps are its first rate's: nothing of the schedule in them
            first_lr = p["schedule"]["lrs"][0]
            found["adam_vs_schedule_steps"] = claims.values_only(
                {arm_ref: reached_adam, arm_sched: list(sched_steps)},
                f"Steps until the validation accuracy first reaches {100 * target:g} %",
                fmt=_steps_fmt, source=SOURCE, missing="never reached it within its run",
                note=f"every scheduled run that reached it did so at the step the constant "
                     f"lr {first_lr:g} run of its seed did, before any switch: the two share "
                     "that phase update for update, so these are the first rate's steps, they "
                     "say nothing of the schedule, and no comparison is made")
        elif len(sched_steps) and not (_reached(reached_adam) and _reached(sched_steps)):
            # an arm none of whose runs reached it has no steps: its values and its fate in
            # words, no difference to a missing number
            found["adam_vs_schedule_steps"] = claims.values_only(
                {arm_ref: reached_adam, arm_sched: list(sched_steps)},
                f"Steps until the validation accuracy first reaches {100 * target:g} %",
                fmt=_steps_fmt, source=SOURCE, missing="never reached it",
                note="no comparison is made")
        elif len(sched_steps):
            found["adam_vs_schedule_steps"] = claims.difference(
                arm_ref, reached_adam, arm_sched, sched_steps,
                f"Steps until the validation accuracy first reaches {100 * target:g} % (a run "
                "that never reaches it has no value)", fmt=_steps_fmt, source=SOURCE,
                diff_fmt=_steps_diff, missing="never reached it within its run")
        if "schedule" in acc:
            found["schedule_vs_adam"] = claims.difference(
                arm_sched, acc["schedule"], arm_ref, adam_ok.test_acc, "Test accuracy",
                source=SOURCE + " and tables/learning_rates_adam_reference.csv")
    out["claims"] = found
    return out


def section(facts, figs, params, info):
    p, variants = params["protocol"], pd.DataFrame(facts["variants"])
    sch = p["schedule"]
    sources = facts.get("first_switch_from", {})
    switches = "; ".join(f"seed {seed}: " + (", ".join(
        f"to lr {lr:g} after epoch {e}" for lr, e in zip(sch["lrs"][1:], eps)) or "no switch")
        + (" (the first from its own curve: the shorter constant-rate run shows no plateau)"
           if sources.get(seed) == "own curve" else "")
        for seed, eps in facts["switches"].items())
    names = [str(n) for n in variants.name]
    everything = _no_learning(facts, names)
    # a study where nothing learned says so first, once, naming the questions it leaves
    # without an answer; those questions refer back to it
    lead = (f"No run of this study learned: {everything}. {_upper(_chance_rule(facts))}. "
            f"So {_questions(_covered(facts, names, p))} cannot be answered from these runs: a "
            "difference between runs that all stay at chance is not a result. "
            if everything else "")
    at_chance = _chance_plateaus(facts)
    sec = Section(NAME, TITLE,
                  lead + f"{p['model']} with SGD (momentum {p['momentum']}), batch "
                  f"{p['batch_size']}, {prose.count(p['epochs'], 'epoch')} at each constant rate "
                  f"{', '.join(f'{x:g}' for x in p['lrs'])}; "
                  f"{prose.count(len(p['seeds']), 'seed')}. "
                  f"Scheduled run: from the start at {sch['lrs'][0]:g}, switching to "
                  f"{', then '.join(f'{x:g}' for x in sch['lrs'][1:])} (new optimiser, same "
                  f"weights) at each plateau it finds, {prose.count(sch['epochs'], 'epoch')} at "
                  "most. The first "
                  "switch "
                  f"comes from the plateau of the constant lr {sch['lrs'][0]:g} run (same "
                  "seed), or from the scheduled run's own curve when that run shows none; "
                  "each later one from the scheduled run's own curve, rewinding to the plateau "
                  f"epoch's weights. Plateau rule: the plateau is {facts['rule']}. Switches: "
                  f"{switches}." + (f" {at_chance}." if at_chance else "")
                  + _resumed(facts.get("resumed_at_epoch", {}), sch["lrs"][0]))
    sec.add_figure(figs["curves"], figures.caption(figs["curves"], figure_caption(facts)))
    some_diverged = "with_final_point" in variants and bool(
        (variants.with_final_point < variants.runs).any())
    sec.add_table(f"Per learning rate ({prose.over_seeds(len(p['seeds']))}"
                  + ("; final values over the runs that did not diverge" if some_diverged
                     else "") + "; steps to the "
                  "target: until the validation accuracy first reaches "
                  f"{100 * p['target_val_acc']:g} %"
                  + ("" if len(p["seeds"]) == 1 else ", mean over the runs that reached it, "
                     "with their count where not all did")
                  + ")", "variants", note=_best_note(facts, names))
    _answers(sec, facts, variants, p, params.get("architectures"))
    sec.summary = _summary(sec, facts, variants, p)
    made = max((len(e) for e in facts["switches"].values()), default=0)
    idle = {group for group, runs in (("constant", [n for n in names if n != "schedule"]),
                                      ("schedule", ["schedule"]))
            if runs and _no_learning(facts, runs)}
    sec.asked_notes = asked_notes(p, made, idle)
    # a question the section says cannot be answered is not counted as answered
    sec.asked_reasons = asked_reasons(unanswerable(facts, names, p))
    # the asks for the schedule against Adam: partly answered when the architecture study ran
    # another optimiser, not at all when it has no run of this model
    reference = facts.get("adam")
    if reference and not reference.get("is_adam", True):
        sec.asked_notes.update({ask: f"partly: the schedule is compared with "
                                f"{reference['settings']}, what the architecture study ran "
                                "here, not with Adam" for ask in ADAM_ASKS})
    elif not reference:
        sec.asked_reasons.update({ask: _no_reference(p, params.get("architectures"))
                                  for ask in ADAM_ASKS})
    return sec


NOTHING_LEARNED = "no run of this study learned"


def unanswerable(facts, names, p):
    """{question number: why} for the questions the section says cannot be answered from
    these runs, because every run behind them stayed at chance (_no_learning): Q1 and Q2 (the
    constant rates), Q3 (the schedule and the run it continues), Q4 (the schedule and the
    reference). It tests the same groups of runs as the answers do, so the opening, the
    summary and the appendix agree with them."""
    const = [n for n in names if n != "schedule"]
    everything = bool(_no_learning(facts, names))
    out = {}
    if const and _no_learning(facts, const):
        out[1] = out[2] = NOTHING_LEARNED if everything else "no constant-rate run learned"
    if "schedule" not in names:
        return out
    if _no_learning(facts, [facts["first"], "schedule"]):
        out[3] = NOTHING_LEARNED if everything else (
            f"neither the scheduled run nor the constant lr {p['schedule']['lrs'][0]:g} run it "
            "continues learned")
    adam = facts.get("adam")
    if adam and _no_learning(facts, ["schedule", "reference"]):
        out[4] = f"neither the scheduled run nor {adam.get('label', 'Adam')} learned"
    return out


def _covered(facts, names, p):
    """The questions the opening's 'no run of this study learned' leaves without an answer."""
    return [n for n, why in unanswerable(facts, names, p).items() if why == NOTHING_LEARNED]


def _questions(numbers):
    """'Q1–Q3', 'Q1 and Q2', 'Q3': question numbers as the section numbers them."""
    numbers = sorted(numbers)
    if len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"Q{numbers[0]}–Q{numbers[-1]}"
    return prose.names(f"Q{n}" for n in numbers)


def asked_reasons(unanswered):
    """{ask: reason} for the seeds' questions whose answer here says it cannot be given
    (`unanswered`: {question number: why}, from unanswerable): the appendix lists them apart
    from the answered ones, with the reason and where the section says so."""
    study = TITLE.split(":")[0]
    return {a["ask"]: f"asked, not answerable here: {unanswered[n]} (see {study}, Q{n})"
            for a in ASKED for n in unanswered if a["answer"] == f"{NAME}-q{n}"}


def _over(n_seeds, *rows):
    """'mean over 3 seeds', or the runs each mean stands on where a diverged run has none."""
    if all(getattr(r, "with_final_point", n_seeds) == n_seeds for r in rows):
        return prose.over_seeds(n_seeds)
    return ("over the runs that did not diverge (" + " and ".join(
        f"{r.with_final_point} of {n_seeds}" for r in rows) + ")")


def _resumed(resumed, first):
    """How the scheduled run got its first phase: training is deterministic, so up to the
    reference's plateau it is the constant-rate run itself, continued from its saved state."""
    done = {seed: int(e) for seed, e in resumed.items() if e == e and e}  # NaN: trained it
    if not done:
        return ""
    return (f" Its first phase (lr {first:g} up to the plateau) is the constant lr {first:g} run "
            "of the same seed, step for step (training is deterministic), so it continued from "
            "that run's saved state (weights, optimiser, data order) "
            + switch_epochs({seed: [e] for seed, e in done.items()}, "at", of=len(resumed))
            + " instead of training that phase again.")


def _answers(sec, facts, variants, p, arch=None):
    const = variants[variants.name != "schedule"].sort_values("lr", ascending=False)
    rates = f"lr {', '.join(f'{x:g}' for x in const.lr)}"
    stuck = _no_learning(facts, [str(n) for n in const.name])
    # said once: in the opening when no run of the study learned, else in the first answer
    everything = _no_learning(facts, [str(n) for n in variants.name])
    if stuck:  # nothing moved off chance: no speed and no end point to compare
        sec.ask("What is the effect of the learning rate on the speed of convergence?",
                ("As above, no run learned, so" if everything else
                 f"No constant-rate run ({rates}) learned: {stuck}. So")
                + " the speed of convergence cannot be measured from these runs.")
        sec.ask("What is the effect of the learning rate on converging to a better point?",
                ("As above, no run learned" if everything else
                 "As in Q1, no constant-rate run learned")
                + ", so which rate converges to a better point cannot be answered from these "
                "runs.")
    else:
        _rate_answers(sec, facts, const, p)
    sched = variants[variants.name == "schedule"]
    if sched.empty:
        return
    s = sched.iloc[0]
    first = const[const.name == facts["first"]].iloc[0]
    _schedule_answer(sec, facts, s, first, p, everything)
    _reference_answer(sec, facts, s, p, everything, arch)


def _rate_answers(sec, facts, const, p):
    """Q1 and Q2 where some constant-rate run learned."""
    found = facts["claims"]
    fates = "; ".join(f"lr {r.lr:g}: {r.status}" for r in const.itertuples()
                      if r.worst_status != "ok")
    if "speed" in found:
        speed = f"{sec.cite(found, 'speed')}. {sec.cite(found, 'speed_trend')}."
    elif "speed_trend" in found:
        # fewer than two rates reached it: no mean to rank, but the runs that did not reach it
        # within the budget are slower than it (censored), so the order is still described
        speed = (f"Fewer than two rates have a run that reached it, so no mean is ranked. "
                 f"{sec.cite(found, 'speed_trend')}.")
    else:
        speed = f"Expected: {SPEED_EXPECTED} {facts.get('no_speed_order', '')}".rstrip()
    sec.ask("What is the effect of the learning rate on the speed of convergence?",
            (f"{sec.cite(found, 'speed_values')}. " if "speed_values" in found
             and ("speed" in found or "speed_trend" not in found) else "")
            # where the claim describes each rate's runs, it names their fates too
            + (f"Rates whose runs did not all end ok: {fates}. " if fates
               and ("speed" in found or "speed_trend" not in found) else "")
            + speed)

    def end(r):
        if r.worst_status == "diverged":
            return f"lr {r.lr:g}: {r.status}"
        # as in the table (_best_given): a best record only for runs that ended ok; a run
        # that did not holds no level it reached
        given = _best_given(r.status)
        never = _no_learning(facts, [str(r.name)])
        return (f"lr {r.lr:g}: {prose.pct(r.final_val_acc_mean)} final, "
                + (f"{prose.pct(r.best_val_acc_mean)} best validation, " if given else "")
                + f"test {prose.pct(r.test_acc_mean)}"
                + ("" if given else f" ({r.status}; its best record is not given: "
                   + ("it never left chance" if never else "its highest records are single "
                      "records it did not keep, not a level it held") + ")"))
    # a rate whose runs split by fate is told run group by run group, after the others: a
    # mean over runs that learned and runs at chance is a level no run reached
    split = [r for r in const.itertuples() if _split(facts, r.name)]
    whole = [r for r in const.itertuples() if not _split(facts, r.name)]
    ends = ("; ".join(end(r) for r in whole) + "." if whole else "")
    ends += "".join(f" {_by_fate(facts, r.name, f'lr {r.lr:g}')}" for r in split)
    healthy = const[const.worst_status == "ok"]
    jitter = ""
    if len(healthy) >= 2:
        jitter = (" Jitter: the std of record-to-record changes of validation accuracy over "
                  "the last epoch (points, mean over seeds): " + ", ".join(
                      f"lr {r.lr:g} " + ("–" if r.val_acc_jitter_mean != r.val_acc_jitter_mean
                                         else f"{100 * r.val_acc_jitter_mean:.2f}")
                      for r in healthy.itertuples())
                  + "".join(f"; lr {r.lr:g} left out ({r.status})"
                            for r in const[const.worst_status != "ok"].itertuples())
                  + f". {_jitter_answer(sec, facts)}")
    sec.ask("What is the effect of the learning rate on converging to a better point?",
            f"After {prose.count(int(const.epochs.iloc[0]), 'epoch')}: {ends}"
            + (f" {sec.cite(found, 'end_point')}." if "end_point" in found else
               " No rate's runs all ended ok, so none is ranked.")
            + _budget_note(sec, facts, p) + jitter)


def _jitter_answer(sec, facts):
    """The jitter expectation against the runs that meet its premise; the runs still at chance
    in their last epoch (jitter_premise) are named, with why they are left out, once; where
    fewer than two rates are left, no verdict is given and the runs are only described."""
    found, premise = facts["claims"], facts.get("jitter_premise") or []
    if not premise:
        return f"{sec.cite(found, 'jitter')}."
    gains = [r["gain"] for r in premise if r["gain"] == r["gain"]]
    why = (f"{sec.cite(found, 'jitter_premise')}: "
           + ("that run" if len(premise) == 1 else "these runs")
           + " had not reached a minimum to bounce around in the last epoch"
           + (f" (validation accuracy {prose.names(prose.pts(g) for g in gains)} over it)"
              if len(gains) == len(premise) else "")
           + ", so " + ("its" if len(premise) == 1 else "their") + " jitter ("
           + prose.names(_points(r["jitter"]) for r in premise) + ") measures "
           + ("a climb off chance" if gains and len(gains) == len(premise)
              and min(gains) > 0 else "a run at or leaving chance") + ", not bouncing")
    if "jitter" in found:
        return (f"{why}; {'it is' if len(premise) == 1 else 'they are'} left out. "
                f"{sec.cite(found, 'jitter')}.")
    left = facts.get("jitter_rates") or []
    return (f"Expected: {JITTER_EXPECTED} Not tested: {why}; without "
            + ("it" if len(premise) == 1 else "them")
            + (f" only lr {left[0]:g} is left" if len(left) == 1 else " no rate is left")
            + f", so no verdict is given. {sec.cite(found, 'jitter_all')}.")


def _budget_note(sec, facts, p, short=False):
    """The settled check of the ranked rates (its claim) and, where a rate was still climbing
    at the end of its budget, that the ranking measures how far each rate got within the
    budget, not the point it converges to, so Q2 is Q1 again at this budget. `short`: the
    summary's phrase, without the claim ('' where no rate climbed)."""
    found, climbing = facts["claims"], facts.get("climbing") or []
    if short:  # the rates are named in Q2's claim
        return (f"; a rate was still climbing in its last epoch, beyond the validation set's "
                f"noise, so these end points measure "
                f"the {p['epochs']}-epoch budget" if climbing else "")
    if "climbing" not in found:
        return ""
    budget = prose.count(p["epochs"], "epoch") + (
        f" (the assignment's {PROTOCOL['epochs']})" if p["epochs"] != PROTOCOL["epochs"] else "")
    return (f" {sec.cite(found, 'climbing')}." + (
        f" So these end points measure how far each rate got in {budget}, not where it "
        "converges: here Q2 is Q1 (speed) again." if climbing else ""))


def _split(facts, name):
    """Whether a run name's runs ended with different fates (runs that learned and runs stuck
    at chance, say): two clusters, whose mean is no run's level."""
    g = (facts.get("learning") or {}).get(str(name))
    return bool(g) and len(set(g["statuses"])) > 1


def _by_fate(facts, name, label):
    """A rate whose runs split by fate, told group by group: 'lr 0.2: seed 1 ended ok, with
    98.33 % final, 98.33 % best validation and test 97.85 %; seeds 0 and 2 ended stuck, test
    33.33 % in every run. Seed 0 had reached 61.00 % at step 10, then its training loss blew
    up (65.1 at step 20).' A best record is given for the runs that ended ok only."""
    g = facts["learning"][str(name)]
    runs = list(zip(g["seeds"], g["statuses"], g["final_val_acc"], g["best_val_acc"],
                    g["test_acc"], g["rise"]))
    parts, told = [], []
    for fate in sorted(set(g["statuses"]), key=FATE_ORDER.index):
        group = [r for r in runs if r[1] == fate]
        who = _seeds([r[0] for r in group])
        if fate == "ok":
            final, best, test = (sum(r[i] for r in group) / len(group) for i in (2, 3, 4))
            parts.append(f"{who} ended ok, with {prose.pct(final)} final, {prose.pct(best)} "
                         f"best validation and test {prose.pct(test)}"
                         + ("" if len(group) == 1 else " (means)"))
            continue
        tests = [r[4] for r in group if r[4] == r[4]]
        parts.append(f"{who} {FATE_VERBS[fate]}" + (
            f", test {_span(tests, lambda x: f'{100 * x:.2f}', ' %')}" if tests else ""))
        told += [f"Seed {r[0]} had reached {prose.pct(r[5]['val_acc'])} at step "
                 f"{r[5]['step']:,}, then "
                 + (f"its training loss blew up ({r[5]['blowup_loss']:.3g} at step "
                    f"{r[5]['blowup_step']:,})" if _known(r[5].get("blowup_step"))
                    else "it fell back") + "." for r in group if isinstance(r[5], dict)]
    return f"{label}: " + "; ".join(parts) + "." + "".join(f" {t}" for t in told)


def _schedule_answer(sec, facts, s, first, p, everything=""):
    """Q3: the scheduled run against the constant run of its first rate, unless neither
    learned; its switches, and whether they came on a plateau at chance (`everything`: the
    opening's statement that no run of the study learned, referred to, not repeated); in what
    sense it works, where the runs can show it (jitter after a switch, steps to the target)."""
    found = facts["claims"]
    # the plateau rule and the switches at chance are stated in the opening: referred to here
    at_chance = _chance_plateaus(facts, back=True)
    if facts["switched"]:
        counts = [len(e) for e in facts["switches"].values()]
        most = "in the seed that switched most; " if len(set(counts)) > 1 else ""
        possible = prose.count(len(p["schedule"]["lrs"]) - 1, "switch", "switches")
        switched = (f"It switched {_times(max(counts))} ({most}{possible} "
                    "possible)" + (f", {at_chance}" if at_chance else ""))
    else:
        switched = "The plateau rule (above) found no plateau, so the run never switched"
    neither = _no_learning(facts, [facts["first"], "schedule"])
    if neither:
        text = (("As above, no run learned, so" if everything else
                 f"Neither the scheduled run nor the constant lr {first.lr:g} run it continues "
                 f"learned: {neither}. So")
                + f" whether the schedule works cannot be answered from these runs. {switched}.")
        sec.ask("Does the scheduled learning rate work, and in what sense?", text)
        return
    budget = (f"the scheduled run's final weights are {_count(s.steps_mean)} steps ({s.epochs:g} "
              f"epochs) from the start; the constant lr {first.lr:g} run trained "
              f"{prose.count(int(first.epochs), 'epoch')} ({_count(first.steps_mean)} steps)")
    text = (_schedule_levels(facts, s, first, p) + f" {sec.cite(found, 'schedule_vs_first')}. "
            f"Unequal budgets: {budget}, so part of any difference is the extra training"
            f"{_computed(facts)}. ")
    if not facts["switched"]:
        text += ("The rule found no plateau, so the run never switched: it is the first rate "
                 "trained longer, and the comparison measures the extra epochs, not a schedule.")
    else:
        # beside means over every seed, the reminder that only a paired test shows a side
        means = text.startswith("The scheduled run ends at")
        text += (f"{switched}." + (" Only a paired test that shows a side would say it ended "
                                   "better." if means else "")
                 + _in_what_sense(sec, facts, first, p))
    sec.ask("Does the scheduled learning rate work, and in what sense?", text)


def _schedule_levels(facts, s, first, p):
    """Where the two arms stand: the means over every seed, or, where stuck pairs are left out
    of the comparison (or an arm's runs split by fate), over the seeds compared only."""
    pairs = facts.get("pairs") or {}
    kept = pairs.get("kept")
    if kept is None or not (pairs.get("idle") or _split(facts, "schedule")
                            or _split(facts, facts["first"])):
        return (f"The scheduled run ends at {prose.pct(s.final_val_acc_mean)} validation "
                f"accuracy (last record). Test accuracy, {_over(len(p['seeds']), s, first)}: the "
                f"scheduled run {prose.pct(s.test_acc_mean)}, the constant lr {first.lr:g} run "
                f"{prose.pct(first.test_acc_mean)}.")
    if not kept:
        return "No seed has a pair to compare."

    def mean(name):
        g = facts["learning"][str(name)]
        values = [a for seed, a in zip(g["seeds"], g["test_acc"]) if seed in kept]
        return sum(values) / len(values)
    over = (f" in {_seeds(kept)}, the only pair compared" if len(kept) == 1 else
            f", mean over the {len(kept)} pairs compared ({_seeds(kept)})")
    return (f"Test accuracy{over}: the scheduled run {prose.pct(mean('schedule'))}, the "
            f"constant lr {first.lr:g} run {prose.pct(mean(facts['first']))}.")


def _computed(facts):
    """', seed 1 computed 756 steps in all (7 epochs' worth): each switch goes back to the
    plateau epoch's weights and discards the steps after it' for the runs that computed more
    steps than they kept, each run's own ('' where none did): a mean over the seeds would give
    a count no run computed."""
    steps = facts.get("schedule_steps") or {}
    per_epoch, runs = steps.get("per_epoch"), steps.get("runs") or {}
    extra = {}
    for seed, (kept, trained) in sorted(runs.items(), key=lambda x: int(x[0])):
        if trained == trained and trained > kept:
            extra.setdefault(trained, []).append(str(seed))
    if not extra:
        return ""
    every = len(extra) == 1 and len(next(iter(extra.values()))) == len(runs) > 1
    said = " and ".join(
        f"{'each run' if every else _seeds(seeds)} computed {trained:,.0f} steps in all"
        + (f" ({trained / per_epoch:.3g} epochs' worth)" if per_epoch else "")
        for trained, seeds in extra.items())
    return f"; {said}, counting the steps {'its' if len(runs) == 1 else 'the'} rewinds discarded"


def _in_what_sense(sec, facts, first, p):
    """'In what sense' from the runs, where they can show it: the jitter after a switch off a
    plateau above chance against the constant run, and the steps to the target of both (their
    claims; the second says where every scheduled run reached it before a switch)."""
    found = facts["claims"]
    parts = []
    if "schedule_jitter" in found:
        parts.append(f"In what sense: {sec.cite(found, 'schedule_jitter')}.")
    if "schedule_speed" in found:
        parts.append(f"Speed: {sec.cite(found, 'schedule_speed')}.")
    return "".join(f" {x}" for x in parts)


def _reference_answer(sec, facts, s, p, everything="", arch=None):
    """Q4: the schedule against the architecture study's runs of the same model, all of them
    (unpaired), each arm with its fate (`everything`: the opening said no run of the study
    learned, so this answer refers to it); `arch`: what the architecture study ran, named
    where it has no run of this model."""
    found = facts["claims"]
    adam = facts.get("adam")
    if not adam:
        sec.ask("How does the schedule compare with Adam?", _no_reference(p, arch) + ".")
        return
    ref = adam.get("label", "Adam")
    n = len(adam["seeds"])
    runs = "its one run" if n == 1 else "both of its runs" if n == 2 else f"all {n} of its runs"
    seeds = (f"{'seed' if n == 1 else 'seeds'} {', '.join(map(str, adam['seeds']))}; fate: "
             f"{adam['status']}")
    unpaired = ("the runs of the two studies are independent, so the comparison is unpaired "
                "and the reference's mean is the one the architecture study reports")
    if adam.get("is_adam", True):
        intro = (f"{adam.get('settings', 'Adam')} on the same model in the architecture "
                 f"study, {runs} ({seeds}): {unpaired}. ")
    else:
        intro = (f"The assignment asks for Adam; the architecture study of this configuration "
                 f"ran {adam['settings']}, so the schedule is compared with {runs} of the "
                 f"same model instead ({seeds}): {unpaired}. Confound: "
                 f"{_reference_confound(adam, p)}, so the comparison cannot tell the schedule "
                 "from the optimiser settings. ")
    budgets = (f"Unequal budgets: {ref} trained {prose.count(adam['epochs'], 'epoch')} "
               f"({adam['steps']:,.0f} steps of batch {adam['batch_size']}), the schedule "
               f"{prose.count(int(s.epochs), 'epoch')} ({_count(s.steps_mean)} "
               f"steps of batch {p['batch_size']}{_discarded(facts, s)}).")
    neither = _no_learning(facts, ["schedule", "reference"])
    if neither:
        sec.ask("How does the schedule compare with Adam?",
                intro + f"Neither the scheduled run nor {ref} learned: {neither}. So how the "
                "two compare cannot be answered from these runs. " + budgets)
        return
    # one arm that never left chance makes the gap a fate, not a measure of the schedule
    idle = [who for name, who in (("schedule", "the scheduled runs"), ("reference",
                                                                          f"{ref}'s runs"))
            if _no_learning(facts, [name])]
    # the scheduled runs' fate is the opening's where no run of the study learned
    idle = [("As above, " if everything and who == "the scheduled runs" else "") + who
            for who in idle]
    sec.ask("How does the schedule compare with Adam?",
            intro + f"{sec.cite(found, 'schedule_vs_adam')}. "
            + (f"{_upper(idle[0])} never left chance, so this gap is between a network that "
               "learned and one that did not: it does not measure how a working schedule "
               "compares. " if idle else "")
            + (f"{sec.cite(found, 'adam_vs_schedule_steps')}. "
               if "adam_vs_schedule_steps" in found else "Steps to the target: not measured. ")
            + budgets)


def _no_reference(p, arch):
    """Why Q4 has no comparison where the architecture study has no run of the learning-rate
    model, naming what that study ran (`arch`; its optimiser may not be Adam at all)."""
    if not arch:
        return (f"{p['model']} is not in this configuration's architecture study, so there is "
                "no run to compare the schedule with")
    ran = prose.optimizer(arch)
    return (f"{p['model']} is not in this configuration's architecture study, which ran {ran} "
            f"on {prose.names(arch['models'])}"
            + ("" if arch["optimizer"] == "adam" else ", not Adam")
            + ", so there is no run to compare the schedule with")


def _discarded(facts, s):
    """', not counting the 108 steps its rewinds discarded' where a switch went back to the
    plateau epoch's weights and threw away the steps after it ('' where none was); with several
    seeds, each run's own count ('the 216 steps seed 1's rewinds discarded'), not a mean."""
    steps = facts.get("schedule_steps", {})
    runs = steps.get("runs")
    if not runs:  # one figure for the run
        trained = steps.get("trained", float("nan"))
        if trained != trained or trained <= s.steps_mean:
            return ""
        return f", not counting the {trained - s.steps_mean:,.0f} steps its rewinds discarded"
    lost = {}
    for seed, (kept, trained) in sorted(runs.items(), key=lambda x: int(x[0])):
        if trained == trained and trained > kept:
            lost.setdefault(trained - kept, []).append(str(seed))
    if not lost:
        return ""
    if len(runs) == 1:
        return f", not counting the {next(iter(lost)):,.0f} steps its rewinds discarded"
    if len(lost) == 1 and len(next(iter(lost.values()))) == len(runs):
        return f", not counting the {next(iter(lost)):,.0f} steps each run's rewinds discarded"
    return ", not counting the steps rewinds discarded: " + ", ".join(
        f"{n:,.0f} in {_seeds(seeds)}" for n, seeds in lost.items())


def _reference_confound(ref, p):
    """What differs between the reference run and the schedule besides the schedule itself:
    the optimiser, its momentum, its (constant) rate."""
    mine = prose.OPTIMIZER_NAMES.get(p["optimizer"], p["optimizer"])
    parts = []
    if ref["optimizer"] != p["optimizer"]:
        parts.append(f"the optimiser ({ref['name']} against the schedule's {mine})")
    elif ref.get("momentum") is not None and ref["momentum"] != p["momentum"]:
        parts.append(f"the momentum ({ref['momentum']:g} against the schedule's "
                     f"{p['momentum']:g})")
    rates = ", then ".join(f"{x:g}" for x in p["schedule"]["lrs"])
    parts.append(f"the rate (a constant {ref['lr']:g} against the schedule's {rates})")
    return "the two differ in " + " and ".join(parts) + " as well"


def _summary(sec, facts, variants, p):
    found = facts["claims"]
    names = [str(n) for n in variants.name]
    when = switch_epochs(facts["switches"], diverged=facts.get("schedule_diverged"))
    at_chance = _chance_plateaus(facts, short=True)
    how = ((f"It switched {when}" + (f", {at_chance}" if at_chance else ""))
           if facts["switched"] else
           "It never switched, so it is the first rate trained longer")
    everything = _no_learning(facts, names)
    if everything:  # nothing learned: that is the finding, not a difference of 0 points
        covered = _questions(_covered(facts, names, p))
        return (f"Learning rates: no run learned: {everything}. So {covered} of "
                f"{TITLE.split(':')[0]} cannot be answered from these runs. "
                + (f"The schedule switched {when}, {at_chance}." if facts["switched"]
                   and at_chance else f"{how}." if "schedule" in names else ""))
    const = _no_learning(facts, [n for n in names if n != "schedule"], short=True)
    head = (f"no constant-rate run learned ({const}), so the rates' speed and end points "
            "cannot be compared; " if const else "")
    # the rates' own question first: their end points (with the budget where a rate still
    # climbed), the rates whose runs split by fate, then the schedule
    rates = (f"{sec.cite(found, 'end_point', True)}{_budget_note(sec, facts, p, short=True)}."
             if "end_point" in found else "no rate's runs all ended ok." if not const else "")
    rates = (head + rates).rstrip("; ")
    rates += "".join(f" {_split_short(facts, n)}." for n in names
                     if n != "schedule" and _split(facts, n))
    if "schedule_vs_first" not in found:
        return f"Learning rates: {rates}"
    neither = _no_learning(facts, [facts["first"], "schedule"], short=True)
    if neither:
        return (f"Learning rates: {rates} Neither the scheduled run nor the constant lr "
                f"{p['schedule']['lrs'][0]:g} run learned ({neither}), so whether the schedule "
                f"works cannot be answered from these runs. {how}.")
    return (f"Learning rates: {rates} Schedule: {sec.cite(found, 'schedule_vs_first', True)}. "
            f"{how}; unequal budgets: {p['schedule']['epochs']} against "
            f"{prose.count(p['epochs'], 'epoch')}.")


def _split_short(facts, name):
    """'lr 0.2 ended ok in 1 of 3 runs (seed 1: 98.33 % validation at the last record) and
    ended stuck in 2': a rate whose runs split by fate, for the summary."""
    g = facts["learning"][str(name)]
    label = f"lr {float(str(name)[2:]):g}"
    n, statuses = len(g["statuses"]), g["statuses"]
    ok = [(seed, v) for seed, st, v in zip(g["seeds"], statuses, g["final_val_acc"])
          if st == "ok"]
    rest = " and ".join(f"{FATE_VERBS[f]} in {statuses.count(f)}"
                        for f in FATE_ORDER[1:] if f in statuses)
    if not ok:
        return f"{label}: {_fates(statuses)}"
    mean = sum(v for _, v in ok) / len(ok)
    return (f"{label} ended ok in {len(ok)} of {n} runs ({_seeds(s for s, _ in ok)}: "
            f"{prose.pct(mean)} validation at the last record"
            + ("" if len(ok) == 1 else ", their mean") + f") and {rest}")


def _span(values, fmt, unit=""):
    """'20.00 % in every run' (all alike) or '20.00–20.40 %' (their range)."""
    low, high = fmt(min(values)), fmt(max(values))
    if low == high:
        return f"{low}{unit}" + (" in every run" if len(values) > 1 else "")
    return f"{low}–{high}{unit}"


FATE_VERBS = {"stuck": "ended stuck", "blew up": "blew up", "diverged": "diverged"}


def _no_learning(facts, names, short=False):
    """What the runs of `names` measured when none of them ever left chance (left_chance):
    their fates, test accuracy against 1/C and training loss against ln C (`short`: without
    saying what ln C is); '' when some run learned, or a name has no runs."""
    learning, chance = facts.get("learning") or {}, facts.get("chance")
    groups = [learning.get(n) for n in names]
    if not chance or not groups or any(not g for g in groups) or not all(
            all(g["never"]) for g in groups):
        return ""
    statuses = [x for g in groups for x in g["statuses"]]
    accs = [x for g in groups for x in g["test_acc"] if x == x]
    losses = [x for g in groups for x in g["loss"] if x == x]
    n, kinds = len(statuses), [s for s in FATE_VERBS if s in statuses]
    if len(kinds) == 1:
        every = "its one run" if n == 1 else "both runs" if n == 2 else f"all {n} runs"
        fates = f"{every} {FATE_VERBS[kinds[0]]}"
    else:
        fates = f"of {n} runs, " + ", ".join(f"{statuses.count(s)} {FATE_VERBS[s]}"
                                            for s in kinds)
    c = chance["classes"]
    parts = [fates]
    if accs:
        parts.append(f"test accuracy {_span(accs, lambda x: f'{100 * x:.2f}', ' %')}, "
                     f"against chance 1/{c} = {prose.pct(chance['accuracy'])}")
    if losses:
        parts.append(f"training loss over the last epoch {_span(losses, prose.loss)}, against "
                     f"ln {c} = {chance['ln_c']:.4f}"
                     + ("" if short else " (the loss of a uniform guess)"))
    return "; ".join(parts)


def _chance_rule(facts):
    chance = facts["chance"]
    return (f"no epoch ended with a validation accuracy above {prose.pct(chance['line'])} "
            f"(chance plus {STUCK_Z} standard errors on {chance['n_val']:,} validation images)")


def _chance_plateaus(facts, short=False, back=False):
    """The switches made on a plateau at chance (its level within the stuck rule's band): not
    convergence, so not the schedule the assignment means. The untrained network's plateau
    where the phase never rose above chance; where it had (rise), the run learned and fell
    back, after its loss blew up if it did, and that is said instead of "had not started
    learning". A sentence, a phrase for the summary (`short`), a phrase referring to the
    opening's sentence (`back`), or '' when no switch was."""
    line = (facts.get("chance") or {}).get("line")
    levels, rises = facts.get("switch_levels") or {}, facts.get("switch_rises") or {}

    def of(table, seed):
        return table.get(seed, table.get(str(seed), []))
    made = [(str(seed), int(e), level, (of(rises, seed) + [None] * (i + 1))[i])
            for seed, epochs in facts["switches"].items()
            for i, (e, level) in enumerate(zip(epochs, of(levels, seed)))]
    low = [(seed, e, level, r) for seed, e, level, r in made if line and level == level
           and level <= line]
    if not low:
        return ""
    span = _span([level for _, _, level, _ in low], lambda x: f"{100 * x:.2f}", " %").replace(
        " in every run", "")
    every = len(low) == sum(len(e) for e in facts["switches"].values())
    seeds = list(dict.fromkeys(seed for seed, *_ in low))
    rose = {seed: r for seed, _, _, r in low if isinstance(r, dict)}  # a facts file's NaN: none
    blew = [seed for seed, r in rose.items() if _known(r.get("blowup_step"))]
    if back:
        once = max(len(e) for e in facts["switches"].values()) == 1  # per seed
        return ("on a plateau at chance" if every and once else
                "each time on a plateau at chance" if every else
                f"{_seeds(seeds)} on a plateau at chance") + " (see above)"
    if short:
        where = "" if every else f"{_seeds(seeds)} "
        after = (f"; {_seeds(blew)} after {'its' if len(blew) == 1 else 'their'} loss blew up"
                 if blew else "")
        return (where + ("each time " if every and len(low) > 1 else "")
                + f"on a plateau at chance ({span}{after})"
                + (", before the run had started learning" if every and not rose else ""))
    subject = ("The switch" if len(low) == 1 else "Every switch") if every else (
        f"The {'switch' if len(low) == 1 else 'switches'} {_which(low)}")
    them = "that switch is" if len(low) == 1 else "these switches are"
    head = (f"{subject} came on a plateau at chance (best end-of-epoch validation accuracy "
            f"{span}, not above {prose.pct(line)}, the stuck rule's band)")
    if not rose:
        return (f"{head}: the run had not started learning, so {them} not the schedule the "
                "assignment describes")
    idle = [seed for seed in seeds if seed not in rose]
    told = ([f"{_seeds(idle)} had not started learning"] if idle else []) + [
        f"seed {seed} had reached {prose.pct(r['val_acc'])} at step {r['step']:,}, then "
        + (f"its training loss blew up ({r['blowup_loss']:.3g} at step {r['blowup_step']:,})"
           if _known(r.get("blowup_step")) else "it fell back")
        for seed, r in rose.items()]
    return f"{head}, so {them} not the schedule the assignment describes: {'; '.join(told)}"


def _which(switches):
    """'after epoch 1 (seeds 0, 2) and after epoch 3 (seed 1)' for [(seed, epoch, ...)]."""
    groups = {}
    for seed, e, *_ in switches:
        groups.setdefault(e, []).append(seed)
    return " and ".join(f"after epoch {e} ({'seed' if len(g) == 1 else 'seeds'} "
                        f"{', '.join(g)})" for e, g in sorted(groups.items()))


def _best_note(facts, names):
    """The table's note where a variant never left chance (its best validation accuracy is
    the highest of noisy records, not a level it reached) or its runs split by fate (a row per
    fate, the best only for the runs that ended ok)."""
    learning = facts.get("learning") or {}
    split = [n for n in names if _split(facts, n)]
    bad = [n for n in names if n not in split and learning.get(n)
           and not any(_best_given(x) for x in learning[n]["statuses"])]
    notes = []
    if split:
        notes.append(f"The runs of {prose.names(split)} ended with different fates, so each "
                     "fate has its own row (a mean over both would be a level no run reached).")
    if bad or split:
        notes.append("Best val. acc. is the highest of all records, given for the rows whose "
                     "runs ended ok only (–: "
                     + prose.names(bad + ([f"the rows of {prose.names(split)} whose runs "
                                           "did not end ok"] if split else []))
                     + "): a run that did not end ok holds no level it reached, so its highest "
                     "record is noise at chance or a level it lost.")
    return " ".join(notes) or None


def _times(n):
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _upper(text):
    return text[:1].upper() + text[1:]


def _then(lrs):
    return " then ".join(f"{x:g}" for x in lrs)


def asked_notes(p, made, idle=()):
    """{ask: note} for the seeds' figure and table asks this configuration answers only in
    part: another model than the assignment's, other rates, a schedule that made fewer
    switches than the seed's figure shows (`made`: the most any seed made), or runs that
    never learned (`idle`: 'constant', 'schedule'), whose curves and test accuracy sit at
    chance."""
    model = ([f"{p['model']}, not the assignment's {PROTOCOL['model']}"]
             if p["model"] != PROTOCOL["model"] else [])
    lrs, asked = [float(x) for x in p["lrs"]], PROTOCOL["lrs"]
    missing = [f"{x:g}" for x in asked if x not in lrs]
    # a rate run beside the asked ones adds a column; only an asked rate not run is a gap
    rates = ([f"lr {prose.names(missing)} not run (here: {', '.join(f'{x:g}' for x in lrs)})"]
             if missing else [])
    sch, sch_asked = [float(x) for x in p["schedule"]["lrs"]], SCHEDULE_PROTOCOL["lrs"]
    schedule = ([f"the schedule here runs {_then(sch)}, not {_then(sch_asked)}"]
                if sch != sch_asked else [])
    notes = {}

    def note(ask, parts, head=""):
        if parts:
            notes[ask] = (f"{head}, partly: " if head else "partly: ") + "; ".join(parts)

    const_idle = ["no constant-rate run learned: their curves stay at chance"
                  ] if "constant" in idle else []
    sched_idle = ["the scheduled runs never learned: they stay at chance"
                  ] if "schedule" in idle else []
    for ask in CONSTANT_ASKS:
        note(ask, model + rates + const_idle)
    note(SCHEDULE_ASK, model + schedule + sched_idle, "its last column")
    note(TEST_ASK, model + schedule + sched_idle)
    for shown, ask in SWITCH_ASKS.items():
        short = []
        if made < shown:  # it never trained at the rate the seed's figure ends at
            short = [f"it switched {prose.count(made, 'time')}, so it never trained at lr "
                     f"{sch[made + 1]:g}" if made + 1 < len(sch) else
                     f"the schedule here has {prose.count(len(sch), 'rate')} "
                     f"({', '.join(f'{x:g}' for x in sch)})"]
        elif sch[:shown + 1] != sch_asked[:shown + 1]:
            short = [f"lr {_then(sch[:shown + 1])}, not {_then(sch_asked[:shown + 1])}"]
        note(ask, short + model + sched_idle, "the scheduled run's column")
    return notes


def switch_epochs(switches, word="after", diverged=None, of=None):
    """When the scheduled run switched, seeds with the same switch epochs together: 'after
    epoch 1 in all 3 seeds', 'after epoch 1 (seeds 0, 2) and after epochs 2 and 4 (seed 1);
    seed 3 never switched' (`word`: 'at' for where a run resumed). A seed in `diverged`
    ({seed: step}) that made no switch diverged before any plateau: said so, not 'never
    switched'. `of`: how many seeds the study has, where `switches` holds only some of them:
    those are then named, not 'in both seeds'."""
    groups, diverged = {}, {str(k): v for k, v in (diverged or {}).items()}
    for seed, epochs in sorted(switches.items(), key=lambda item: int(item[0])):
        groups.setdefault(tuple(epochs), []).append(str(seed))
    never = groups.pop((), [])
    lost = [f"seed {seed} diverged at step {diverged[seed]:,} before any plateau"
            for seed in never if seed in diverged]
    never = [seed for seed in never if seed not in diverged]

    def after(epochs):
        return f"{word} {'epoch' if len(epochs) == 1 else 'epochs'} {prose.names(epochs)}"

    def seeds(group):
        return f"{'seed' if len(group) == 1 else 'seeds'} {', '.join(group)}"

    if len(groups) == 1 and not never and not lost and len(next(iter(groups.values()))) == (
            of or len(switches)):
        (epochs, group), = groups.items()
        return after(epochs) + ("" if len(group) == 1 else " in both seeds" if len(group) == 2
                                else f" in all {len(group)} seeds")
    return (" and ".join(f"{after(epochs)} ({seeds(group)})" for epochs, group in groups.items())
            + (f"; {seeds(never)} never switched" if never else "")
            + "".join(f"; {x}" for x in lost))
