"""Study 6c's report section: every sentence from the facts of its analysis."""
import math
import re

from .. import figures, prose
from ..data import SCALING_NAMES
from ..models import parse_layer
from ..report import Section, Shown
from ..lazy import lazy_import

pd = lazy_import("pandas")



def _epochs(n):
    return f"{n} epoch" + ("" if n == 1 else "s")


def _runs_of(name, facts):
    """The runs of `name` with a test accuracy (seed, status, test_acc, test_loss)."""
    return [r for r in facts.get("test_runs") or [] if r["name"] == name]


def _fated(name, facts):
    """A model's test accuracy with the runs it stands on: '73.20 %' (one run), '28.20 % (mean
    of 2 runs)', '11.00 % (stuck)', '20.00 % (mean of 2 runs, both stuck)'; where the runs'
    fates differ, no mean over them: each run with its seed and fate, '22.15 % (seed 0,
    stuck) and 34.25 % (seed 1, ok)'."""
    runs = _runs_of(name, facts)
    if len({r["status"] for r in runs}) > 1:
        return prose.names([f"{prose.pct(r['test_acc'])} (seed {r['seed']}, {r['status']})"
                            for r in runs])
    mean, fate = facts["test_acc"].get(name, float("nan")), facts["fate"].get(name, "ok")
    if len(runs) < 2:
        return prose.fated(prose.pct(mean), fate)
    every = "both" if len(runs) == 2 else "all"
    return (f"{prose.pct(mean)} (mean of {len(runs)} runs"
            + ("" if fate == "ok" else f", {every} {fate}") + ")")


def _n(x, fmt=",.0f"):
    return "–" if x != x else format(x, fmt)


def _num(x, fmt="g"):
    """A number as the text writes it: 1e-6, 9.5e54 (no '+' and no leading zero in the
    exponent)."""
    return re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", format(x, fmt))


def _change(rel):
    """The change of a loss from one record to a later one, given as later / earlier − 1: a
    signed percentage, or a factor ('×9.5e54') when the loss grew more than 100-fold."""
    if rel != rel:
        return "–"
    if rel + 1 > 100:
        return "×" + (f"{rel + 1:,.0f}" if rel + 1 < 1e4 else _num(rel + 1, ".2g"))
    return f"{100 * rel:+.2f} %"


def _change_cell(rel):
    """_change for a table cell: the number and its % on one line (a no-break space)."""
    return _change(rel).replace(" %", "\u00a0%")


def seconds(x):
    """Seconds to 3 significant digits, as the text, the claims and the tables give them."""
    if x != x:
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return format(x, "#.3g").rstrip(".")


def _sig4(x):
    """4 significant digits, trailing zeros kept (1.000)."""
    return "–" if x != x else _num(x, "#.4g").replace(".e", "e")


def _listed(values):
    """'0.1, 0.01 and 1e-6'."""
    return prose.names([_num(x) for x in values])


def cnn_name(params, facts):
    """This run's CNN as the seed writes it, 'C32-P-C64-P-C64-P-F64-F7' on 7 classes (the
    classes of the CNN table's row for this run)."""
    from .assignment4 import cnn_short_name  # imported here: assignment4 imports this module
    return cnn_short_name(params["cnn_layers"], int(pd.DataFrame(facts["cnn"]).classes.iloc[1]))


def seed_shown(p):
    """' Seed 0 shown (of 2 seeds).' for a figure of one seed's runs, where several ran."""
    seeds = p["seeds"]
    return f" Seed {seeds[0]} shown (of {len(seeds)} seeds)." if len(seeds) > 1 else ""


def intro(facts, params, info):
    p = params["protocol"]
    lin, two, cnn = p["linear"], p["two_layer"], p["cnn"]
    shape = "×".join(map(str, info["image_shape"]))
    seeds = len(p["seeds"])
    return (
        f"The seed ran on CIFAR-10 (32×32×3 colour images, 50,000 training and 10,000 test); "
        f"this run used {info.get('title', params['dataset'])} ({shape}, "
        f"{info['sizes']['train']:,} training, {info['sizes']['val']:,} validation and "
        f"{info['sizes']['test']:,} test images). Inputs scaled to "
        f"{SCALING_NAMES.get(params['scaling'], params['scaling'])}"
        + (", the training mean image subtracted" if p["center"] else "") + ". "
        f"(a) A linear classifier, squared loss on one-hot targets + L2 (reg {lin['reg']:g}), "
        f"full-batch gradient descent for {lin['iterations']} iterations, lr {lin['lr']:g} "
        f"multiplied by {lin['lr_decay']:g} after each; the same model at lr "
        f"{_listed(p['sweep']['lrs'])}, each with decay factor "
        f"{_listed(p['sweep']['lr_decays'])}. (b) A network with one "
        f"sigmoid hidden layer of {two['hidden']} units, same loss (reg {two['reg']:g}), by "
        f"full-batch GD (lr {two['gd']['lr']:g}) and by mini-batch SGD (batch "
        f"{two['sgd']['batch_size']}, lr {two['sgd']['lr']:g}), {two['iterations']} passes over "
        f"the training set each, the rate multiplied by {two['lr_decay']:g} after each pass. "
        "Both are NumPy with hand-written gradients (checked against finite differences in "
        f"the tests). (c) The CNN {cnn_name(params, facts)} "
        f"({cnn['model']}), SGD lr {cnn['lr']:g}, momentum {cnn['momentum']:g}, batch "
        f"{cnn['batch_size']}, {_epochs(cnn['epochs'])} (the seed: 100). "
        f"{prose.count(seeds, 'seed')}"
        + (": one run per setting, so there is no spread and no comparison is tested."
           if seeds == 1 else "."))


