"""Study 5: learning rate (EE449 part 5): constant rates, a plateau schedule, Adam for reference."""
import math

from .. import aggregate, claims, figures, prose
from ..config import ConfigError, make_run
from ..report import Section, Shown
from ..runfiles import read_summary
from ..schedule import describe_rule, epoch_end_accuracy
from ..stats import STUCK_Z, chance_band
from .common import check_models, departures as protocol_departures, records, write_facts
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
    return {"protocol": cfg[NAME], "adam": cfg["architectures"]
            if cfg[NAME]["model"] in cfg["architectures"]["models"] else None}


def figures_of(params):
    return ["curves"]


def analyse(inp, out, params, info):
    p = params["protocol"]
    n_classes, n_test = len(info["class_names"]), info["sizes"]["test"]
    runs_, by_run, variants, curves = aggregate.variant_tables(
        inp.summary, inp.curves, n_classes, n_test, p["target_val_acc"])
    runs_.to_csv(out.table("runs"), index=False)
    variants = with_reached_counts(variants, runs_, by_run, p["target_val_acc"])
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
    figures.save(figures.learning_rate_figure(curves, variants, steps_per_epoch, switches,
                                              n_classes),
                 *out.figure("curves"))
    write_facts(out.facts, {**facts(runs_, variants, adam, adam_curves, switches, p, sources,
                                    by_run, steps_per_epoch, n_classes=n_classes,
                                    n_val=info["sizes"]["val"]),
                            "resumed_at_epoch": resumed})


def with_reached_counts(variants, runs_, by_run, target):
    """The variants table with `reached_target`: how many of each variant's runs reached the
    target (its steps_to_target_mean is the mean over those runs only)."""
    per_run = aggregate.per_run_numbers(runs_, by_run, target)
    reached = per_run.groupby("name").steps_to_target.count()
    return variants.assign(reached_target=[int(reached.get(n, 0)) for n in variants.name])


SOURCE = "tables/learning_rates_runs.csv (with each run's curves.csv)"
PROSE_COLUMNS = ["name", "lr", "epochs", "steps_mean", "status", "worst_status",
                 "final_val_acc_mean", "best_val_acc_mean", "test_acc_mean",
                 "steps_to_target_mean", "val_acc_jitter_mean"]


def _count(x):
    return "–" if x != x else f"{x:,.0f}"


SHOWN = {"variants": Shown(columns=(
    ("run", "name"), ("starting lr", lambda r: f"{r.lr:g}"), ("epochs", "epochs"),
    ("steps", lambda r: _count(r.steps_mean)), ("runs (with final point)", prose.runs_cell),
    ("fate", "status"),
    ("final val. acc. %", lambda r: prose.cell(r.final_val_acc_mean)),
    ("best val. acc. %", lambda r: prose.cell(r.best_val_acc_mean)),
    ("test acc. %", lambda r: prose.cell(r.test_acc_mean)),
    ("steps to the target", lambda r: _steps_cell(r))))}


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


def _schedule_vs_first(runs_, first, first_lr):
    """The scheduled run against the constant run of its first rate, seed by seed: the
    schedule of seed s continues that run of seed s (its state at the plateau), so the two
    arms are paired, not independent. A seed whose run has no test accuracy (diverged) has no
    pair; each arm's fates are named where some runs did not end ok."""
    by_seed = {name: dict(zip(g.seed, g.test_acc)) for name, g in runs_.groupby("name")}
    sched, const = by_seed.get("schedule", {}), by_seed.get(first, {})
    diffs = {int(s): float(sched[s] - const[s]) for s in sched
             if s in const and sched[s] == sched[s] and const[s] == const[s]}
    fates = [f"{label}: {_fates(runs_[runs_.name == name].status)}"
             for name, label in ((first, f"lr {first_lr:g}"), ("schedule", "the scheduled run"))
             if (runs_[runs_.name == name].status != "ok").any()]
    unpaired = len(set(sched) | set(const)) - len(diffs)
    notes = fates + ([f"{prose.count(unpaired, 'seed')} without a test accuracy on both sides "
                      "left out"] if unpaired else [])
    return claims.paired(
        diffs, f"Test accuracy, the scheduled run minus the constant lr {first_lr:g} run of the "
        "same seed, which it continues" + (f" ({'; '.join(notes)})" if notes else ""),
        source=SOURCE)


