"""Study 6b's report section: the tables shown and every answer, from the facts file."""
import math

from .. import figures, prose
from ..report import Section, Shown
from .common import coinciding_words
from .ece421 import (NAME, SEED_COLUMNS, SEED_DATA, SEED_VELOCITY, TITLE, asked_notes,
                     asked_reasons, mlp_shape, settled_rule, span_list, splits_hidden,
                     underfit_unanswerable)
from ..lazy import lazy_import

pd = lazy_import("pandas")
L2_MEANING = ("weight L2: torch's weight_decay λ adds λ·w to the gradient of every parameter "
              "(biases and BatchNorm's scale and shift included) before Adam's update, a "
              "penalty of λ/2·‖w‖² (the seed used Keras' activity regulariser on the two dense "
              "layers' outputs, a different penalty whose strengths do not carry over)")


def _pm(mean, std, percent=False):
    """'85.10 ± 0.20' (percent) or '0.4312 ± 0.0040'; one run: no spread shown."""
    if mean != mean:
        return "–"
    if percent:
        return f"{100 * mean:.2f}" + (f" ± {100 * std:.2f}" if std == std else "")
    return f"{mean:.4f}" + (f" ± {std:.4f}" if std == std else "")


def _final_columns(key, label, gap):
    """A final-point table's columns (per H or per L2 strength); `gap` names the gap's."""
    return ((label, lambda r: f"{getattr(r, key):g}"),
            ("runs (with final point)", prose.runs_cell),
            ("fate", "status"),
            ("train loss", lambda r: _pm(r.train_loss_mean, r.train_loss_std)),
            ("train acc. %", lambda r: _pm(r.train_acc_mean, r.train_acc_std, True)),
            ("val. loss", lambda r: _pm(r.val_loss_mean, r.val_loss_std)),
            ("val. acc. %", lambda r: _pm(r.val_acc_mean, r.val_acc_std, True)),
            ("test loss", lambda r: _pm(r.test_loss_mean, r.test_loss_std)),
            ("test acc. %", lambda r: _pm(r.test_acc_mean, r.test_acc_std, True)),
            (gap, lambda r: _pm(r.gap_acc_mean, r.gap_acc_std, True)),
            ("seconds per run", lambda r: f"{r.train_seconds_mean:,.0f}"))


def _check_rows(check):
    rows = []
    for (dtype, hidden), g in check.groupby(["dtype", "hidden"], sort=False):
        rows.append({"dtype": dtype, "H": int(hidden), "images": int(g.images.iloc[0]),
                     "max |difference|": f"{g.max_abs_diff.max():.2e}",
                     "max |gradient|": f"{g.max_abs_grad.max():.2e}",
                     "max relative": f"{g.relative.max():.1e}"})
    return pd.DataFrame(rows)


def _cnn_columns():
    """The CNN table's columns: a final-point table's, with the final model's accuracy on the
    whole training split (what the under-fitting rule reads) after the recorded one, and the
    gap on the final model (ece421.cnn_final_gap)."""
    columns = list(_final_columns("l2", "L2 λ", "gap final model − val. (points)"))
    at = [h for h, _ in columns].index("train acc. %") + 1
    columns.insert(at, ("train acc. %, final model", lambda r: _pm(
        r.final_model_train_acc_mean, r.final_model_train_acc_std, True)))
    return tuple(columns)


SHOWN = {"mlp": Shown(columns=_final_columns("hidden", "H",
                                             "gap train − val., same weights (points)")),
         "cnn": Shown(columns=_cnn_columns()),
         "grad_check": Shown(rows=_check_rows)}


# Within this fraction of the seed's notMNIST sizes a split is "close to" them (a stratified
# split over C classes rounds each class's share: 10,003 and 5,992 on 7 classes).
CLOSE_TO_SEED = 0.01


def _seed_sizes(n):
    """How the split's training and validation sizes stand to the seed's 10,000 and 6,000:
    'the seed's notMNIST sizes' only where they are equal."""
    seed = SEED_DATA["sizes"]
    sizes = f"{seed['train']:,} and {seed['val']:,}"
    if all(n[k] == seed[k] for k in seed):
        return "the seed's notMNIST sizes"
    if all(abs(n[k] - seed[k]) <= CLOSE_TO_SEED * seed[k] for k in seed):
        return f"close to the seed's notMNIST sizes, {sizes}"
    return f"the seed's notMNIST split: {sizes}"


