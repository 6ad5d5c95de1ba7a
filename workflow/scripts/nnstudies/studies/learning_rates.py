"""Study 5: learning rate (EE449 part 5): constant rates, a plateau schedule, Adam for reference."""
import json


from .. import aggregate, figures, prose
from ..config import ConfigError, make_run
from ..report import Section
from ..schedule import describe_rule
from ..stats import compare, rank_correlation
from .common import check_models, departures as protocol_departures, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "learning_rates"
TITLE = "Study 5: learning rate"
PROTOCOL = {"model": "cnn_4", "lrs": [0.1, 0.01, 0.001], "optimizer": "sgd", "momentum": 0.0,
            "batch_size": 50, "epochs": 20}
TABLES = ["runs", "variants", "curves", "adam_reference"]


def lr_name(lr):
    return f"lr{lr:g}"


def runs(cfg):
    """The model at each constant learning rate, plus the plateau-scheduled run."""
    p = cfg[NAME]
    out = {(lr_name(lr), s): make_run(cfg, NAME, lr_name(lr), p["model"], s, p, lr=lr)
           for lr in p["lrs"] for s in p["seeds"]}
    schedule = p["schedule"]
    for s in p["seeds"]:
        out[("schedule", s)] = make_run(
            cfg, NAME, "schedule", p["model"], s, p, lr=schedule["lrs"][0],
            epochs=schedule["epochs"], schedule=schedule,
            reference=lr_name(schedule["lrs"][0]))  # its plateau sets the first switch
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
    return protocol_departures(NAME, cfg[NAME], PROTOCOL)


def adam_seeds(cfg):
    """The learning-rate model's Adam runs in the architecture study: on the seeds the two
    studies share, else on all of the architecture study's seeds; none if it is not there."""
    if cfg[NAME]["model"] not in cfg["architectures"]["models"]:
        return []
    arch = cfg["architectures"]["seeds"]
    return [s for s in arch if s in cfg[NAME]["seeds"]] or arch


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
    runs_, _, variants, curves = aggregate.variant_tables(inp.summary, inp.curves, n_classes,
                                                          n_test, p["target_val_acc"])
    runs_.to_csv(out.table("runs"), index=False)
    variants.to_csv(out.table("variants"), index=False)
    curves.to_csv(out.table("curves"), index=False)
    adam, adam_curves = aggregate.load_runs(inp.adam_summary, inp.adam_curves, n_classes, n_test)
    adam.to_csv(out.table("adam_reference"), index=False)
    switches, sources = {}, {}
    for path in inp.summary:
        summary = json.loads(open(path).read())
        if summary["run"]["name"] == "schedule":
            switches[summary["run"]["seed"]] = summary["switch_epochs"]
            sources[summary["run"]["seed"]] = summary.get("first_switch_from")
    steps_per_epoch = json.loads(open(inp.summary[0]).read())["steps_per_epoch"]
    figures.save(figures.learning_rate_figure(curves, variants, steps_per_epoch, switches),
                 *out.figure("curves"))
    write_facts(out.facts, facts(runs_, variants, adam, adam_curves, switches, p, sources))


def facts(runs_, variants, adam, adam_curves, switches, p, sources=None):
    target = p["target_val_acc"]
    first = lr_name(p["schedule"]["lrs"][0])
    tested = runs_[runs_.test_acc.notna()]
    acc = {name: g.test_acc for name, g in tested.groupby("name")}
    adam_ok = adam[adam.test_acc.notna()]
    out = {"switches": switches, "switched": any(switches.values()),
           "first_switch_from": sources or {},
           "rule": describe_rule(p["schedule"]["min_delta"], p["schedule"]["patience"]),
           "schedule_vs_first": compare(acc.get("schedule", []), acc.get(first, [])),
           "first": first}
    healthy = variants[(variants.name != "schedule") & (variants.status == "ok")]
    out["jitter_vs_lr"] = rank_correlation(healthy.lr, healthy.val_acc_jitter_mean)
    if len(adam):
        reached = [aggregate.curve_summary(c, target).get("steps_to_target")
                   for c in adam_curves.values()]
        out["adam"] = {"seeds": sorted(int(s) for s in adam.seed),
                       "test_acc_mean": float(adam_ok.test_acc.mean()),
                       "steps": float(adam.steps.mean()), "epochs": int(adam.epochs.iloc[0]),
                       "batch_size": int(adam.batch_size.iloc[0]),
                       "steps_to_target": float(pd.Series(reached, dtype=float).mean()),
                       "status": aggregate.status_column(adam.status),
                       "vs_schedule": compare(acc.get("schedule", []), adam_ok.test_acc)}
    return out