def _reached_as_first_rate(sched_runs, first_runs):
    """True when every scheduled run that reached the target did so at the very step the
    constant first-rate run of its seed did: the two share that phase update for update
    (training is deterministic), so the schedule's steps are its first rate's. A schedule that
    reached it later (after a switch, or past the end of a shorter constant run) is its own."""
    reached = sched_runs[sched_runs.steps_to_target.notna()]
    first = dict(zip(first_runs.seed.astype(int), first_runs.steps_to_target))
    return bool(len(reached)) and all(
        first.get(int(r.seed)) == r.steps_to_target for r in reached.itertuples())


def left_chance(run, curve, line):
    """Whether a run ever learned: it ended ok, reached the target, or ended an epoch with its
    validation accuracy above `line` (the stuck rule's chance band, on the validation images).
    Epoch ends only: a single record above the band in a run that stays at chance is noise."""
    if run.status == "ok" or run.steps_to_target == run.steps_to_target:
        return True
    if curve is None or curve.empty or "val_acc" not in curve:
        return False
    return any(v > line for v in epoch_end_accuracy(curve).values())


def learning(per_run, curves, line):
    """Per run name: each run's fate, whether it never left chance (left_chance), its test
    accuracy and its training loss over the last epoch (a diverged run has neither)."""
    out = {}
    for name, group in per_run.groupby("name", sort=False):
        group = group.sort_values("seed")
        out[str(name)] = {
            "seeds": [int(x) for x in group.seed], "statuses": list(group.status),
            "never": [not left_chance(r, curves.get((r.name, r.seed)), line)
                      for r in group.itertuples()],
            "test_acc": [float(x) for x in group.test_acc],
            "loss": [float(x) for x in group.last_epoch_train_loss]}
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
    out["learning"] = learning(per_run, by_run or {}, line)
    out["switch_levels"] = switch_levels(switches, by_run or {})
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
    if ok_rates:
        found["end_point"] = claims.ranking(
            {f"lr {lr:g}": list(const[const.lr == lr].final_val_acc) for lr in ok_rates},
            "Validation accuracy at the last record (rates whose runs all ended ok; a fate is "
            "judged on the test set, so an ok run may still be near chance here)",
            source=SOURCE)
    healthy = const[const.lr.isin(ok_rates)]
    found["jitter"] = claims.mechanism(JITTER_EXPECTED, claims.trend(
        list(zip(healthy.lr, healthy.val_acc_jitter)), "Learning rate against the jitter of "
        "validation accuracy over the last epoch (one point per run)", source=SOURCE,
        x_name="the rate", y_name="the jitter"), expected_sign=1,
        name="a larger rate jitters more")
    if len(reached) >= 2:
        done = const[const.lr.isin(reached)]
        found["speed_trend"] = claims.mechanism(SPEED_EXPECTED, claims.trend(
            list(zip(done.lr, done.steps_to_target)), "Learning rate against the steps to the "
            "target (one point per run that reached it, whatever its fate afterwards)",
            source=SOURCE, x_name="the rate", y_name="the steps"), expected_sign=-1,
            name="a larger rate reaches the target sooner")
    if "schedule" in acc:
        found["schedule_vs_first"] = _schedule_vs_first(runs_, first, p["schedule"]["lrs"][0])
    gone = runs_[(runs_.name == "schedule") & (runs_.status == "diverged")]
    out["schedule_diverged"] = {int(r.seed): int(r.diverged_at_step) for r in gone.itertuples()
                                if r.diverged_at_step == r.diverged_at_step}
    sched = runs_[(runs_.name == "schedule") & (runs_.status != "diverged")]  # its budget
    if len(sched):
        out["schedule_steps"] = {"kept": float(sched.steps.mean()),
                                 "trained": float(sched.steps_trained.mean())
                                 if "steps_trained" in sched else float("nan"),
                                 "per_epoch": steps_per_epoch}
    if len(adam):
        reached_adam = [aggregate.curve_summary(c, target).get("steps_to_target")
                        for c in adam_curves.values()]
        ref = reference_arm(adam)
        ref_runs = aggregate.per_run_numbers(adam, adam_curves, target)
        out["learning"]["reference"] = next(iter(learning(ref_runs, adam_curves, line).values()))
        out["adam"] = {"seeds": sorted(int(s) for s in adam.seed),
                       "test_acc_mean": float(adam_ok.test_acc.mean()),
                       "steps": float(adam.steps.mean()), "epochs": int(adam.epochs.iloc[0]),
                       "batch_size": int(adam.batch_size.iloc[0]),
                       "status": aggregate.status_column(adam.status), **ref}
        sched_runs = per_run[per_run.name == "schedule"]
        sched_steps = sched_runs.steps_to_target
        # each arm with its fate, in place: a gap to a run that never learned is no schedule's
        arm_ref = with_fate(ref["label"], out["adam"]["status"])
        arm_sched = with_fate("schedule", aggregate.status_column(sched_runs.status))
        before = _reached_as_first_rate(sched_runs, per_run[per_run.name == first])
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
    # a study where nothing learned says so first: its questions have no answer here
    lead = (f"No run of this study learned: {everything}; {_chance_rule(facts)}. So the "
            "questions below cannot be answered from these runs: a difference between runs "
            "that all stay at chance is not a result. " if everything else "")
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
    sec.add_figure(figs["curves"], figures.caption(
                   figs["curves"], "One column per constant learning rate and one for the "
                   "scheduled run: training loss (top, log scale) and validation accuracy "
                   "(bottom) against epoch, mean over seeds. In the scheduled run's column the "
                   "verticals are its switches, one per epoch at which a seed switched (the "
                   "legend names its seeds)."))
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
    _answers(sec, facts, variants, p)
    sec.summary = _summary(sec, facts, variants, p)
    made = max((len(e) for e in facts["switches"].values()), default=0)
    sec.asked_notes = asked_notes(p, made)
    # the asks for the schedule against Adam: partly answered when the architecture study ran
    # another optimiser, not at all when it has no run of this model
    reference = facts.get("adam")
    if reference and not reference.get("is_adam", True):
        sec.asked_notes.update({ask: f"partly: the schedule is compared with "
                                f"{reference['settings']}, what the architecture study ran "
                                "here, not with Adam" for ask in ADAM_ASKS})
    elif not reference:
        sec.asked_reasons = {ask: f"{p['model']} is not in this configuration's architecture "
                             "study, so there is no run to compare the schedule with"
                             for ask in ADAM_ASKS}
    return sec


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
            + switch_epochs({seed: [e] for seed, e in done.items()}, "at")
            + " instead of training that phase again.")