def section(facts, figs, params, info):
    p = params["protocol"]
    m, c = p["mlp"], p["cnn"]
    data = facts.get("data") or {"title": info.get("title"), "sizes": info["sizes"],
                                 "classes": len(info["class_names"]),
                                 "inputs": math.prod(info["image_shape"])}
    sizes = data["sizes"]
    n = {k: int(v) for k, v in sizes.items()}
    n_in, n_classes = int(data["inputs"]), int(data["classes"])
    sec = Section(NAME, TITLE, f"On this study's own split of {data['title'] or 'the data'}: "
                  f"{n['train']:,} training and {n['val']:,} validation images "
                  f"({_seed_sizes(n)}), {n['test']:,} test images. "
                  + _intro(p, params, n["train"], n_in, n_classes))
    sec.add_figure(figs["mlp"], figures.caption(
                   figs["mlp"], f"NumPy MLP {mlp_shape(n_in, 'H', n_classes)}: training (solid) "
                   "and validation (dashed) "
                   f"cross-entropy (left, log scale) and accuracy (right) after each of the "
                   f"{m['epochs']} full-batch steps; mean over seeds."))
    h, why = splits_hidden(m["hidden"])
    sec.add_figure(figs["mlp_splits"], figures.caption(
                   figs["mlp_splits"], f"The seed's Figures 1–3 at H = {h} ({why}): NumPy MLP "
                   f"{mlp_shape(n_in, h, n_classes)}, training (solid, dots), validation (dashed, "
                   "open squares) and "
                   "test (dotted, crosses) cross-entropy (log scale) and accuracy after each of "
                   f"the {m['epochs']} full-batch steps. Training: the weights before the step, "
                   "on the whole training set (the batch its gradient was taken on); "
                   "validation and test: after it."))
    note = ("Final point: the last epoch's record (training: the weights before the last step, "
            "on the whole training set; validation: after it). Mean ± std over the runs with a "
            f"final point (a diverged run has none). Gap: {_gap_meaning(facts)}.")
    sec.add_table("NumPy MLP: final point per hidden size H (mean ± std over seeds)",
                  "mlp", note=note)
    sec.add_figure(figs["cnn"], figures.caption(
                   figs["cnn"], f"CNN {params['protocol']['cnn']['model']} with Adam: training "
                   "(solid line, round dots) and validation (dashed line, open squares) loss and "
                   f"accuracy per epoch ({prose.count(c['epochs'], 'epoch')}) at each L2 "
                   "strength; mean over seeds." + _coinciding(facts)))
    sec.add_table("CNN: final point per L2 strength (mean ± std over seeds)",
                  "cnn",
                  note="Training: mean over the last epoch's batches in training mode "
                  "(BatchNorm on batch statistics); loss without the L2 penalty. Train acc., "
                  "final model: the model at the end of training on every training image, in "
                  "eval mode (BatchNorm on its running statistics), over the runs with a final "
                  "point. Validation and test: the model at the end of the epoch, in eval "
                  "mode. Gap: train acc., final model, minus val. acc., both on the weights at "
                  "the end of training, so not the difference of the recorded train and val. "
                  "accuracy columns.")
    sec.add_table("Gradient check: hand-written backpropagation against torch autograd",
                  "grad_check",
                  note="Largest over the four parameters (W1, b1, W2, b2) and both weight "
                  "points (initial, after the update steps); relative = max |difference| / max "
                  "|gradient| of the same parameter.")
    _answers(sec, facts, p)
    sec.summary = _summary(sec, facts, p)
    # the appendix's rows on the seed's H and λ say which of them this configuration runs
    sec.asked_notes = asked_notes(params)
    # an ask the L2 answer says these runs cannot answer is not counted as answered; its
    # reason stands alone (no note on the seed's λ this configuration does not run)
    sec.asked_reasons = asked_reasons(facts, p)
    for ask in sec.asked_reasons:  # None: the declared note too
        sec.asked_notes[ask] = None
    return sec


def _coinciding(facts):
    """' λ 0 and 0.001: training accuracy; their lines coincide.' for each group of L2
    strengths whose CNN curves hide one another (ece421.coinciding_settings), or ''."""
    lines = facts.get("cnn_lines")
    words = coinciding_words(lines if isinstance(lines, list) else None, "λ")
    return f" {words}" if words else ""