def _one_row(table):
    """The rows function of a table whose seeds may be one run: one row per such setting
    (assignment4.one_row_per_run); the CSV keeps every seed's row."""
    def rows(df):
        from .assignment4 import one_row_per_run  # imported here: assignment4 imports this
        return one_row_per_run(df, table)
    return rows


def one_row_note(facts, table, what):
    """' A row with several seeds stands for ...': the table note where the table `table` shows
    a setting whose seeds are one run as one row (one_row_per_run on the facts' records of the
    table, its CSV's rows), else ''; `what`: the loss the seeds agree on."""
    from .assignment4 import SAME_ACC, SAME_RUN, one_row_per_run
    rows = pd.DataFrame(facts.get(table) or [])
    if not len(rows) or len(one_row_per_run(rows, table)) == len(rows):
        return ""
    return (f" A row with several seeds stands for a setting whose seeds are one run (one "
            f"fate, {what} to within {100 * SAME_RUN:g} % and accuracy to within "
            f"{100 * SAME_ACC:g} points), counted once; tables/assignment4_{table}.csv keeps "
            "each seed's row.")


def _f(fmt, column):
    """A cell: the row's `column` formatted with `fmt`."""
    return lambda r: format(getattr(r, column), fmt)


SHOWN = {
    "templates": Shown(text=True, columns=(
        ("class", "class"), ("r with own class", _f(".3f", "r_own")),
        ("r with others, mean", _f(".3f", "r_other_mean")),
        ("r with others, largest", _f(".3f", "r_other_max")), ("best match", "best_match"),
        ("r own (raw mean image)", _f(".3f", "r_own_raw")))),
    "sweep": Shown(rows=_one_row("sweep"), columns=(
        ("lr", _f("g", "lr")), ("decay", _f("g", "lr_decay")), ("seeds", "seed"),
        ("fate", "status"), ("iterations", "iterations"),
        ("rate of the last update", _f(".3g", "final_lr")),
        ("final training loss", lambda r: _num(r.final_train_loss, ".4g")), ("rises", "rises"),
        ("spikes", "spikes"), ("loss change", lambda r: _change_cell(-r.loss_drop)),
        ("test acc. %", lambda r: prose.cell(r.final_test_acc)))),
    "gd_sgd": Shown(columns=(
        ("variant", "variant"), ("seed", "seed"), ("lr", _f("g", "lr")),
        ("batch", "batch_size"), ("passes", "passes"), ("updates", lambda r: _n(r.updates)),
        ("fate", "status"), ("final loss", _f(".4f", "final_train_loss")),
        ("test acc. %", lambda r: prose.cell(r.test_acc)),
        ("seconds", lambda r: seconds(r.train_seconds)),
        ("passes to stated loss", lambda r: _n(r.passes_to_target, ",.2f")),
        ("updates to it", lambda r: _n(r.updates_to_target)),
        ("seconds to it", lambda r: seconds(r.seconds_to_target)))),
    "cnn": Shown(text=True, columns=(
        ("input", "input"), ("data", "data"), ("classes", "classes"),
        ("formula", lambda r: _n(r.formula)),
        ("torch", lambda r: _n(r.torch)),
        ("the seed's report", lambda r: _n(r.seed_reported)), ("map into F64", "flattened"))),
    "ticks": Shown(rows=_one_row("ticks"), columns=(
        ("model", "family"), ("setting", lambda r: "–" if r.family == r.run else r.run),
        ("seeds", "seed"), ("curve", "split"), ("fate", "status"),
        ("lowest loss at update", lambda r: _n(r.min_step)),
        ("pass", lambda r: _n(r.min_epoch)), ("lowest loss", lambda r: _sig4(r.min_loss)),
        ("last loss", lambda r: _sig4(r.last_loss)),
        ("loss change", lambda r: _change_cell(r.loss_rise)),
        ("acc. change (points)", lambda r: _n(100 * r.acc_rise, "+.2f")),
        ("tick", lambda r: _tick_cell(r.tick))))}


def _tick_cell(x):
    """The rule's outcome as read back from the CSV: True/False, or empty (not applied)."""
    if x is None or x != x:
        return "not applied"
    return "yes" if str(x) == "True" else "no"


def _figure(sec, figs, key, caption):
    """A figure whose caption ends with what the saved figure says it drew (chance lines, fate
    markers: figures.note)."""
    sec.add_figure(figs[key], figures.caption(figs[key], caption))