def _answers(sec, facts, variants, p):
    const = variants[variants.name != "schedule"].sort_values("lr", ascending=False)
    rates = f"lr {', '.join(f'{x:g}' for x in const.lr)}"
    stuck = _no_learning(facts, [str(n) for n in const.name])
    if stuck:  # nothing moved off chance: no speed and no end point to compare
        sec.ask("What is the effect of the learning rate on the speed of convergence?",
                f"No constant-rate run ({rates}) learned: {stuck}. So the speed of convergence "
                "cannot be measured from these runs: no run converged to anything.")
        sec.ask("What is the effect of the learning rate on converging to a better point?",
                f"No constant-rate run ({rates}) learned: {stuck}. So no rate reached a point "
                "to compare, and which rate converges to a better one cannot be answered from "
                "these runs.")
    else:
        _rate_answers(sec, facts, const, p)
    sched = variants[variants.name == "schedule"]
    if sched.empty:
        return
    s = sched.iloc[0]
    first = const[const.name == facts["first"]].iloc[0]
    _schedule_answer(sec, facts, s, first, p)
    _reference_answer(sec, facts, s, p)


def _rate_answers(sec, facts, const, p):
    """Q1 and Q2 where some constant-rate run learned."""
    found = facts["claims"]
    fates = "; ".join(f"lr {r.lr:g}: {r.status}" for r in const.itertuples()
                      if r.worst_status != "ok")
    sec.ask("What is the effect of the learning rate on the speed of convergence?",
            (f"{sec.cite(found, 'speed_values')}. " if "speed_values" in found else "")
            + (f"Rates whose runs did not all end ok: {fates}. " if fates else "")
            + (f"{sec.cite(found, 'speed')}. {sec.cite(found, 'speed_trend')}."
               if "speed" in found else f"Expected: {SPEED_EXPECTED} Fewer than two rates "
               "have a run that reached it, so none is ranked and the expectation cannot be "
               "checked."))

    def end(r):
        if r.worst_status == "diverged":
            return f"lr {r.lr:g}: {r.status}"
        # the best record of a run that never left chance is noise, not a point it reached
        never = _no_learning(facts, [str(r.name)])
        return (f"lr {r.lr:g}: {prose.pct(r.final_val_acc_mean)} final, "
                + ("" if never else f"{prose.pct(r.best_val_acc_mean)} best validation, ")
                + f"test {prose.pct(r.test_acc_mean)}"
                + ("" if r.status == "ok" else f" ({r.status}"
                   + ("; it never left chance, so its best record is not given" if never
                      else "") + ")"))
    ends = "; ".join(end(r) for r in const.itertuples())
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
                  + f". {sec.cite(found, 'jitter')}. A run that has hardly moved from its "
                  "start shows little jitter too, so the jitter is read with the end points "
                  "above.")
    sec.ask("What is the effect of the learning rate on converging to a better point?",
            f"After {prose.count(int(const.epochs.iloc[0]), 'epoch')}: {ends}."
            + (f" {sec.cite(found, 'end_point')}." if "end_point" in found else
               " No rate's runs all ended ok, so none is ranked.") + jitter)


