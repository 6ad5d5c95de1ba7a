"""Study 6a's report section: every sentence from its tables and facts file (hw5.py)."""
import math

from .. import figures, prose
from ..data import DATASETS
from ..report import Section, Shown
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "hw5"
TITLE = "Study 6a: a small CNN's learning rate, momentum and depth (seed 003, HW5)"
SEED_DATA = ("the seed trained one Keras run on MNIST (all 60,000 training images, 1,875 steps "
             "per epoch, with the 10,000 test images as its validation data)")


CAPTIONS = {
    "baseline": "Baseline: loss (left) and accuracy (right) per epoch, training solid and "
                "validation dashed, mean over seeds. Dotted verticals: each seed's epoch of "
                "lowest validation loss.",
    "learning_rates": "Learning rates: training accuracy per epoch (left, mean over seeds) and "
                      "final validation accuracy against the rate (right, log axis, bars ± 1 "
                      "std where there are two or more seeds; dotted: chance); the notes "
                      "below say how each run is drawn.",
    "momentum": "Momentum against none: training (left) and validation (right) accuracy per "
                "epoch, mean over seeds.",
    "depth": "One conv block against two: training (solid) and validation (dashed) accuracy "
             "(left) and loss (right) per epoch, mean over seeds."}


def _rate(x):
    return f"lr {x:g}"


def _label(name, v):
    """A variant as the prose names it (its row in the variants table `v`)."""
    return _variant_label(v.loc[name])


def _num_g(x):
    return "–" if x != x else f"{x:.4g}"


def _epochs(e):
    return "never" if e is None or e != e else f"{int(e)}"


def _mean_std(mean, std):
    if mean != mean:
        return "–"
    return f"{100 * mean:.2f}" + ("" if std != std else f" ± {100 * std:.2f}")


def _variant_label(r):
    """A variant as the tables name it, from its own row."""
    return (f"baseline ({_rate(r.lr)})" if r.role == "baseline" else _rate(r.lr)
            if r.role == "rate" else f"momentum {r.momentum:g}" if r.role == "momentum"
            else f"two blocks ({r.model})" if r.role == "depth"
            else THEORY_LABELS.get(r.role, r.role).format(dropout=_dropout_p(r)))


# the seed's Parts 1-2 (questions 5-7): how the tables name those variants
THEORY_LABELS = {"dropout": "dropout {dropout}", "layer_l2": "L2 per layer",
                 "identity": "identity MLP", "linear": "linear classifier"}


def _dropout_p(r):
    name = getattr(r, "name", "")
    return name.removeprefix("dropout") if isinstance(name, str) else ""


# the per-run table of turns shows the baseline's runs and those of the variants set against
# it in a question (its number); its title names them (every run is in tables/hw5_overfit.csv)
OVERFIT_ROLES = {"baseline": 1, "momentum": 3, "depth": 4, "dropout": 6}


def _overfit_rows(o):
    return o[o.role.isin(list(OVERFIT_ROLES))]


def _overfit_title(v):
    """The turn table's title, naming the subset of variants it shows and why."""
    shown = sorted((r for r in v.reset_index().itertuples() if r.role in OVERFIT_ROLES
                    and r.role != "baseline"), key=lambda r: OVERFIT_ROLES[r.role])
    asked = sorted({OVERFIT_ROLES[r.role] for r in shown})
    questions = (f"question{'s' if len(asked) > 1 else ''} "
                 + prose.names(asked) if asked else "")
    others = (~v.role.isin(list(OVERFIT_ROLES))).any()
    return ("Where validation loss turns up, per run of the baseline"
            + (f" and of the variants compared with it in {questions} "
               f"({', '.join(_variant_label(r) for r in shown)})" if shown else "")
            + ("; the other variants' runs are in tables/hw5_overfit.csv" if others else "")
            + " (rule in the first answer)")


def norm_decimals(values):
    """The decimals of one layer's weight norms, the same for every value of a comparison:
    four significant digits of the largest (3.433 beside 3.432; three would read 3.43 twice)."""
    top = max((abs(x) for x in values if x == x and x), default=1.0)
    return max(0, 3 - math.floor(math.log10(top)))


def norm_format(values):
    """(format, signed format) of one layer's weight norms, in the text (hw5.theory_facts) and
    in the weight-norm table alike."""
    d = norm_decimals(values)
    return (lambda x: "–" if x is None or x != x else f"{x:.{d}f}", lambda x: f"{x:+.{d}f}")


def _seeds(seeds):
    return ", ".join(str(int(s)) for s in sorted(seeds))


def _norm_rows(t):
    """Per variant and layer: the mean final weight norm over seeds, with its L2 strength. The
    baseline is read on the L2 variant's seeds (a variant of the seed's Parts 1-2 may run fewer,
    theory_seeds), as the text compares them: both arms on the same seeds."""
    others = set(t.seed[t.name != "baseline"])
    if others:
        t = t[t.seed.isin(others)]
    decimals = {layer: norm_decimals(list(g.norm)) for layer, g in t.groupby("layer")}
    g = t.groupby(["name", "layer", "kind", "weight_decay"], sort=False)
    out = g.norm.agg(mean_norm="mean", std_norm="std", runs="count").reset_index()
    out["seeds"] = [_seeds(t.seed[(t.name == r.name) & (t.layer == r.layer)])
                    for r in out.itertuples()]
    out["decimals"] = out.layer.map(decimals)
    return out