def section(facts, figs, params, info, name, title):
    sec = Section(name, title, intro(facts, params, info))
    shown = seed_shown(params["protocol"])
    _figure(sec, figs, "linear", f"Linear classifier ({facts['main']}): training and test "
            f"loss (squared error + L2) and accuracy per iteration.{shown}")
    _figure(sec, figs, "templates", "Top: each class's weight template of the linear "
            "classifier; bottom: that class's mean training image minus the overall mean. Each "
            "row has one colour scale shared by its images"
            + (" (colour inputs: each row mapped to RGB together)"
               if info.get("image_shape", [1])[0] == 3 else "") + f".{shown}")
    sec.add_table("Templates against class mean images (Pearson r)", "templates",
                  note="Mean images as the model saw them (training mean subtracted when "
                       "centring); the last column correlates with the class mean image as it "
                       "is.")
    _figure(sec, figs, "sweep", "Linear classifier at each learning rate (columns) and decay "
            "(lines, solid and dashed so that coinciding ones stay visible): training loss (log "
            "scale, each column its own, ticked at its lowest, middle and highest value, so "
            "that equal slopes are not equal changes: each panel states its lines' change from "
            "the first record to the last finite one, as the table does) and test accuracy per "
            f"iteration; a marker ends a run that did not end ok (legend).{shown}")
    rules = facts.get("rules", {})
    sec.add_table("Learning rate and decay (linear classifier)", "sweep",
                  note="rises: iterations whose training loss is above the previous one's; "
                       f"spikes: {rules.get('spike', '–')}; loss change: from the first "
                       "record to the last finite one, as a percentage of the first, or as a "
                       "factor (×) where the loss grew more than 100-fold."
                       + one_row_note(facts, "sweep", "final training loss"))
    _figure(sec, figs, "gd_sgd_iterations", "Two-layer network, full-batch GD against "
            "mini-batch SGD: training loss per pass over the training set (a) and per "
            "parameter update (b), test accuracy per pass (c); dotted: the stated loss; a "
            f"marker ends a run that did not end ok (legend).{shown}")
    _figure(sec, figs, "gd_sgd_time", "The same runs' training loss against training seconds "
            f"(updates only; the recording's evaluations are excluded); markers as above.{shown}")
    sec.add_table("GD against SGD (two-layer network)", "gd_sgd",
                  note=f"Stated loss {facts['target_loss']:.4f}; 'to it': the first record at "
                       "or below.")
    _figure(sec, figs, "cnn", f"CNN {cnn_name(params, facts)}: training (solid) and "
            "validation (dashed) loss and accuracy per record, every seed's run in its own "
            "colour; a marker ends a run that did not end ok (legend).")
    sec.add_table("CNN parameters", "cnn",
                  note="torch: on 32×32×3 and 10 classes the model built here for the "
                       "seed's input (not trained), on this run's input and classes the trained "
                       "model. The analysis stops with an error where the two counts differ.")
    sec.add_table("Tick rule on the held-out curves", "ticks",
                  note=f"Tick: {rules.get('tick', '–')}. Loss and accuracy changes: from the "
                       "record of the lowest loss to the last record."
                       + one_row_note(facts, "ticks", "last held-out loss"))
    answers(sec, facts, params)
    sec.summary = summary(sec, facts, params)
    return sec


def raw_match(facts):
    """The templates against the mean images as they are (not centred): how many match their
    own class best, each class's r with its own against the best other, and, where the own r
    lies below the stated resemblance level (assignment4.RESEMBLES_R), that those templates do
    not resemble their raw class image: a best match among such r's is the least unlike."""
    text = (f"Against the mean images as they are (not centred) the own class is the best "
            f"match for {facts['raw_own_best']} of {facts['classes']}")
    rows = [r for r in facts.get("template_raw") or [] if _finite(r.get("r_own_raw"))]
    level = facts.get("resembles_r")
    if not rows or level is None:
        return text + "."
    others = all(_finite(r.get("r_other_max_raw")) for r in rows)
    text += (" (r with its own class" + (" against the best other" if others else "") + ": "
             + "; ".join(f"{r['class']} {r['r_own_raw']:.2f}" + (
                 f" against {r['r_other_max_raw']:.2f}"
                 + (f" ({r['best_other_raw']})" if isinstance(r.get("best_other_raw"), str)
                    else "") if others else "") for r in rows) + ").")
    weak = [r for r in rows if r["r_own_raw"] < level]
    if not weak:
        return text
    names = prose.names([r["class"] for r in weak])
    one = len(weak) == 1
    text += (f" {names}: own r below {level:g} (under {100 * level ** 2:g} % of the pixel "
             f"variance shared), so {'its template does' if one else 'their templates do'} not "
             "resemble the raw class image")
    best = [r for r in weak if r.get("raw_own_is_best") in (True, 1)]
    if best:
        text += (f"; {'its' if one else 'a'} best match there is the least unlike of near-zero "
                 "or negative r's, not a likeness")
    centred = [r.get("r_own") for r in weak]
    if all(_finite(c) and c >= level for c in centred):
        text += (f"; against the centred mean images, {'its' if one else 'their'} own r: "
                 f"{prose.names([f'{c:.2f}' for c in centred])}")
    return text + "."