def _schedule_answer(sec, facts, s, first, p):
    """Q3: the scheduled run against the constant run of its first rate, unless neither
    learned; its switches, and whether they came on a plateau at chance."""
    found = facts["claims"]
    rule = f"Rule: the run switches after the plateau epoch, {facts['rule']}. "
    at_chance = _chance_plateaus(facts)
    if facts["switched"]:
        n = max(len(e) for e in facts["switches"].values())
        most = "in the seed that switched most; " if len(facts["switches"]) > 1 else ""
        possible = prose.count(len(p["schedule"]["lrs"]) - 1, "switch", "switches")
        switched = f"It switched {prose.count(n, 'time')} ({most}{possible} possible)"
    neither = _no_learning(facts, [facts["first"], "schedule"])
    if neither:
        text = (f"Neither the scheduled run nor the constant lr {first.lr:g} run it continues "
                f"learned: {neither}. So whether the schedule works cannot be answered from "
                "these runs. " + rule
                + (f"{switched}. {at_chance}." if facts["switched"] and at_chance else
                   f"{switched}." if facts["switched"] else
                   "The rule found no plateau, so the run never switched."))
        sec.ask("Does the scheduled learning rate work, and in what sense?", text)
        return
    steps = facts.get("schedule_steps", {})
    trained, per_epoch = steps.get("trained", float("nan")), steps.get("per_epoch")
    computed = ("" if trained != trained or trained == s.steps_mean else
                f", {trained:,.0f} steps computed in all"
                + (f" ({trained / per_epoch:.3g} epochs' worth)" if per_epoch else "")
                + ": each switch goes back to the plateau epoch's weights and discards the "
                "steps after it")
    budget = (f"the scheduled run's final weights are {_count(s.steps_mean)} steps ({s.epochs:g} "
              f"epochs) from the start{computed}; the constant lr {first.lr:g} run trained "
              f"{prose.count(int(first.epochs), 'epoch')} ({_count(first.steps_mean)} steps)")
    text = (rule + f"The scheduled run ends at "
            f"{prose.pct(s.final_val_acc_mean)} validation accuracy (last record). Test "
            f"accuracy, {_over(len(p['seeds']), s, first)}: the scheduled run "
            f"{prose.pct(s.test_acc_mean)}, the constant lr {first.lr:g} run "
            f"{prose.pct(first.test_acc_mean)}. {sec.cite(found, 'schedule_vs_first')}. "
            f"Unequal budgets: {budget}, so part of any difference is the extra training. ")
    if not facts["switched"]:
        text += ("The rule found no plateau, so the run never switched: it is the first rate "
                 "trained longer, and the comparison measures the extra epochs, not a schedule.")
    else:
        text += (f"{switched}; whether it ended better is the seed-by-seed comparison above, "
                 "and only a paired test that shows a side says it did."
                 + (f" {at_chance}." if at_chance else ""))
    sec.ask("Does the scheduled learning rate work, and in what sense?", text)