def _norm_cell(r):
    d = int(r.decimals)
    return f"{r.mean_norm:.{d}f}" + ("" if r.std_norm != r.std_norm else f" ± {r.std_norm:.{d}f}")


SHOWN = {
    "variants": Shown(columns=(
        ("variant", _variant_label), ("model", "model"), ("lr", lambda r: f"{r.lr:g}"),
        ("momentum", lambda r: f"{r.momentum:g}"),
        ("runs (with final point)", prose.runs_cell),
        ("fate", "status"),
        ("train loss, mean over the last epoch",
         lambda r: _num_g(r.last_epoch_train_loss_mean)),
        ("final val. acc. %", lambda r: _mean_std(r.final_val_acc_mean, r.final_val_acc_std)),
        ("test acc. %", lambda r: _mean_std(r.test_acc_mean, r.test_acc_std)))),
    "overfit": Shown(text=True, rows=_overfit_rows, columns=(
        ("variant", _variant_label), ("seed", "seed"), ("turn", "verdict"),
        ("lowest val. loss (epoch)", lambda r: "–" if r.min_val_loss_epoch != r.min_val_loss_epoch
         else f"{prose.loss(r.min_val_loss)} ({int(r.min_val_loss_epoch)})"),
        ("last val. loss", lambda r: prose.loss(r.last_val_loss)),
        ("train loss there → last",
         lambda r: f"{prose.loss(r.train_loss_at_min)} → {prose.loss(r.last_train_loss)}"),
        ("train acc. > val. from epoch", lambda r: _epochs(r.train_above_val_from)),
        ("val. acc. % there → last", lambda r: "–" if r.val_acc_at_min != r.val_acc_at_min
         else f"{100 * r.val_acc_at_min:.2f} → {100 * r.last_val_acc:.2f}"))),
    "weight_norms": Shown(rows=_norm_rows, columns=(
        ("variant", lambda r: "baseline" if r.name == "baseline" else "L2 per layer"),
        ("layer", lambda r: f"{int(r.layer)} ({r.kind})"),
        ("L2 λ", lambda r: f"{r.weight_decay:g}"),
        ("seeds", "seeds"),
        ("final weight norm", _norm_cell))),
    "linear": Shown(columns=(
        ("variant", lambda r: THEORY_LABELS.get(r.name, r.name)), ("seed", "seed"),
        ("weight matrices", "matrices"),
        ("max |logit diff.|", lambda r: f"{r.max_abs_diff:.2g}"),
        ("relative", lambda r: f"{r.relative_diff:.2g}"),
        ("same class %", lambda r: f"{100 * r.same_class:.2f}"),
        ("network test acc. %", lambda r: f"{100 * r.net_acc:.2f}"),
        ("map test acc. %", lambda r: f"{100 * r.map_acc:.2f}")))}


def section(facts, figs, params, info):
    p, v = params["protocol"], pd.DataFrame(facts["variants"]).set_index("name")
    overfit = pd.DataFrame(facts["overfit"])
    sizes = info["sizes"]
    layers = params["layers"]
    seeds = p["seeds"]
    data = info.get("title") or DATASETS[params["dataset"]].title  # what was prepared and run
    sec = Section(NAME, TITLE,
                  f"{p['model']} ({', '.join(layers[p['model']])}, then the "
                  f"{facts['n_classes']}-way output layer) with SGD lr {p['lr']:g}, "
                  f"momentum {p['momentum']:g}, batch "
                  f"{p['batch_size']}, {prose.count(p['epochs'], 'epoch')}, "
                  f"{prose.count(len(seeds), 'seed')} "
                  f"({', '.join(map(str, seeds))}). Once per epoch: training loss and accuracy "
                  "(means over that epoch's steps, taken while the weights change) and "
                  "validation loss and accuracy (end of the epoch, eval mode, the whole "
                  f"stratified validation split); test accuracy at the end. Data: {data}, "
                  f"{sizes['train']:,} training, {sizes['val']:,} validation and "
                  f"{sizes['test']:,} test images; {SEED_DATA}. Variants, each changing one "
                  "setting of the baseline: learning rates "
                  f"{', '.join(f'{x:g}' for x in _rates(v) if x != p['lr'])} (baseline "
                  f"{p['lr']:g}); momentum "
                  f"{p['momentum_variant']:g}; a second conv block ({p['deeper_model']}: "
                  f"{', '.join(layers[p['deeper_model']])}). Every variant is given the same "
                  f"{prose.count(p['epochs'], 'epoch')} ({_steps(v)} steps of batch "
                  f"{p['batch_size']}). The "
                  "seed's smaller exercises (the 6x6 convolution, dilated output sizes, the "
                  "receptive field) are worked in Study 2 by the same conv2d code. Questions "
                  "5-7 compute the seed's theory Parts 1-2 on four more variants, each "
                  "described there: an MLP with identity activations and the linear "
                  "classifier, dropout, and L2 set per layer.")
    for name, caption in CAPTIONS.items():
        sec.add_figure(figs[name], figures.caption(figs[name], caption))
    target = p["target_val_acc"]
    sec.add_table("Per variant (mean ± std over the runs with a final point, the last epoch "
                  "and the test: a diverged run has none; final = last epoch"
                  + _theory_rows(facts, seeds) + ")", "variants")
    sec.add_table(_overfit_title(v), "overfit")
    _q1(sec, overfit, p)
    _q2(sec, facts, v, p)
    _q3(sec, facts, overfit, p, target)
    _q4(sec, facts, v, params)
    sec.add_table("The identity MLP and the linear classifier as one linear map W x + b (per "
                  "run, test images; rule in the fifth answer)", "linear")
    sec.add_table(_norm_title(facts), "weight_norms")
    _q5(sec, facts, params)
    _q6(sec, facts, overfit, params)
    _q7(sec, facts, params)
    sec.summary = _summary(sec, facts, v, data)
    from .hw5 import asked_notes  # hw5 imports this module: its seed settings, at call time
    sec.asked_notes = asked_notes(p)
    return sec