def _finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def answers(sec, facts, params):
    p, misses = params["protocol"], pd.DataFrame(facts["template_misses"])
    miss = ("" if misses.empty else " Exceptions: " + "; ".join(
        f"{r['class']} best matches {r.best_match} (r {r.r_other_max:.2f} against {r.r_own:.2f} "
        "with its own)" for _, r in misses.iterrows()) + ".")
    sec.ask("What do the weight templates show?",
            "Expected: the squared loss pulls each class's score towards 1 on its images and 0 "
            "on the others, so its weights come to resemble what sets that class apart from "
            f"the rest: a blurred template of the class. Measured on the run {facts['main']} "
            f"(seed {p['seeds'][0]}{_main_fate(facts, p['seeds'][0])}): the template of "
            f"{facts['own_best']} of the "
            f"{facts['classes']} classes correlates more with its own class's mean image (the "
            "training mean subtracted) than with any other class's; the mean r with its own "
            f"class is {facts['r_own_mean']:.2f}, with the other classes "
            f"{facts['r_other_mean']:.2f}.{miss} {raw_match(facts)} One trained model: these "
            "describe it, they test nothing.")
    sec.ask("Full-batch gradient descent or mini-batch SGD: which reaches the loss first, in "
            "iterations and in time?", gd_sgd_answer(sec, facts, pd.DataFrame(facts["gd_sgd"]), p))
    sec.ask("What is the effect of the learning rate and its decay?",
            sweep_answer(sec, facts, pd.DataFrame(facts["sweep"]), p))
    sec.ask("How many parameters does the CNN have, and how does it do?",
            cnn_answer(sec, facts, params))
    sec.ask("Does the test loss take the shape of a tick (test loss and test accuracy both "
            "rising)?", tick_answer(sec, facts))


def _reached(r):
    """'GD after 2.00 passes (2 updates, 0.0460 s)', or when and how it never got there."""
    if r.status == "diverged" or r.passes_to_target != r.passes_to_target:
        return (f"{r.variant.upper()} never within its {prose.count(r.passes, 'pass', 'passes')} "
                f"({prose.count(int(r.updates), 'update')}; fate {r.status}, lowest loss "
                f"{r.min_train_loss:.4f})")
    return (f"{r.variant.upper()} after {r.passes_to_target:,.2f} passes "
            f"({prose.count(int(r.updates_to_target), 'update')}, "
            f"{seconds(r.seconds_to_target)} s)")


def _range(values, fmt, unit=""):
    """'0.6184–0.6324', '2.00 passes' where the values read alike; `unit` after the range."""
    lo, hi = fmt(min(values)), fmt(max(values))
    return (lo if lo == hi else f"{lo}–{hi}") + unit


def _reached_range(rows):
    """'SGD after 13.09–14.18 passes (144–156 updates, 0.388–0.440 s)': one variant's runs,
    every one of which reached the stated loss."""
    v = rows.variant.iloc[0].upper()
    return (f"{v} after {_range(rows.passes_to_target, lambda x: f'{x:,.2f}', ' passes')} ("
            f"{_range(rows.updates_to_target, lambda x: f'{x:,.0f}')} updates, "
            f"{_range(rows.seconds_to_target, seconds, ' s')})")


def _end_range(rows):
    """'SGD loss 0.6914–0.6982, test accuracy 34.18–65.92 %, 0.555–0.649 s, ok in seeds 0 and
    1, stuck in seed 2': one variant's runs at the end, each fate with its seeds."""
    fates = []
    for fate, g in rows.groupby("status", sort=False):
        seeds = list(g.seed)
        fates.append(f"{fate} in every seed" if len(g) == len(rows) else
                     f"{fate} in seed{'s' if len(seeds) > 1 else ''} "
                     + prose.names([str(x) for x in seeds]))
    loss = _range(rows.final_train_loss, lambda x: f"{x:.4f}")
    acc = _range(rows.test_acc, lambda x: f"{100 * x:.2f}", " %")
    return (f"{rows.variant.iloc[0].upper()} loss {loss}, test accuracy {acc}, "
            f"{_range(rows.train_seconds, seconds, ' s')}, " + ", ".join(fates))


def _at_end(gd, sgd, first=True):
    """'GD loss 0.7972, test accuracy 40.60 %, 0.442 s, fate ok; SGD 0.8202, ...'."""
    words = ("loss ", "test accuracy ", "fate ") if first else ("", "", "")
    return (f"GD {words[0]}{gd.final_train_loss:.4f}, {words[1]}{prose.pct(gd.test_acc)}, "
            f"{seconds(gd.train_seconds)} s, {words[2]}{gd.status}; SGD "
            f"{sgd.final_train_loss:.4f}, {prose.pct(sgd.test_acc)}, "
            f"{seconds(sgd.train_seconds)} s, {words[2]}{sgd.status}")