def _reference_answer(sec, facts, s, p):
    """Q4: the schedule against the architecture study's runs of the same model, all of them
    (unpaired), each arm with its fate."""
    found = facts["claims"]
    adam = facts.get("adam")
    if not adam:
        sec.ask("How does the schedule compare with Adam?",
                "The learning-rate model is not in the architecture study, so there is no Adam "
                "run of it to compare with.")
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
               f"steps of batch {p['batch_size']} kept).")
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
    sec.ask("How does the schedule compare with Adam?",
            intro + f"{sec.cite(found, 'schedule_vs_adam')}. "
            + (f"{idle[0][0].upper()}{idle[0][1:]} never left chance, so this gap is between "
               "a network that learned and one that did not: it does not measure how a "
               "working schedule compares. " if idle else "")
            + "Convergence: "
            + (f"{sec.cite(found, 'adam_vs_schedule_steps')}. "
               if "adam_vs_schedule_steps" in found else "not measured. ")
            + budgets)


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
        return (f"Learning rates: no run learned: {everything}. So the study's questions "
                "cannot be answered from these runs. "
                + (f"The schedule switched {when}, {at_chance}." if facts["switched"]
                   and at_chance else f"{how}." if "schedule" in names else ""))
    const = _no_learning(facts, [n for n in names if n != "schedule"], short=True)
    head = (f"no constant-rate run learned ({const}), so the rates' speed and end points "
            "cannot be compared; " if const else "")
    if "schedule_vs_first" not in found:
        if "end_point" not in found:
            return f"Learning rates: {head}no rate's runs all ended ok."
        return f"Learning rates: {head}{sec.cite(found, 'end_point', True)}."
    neither = _no_learning(facts, [facts["first"], "schedule"], short=True)
    if neither:
        return (f"Learning rates: {head}neither the scheduled run nor the constant lr "
                f"{p['schedule']['lrs'][0]:g} run learned ({neither}), so whether the schedule "
                f"works cannot be answered from these runs. {how}.")
    return (f"Learning rates: {head}{sec.cite(found, 'schedule_vs_first', True)}. {how}; "
            f"unequal budgets: {p['schedule']['epochs']} against "
            f"{prose.count(p['epochs'], 'epoch')}.")


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