def _on_seeds(facts):
    """The baseline's seeds that the Part 1-2 variants are compared on, when not all of its
    seeds (theory_seeds), else None."""
    t = facts.get("theory_seeds") or {}
    return t["baseline"] if t and t["baseline"] != t["baseline_all"] else None


def _theory_rows(facts, seeds):
    """The variants table sets rows of different seeds side by side where the Part 1-2
    variants run fewer (theory_seeds): said in its title."""
    if _on_seeds(facts) is None:
        return ""
    theory = facts["theory_seeds"]["seeds"]
    return (f"; the variants of questions 5-7 ran seed{'s' if len(theory) != 1 else ''} "
            f"{_seeds(theory)} only, the others seed{'s' if len(seeds) != 1 else ''} "
            f"{_seeds(seeds)}")


def _norm_title(facts):
    on = _on_seeds(facts)
    if on is None:
        return ("Final weight norm per layer with weights, without and with L2 per layer (mean "
                "± std over seeds)")
    return (f"Final weight norm per layer with weights, without and with L2 per layer, on the "
            f"seed{'s' if len(on) != 1 else ''} the L2 variant ran ({_seeds(on)}; mean ± std "
            "where two or more); the baseline's other runs are in tables/hw5_weight_norms.csv")


def _steps(v):
    steps = v.steps_mean[v.steps_mean.notna()]
    return f"{steps.max():,.0f}" if len(steps) else "–"


def _rates(v):
    return sorted(v.lr[v.role.isin(["baseline", "rate"])])


def _turns(o, name):
    """Per-seed phrases of the turn rule, and the seeds that turned."""
    rows, turned = [], []
    for r in o[o.name == name].itertuples():
        if r.verdict == "turns up":
            turned.append(int(r.min_val_loss_epoch))
            rows.append(f"seed {r.seed}: lowest at epoch {int(r.min_val_loss_epoch)} "
                        f"({prose.loss(r.min_val_loss)}), {prose.loss(r.last_val_loss)} at the "
                        f"last epoch, while the training loss fell from "
                        f"{prose.loss(r.train_loss_at_min)} to {prose.loss(r.last_train_loss)}")
        elif r.verdict == "none":
            rows.append(f"seed {r.seed}: still lowest at the last epoch ({r.epochs}), no turn")
        elif r.verdict == "training loss rose too":
            rows.append(f"seed {r.seed}: lowest at epoch {int(r.min_val_loss_epoch)}, but "
                        "the training loss rose after it too")
        else:
            rows.append(f"seed {r.seed}: not measured (fewer than two finite records)")
    return rows, turned