def _intro(p, params, n_train, n_in, n_classes):
    m, c, g = p["mlp"], p["cnn"], p["grad_check"]
    grad = ("the summed loss, as the seed's code (gW2 = h (p − y)ᵀ summed over the images): the "
            "step on the mean loss is lr × N for N training images"
            f" ({m['lr']:g} × {n_train:,} = {m['lr'] * n_train:.3g})"
            if m["reduction"] == "sum" else "the mean loss")
    return (f"(a) An MLP {mlp_shape(n_in, 'H', n_classes)} (ReLU, softmax, cross-entropy) "
            "written in NumPy "
            f"(workflow/scripts/nnstudies/numpy_mlp.py), its backward pass derived by hand; H = "
            f"{', '.join(map(str, m['hidden']))}. Full-batch gradient descent with momentum as "
            f"the seed: v ← {m['momentum']:g}·v + {m['lr']:g}·g, w ← w − v, velocities from "
            f"zero (the seed's code: {SEED_VELOCITY:g}), g the gradient of {grad}; "
            f"{m['epochs']} steps (one per epoch), "
            f"{m['dtype']}, {prose.count(len(m['seeds']), 'seed')}. Weights Xavier-normal with std "
            "√(2/(fan_in + fan_out)) and biases zero (the seed's code passed 2/(fan_in + "
            "fan_out), Xavier's variance, as np.random.normal's std, so its weights started "
            "smaller, and drew its biases the same way); log-softmax shifted by each row's "
            "maximum, so no overflow and no "
            f"log 0. The gradient check uses the first {g['images']} training images. "
            f"(b) A CNN {' – '.join(params['cnn_layers'] + [f'fc {n_classes}'])} (the zoo's "
            f"{c['model']}; the seed put ReLU before BatchNorm) with Adam (lr {c['lr']:g}), "
            f"batch {c['batch_size']}, {prose.count(c['epochs'], 'epoch')} (the seed: 50), "
            f"{_l2_settings(c)}; {L2_MEANING}.")


def _l2_settings(c):
    """'L2 strengths 0, 0.01 and 1 (2 seeds each)': the list closed by 'and' and the seeds in
    parentheses, so that no count reads as one more strength."""
    strengths = [f"{x:g}" for x in c["l2"]]
    seeds = prose.count(len(c["seeds"]), "seed")
    if len(strengths) == 1:
        return f"L2 strength {strengths[0]} ({seeds})"
    return f"L2 strengths {prose.names(strengths)} ({seeds} each)"


def _gap_weights(facts):
    """'those after step 29': the weights the MLP's final gap is on (ece421.same_weights_gap),
    or None where no run has one (one record a run)."""
    steps = facts.get("gap_steps") or []
    return f"those after {span_list(steps, 'step')}" if steps else None


def _gap_meaning(facts):
    """What the MLP table's gap column holds, for its note."""
    weights = _gap_weights(facts)
    if weights is None:
        return ("none, as no run has training and validation accuracy on the same weights "
                "(one record a run)")
    return (f"training minus validation accuracy on the same weights, {weights} (training at "
            "the last record, validation at the one before), so not the difference of the two "
            "accuracy columns")


def _finals(table, key, label, same_weights=False):
    """Each setting's final point; the gap after the test accuracy as the gap on the same
    weights (`same_weights`: the MLP's, which is not the difference of the two accuracies), or
    (the CNN's) the final model's training accuracy beside the recorded one and the gap on the
    final model after validation (ece421.cnn_final_gap); a gap is omitted where there is
    none."""
    parts = []
    for r in table.itertuples():
        head = f"{label} {getattr(r, key):g}"
        if not r.with_final_point:
            parts.append(f"{head}: {r.status}, no final point")
            continue
        if same_weights:
            gap = ("" if r.gap_acc_mean != r.gap_acc_mean else
                   f", gap on the same weights {prose.pts(r.gap_acc_mean)}")
            parts.append(f"{head}: training {prose.pct(r.train_acc_mean)}, validation "
                         f"{prose.pct(r.val_acc_mean)}, test {prose.pct(r.test_acc_mean)}"
                         + gap + _fates(r))
            continue
        model = getattr(r, "final_model_train_acc_mean", float("nan"))
        model = "" if model != model else f" (final model {prose.pct(model)})"
        gap = ("" if r.gap_acc_mean != r.gap_acc_mean else
               f", gap on the final model {prose.pts(r.gap_acc_mean)}")
        parts.append(f"{head}: training {prose.pct(r.train_acc_mean)}{model}, validation "
                     f"{prose.pct(r.val_acc_mean)}{gap}, test {prose.pct(r.test_acc_mean)}"
                     + _fates(r))
    return "; ".join(parts)