def _stated_loss(facts, p):
    """'0.8547, 90 % of the way from the highest starting loss to the lowest loss that all 4
    runs reach' (assignment4.default_target), or the loss the configuration sets."""
    two = p["two_layer"]
    if two.get("target_loss") is not None:
        return f"set in config ({facts['target_loss']:.4f})"
    runs = 2 * len(p["seeds"])
    span = ("the starting loss to the lowest loss both runs reach" if runs == 2 else
            f"the highest starting loss to the lowest loss that all {runs} runs reach")
    return f"{facts['target_loss']:.4f}, {100 * two['target_fraction']:g} % of the way from {span}"


def _chance_at_end(facts, gs):
    """'; chance accuracy 1/5 = 20.00 %' where a run ended stuck (read against chance)."""
    n = facts.get("classes")
    if not n or "stuck" not in set(gs.status):
        return ""
    return f"; chance accuracy 1/{n} = {prose.pct(1 / n)}"


def gd_sgd_answer(sec, facts, gs, p):
    from .assignment4 import fate_lead  # imported here: assignment4 imports this module
    seeds = [s for s in p["seeds"] if {"gd", "sgd"} <= set(gs.variant[gs.seed == s])]
    if not seeds:
        return "The GD and SGD runs are missing."
    found = facts["claims"]
    pairs = {s: [gs[(gs.seed == s) & (gs.variant == v)].iloc[0] for v in ("gd", "sgd")]
             for s in seeds}
    # every seed's runs, each named by its seed: one seed's numbers never stand for all
    passes = pairs[seeds[0]][0].passes
    chance = _chance_at_end(facts, gs)
    if len(seeds) == 1:
        reached = f" (seed {seeds[0]}): " + "; ".join(_reached(r) for r in pairs[seeds[0]])
        end = f"At the end ({passes} passes each{chance}): " + _at_end(*pairs[seeds[0]])
    elif len(seeds) > 2 and all(r.status != "diverged" and r.passes_to_target == r.passes_to_target
                                for pair in pairs.values() for r in pair):
        # many seeds: each variant's range, every seed's numbers in the table
        rows = gs[gs.seed.isin(seeds)]
        reached = (f", in the {len(seeds)} seeds: "
                   + "; ".join(_reached_range(rows[rows.variant == v]) for v in ("gd", "sgd")))
        end = (f"At the end ({passes} passes each{chance}; the table 'GD against SGD' gives "
               "each seed's): " + "; ".join(_end_range(rows[rows.variant == v])
                                            for v in ("gd", "sgd")))
    else:
        reached = ": " + "; ".join(f"seed {s}: " + ", ".join(_reached(r) for r in pairs[s])
                                   for s in seeds)
        end = (f"At the end ({passes} passes each{chance}), seed by seed: "
               + "; ".join(f"seed {s}: {_at_end(*pairs[s], first=i == 0)}"
                           for i, s in enumerate(seeds)))
    # a variant none of whose runs learned: said first, and nothing is compared
    lead = fate_lead(gs)
    opening = (f"{lead[0].upper()}{lead[1:]}, so GD and SGD are not compared: a network that "
               "did not learn is not timed against one that did. " if lead else "")
    # not compared: the passes as values only (the summary line cites this claim too)
    compared = f" {sec.cite(found, 'gd_sgd_seconds' if not lead else 'gd_sgd_passes')}." if (
        "gd_sgd_passes" in found) else ""
    gd, sgd = pairs[seeds[0]]
    constant = (f" {sec.cite(found, 'target_constant')}." if "target_constant" in found else "")
    return (f"{opening}The stated loss is {_stated_loss(facts, p)}.{constant} Training loss "
            f"first at or below it{reached}.{compared} {end}. "
            f"{_fewer_passes(sec, found, bool(lead))}Confounds: GD and SGD also differ in "
            f"learning rate ({gd.lr:g} against {sgd.lr:g}), so the batch size cannot be told "
            "from the rate. A time here is the updates' own clock (with the shuffles, without "
            "the evaluation at each record, which the runs table's training seconds include), "
            "one measurement on a shared machine.")


def _fewer_passes(sec, found, not_compared):
    """The seed's 'SGD needs fewer passes': its premise (assignment4.step_premise, which gives
    the per-pass arithmetic once), then the expectation with its verdict where the premise
    holds; where it fails, the passes as measured, unless the runs are not compared at all."""
    premise = f"{sec.cite(found, 'sgd_step_premise')}. " if "sgd_step_premise" in found else ""
    if "sgd_fewer_passes" in found:
        return f"{premise}{sec.cite(found, 'sgd_fewer_passes')}. "
    if not_compared or "gd_sgd_passes" not in found:
        return premise
    return f"{premise}Measured all the same: {sec.cite(found, 'gd_sgd_passes')}. "