def _q1(sec, o, p):
    rows, turned = _turns(o, "baseline")
    base = o[o.name == "baseline"]
    n = len(base)
    rule = ("Rule: the turn is the epoch of lowest validation loss when it comes before the "
            "last epoch and the training loss at the last epoch is below its value there. ")
    if turned:
        found = (f"The validation loss turns up while the training loss still falls in "
                 f"{len(turned)} of {prose.count(n, 'seed')} (epoch "
                 f"{', '.join(map(str, turned))}); ")
        if len(turned) < n:
            found += f"in the others it does not within {p['epochs']} epochs. "
    else:
        found = ("In no seed does the validation loss turn up within "
                 f"{prose.count(p['epochs'], 'epoch')} "
                 "while the training loss falls. ")
    gap = base.last_gap.dropna()
    gap_text = ""
    if len(gap):
        froms = [f"{int(e)} in seed {s}" for s, e in zip(base.seed, base.train_above_val_from)
                 if e == e]
        gap_text = (f"At the last epoch, training minus validation accuracy is "
                    f"{prose.pts(gap.mean())} on average ({', '.join(prose.pts(g) for g in gap)}"
                    " per seed)" + (f"; the training accuracy stays above the validation "
                                    f"accuracy from epoch {', '.join(froms)}" if froms else "")
                    + ". (The training figures are epoch means taken while the weights "
                    "improve, so they understate the end-of-epoch training accuracy.) ")
    why = ("Expected (textbook): once the network starts to fit particulars of its training "
           "images that do not carry over to new ones (over-fitting), the training loss keeps "
           "falling while the validation loss stops falling and then rises. ")
    rises = [f"+{prose.loss(r.last_val_loss - r.min_val_loss)}"
             for r in base.itertuples() if r.verdict == "turns up"]
    agree = ("Measured: " + (
        f"the turn appears in {len(turned)} of {prose.count(n, 'seed')} (the validation loss "
        f"rises by {', '.join(rises)}{' per seed' if len(rises) > 1 else ''} from its lowest "
        "to the last epoch), the direction over-fitting gives; the rule reads the direction "
        "only, not "
        "whether the rise is larger than the runs' noise, so it is consistent with "
        "over-fitting without establishing it." if turned else
        f"no turn within {prose.count(p['epochs'], 'epoch')}, so these curves do not show "
        "over-fitting in the loss within this budget."))
    sec.ask("What do the baseline's curves show, and what might be the reason?",
            rule + "; ".join(rows) + ". " + found + gap_text + why + agree)


def _seed_course(sec, found, name, r):
    """One run of a rate whose runs differ in course: its losses, test accuracy and course; a
    diverged run has no last epoch and no test, only where it stopped."""
    key = f"learns_{name}_seed{r['seed']}"
    if r["status"] == "diverged":
        at = ("" if not _known(r.get("diverged_at_step"))
              else f" at step {int(r['diverged_at_step']):,}")
        if not _known(r.get("last_record_epoch")):
            return f"seed {r['seed']} (diverged{at}, before any record): {sec.cite(found, key)}"
        return (f"seed {r['seed']} (diverged{at}, after epoch {int(r['last_record_epoch'])}'s "
                f"record; training loss {prose.loss(r['first_train_loss'])} in epoch 1; no test "
                f"accuracy): {sec.cite(found, key)}")
    test = "–" if r["test_acc"] is None else prose.pct(r["test_acc"])
    return (f"seed {r['seed']} ({r['status']}), training loss {prose.loss(r['first_train_loss'])} "
            f"in epoch 1 and {prose.loss(r['last_train_loss'])} in the last, test {test}: "
            f"{sec.cite(found, key)}")


def _known(x):
    """A value the facts file holds (its nulls read back as NaN)."""
    return x is not None and x == x


def _q2(sec, facts, v, p):
    found = facts["claims"]
    parts = []
    for lr in p["lrs"]:
        name = next((n for n in v.index if v.loc[n, "role"] in ("rate", "baseline")
                     and v.loc[n, "lr"] == lr), None)
        if name is None:
            continue
        r, f = v.loc[name], facts["rates"][name]
        head = (f"{_rate(lr)}: diverged (loss not finite) in {r.diverged} of {r.runs} "
                f"seed{'s' if r.runs != 1 else ''} ({r.status})" if r.diverged
                else f"{_rate(lr)}: fate {r.status}")
        # the rate's learns claim; one above the baseline's but nearer than the assignment's has
        # none: its limit claim gives each run's accuracy and course
        learns = (f". {sec.cite(found, f'learns_{name}')}" if f"learns_{name}" in found
                  else "")
        if f.get("per_seed"):  # the seeds differ in course or start: a mean would hide it
            learned = sum(x["course"].startswith("learns") for x in f["runs"])
            differ = len({x["course"] for x in f["runs"]}) > 1
            text = (f"{head}; "
                    + ("its seeds behave differently" if differ else
                       f"{_seeds_named(f['lucky'])} started above chance" if f["lucky"] else
                       f"every run {f['runs'][0]['course']}")
                    + ", so each is given: "
                    + "; ".join(_seed_course(sec, found, name, x) for x in f["runs"]))
            if f"limit_{name}" not in found:  # else the limit claim counts them
                text += (f". By the rule it learns in {learned} of {len(f['runs'])} runs, so "
                         "the rate " + ("learns" if learned == len(f["runs"]) else
                                        "does not learn" if not learned else
                                        "does not learn reliably"))
        elif r.diverged:
            text = head + learns
        else:
            text = (f"{head}; training loss {prose.loss(f['first_train_loss'])} in epoch 1 and "
                    f"{prose.loss(f['last_train_loss'])} in the last, test "
                    f"{prose.pct(r.test_acc_mean)} (means over seeds){learns}")
        text += "."
        if f"at_chance_{name}" in found:  # as far above as the assignment's: a verdict
            text += f" {sec.cite(found, f'at_chance_{name}')}."
        elif f"limit_{name}" in found:  # nearer: the runs say where the limit is
            text += (f" Expected (textbook): {f['expected']} Measured: "
                     f"{sec.cite(found, f'limit_{name}')}.")
        elif lr > p["lr"]:  # every run diverged: no final accuracy to hold it to
            text += (f" Expected (textbook): {f['expected']} Measured: no run has a final "
                     "validation accuracy.")
        if f"loss_fall_{name}" in found:  # each seed's fall is in the claim's evidence
            text += f" {sec.cite(found, f'loss_fall_{name}')}."
        parts.append(text)
    sweep = f" {_sweep_scope(p, v)}{sec.cite(found, 'rates')}."
    if facts.get("rates_ranked", True):  # no ranking made: nothing said of one
        # the general remark only where the runs bear it out (hw5.larger_steps_favoured)
        sweep += (f" The ranking is at {_steps(v)} steps (the assignment trained "
                  f"{facts['seed_steps']:,}): it shows how far each rate gets within them, "
                  + ("which favours larger steps the shorter the budget, "
                     if facts.get("larger_steps_favoured") else "")
                  + "not where each rate would end.")
    # said of each rate ranked on part of its runs, wherever it ranks
    partly = [_rate(v.loc[n, "lr"]) for n, k in facts["rate_runs"].items()
              if 0 < k["ok"] < k["runs"]]
    if partly:
        sweep += (f" The mean{'s' if len(partly) > 1 else ''} of {prose.names(partly)} "
                  f"stand{'' if len(partly) > 1 else 's'} on the runs that ended ok alone; a "
                  "rate with a run that did not end ok does not train reliably at these "
                  "settings, whatever its mean.")
    sweep += _better_rate(sec, found, _steps(v))
    # the rule's first case here, the whole rule in each claim's evidence
    rule = facts["learns_rule_short"]
    sec.ask(f"Do the models with learning rate{'s' if len(p['lrs']) > 1 else ''} "
            f"{' and '.join(f'{x:g}' for x in p['lrs'])} "
            "learn, and why? Is there a better rate than the baseline's?",
            f"Rule: {rule}; each claim's evidence gives the whole rule. " + _starts(facts)
            + " ".join(parts) + sweep)