def section(facts, tables, figs, params, info):
    p, variants = params["protocol"], tables["variants"]
    sch = p["schedule"]
    sources = facts.get("first_switch_from", {})
    switches = "; ".join(f"seed {seed}: " + (", ".join(
        f"to lr {lr:g} after epoch {e}" for lr, e in zip(sch["lrs"][1:], eps)) or "no switch")
        + (" (the first from its own curve: the shorter constant-rate run shows no plateau)"
           if sources.get(seed) == "own curve" else "")
        for seed, eps in facts["switches"].items())
    sec = Section(NAME, TITLE,
                  f"{p['model']} with SGD (momentum {p['momentum']}), batch {p['batch_size']}, "
                  f"{p['epochs']} epochs at each constant rate "
                  f"{', '.join(f'{x:g}' for x in p['lrs'])}; {len(p['seeds'])} seed(s). "
                  f"Scheduled run: from scratch at {sch['lrs'][0]:g}, switching to "
                  f"{', then '.join(f'{x:g}' for x in sch['lrs'][1:])} (new optimiser, same "
                  f"weights) at each plateau, {sch['epochs']} epochs in all. The first switch "
                  f"comes from the plateau of the constant lr {sch['lrs'][0]:g} run (same "
                  "seed), or from the scheduled run's own curve when that run shows none; "
                  "each later one from the scheduled run's own curve, rewinding to the plateau "
                  f"epoch's weights. Plateau rule: {facts['rule']}. Switches: {switches}.")
    sec.add_figure(figs["curves"],
                   "One column per constant learning rate and one for the scheduled run: "
                   "training loss (top, log scale) and validation accuracy (bottom) against "
                   "epoch, mean over seeds (band: ± 1 std). In the scheduled run's column the "
                   "dotted verticals are its switches; markers are explained in the legend.")
    shown = pd.DataFrame({
        "run": variants.name, "lr": variants.lr.map(lambda x: f"{x:g}"),
        "epochs": variants.epochs, "steps": variants.steps_mean.map(
            lambda x: "–" if x != x else f"{x:,.0f}"),
        "runs": variants.runs, "fate": variants.status,
        "final val. acc. %": variants.final_val_acc_mean.map(prose.cell),
        "best val. acc. %": variants.best_val_acc_mean.map(prose.cell),
        "test acc. %": variants.test_acc_mean.map(prose.cell),
        f"steps to {100 * p['target_val_acc']:g} %": variants.steps_to_target_mean.map(
            lambda x: "never" if x != x else f"{x:,.0f}")})
    sec.add_table("Per learning rate (mean over seeds)", shown)
    _answers(sec, facts, variants, p)
    sec.summary = _summary(facts, variants, p)
    return sec


def _steps(x):
    return "never" if x != x else f"after {x:,.0f} steps"