# The order in which the rate remarks' claims are cited (assignment4.LR_EXPECTED's keys), and
# each remark in a few words, for the remarks this sweep does not reach.
LR_REMARKS = ("unstable", "spikes", "spikes_fewer", "no_spikes", "no_learning")
REMARK_WORDS = {"unstable": "may be unstable", "spikes": "some spikes",
                "spikes_fewer": "fewer spikes", "no_spikes": "a smooth curve",
                "no_learning": "may not learn"}


def _copies(facts, p):
    """'At every setting the 2 seeds give one run (...)': the seeds that are one run
    (assignment4.seeds_agree), why they are, and that each such setting counts once; said
    once here, so the claims' labels do not repeat it."""
    c = facts.get("sweep_copies") or {}
    if not c.get("merged"):
        return ""
    where = ("At every setting" if c["merged"] == c["settings"] else
             f"At {c['merged']} of the {c['settings']} settings")
    return (f"{where} the {c['seeds']} seeds give one run: their final training losses differ "
            f"by at most {_num(100 * c['loss_rel'], '.1g')} % and their test accuracies by at "
            f"most {c['acc_points']:.2f} points. Full-batch GD draws no batches, so the seed "
            f"only draws the starting weights (standard deviation "
            f"{_num(p['linear']['init_std'])}). Each such setting counts once, as one run with "
            "no spread. ")


def _unpaired(facts):
    """'lr 0.01 ran only at decay 0.999, and no other rate ran at that decay: ...'."""
    pairs = facts.get("unpaired") or []
    if not pairs:
        return ""
    one = len(pairs) == 1
    return (prose.names([f"lr {lr:g} ran only at decay {d:g}" for lr, d in pairs])
            + f", and no other rate ran at {'that decay' if one else 'those decays'}: "
            f"{'it enters' if one else 'they enter'} neither order, and set beside the other "
            "settings a loss there mixes the rate with the decay. ")


def _effect(sec, facts):
    """What the sweep shows of the rate and of the decay (assignment4.effect_claims): the budget
    and why it is described and not tested, said once for the three claims, then each claim,
    and the settings that enter no order."""
    found = facts["claims"]
    keys = [k for k in ("rate_effect", "decay_effect", "still_falling") if k in found]
    if not keys:
        return ""
    ev = found[keys[0]]["evidence"]
    left = f"; {ev['left_out']}" if ev.get("left_out") else ""
    # the budget is the answer's opening's to give
    head = (f"The effect, described and not tested: {ev['untested']}{left}. "
            if ev.get("untested") else "The effect, described and not tested: ")
    return head + "".join(f"{sec.cite(found, k)}. " for k in keys) + _unpaired(facts)


def _absent(absent, facts, p):
    """'The seed's remarks at lr 0.1 (may be unstable) and 0.001 (fewer spikes) are not tested:
    this sweep runs lr 0.03 and 0.003.'"""
    if not absent:
        return ""
    remarks = prose.names([f"{_num(facts['lr_expected'][k])} ({REMARK_WORDS[k]})"
                           for k in absent])
    return (f"The seed's remark{'s' if len(absent) > 1 else ''} at lr {remarks} "
            f"{'are' if len(absent) > 1 else 'is'} not tested: this sweep runs lr "
            f"{_listed(p['sweep']['lrs'])}. ")


def sweep_answer(sec, facts, sweep, p):
    seeds = p["seeds"]
    found, rules = facts["claims"], facts["rules"]
    cited, absent, remarks = [], [], []
    for key in LR_REMARKS:
        keys = [k for k in found if k == key or k.startswith(f"{key}_decay")]
        remarks += keys
        if not keys:
            absent.append(key)
    # the decay remark: where the decay ran, and each unstable rate it was run at
    remarks += [k for k in found if k == "decay" or k.startswith("decay_lr")]
    cited = [sec.cite(found, k) for k in remarks]
    # what one run a setting means, said once for the remarks (their claims leave it out)
    one_run = ("; where a setting has one run, its remark is observed on one initialisation, "
               "not tested across seeds" if any(found[k]["evidence"].get("one_run") is True
                                                for k in remarks) else "")
    iterations = int(sweep.iterations.max()) if len(sweep) else p["linear"]["iterations"]
    from .assignment4 import PROTOCOL  # imported here: assignment4 imports this module
    seed_its = PROTOCOL["linear_iterations"]
    budget = (f"{iterations} iterations a run" + (f" (the seed ran {seed_its})"
                                                  if iterations != seed_its else ""))
    # the two rules on learning, and why they can disagree, where a remark reads them
    learning = ("" if "no_learning" not in found else
                f"A run does not learn by the loss rule when {rules['does not learn']}. Its "
                f"test accuracy says it learns when {rules['above chance']}. The two rules "
                "need not agree: the loss counts how far every score is from its one-hot "
                "target, the accuracy only which score is largest, so the right score can come "
                "out on top while the loss has hardly fallen. Where they disagree, the verdict "
                "is cannot tell. ")
    return (f"Measured on the linear classifier by full-batch GD, {budget}"
            + (f", seed {seeds[0]}" if len(seeds) == 1 else "")
            + "; the table 'Learning rate and decay' gives each setting's numbers. "
            + _copies(facts, p) + _effect(sec, facts)
            + f"A spike is {rules['spike']}. Full-batch GD has no sampling noise: a rise in "
            "training loss is overshooting, not noise. " + learning
            + (f"The seed's closing remarks, one by one{one_run}. " if cited else "")
            + "".join(f"{c}. " for c in cited)
            + _absent(absent, facts, p)).rstrip()


