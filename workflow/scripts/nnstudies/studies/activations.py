"""Study 4: activation functions and gradients (EE449 part 4)."""

from .. import aggregate, figures, prose
from ..config import make_run
from ..models import is_convolutional, weight_layer_count
from ..report import Section
from ..stats import rank_correlation
from .common import check_models, departures as protocol_departures, write_facts
from ..lazy import lazy_import

pd = lazy_import("pandas")

NAME = "activations"
TITLE = "Study 4: activation functions and gradients"
PROTOCOL = {"models": ["mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"],
            "activations": ["relu", "sigmoid"], "optimizer": "sgd", "lr": 0.01, "momentum": 0.0,
            "batch_size": 50, "epochs": 15}
TABLES = ["runs", "variants", "curves"]
SCALING_NAMES = {"unit": "[0, 1]", "symmetric": "[-1, 1]", "raw": "[0, 255]"}


def runs(cfg):
    """Every model with each activation and input scaling; loss and gradient norm only."""
    p = cfg[NAME]
    return {(f"{m}-{a}-{sc}", s): make_run(cfg, NAME, f"{m}-{a}-{sc}", m, s, p, activation=a,
                                           scaling=sc, validate=False, record_grad=True)
            for m in p["models"] for a in p["activations"] for sc in p["scalings"]
            for s in p["seeds"]}


def check(cfg):
    check_models(cfg, NAME)


def departures(cfg):
    return protocol_departures(NAME, cfg[NAME], PROTOCOL)


def inputs(cfg, files):
    return {"summary": files(NAME, "summary.json"), "curves": files(NAME, "curves.csv")}


def params(cfg):
    p = cfg[NAME]
    models = {m: cfg["models"][m] for m in p["models"]}
    return {"protocol": p, "depth": {m: weight_layer_count(ls) for m, ls in models.items()},
            "family": {m: "CNN" if is_convolutional(ls) else "MLP" for m, ls in models.items()},
            "all_models": sorted(cfg["models"])}


def figures_of(params):
    return params["protocol"]["scalings"]


def analyse(inp, out, params, info):
    runs_, _, variants, curves = aggregate.variant_tables(
        inp.summary, inp.curves, len(info["class_names"]), info["sizes"]["test"])
    runs_.to_csv(out.table("runs"), index=False)
    variants.to_csv(out.table("variants"), index=False)
    curves.to_csv(out.table("curves"), index=False)
    models = params["protocol"]["models"]
    for scaling in params["protocol"]["scalings"]:
        figures.save(figures.activation_figure(curves, variants, scaling, models),
                     *out.figure(scaling))
    write_facts(out.facts, facts(variants, params))


def facts(variants, params):
    """Depth against gradient norm and against the ReLU/sigmoid ratio, over the models whose
    runs all ended ok (a stuck or blown-up run's gradient says nothing about depth)."""
    base = _base_scaling(variants)
    ok = variants[(variants.scaling == base) & (variants.status == "ok")]
    out = {"base_scaling": base, "per_activation": {}, "ratio": {}}
    for act, table in ok.groupby("activation"):
        depth = table.model.map(params["depth"])
        out["per_activation"][act] = {
            "models": list(table.model), "depth_vs_grad": rank_correlation(
                depth, table.grad_norm_mean_mean),
            "families": sorted(set(table.model.map(params["family"])))}
    relu = ok[ok.activation == "relu"].set_index("model")
    sig = ok[ok.activation == "sigmoid"].set_index("model")
    both = [m for m in relu.index if m in sig.index]
    if both:
        ratio = relu.loc[both, "grad_norm_mean_mean"] / sig.loc[both, "grad_norm_mean_mean"]
        out["ratio"] = {"models": both, "values": ratio.to_dict(),
                        "depth_vs_ratio": rank_correlation([params["depth"][m] for m in both],
                                                           ratio),
                        "sigmoid_higher_loss": [m for m in both if
                                                sig.loc[m, "final_train_loss_mean"]
                                                > relu.loc[m, "final_train_loss_mean"]]}
    return out


def _base_scaling(variants):
    return "unit" if "unit" in set(variants.scaling) else variants.scaling.iloc[0]