def _fates(r):
    if r.status == "ok":
        return ""
    if r.with_final_point < r.runs:
        return f" ({r.status}; means over the {r.with_final_point} runs with a final point)"
    return f" ({r.status})"


def _answers(sec, facts, p):
    cnn = pd.DataFrame(facts["cnn"])
    sec.ask("What is the effect of the hidden-layer size H (capacity against over-fitting)?",
            _h_answer(sec, facts, p["mlp"]))
    sec.ask("What is the effect of L2 regularisation on the CNN, and at which strength does "
            "it start to under-fit?", _l2_answer(sec, facts, cnn, p,
                                                 facts["statuses"]["cnn"]))
    sec.ask("What does the gradient check show?", _check_answer(facts["grad_check"], p))


def _h_answer(sec, facts, m):
    """Whether the runs had settled, first and once; then the values and the rankings, the
    runs that fell back from their best (one sentence), the best-step reading where it changes
    the answer, the training loss's rises above ln C, the confound, and the three splits."""
    mlp, found = pd.DataFrame(facts["mlp"]), facts["claims"]
    text = _settling(sec, facts, m)
    text += (f"Measured after {m['epochs']} full-batch steps, the same budget for every H: "
             f"{_finals(mlp, 'hidden', 'H', same_weights=True)}. The training accuracy is "
             "that of the last step's forward pass, before its update; validation is measured "
             f"after it, {_gap_sentence(facts)}. Fates: "
             + prose.status_counts(facts["statuses"]["mlp"]) + ". "
             f"{sec.cite(found, 'h_val')}. ")
    # the expectations, where their runs had settled (else their settling claim said above
    # that they are not tested)
    text += "".join(f"{sec.cite(found, k)}. " for k in ("h_gap", "h_train_loss", "h_gap_ends")
                    if k in found)
    z, back = facts.get("fell_back_z"), facts.get("fell_back") or []
    if back:
        text += (f"Runs whose last validation accuracy lies more than {z} standard errors "
                 "below their best: " + "; ".join(sec.cite(found, k) for k in back) + ". ")
    elif z is not None:
        text += (f"No run's last validation accuracy lies more than {z} standard errors below "
                 "its best. ")
    if "h_best_val" in found:
        text += f"Read at each run's best step instead: {sec.cite(found, 'h_best_val')}. "
    excursions = facts.get("loss_above_chance") or []
    if excursions:  # the rule once, then one sentence a run
        ln_c, margin = facts["ln_c"], facts.get("loss_margin", 0.0)
        text += (f"The training loss rose more than {100 * margin:g} % above ln C = "
                 f"{_sig4(ln_c)} (the loss of a uniform guess), that is above "
                 f"{_sig4(ln_c * (1 + margin))}, after having fallen more than "
                 f"{100 * margin:g} % below it (below {_sig4(ln_c * (1 - margin))}) in these "
                 "runs; the first record, taken before any update, is not read. " + "".join(
                     f"H {e['hidden']:g} seed {e['seed']}: above it at "
                     f"{_step_list(e['epochs'])}, up to {_sig4(e['peak'])} at step "
                     f"{e['peak_epoch']}, after a low of {_sig4(e['low'])} at step "
                     f"{e['low_epoch']}. " for e in excursions))
    text += ("Confound: with one learning rate and full-batch steps, a wider hidden layer also "
             "moves the logits further per step, so capacity and step size move together and "
             "this comparison cannot tell them apart.")
    excluded = mlp[mlp.worst_status != "ok"]
    if len(excluded):
        text += (" Runs that did not end ok: " + "; ".join(
            f"H {r.hidden:g}: {r.status}" for r in excluded.itertuples()) + ".")
    # the seed's Figures 1-3 (one H, three splits) follow its answer on H (the seed's 1.4)
    return text + " " + _splits_sentence(sec, facts)


def _gap_sentence(facts):
    """How the answer's gap is taken (said once): on the same weights, one step before the
    last, as the records allow (ece421.same_weights_gap)."""
    weights = _gap_weights(facts)
    if weights is None:
        return ("so with one record a run no gap is taken on the same weights, and none is set "
                "against H")
    return (f"so the gap is taken on the same weights, {weights}: training at the last record "
            "against validation at the one before")