def tick_answer(sec, facts):
    found = facts["claims"]
    keys = [k for k in found if k.startswith("tick_")]
    if not keys:
        return "No run recorded a held-out curve, so the rule was not applied."
    return ("The seed's remark, as an expectation: at some learning rates the test loss falls "
            "and then rises again while the test accuracy rises too, so that the loss curve "
            "takes the shape of a tick; the seed read it as over-fitting, the model predicting "
            f"only its training images. Rule: {facts['rules']['tick']}. The linear classifier "
            "and the two-layer network record the test split at every record; the CNN records "
            "the validation split (the torch trainer measures the test split once, at the "
            "end): the CNN's validation split plays the part the seed gave its test split "
            "through validation_data=(test_images, test_labels). Measured (table: tick rule on "
            "the held-out curves). "
            # whether the runs can test the remark at all comes first
            + (f"{sec.cite(found, 'ticks_at_last')}. " if "ticks_at_last" in found else "")
            + "".join(f"{sec.cite(found, k)}. " for k in keys)
            + "Where the pattern appears, it shows growing over-confidence: the loss grows "
            "with how far the scores are from their targets, the accuracy counts only whether "
            "the largest score is right, so both rise when the model gets more held-out images "
            "right while its errors on the others grow. That alone does not show that the "
            "model predicts only its training images: its accuracy on held-out images is still "
            "rising. Each run is one initialisation; the rule describes runs and compares "
            "none.")


def cnn_answer(sec, facts, params):
    p = params["protocol"]
    cnn = pd.DataFrame(facts["cnn"])
    c, b = p["cnn"], facts["budgets"]
    seed_row, run_row = cnn.iloc[0], cnn.iloc[1]
    agree = ("equal to" if int(seed_row.formula) == int(seed_row.seed_reported)
             else "different from")
    # the analysis (assignment4.cnn_table) stops where torch's count differs from the formula's
    seed_torch = ("" if seed_row.torch != seed_row.torch else
                  "; torch counts the same on the model built here for that input")
    torch = ("" if run_row.torch != run_row.torch else
             "; torch counts the same on the trained model")
    # the formula's own brackets stand outside any parenthesis
    return (f"By the formula, a 3×3 convolution has (9·C_in + 1)·C_out parameters, a dense "
            "layer (inputs + 1)·outputs, the last with one output per class, and a pooling "
            f"layer none. On 32×32×3 input and {int(seed_row.classes)} classes that makes "
            f"{seed_row.formula:,.0f} parameters, {agree} the seed's reported "
            f"{seed_row.seed_reported:,.0f}{seed_torch}. On the input this run used, "
            f"{run_row.input} ({run_row.data.replace(' (this run)', '')}), and its "
            f"{int(run_row.classes)} classes: {run_row.formula:,.0f}{torch}. "
            + _difference(seed_row, run_row, _first_dense(params["cnn_layers"])) + " After "
            f"{_epochs(c['epochs'])} (the seed ran 100) the CNN's test accuracy is "
            f"{_fated('cnn', facts)}.{_chance_loss(facts, int(run_row.classes))} The seed's "
            "CNN scored higher than its other models. Here the models and their budgets "
            f"differ: the CNN took {_count(b['cnn_steps'])} mini-batch steps, the linear "
            f"classifier {_count(b['linear_iterations'])} full-batch iterations, the two-layer "
            f"networks {_count(b['two_layer_passes'])} passes each. "
            f"{sec.cite(facts['claims'], 'test_accuracy')}.")


def _chance_loss(facts, n_classes):
    """' Its test loss: 1.611 (seed 0, stuck) and 1.608 (seed 1, ok); a uniform guess over the
    5 classes scores ln 5 = 1.609.': how near chance the CNN's runs ended, by their own loss."""
    runs = [r for r in _runs_of("cnn", facts) if r.get("test_loss") == r.get("test_loss")
            and r.get("test_loss") is not None]
    if not runs or n_classes < 2:
        return ""
    one = len(runs) == 1
    if one or len({r["status"] for r in runs}) > 1:
        shown = prose.names([f"{r['test_loss']:.4g}" + ("" if one else
                                                         f" (seed {r['seed']}, {r['status']})")
                             for r in runs])
    else:  # one fate, given with the accuracy: the seeds, once
        shown = (prose.names([f"{r['test_loss']:.4g}" for r in runs]) + " (seeds "
                 + prose.names([str(r["seed"]) for r in runs]) + ")")
    return (f" Its test loss (cross-entropy): {shown}; a uniform guess over the {n_classes} "
            f"classes scores ln {n_classes} = {math.log(n_classes):.4g}.")