def _better_rate(sec, found, steps):
    """The asked 'is there a better rate?' in one sentence: the ranking's best against the
    baseline's rate (or, where the baseline's is best, against the runner-up), on validation,
    which ranked the rates, and on the test images, which chose none; each claim names both
    rates and says whether the data separate them."""
    if "best_rate_test" not in found:
        return ""
    return (f" Is there a better rate than the baseline's? Within {steps} steps: "
            f"{sec.cite(found, 'best_rate_val', True)}; on the test images, which chose no "
            f"rate: {sec.cite(found, 'best_rate_test', True)}.")


def _seeds_named(seeds):
    return f"seed{'s' if len(seeds) != 1 else ''} {prose.names([str(s) for s in seeds])}"


def _starts(facts):
    """Where the runs start: each seed's untrained network, shared by the baseline, the rates
    and momentum, and which of them already sits above chance (a lucky start)."""
    start = facts.get("untrained") or {}
    if not start:
        return ""
    lucky = facts.get("lucky_seeds") or []
    return ("The baseline, the rates and momentum start each seed from the same untrained "
            "network; its validation accuracy is "
            + prose.names([prose.pct(x) for x in start.values()])
            + f" ({_seeds_named(list(start))})"
            + (f"; {_seeds_named(lucky)} already above chance: a lucky start, so the rule "
               "counts such a run as learning only where it rises beyond noise from there"
               if lucky else "") + ". ")


def _sweep_scope(p, v):
    """Where the question of a better rate is looked for: with no sweep beyond the asked
    rates (hw5.sweep), only among them and the baseline's."""
    if [x for x in p.get("sweep") or [] if x != p["lr"] and x not in p["lrs"]]:
        return ""
    asked = prose.names([f"{x:g}" for x in p["lrs"]])
    return (f"No rate sweep was configured (hw5.sweep "
            f"{'is empty' if not p.get('sweep') else 'adds no other rate'}), so whether a "
            f"better rate exists is answered only from the asked rates ({asked}) and the "
            f"baseline's ({p['lr']:g}). ")