def _sig4(x):
    """A loss to 4 significant digits, trailing zeros kept ('1.100', '0.8000'); from 1,000 up,
    whole with thousands separators."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:#.4g}"


def _step_list(steps):
    """'step 14', 'steps 14 and 16', 'steps 15–17 and 19' (span_list): the MLP takes one
    full-batch step an epoch, so its epochs are its steps."""
    return span_list(steps, "step")


def _settling(sec, facts, m):
    """The answer's opening: had the runs settled by the last step, where H is compared? The
    rule once, each measure's verdict (a settling claim, short: its numbers are its evidence),
    and how long momentum remembers (from the configuration)."""
    found = facts["claims"]
    keys = [k for k in ("settled_val_acc", "settled_gap_acc", "settled_train_loss")
            if k in found]
    text = ""
    if keys:
        text += (f"Had the runs settled by step {m['epochs']}, where the H are "
                 f"compared? {settled_rule('mlp')} By this rule, "
                 + "; ".join(sec.cite(found, k, True) for k in keys) + ". ")
    beta = m["momentum"]
    if beta > 0:
        memory = 1 / (1 - beta)
        text += (f"With momentum {beta:g} each full-batch step carries the gradients of about "
                 f"the last 1/(1 − {beta:g}) = {memory:.3g} steps"
                 + (f", more than the {m['epochs']}-step budget" if memory > m["epochs"] else "")
                 + ", so the curves can swing for that long. ")
    return text


def _splits_sentence(sec, facts):
    """What the three splits' figure shows (which H and why, how the seeds are laid out), then
    the last step's validation minus test accuracy per seed (a paired claim)."""
    s = facts["splits"]
    seeds, h = s["seeds"], s["hidden"]
    drawn = ("It draws the training, validation and test loss and accuracy after every "
             "full-batch step, ")
    if not seeds:
        layout = "No run at this H recorded any step."
    elif len(seeds) == 1:
        layout = drawn + f"for its one seed (seed {seeds[0]})."
    elif len(seeds) <= SEED_COLUMNS:
        layout = drawn + f"one column per seed ({prose.count(len(seeds), 'seed')}: " \
                         f"{prose.names(seeds)})."
    else:
        layout = drawn + f"the mean over the {len(seeds)} seeds with a ± 1 std band."
    text = (f"The figure of the three splits (captioned “The seed's Figures 1–3 at H = {h}”) "
            f"shows the NumPy MLP at H = {h} ({s['why']}). {layout}")
    if not s["test_recorded"]:
        text += " It has no test curve: these runs did not record the test split per step."
    if s["left_out"]:  # stopped early: their last record is not the last step
        text += (f" Seed {prose.names(s['left_out'])} diverged and "
                 f"{'is' if len(s['left_out']) == 1 else 'are'} left out of the last step's "
                 "values.")
    return text + f" {sec.cite(facts['claims'], 'splits_gap')}."


def _l2_answer(sec, facts, cnn, p, statuses):
    found = facts["claims"]
    text = ("L2 here is weight L2 on every parameter (torch's weight_decay), not the seed's "
            "activity regulariser (see the section's opening). Expected: L2 pulls the weights "
            "toward zero; a small "
            "strength mostly narrows the gap between training and validation accuracy, a large "
            "one keeps the network from fitting the training set (under-fitting: training "
            f"accuracy falls). Measured after {p['cnn']['epochs']} "
            f"epoch{'s' if p['cnn']['epochs'] != 1 else ''}: "
            f"{_finals(cnn, 'l2', 'λ')}. Fates: {prose.status_counts(statuses)}. ")
    if facts.get("cnn_records") == 1:  # the recorded training accuracy above
        text += ("With one record a run, the training accuracy at that record is the mean over "
                 "every step since initialisation. ")
    why = underfit_unanswerable(facts, p)
    if why:
        text += f"Under-fitting cannot be told here: {why}. "
    else:
        text += f"{UNDERFIT_MEASURE_SENTENCE} {sec.cite(found, 'l2_underfit')}. "
    if "l2_val" in found:
        text += f"{sec.cite(found, 'l2_val')}."
    if "settled_cnn_val_acc" in found:
        text += (" Had the runs settled by the last epoch, where this ranking is read? "
                 f"{sec.cite(found, 'settled_cnn_val_acc')}.")
    return text