def _chance_plateaus(facts, short=False):
    """The switches made on a plateau at chance (its level within the stuck rule's band): the
    untrained network's plateau, not convergence, so not the schedule the assignment means.
    A sentence, a phrase for the summary (`short`), or '' when no switch was."""
    line = (facts.get("chance") or {}).get("line")
    levels = facts.get("switch_levels") or {}
    made = [(str(seed), int(e), level) for seed, epochs in facts["switches"].items()
            for e, level in zip(epochs, levels.get(seed, levels.get(str(seed), [])))]
    low = [(seed, e, level) for seed, e, level in made if line and level == level
           and level <= line]
    if not low:
        return ""
    span = _span([level for _, _, level in low], lambda x: f"{100 * x:.2f}", " %").replace(
        " in every run", "")
    every = len(low) == sum(len(e) for e in facts["switches"].values())
    if short and every:
        return (("on a plateau at chance" if len(low) == 1 else "each time on a plateau at "
                 "chance") + f" ({span}), before the run had started learning")
    if short:
        return f"{_which(low)} on a plateau at chance ({span})"
    subject = ("The switch" if len(low) == 1 else "Every switch") if every else (
        f"The {'switch' if len(low) == 1 else 'switches'} {_which(low)}")
    return (f"{subject} came on a plateau at chance (best end-of-epoch validation accuracy "
            f"{span}, not above {prose.pct(line)}, the stuck rule's band): the run had not "
            f"started learning, so {'that switch is' if len(low) == 1 else 'these switches are'}"
            " not the schedule the assignment describes")


def _which(switches):
    """'after epoch 1 (seeds 0, 2) and after epoch 3 (seed 1)' for [(seed, epoch, level)]."""
    groups = {}
    for seed, e, _ in switches:
        groups.setdefault(e, []).append(seed)
    return " and ".join(f"after epoch {e} ({'seed' if len(g) == 1 else 'seeds'} "
                        f"{', '.join(g)})" for e, g in sorted(groups.items()))


def _best_note(facts, names):
    """The table's note where a variant never left chance: its best validation accuracy is
    the highest of noisy records, not a level it reached."""
    idle = [n for n in names if _no_learning(facts, [n])]
    if not idle:
        return None
    return (f"Best val. acc. is the highest of all records; for {prose.names(idle)}, whose "
            "runs never ended an epoch above chance, it is the highest of noisy records at "
            "chance, not a level reached.")


def _then(lrs):
    return " then ".join(f"{x:g}" for x in lrs)


def asked_notes(p, made):
    """{ask: note} for the seeds' figure and table asks this configuration answers only in
    part: another model than the assignment's, other rates, or a schedule that made fewer
    switches than the seed's figure shows (`made`: the most any seed made)."""
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

    for ask in CONSTANT_ASKS:
        note(ask, model + rates)
    note(SCHEDULE_ASK, model + schedule, "its last column")
    note(TEST_ASK, model + schedule)
    for shown, ask in SWITCH_ASKS.items():
        short = []
        if made < shown:  # it never trained at the rate the seed's figure ends at
            short = [f"it switched {prose.count(made, 'time')}, so it never trained at lr "
                     f"{sch[made + 1]:g}" if made + 1 < len(sch) else
                     f"the schedule here has {prose.count(len(sch), 'rate')} "
                     f"({', '.join(f'{x:g}' for x in sch)})"]
        elif sch[:shown + 1] != sch_asked[:shown + 1]:
            short = [f"lr {_then(sch[:shown + 1])}, not {_then(sch_asked[:shown + 1])}"]
        note(ask, short + model, "the scheduled run's column")
    return notes


def switch_epochs(switches, word="after", diverged=None):
    """When the scheduled run switched, seeds with the same switch epochs together: 'after
    epoch 1 in all 3 seeds', 'after epoch 1 (seeds 0, 2) and after epochs 2 and 4 (seed 1);
    seed 3 never switched' (`word`: 'at' for where a run resumed). A seed in `diverged`
    ({seed: step}) that made no switch diverged before any plateau: said so, not 'never
    switched'."""
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

    if len(groups) == 1 and not never and not lost:
        (epochs, group), = groups.items()
        return after(epochs) + ("" if len(group) == 1 else " in both seeds" if len(group) == 2
                                else f" in all {len(group)} seeds")
    return (" and ".join(f"{after(epochs)} ({seeds(group)})" for epochs, group in groups.items())
            + (f"; {seeds(never)} never switched" if never else "")
            + "".join(f"; {x}" for x in lost))