def _answers(sec, facts, variants, p):
    const = variants[variants.name != "schedule"].sort_values("lr", ascending=False)
    target = p["target_val_acc"]
    speed = "; ".join(f"lr {r.lr:g}: " + (r.status if r.worst_status != "ok" else
                                          _steps(r.steps_to_target_mean))
                      for r in const.itertuples())
    reached = const[const.steps_to_target_mean.notna() & (const.worst_status == "ok")]
    verdict = (f"the first to reach it is lr "
               f"{reached.loc[reached.steps_to_target_mean.idxmin()].lr:g}"
               if len(reached) else "no rate reached it within the run")
    sec.ask("What is the effect of the learning rate on the speed of convergence?",
            "Expected: a larger rate takes larger steps, so it gets near a good region sooner, "
            "as long as it does not overshoot. Measured, steps until the validation accuracy "
            f"first reaches {prose.pct(target)}: {speed}; {verdict}.")
    ends = "; ".join(f"lr {r.lr:g}: " + (f"{r.status}" if r.worst_status in ("diverged",) else
                                          f"{prose.pct(r.final_val_acc_mean)} final, "
                                          f"{prose.pct(r.best_val_acc_mean)} best validation, "
                                          f"test {prose.pct(r.test_acc_mean)}"
                                          + ("" if r.status == "ok" else f" ({r.status})"))
                     for r in const.itertuples())
    healthy = const[const.worst_status == "ok"]
    best = (f" The best end point among the runs that ended ok is lr "
            f"{healthy.loc[healthy.final_val_acc_mean.idxmax()].lr:g}'s." if len(healthy) else
            " No rate's runs all ended ok.")
    jitter = ""
    if len(healthy) >= 2:
        jitter = (" Expected: a large rate keeps bouncing around a minimum instead of settling. "
                  "Measured, the std of record-to-record changes of validation accuracy over the "
                  "last epoch (points): " + ", ".join(
                      f"lr {r.lr:g} {100 * r.val_acc_jitter_mean:.2f}"
                      for r in healthy.itertuples())
                  + "; " + prose.correlation("rate against jitter", facts["jitter_vs_lr"]) + ".")
    sec.ask("What is the effect of the learning rate on converging to a better point?",
            f"After {int(const.epochs.iloc[0])} epochs: {ends}.{best}{jitter}")
    sched = variants[variants.name == "schedule"]
    if sched.empty:
        return
    s = sched.iloc[0]
    first = const[const.name == facts["first"]].iloc[0]
    budget = (f"the scheduled run trained {s.epochs:g} epochs ({s.steps_mean:,.0f} steps), the "
              f"constant lr {first.lr:g} run {first.epochs:g} ({first.steps_mean:,.0f})")
    c = facts["schedule_vs_first"]
    text = (f"Rule: switch at {facts['rule']}. The scheduled run ends at "
            f"{prose.pct(s.final_val_acc_mean)} validation and {prose.pct(s.test_acc_mean)} test "
            f"accuracy against {prose.pct(first.test_acc_mean)} test for constant lr "
            f"{first.lr:g}: {prose.comparison('schedule', f'lr {first.lr:g}', c)}. Unequal "
            f"budgets: {budget}, so part of any difference is the extra training. ")
    if not facts["switched"]:
        text += ("The rule found no plateau, so the run never switched: it is the first rate "
                 "trained longer, and the comparison measures the extra epochs, not a schedule.")
    elif c["separated"] and c["diff"] > 0:
        text += ("It switched and ended better, as a schedule is meant to: the large rate's "
                 "fast start, then smaller steps that settle (with the longer budget above).")
    else:
        text += ("It switched, but the data do not show it ending better than the constant "
                 "rate.")
    sec.ask("Does the scheduled learning rate work, and in what sense?", text)
    adam = facts.get("adam")
    if not adam:
        sec.ask("How does the schedule compare with Adam?",
                "The learning-rate model is not in the architecture study, so there is no Adam "
                "run of it to compare with.")
        return
    sec.ask("How does the schedule compare with Adam?",
            f"Adam on the same model in the architecture study (seeds "
            f"{', '.join(map(str, adam['seeds']))}; fate: {adam['status']}): test accuracy "
            f"{prose.pct(adam['test_acc_mean'])}; the scheduled SGD run "
            f"{prose.pct(s.test_acc_mean)}: "
            f"{prose.comparison('schedule', 'Adam', adam['vs_schedule'])}. Convergence: Adam "
            f"reaches {prose.pct(target)} validation accuracy {_steps(adam['steps_to_target'])}, "
            f"the schedule {_steps(s.steps_to_target_mean)}. Unequal budgets: Adam trained "
            f"{adam['epochs']} epochs ({adam['steps']:,.0f} steps of batch {adam['batch_size']}),"
            f" the schedule {s.epochs:g} epochs ({s.steps_mean:,.0f} steps of batch "
            f"{p['batch_size']}).")


def _summary(facts, variants, p):
    healthy = variants[variants.worst_status == "ok"]
    if healthy.empty:
        return "Learning rates: no rate's runs all ended ok."
    best = healthy.loc[healthy.test_acc_mean.idxmax()]
    if best["name"] != "schedule":
        return (f"Learning rates: best mean test accuracy with constant lr {best.lr:g}, "
                f"{prose.pct(best.test_acc_mean)} ({len(p['seeds'])} seed(s)).")
    how = ("it switched " + "; ".join(
        f"after epoch {', '.join(map(str, eps))} (seed {seed})" for seed, eps in
        facts["switches"].items() if eps) if facts["switched"] else
        "it never switched, so it is the first rate trained longer")
    return (f"Learning rates: best mean test accuracy with the scheduled run, "
            f"{prose.pct(best.test_acc_mean)}, over a longer budget ({best.epochs:g} epochs "
            f"against {p['epochs']}); {how}.")