def section(facts, tables, figs, params, info):
    p, variants = params["protocol"], tables["variants"]
    models = p["models"]
    subset = ("every model of the zoo" if sorted(models) == params["all_models"] else
              f"{len(models)} of the {len(params['all_models'])} zoo models "
              f"({prose.names(models)})")
    sec = Section(NAME, TITLE,
                  f"{subset.capitalize()} with {' and '.join(p['activations'])} (every ReLU "
                  f"replaced), inputs scaled to "
                  f"{', '.join(SCALING_NAMES[x] for x in p['scalings'])}; SGD lr {p['lr']}, "
                  f"momentum {p['momentum']}, batch {p['batch_size']}, {p['epochs']} epoch(s), "
                  f"{len(p['seeds'])} seed(s). Every {p['record_every']} steps: training loss "
                  "and the Frobenius norm of the gradient of the loss with respect to the first "
                  "layer's weights (for plain SGD equal to ‖w_k − w_(k+1)‖ / lr).")
    for scaling in p["scalings"]:
        sec.add_figure(figs[scaling],
                       f"Inputs in {SCALING_NAMES[scaling]}: training loss (left) and first-layer "
                       "gradient norm (right), log scales; ReLU solid, sigmoid dashed. Markers "
                       "at a curve's end: a run that did not end ok (legend). A gradient of "
                       "exactly zero is drawn on the bottom edge of the panel.")
    shown = pd.DataFrame({
        "model": variants.model, "activation": variants.activation,
        "inputs": variants.scaling.map(SCALING_NAMES), "runs": variants.runs,
        "fate": variants.status,
        "final loss (last record)": variants.final_train_loss_mean.map(lambda x: f"{x:.4g}"),
        "‖g‖ first epoch": variants.grad_norm_first_epoch_mean.map(lambda x: f"{x:.3g}"),
        "‖g‖ last epoch": variants.grad_norm_last_epoch_mean.map(lambda x: f"{x:.3g}"),
        "‖g‖ mean": variants.grad_norm_mean_mean.map(lambda x: f"{x:.3g}"),
        "‖g‖ = 0 share": variants.grad_zero_share_mean.map(lambda x: f"{100 * x:.0f} %"),
        "test acc. %": variants.test_acc_mean.map(prose.cell)})
    sec.add_table("Per variant (mean over seeds)", shown)
    _answers(sec, facts, variants, params)
    ratio = facts["ratio"]
    text = f"Activations, {subset}: {prose.status_counts(tables['runs'].status)}"
    if ratio:
        values = pd.Series(ratio["values"])
        text += (f". Where both variants ended ok, the first-layer gradient with ReLU is "
                 f"{values.min():.3g}–{values.max():.3g}× the sigmoid one")
    sec.summary = text + "."
    return sec


def _answers(sec, facts, variants, params):
    base = facts["base_scaling"]
    unit = variants[variants.scaling == base]
    left_out = unit[unit.status != "ok"]
    excluded = ("" if left_out.empty else " Left out of these comparisons, because their runs "
                "did not all end ok: " + "; ".join(f"{r.model} {r.activation} ({r.status})"
                                                  for r in left_out.itertuples()) + ".")
    lines = []
    for act, f in facts["per_activation"].items():
        table = unit[(unit.activation == act) & unit.model.isin(f["models"])]
        order = table.sort_values("grad_norm_mean_mean", ascending=False)
        ranked = ", ".join(f"{r.model} ({r.grad_norm_mean_mean:.3g}, depth "
                           f"{params['depth'][r.model]})" for r in order.itertuples())
        text = f"With {act}, mean gradient norm over training, largest first: {ranked}"
        if len(table) >= 3:
            text += "; " + prose.correlation("depth against gradient norm", f["depth_vs_grad"])
        if len(f["families"]) > 1:
            text += ("; depth and family (MLP against CNN) move together among these models, "
                     "so this comparison cannot tell the effect of depth from that of the family")
        lines.append(text + ".")
    sec.ask("How does the gradient magnitude behave across architectures and with depth?",
            (" ".join(lines) if lines else "No model's runs ended ok, so there is nothing to "
             "compare.") + excluded)
    ratio = facts["ratio"]
    text = ("Expected (textbook): backpropagation multiplies the gradient reaching the first "
            "layer by the derivative of every activation above it; the sigmoid's derivative is "
            "at most 1/4 and near 0 when it saturates, so each sigmoid layer shrinks the "
            "gradient (vanishing gradients), while ReLU's derivative is 1 where a unit is "
            "active. So the ReLU/sigmoid gradient ratio should exceed 1 and grow with depth.")
    if ratio:
        values = ratio["values"]
        above = [m for m in ratio["models"] if values[m] > 1]
        text += (" Measured: the ReLU gradient norm is " + ", ".join(
            f"{values[m]:.3g}× the sigmoid one for {m}" for m in ratio["models"])
            + f"; above 1 for {len(above)} of {len(values)} models"
            + (", as expected." if len(above) == len(values) else ", which only partly agrees."))
        if len(values) >= 3:
            text += " " + prose.correlation("Depth against the ratio",
                                            ratio["depth_vs_ratio"]) + "."
        text += (f" The sigmoid variant ends with the higher training loss (last record) for "
                 f"{len(ratio['sigmoid_higher_loss'])} of {len(values)} models.")
    else:
        text += " Measured: no model has both variants ending ok, so the ratio is not measured."
    sec.ask("Why does it behave so?", text + excluded)
    raw = variants[variants.scaling == "raw"]
    if raw.empty:
        sec.ask("(Bonus) What happens with inputs in [0, 255] instead of [0, 1]?",
                "Not run in this configuration (add 'raw' to activations.scalings).")
        return
    fates = "; ".join(f"{r.model} {r.activation}: {r.status} (final loss "
                      f"{r.final_train_loss_mean:.3g}, test {prose.pct(r.test_acc_mean)}, "
                      f"gradient exactly zero at {100 * r.grad_zero_share_mean:.0f} % of "
                      "records)" for r in raw.itertuples())
    counts = prose.status_counts(raw.worst_status, "variants")
    sec.ask("(Bonus) What happens with inputs in [0, 255] instead of [0, 1]?",
            "Expected: inputs 255 times larger make the first layer's pre-activations and "
            "their gradients about 255 times larger at the same learning rate, so SGD takes "
            "steps that overshoot (the loss blows up) or push units into a regime where they "
            "stop learning (dead ReLUs, saturated sigmoids). Measured on [0, 255]: "
            f"{counts}. Per variant: {fates}.")