def _q3(sec, facts, o, p, target):
    m = facts["momentum"]
    name = m["name"]
    beta = p["momentum_variant"]
    last = p["epochs"]
    _, turned = _turns(o, name)
    _, base_turned = _turns(o, "baseline")
    found = facts["claims"]
    text = f"Momentum {beta:g} against {p['momentum']:g}, both at lr {p['lr']:g}. "
    if m.get("ceiling"):  # the accuracy has no room left: the loss measures the speed
        text += ("Validation accuracy after epoch 1 is near its ceiling (both arms' means "
                 f"within {100 * m['ceiling_points']:g} points of 100 %: "
                 f"{prose.pct(m['acc_epoch1'][name])} with momentum, "
                 f"{prose.pct(m['acc_epoch1']['baseline'])} without), so it can hardly "
                 "separate them; the validation loss, which still has "
                 f"room, measures the speed. {sec.cite(found, 'momentum_epoch1')}. The "
                 f"accuracy itself: {sec.cite(found, 'momentum_acc_epoch1')}. ")
    else:
        text += f"{sec.cite(found, 'momentum_epoch1')}. "
    text += ("Later: " + "; ".join(sec.cite(found, k) for k in (
        "momentum_last", "momentum_train_last", "momentum_test")) + ". ")
    text += _step_confound(sec, found, m["step"], p) + " " + _to_target(m, target, last)
    text += (f" Validation loss turns up (rule of the first answer) in "
             f"{prose.count(len(turned), 'seed')} with momentum, {len(base_turned)} without.")
    sec.ask(f"Does momentum {beta:g} improve training, and in what sense?", text)


def _step_confound(sec, found, step, p):
    """Momentum's long-run step is a larger (or smaller) step: the comparison cannot tell the
    two apart; where the study ran a rate near that step without the variant's momentum,
    momentum is set against it."""
    plain = ("plain SGD" if not p["momentum"] else
             f"SGD with the baseline's momentum {p['momentum']:g}")
    text = (f"Confound: in the long run momentum {p['momentum_variant']:g} at lr {p['lr']:g} "
            f"steps like {plain} at lr {step['lr']:.3g}, so this comparison cannot tell the "
            "effect of momentum from that of a "
            + ("larger" if step["ratio"] > 1 else "smaller") + " step")
    if step["near"]:
        return (text + f". Against the nearest such rate run here, {step['label']}: "
                f"{sec.cite(found, 'momentum_plain')}; {sec.cite(found, 'momentum_plain_test')}.")
    return (text + f"; no rate within {step['near_step']:g} times lr {step['lr']:.3g} ran here"
            + (f" (the nearest: {step['label']})" if _known(step["label"]) else "") + ".")


def _to_target(m, target, last):
    """Epochs until the validation accuracy first reaches the target, per seed; a target that
    every run reaches at its first record (epoch 1) tells the arms apart in nothing."""
    reached = [e for n in m["to_target"] for e in m["to_target"][n].values()]
    if reached and all(e == 1 for e in reached):
        return (f"Every run reaches the target validation accuracy, {prose.pct(target)}, at "
                "epoch 1, its first record, so the epochs to it say nothing here.")
    reach = "; ".join(
        f"{'with' if n == m['name'] else 'without'}: " + ", ".join(
            f"{'never' if e is None or e != e else f'epoch {int(e)}'} in seed {s}"
            for s, e in m["to_target"][n].items())
        for n in (m["name"], "baseline"))
    return (f"Epochs until the validation accuracy first reaches {prose.pct(target)} (never = "
            f"not within {last}): {reach}.")


def _q4(sec, facts, v, params):
    d = facts["depth"]
    p = params["protocol"]
    one, two = p["model"], p["deeper_model"]
    n1, n2 = d["parameters"]["baseline"], d["parameters"]["two_blocks"]
    f1, f2 = params["fc_input"][one], params["fc_input"][two]
    if n1 is None or n2 is None:
        counts = "Parameter counts: not recorded (a model's runs are missing)."
        fewer = "changes"
    else:
        fewer = "lowers" if n2 < n1 else "raises"
        counts = (f"Parameters: one block ({one}) {n1:,}, two blocks ({two}) {n2:,}: the "
                  f"second block {fewer} the count, because its pooling changes the input of "
                  f"the first fully connected layer from {f1:,} to {f2:,} features, and that "
                  "layer holds most of the weights.")
    seconds = d["seconds"]
    found = facts["claims"]
    # the seed's question is about the training accuracy: its measurement leads
    last = p["epochs"]
    acc = d["train_acc"]

    def course(n):  # a network's training accuracy in epoch 1, then in the last
        return _pct_at(acc[n], 1) + (f" then {_pct_at(acc[n], last)}" if last > 1 else "")

    # where the runs train fewer epochs than the assignment, the training accuracy shows how
    # fast each network learns: the expectation is stated, the claim gives no verdict
    # (hw5.DEPTH_TESTED); at the assignment's epochs the claim is the expectation's verdict
    if d["tested"]:
        text = (f"The runs train the assignment's {d['seed_epochs']} epochs or more ({_steps(v)} "
                f"steps here), so the training accuracy in epoch {last} is the measurement "
                f"it asked for. {sec.cite(found, 'depth_train_last')}.")
    else:
        text = (f"Expected (textbook): {d['expected']} The runs train "
                f"{prose.count(last, 'epoch')} ({_steps(v)} steps), against the assignment's "
                f"{d['seed_epochs']} ({facts['seed_steps']:,} steps), so the training "
                "accuracy shows how fast each network learns, not what the trained network "
                "can fit: the expectation is not tested here. Measured: "
                f"{sec.cite(found, 'depth_train_last')}.")
    text += (" Training accuracy in epoch 1" + (f" and epoch {last}" if last > 1 else "")
             + f" (means over seeds): one block {course('baseline')}, two blocks "
             f"{course('two_blocks')}. "
             f"{counts} Confound: the block changes depth, receptive field and parameter count "
             "at once, so this comparison cannot tell the effect of depth from that of the "
             "parameter count or of the smaller fully connected layer. On "
             f"images not trained on: {sec.cite(found, 'depth_test')}; "
             f"{sec.cite(found, 'depth_val_last')}. Training time per run (wall clock, mean "
             f"over seeds): two blocks {seconds['two_blocks']:.1f} s, one block "
             f"{seconds['baseline']:.1f} s.")
    sec.ask("Does the second convolution block improve the training accuracy, and why?", text)