def _count(x):
    return "–" if x is None or x != x else f"{x:,.0f}"


def _first_dense(layers):
    """'F64': the CNN's first dense layer as the seed names it (where the map goes), or 'the
    prediction layer' for a CNN without a dense layer of its own."""
    units = [spec["out"] for spec in map(parse_layer, layers) if spec["kind"] == "fc"]
    return f"F{units[0]}" if units else "the prediction layer"


def _difference(seed_row, run_row, dense):
    """What makes this run's count differ from the seed's: only what does differ (the input's
    channels, the map the convolutions hand the first dense layer, the classes)."""
    if int(seed_row.formula) == int(run_row.formula):
        return "The same count as the seed's."
    channels = (seed_row.input.split("×")[-1], run_row.input.split("×")[-1])
    parts = []
    if channels[0] != channels[1]:
        parts.append(f"the first convolution sees "
                     f"{prose.count(int(channels[1]), 'input channel')} instead of {channels[0]}")
    if seed_row.flattened != run_row.flattened:
        parts.append(f"the last pooling hands {dense} a {run_row.flattened} map instead of "
                     f"{seed_row.flattened}")
    if int(seed_row.classes) != int(run_row.classes):
        parts.append(f"the prediction layer has {int(run_row.classes)} outputs (one per class) "
                     f"instead of {int(seed_row.classes)}")
    return "The difference: " + prose.names(parts) + "."


def _gd_sgd_caveats(facts):
    """What a GD/SGD comparison rests on, in the summary too: the two rates (a confound) and,
    where they differ, the fates of the runs (the stated loss, and what voids reaching it, are
    in the claim's own short form)."""
    rows = pd.DataFrame(facts["gd_sgd"])
    if rows.empty or not {"gd", "sgd"} <= set(rows.variant):
        return ""
    gd, sgd = (rows[rows.variant == v].iloc[0] for v in ("gd", "sgd"))
    fate = {v: facts.get("fate", {}).get(v) or rows.status[rows.variant == v].iloc[0]
            for v in ("gd", "sgd")}
    fates = ("" if fate["gd"] == fate["sgd"] == "ok" else
             f"; fates: GD {fate['gd']}, SGD {fate['sgd']}")
    return (f" (lr {gd.lr:g} against {sgd.lr:g}, so the effect of the batch size cannot be "
            f"told from the rate's{fates})")


def _run_classes(facts):
    """' and the 7 classes' where this run's class count (the CNN table's) is not the seed's."""
    seed_row, run_row = (pd.DataFrame(facts["cnn"]).iloc[i] for i in (0, 1))
    same = int(seed_row.classes) == int(run_row.classes)
    return "" if same else f" and the {int(run_row.classes)} classes"


def _main_fate(facts, seed):
    """', which diverged' where the templates' run (seed `seed`'s) did not end ok: its weights
    are where it stopped, not a trained classifier's."""
    statuses = facts.get("statuses") or {}
    fate = statuses.get(f"{facts['main']}/{seed}") or facts["fate"].get(facts["main"], "ok")
    return "" if fate == "ok" else f", which ended {fate}: its weights are where it stopped"


def _gd_sgd_line(sec, facts):
    """The summary's GD/SGD line: where a variant's runs all failed to end ok, those fates
    first and no comparison (the passes claim's short form says both); else the seed's
    expectation with its verdict where its premise holds, or the passes as measured and why
    the expectation is not scored."""
    found = facts["claims"]
    if "sgd_fewer_passes" in found:
        return f"{sec.cite(found, 'sgd_fewer_passes', True)}{_gd_sgd_caveats(facts)}"
    if "gd_sgd_passes" not in found:
        return "the GD and SGD runs are missing"
    premise = (f"; {sec.cite(found, 'sgd_step_premise', True)}" if "sgd_step_premise" in found
               else "")
    passes = sec.cite(found, "gd_sgd_passes", True)
    from .assignment4 import not_learned  # imported here: assignment4 imports this module
    if not_learned(pd.DataFrame(facts["gd_sgd"])):  # not compared: the fates lead
        return f"two-layer network: {passes}{premise}"
    return f"{passes}{premise}{_gd_sgd_caveats(facts)}"


def summary(sec, facts, params):
    p = params["protocol"]
    seed = p["seeds"][0]
    return (f"Assignment 4: the linear templates match their own class's mean image best for "
            f"{facts['own_best']} of {facts['classes']} classes (one trained model, seed "
            f"{seed}{_main_fate(facts, seed)}); {_gd_sgd_line(sec, facts)}; CNN test accuracy "
            f"{_fated('cnn', facts)} after {_epochs(p['cnn']['epochs'])} "
            f"({facts['cnn_formula_seed']:,} parameters on 32×32×3, {facts['cnn_formula_run']:,} "
            f"on the input{_run_classes(facts)} this run used; {len(p['seeds'])} seed"
            f"{'s' if len(p['seeds']) > 1 else ''}).")