# What the under-fitting rule reads (ece421.underfit_claim), said once in the answer on L2.
UNDERFIT_MEASURE_SENTENCE = (
    "Under-fitting is read from each run's final model scored on every image of the training "
    "split in eval mode (BatchNorm on its running statistics; the CNN table's “train acc. %, "
    "final model”), not from the training accuracy at the last record, a running mean taken "
    "while the weights still change.")


# The seed's derivations, as numpy_mlp.loss_and_grads computes them (N images in rows).
DERIVATION = (
    "The derivations (seed 002): for the softmax output p = softmax(o) and the one-hot label y, "
    "the cross-entropy L = −Σ_k y_k log p_k has ∂L/∂o = p − y. With h = ReLU(x W1 + b1) and "
    "o = h W2 + b2, backpropagation gives, for the mean loss over N images (X the N×d inputs, "
    "H the N×H hidden outputs, D = (P − Y)/N): ∂L/∂W2 = Hᵀ D, ∂L/∂b2 = Σ_rows D; "
    "∂L/∂H = D W2ᵀ, masked by the ReLU's derivative, G = (D W2ᵀ) ⊙ 1[X W1 + b1 > 0]; "
    "∂L/∂W1 = Xᵀ G, ∂L/∂b1 = Σ_rows G.")


def _check_answer(f, p):
    g = p["grad_check"]
    parts = []
    for dtype in ("float64", "float32"):
        if dtype not in f:
            continue
        d = f[dtype]
        parts.append(f"in {dtype}, the largest |difference| over {d['cases']} parameter checks "
                     f"is {d['max_abs_diff']:.2e}, at most {d['max_relative']:.1e} of the "
                     f"largest gradient entry (tolerance {d['tolerance']:g}): "
                     + ("they agree" if d["agrees"] else "they do NOT agree"))
    return (f"{DERIVATION} The hand-written backward pass (numpy_mlp.loss_and_grads; gradients "
            "of the mean cross-entropy, the summed loss's being N times these) against torch "
            "autograd "
            "(nn.functional linear, relu and cross_entropy, backward) on the same weights and "
            f"the first {g['images']} real training images, for every H, at the initial "
            f"weights of seed {p['mlp']['seeds'][0]} (one seed, the MLP's first) and after "
            f"{g['steps']} of the study's update steps: " + "; ".join(parts)
            + ". Rounding alone gives differences of the order of each dtype's precision "
            "(about 1e-16 in float64, 1e-7 in float32, relative) accumulated over sums of "
            "hundreds of images; a wrong derivative (a missing ReLU mask, a transposed "
            "product, a sign) would be off by about the gradient itself, a relative error near "
            "1. The test suite also checks every parameter's gradient against central finite "
            "differences on a small float64 network.")


def _fell_back_list(found, back):
    """'7 runs (H 10 seed 1; H 100 seeds 0, 1, 2, 3 and 4; H 1000 seed 3)': the runs that fell
    back from their best, grouped by H, from their claims' arms ('H 100 seed 0, best ...')."""
    by_h = {}
    for key in back:
        h, seed = found[key]["evidence"]["arms"][0]["arm"].split(",")[0].rsplit(" seed ", 1)
        by_h.setdefault(h, []).append(seed)
    listed = "; ".join(f"{h} seed{'s' if len(seeds) > 1 else ''} {prose.names(seeds)}"
                       for h, seeds in by_h.items())
    return f"{len(back)} runs ({listed})"


def _summary(sec, facts, p):
    found = facts["claims"]
    g = facts["grad_check"].get("float64", {})
    text = f"ECE421 A2: {sec.cite(found, 'h_val', True)}; "
    back = facts.get("fell_back") or []
    if 0 < len(back) <= 2:  # the last-step ranking names the runs that fell back from their best
        text += ", ".join(sec.cite(found, k, True) for k in back) + "; "
    elif back:  # more: grouped by H, each run's claim (its values) is in the first answer
        text += f"{_fell_back_list(found, back)} fell back from their best (see Q1); "
    if g:
        text += (f"hand-written gradients {'agree' if g['agrees'] else 'do NOT agree'} with "
                 f"autograd (float64 max |difference| {g['max_abs_diff']:.1e}); ")
    if "l2_underfit" in found and underfit_unanswerable(facts, p) is None:
        return text + sec.cite(found, "l2_underfit", True) + "."
    return text.rstrip("; ") + "."