def _pct_at(values, epoch):
    """The value of a per-epoch list at `epoch` (1-based), as a percentage; '–' past its end."""
    return prose.pct(values[epoch - 1]) if 0 < epoch <= len(values) else "–"


def _summary(sec, facts, v, data):
    base = v.loc["baseline"]
    found = facts["claims"]
    # the better-rate answer (Q2): on validation the ranking says it (against the runner-up,
    # the baseline where it is), then the test images; with no ranking made, the ranking's
    # values say all there is (a one-run rate is not set beside the baseline again)
    better = [k for k in ("best_rate_test",) if k in found and facts.get("rates_ranked", True)]
    return (f"HW5 CNN on {data}: baseline test accuracy {prose.pct(base.test_acc_mean)} "
            f"({int(base.runs)} seed{'s' if base.runs > 1 else ''}); "
            f"{sec.cite(found, 'rates', True)}; "
            + "".join(f"{sec.cite(found, k, True)}; " for k in better)
            # momentum's speed, then where training ends: the test accuracy
            + f"{sec.cite(found, 'momentum_epoch1', True)}; "
            f"{sec.cite(found, 'momentum_test', True)}; "
            f"{sec.cite(found, 'depth_train_last', True)}"
            + (f"; {sec.cite(found, 'dropout_gap', True)}" if "dropout_gap" in found else "")
            + ".")


# ---------------------------------------------------------------- the seed's Parts 1-2, computed

def _theory_seeds(p):
    seeds = p["theory_seeds"] if p.get("theory_seeds") is not None else p["seeds"]
    return f"{prose.count(len(seeds), 'seed')} ({', '.join(map(str, seeds))})"


def _protocol(p):
    return (f"the baseline's protocol (SGD lr {p['lr']:g}, momentum {p['momentum']:g}, batch "
            f"{p['batch_size']}, {prose.count(p['epochs'], 'epoch')})")


def _q5(sec, facts, params):
    p = params["protocol"]
    found = facts["claims"]
    ask = ("What does an MLP become without activation functions? (And sigmoid against "
           "ReLU?)")
    text = ("Sigmoid against ReLU (the seed's Part 1.2) is measured in Study 4 (activation "
            "functions and gradients), which trains this workflow's models with both. ")
    m = facts.get("linear_map")
    if m is None:
        sec.ask(ask, text + "The identity MLP and the linear classifier were not run here.")
        return
    ident, lin = m["name"], m["against"]
    n_ident, n_lin = m["parameters"][ident], m["parameters"][lin]
    layers = params["run_layers"]["identity"]
    text += (f"Here {p['identity_model']} is trained with every relu replaced by the identity "
             f"({', '.join(layers)}, then the prediction layer) and so is the linear classifier "
             f"(zoo model {p['linear_model']}: the prediction layer alone, one weight matrix "
             "and bias), "
             f"both with {_protocol(p)} on the same data, {_theory_seeds(p)}. Algebra: without "
             "a nonlinearity each layer is affine, x ↦ W_i x + b_i, and affine maps compose to "
             "an affine map, so the network computes x ↦ W x + b with W = W_k ⋯ W_1 (and b its "
             "biases carried through): one linear map whatever its depth, the linear "
             "classifier's function class, here with "
             + (f"{n_ident:,} parameters against {n_lin:,}. " if n_ident and n_lin else
                "more parameters. ")
             + "Checked on the trained weights (the table of linear maps): ")
    if "identity_map" in found:
        runs = [r for r in m["runs"] if r["name"] == ident]
        text += (f"{sec.cite(found, 'identity_map')}. The predicted class is W x + b's on "
                 + ", ".join(f"{100 * r['same_class']:.2f} %" for r in runs)
                 + " of the test images (per run), and the network's test accuracy is "
                 + ", ".join(f"{100 * r['net_acc']:.2f} %" for r in runs)
                 + " against its map's " + ", ".join(f"{100 * r['map_acc']:.2f} %" for r in runs)
                 + ". ")
    else:
        text += "no run of it ended with finite weights, so the check was not made. "
    text += ("Expected: it can represent nothing the linear classifier cannot; SGD on a "
             "product of matrices takes other steps than on one matrix, though, so the two "
             "need not end at the same accuracy after the same epochs. Measured: "
             f"{sec.cite(found, 'identity_test')}; {sec.cite(found, 'identity_val')}.")
    sec.ask(ask, text)


def _q6(sec, facts, o, params):
    p = params["protocol"]
    found = facts["claims"]
    e = facts["early_stopping"]
    chosen = ", ".join(f"epoch {ep} in seed {s}" for s, ep in e["chosen"].items())
    chosen = chosen or "none measured"
    text = ("The seed names early stopping and dropout; both are measured on the baseline CNN. "
            "Early stopping (rule: keep the weights of the epoch with the lowest validation "
            f"loss), on every baseline run: that epoch is {chosen} (of "
            f"{prose.count(e['last'], 'epoch')}). ")
    at_last = e["runs"] - e["before_last"]
    if not e["runs"]:
        text += "No baseline run has two finite records, so there is nothing to compare. "
    elif "early_val" not in found:  # both arms would be the same numbers
        text += ("Early stopping chose the last epoch in every run: nothing to compare (it "
                 "keeps the weights training ends with). ")
    else:
        text += (f"It chose the last epoch itself in {at_last} of {e['runs']} runs (a "
                 f"difference of 0 there). {sec.cite(found, 'early_val')}. The accuracy at "
                 "the chosen epoch is measured on the validation images that chose it, so it "
                 "is an optimistic estimate; test accuracy is recorded only after the last "
                 "epoch, so what early stopping does to test accuracy is not measured here. ")
    if "dropout_gap" not in found:
        sec.ask("Which techniques counter over-fitting, measured on this CNN?",
                text + "The dropout variant was not run here.")
        return
    name = next(n for n in params["variants"] if params["variants"][n]["role"] == "dropout")
    on = _on_seeds(facts)
    against = "" if on is None else (f", against the baseline on the same "
                                     f"seed{'s' if len(on) != 1 else ''} ({_seeds(on)})")
    text += (f"Dropout: the baseline's layers with dropout {p['dropout']:g} before the "
             f"prediction layer ({', '.join(params['run_layers']['dropout'])}), "
             f"{_protocol(p)}, {_theory_seeds(p)}{against}; it is active in training only "
             "(evaluation runs in eval mode). Its training accuracy is an epoch mean of the "
             "thinned network, so the gap mixes the thinning with over-fitting. ")
    if "dropout_gap_values" in found:  # the premise fails: no verdict, the gaps side by side
        text += (f"Expected (textbook): {facts['dropout']['expected']} Premise: "
                 f"{sec.cite(found, 'dropout_gap')}. Measured: "
                 f"{sec.cite(found, 'dropout_gap_values')}. ")
    else:
        text += f"{sec.cite(found, 'dropout_gap')}. "
    text += (f"Also: {sec.cite(found, 'dropout_val')}; {sec.cite(found, 'dropout_test')}. "
             f"Validation loss turns up (rule of the first answer) in {_turn_count(o, name)} "
             f"with dropout and {_turn_count(o, 'baseline')} of the baseline.")
    sec.ask("Which techniques counter over-fitting, measured on this CNN?", text)


def _turn_count(o, name):
    """'0 of 2 runs (seeds 0, 1)': how many of a variant's runs turn up, and which seeds."""
    rows = o[o.name == name]
    turned = int((rows.verdict == "turns up").sum())
    return (f"{turned} of {prose.count(len(rows), 'run')} "
            f"(seed{'s' if len(rows) != 1 else ''} {_seeds(rows.seed)})")


def _q7(sec, facts, params):
    p = params["protocol"]
    found = facts["claims"]
    ask = "Can L1/L2 regularisation be set per layer?"
    text = ("Yes. A layer's penalty λ‖w‖²/2 adds λ·w to that layer's gradient only, so each "
            "layer can have its own λ at no extra cost (the seed's answer, that it needs much "
            "extra computation from the last layer back to each layer, does not hold: the "
            "penalty's gradient is local). torch's optimisers take parameter groups, each with "
            "its own weight_decay; the run key layer_weight_decay makes one group per layer "
            "with weights (its weights and biases, as the global weight_decay does). ")
    m = facts.get("layer_l2")
    if m is None:
        sec.ask(ask, text + "The L2-per-layer variant was not run here.")
        return
    text += ("Measured: the baseline with "
             + ", ".join(f"layer {r['layer']} ({r['kind']}) λ = {r['weight_decay']:g}"
                         for r in m["layers"])
             + f", {_protocol(p)}, {_theory_seeds(p)}, against the baseline (no L2)"
             + ("" if _on_seeds(facts) is None else
                f" on the same seed{'s' if len(_on_seeds(facts)) != 1 else ''} "
                f"({_seeds(_on_seeds(facts))})")
             + ". Each "
             "layer's final weight norm (Frobenius, weights without biases) against the same "
             "layer's in the baseline: "
             + "; ".join(sec.cite(found, f"l2_norm_{r['layer']}") for r in m["layers"])
             + f". {sec.cite(found, 'l2_test')}. Layers are not compared with each other: a "
             "norm grows with the number of weights, which differs from layer to layer.")
    sec.ask(ask, text)
