"""Snakemake entry point: assemble the report from the tables and figures."""
import json
import logging
import sys

import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import answers  # noqa: E402
from nnstudies.conv import PARAM_FORMULAS  # noqa: E402
from nnstudies.models import weight_layer_count  # noqa: E402
from nnstudies.report import figure, render, table_html  # noqa: E402
from nnstudies.schedule import describe_rule  # noqa: E402
from nnstudies.logs import to_log  # noqa: E402

smk = snakemake  # noqa: F821
to_log(smk.log[0])
cfg = smk.config
inp = smk.input
data = json.loads(open(inp.data_info).read())
runs = pd.read_csv(inp.runs)


def pc(x):
    """A fraction as a table cell in percent; NaN (no value) as a dash."""
    return f"{100 * x:.2f}" if x == x else "–"


def concepts_section():
    ece = pd.read_csv(inp.concepts_ece)
    iterations = pd.read_csv(inp.concepts_iterations)
    parameters = pd.read_csv(inp.concepts_parameters)
    reliability = pd.read_csv(inp.concepts_reliability)
    identity = json.loads(open(inp.concepts_identity).read())
    per_model = ece.groupby("model", sort=False).ece.agg(["mean", "std", "count"]).reset_index()
    return {
        "id": "concepts", "title": "Study 1: basic concepts, computed",
        "intro": ("Each concept shown on this run's own models and data: calibration of the "
                  "architecture study's trained models on the test set, the SGD update rule on "
                  "a real step, the iteration counts of the actual runs, and the parameter-count "
                  "formulas against torch's count for every declared model."),
        "figures": [figure(inp.concepts_png, "Reliability diagrams on the test set (all seeds "
                                             "pooled): accuracy against mean confidence per "
                                             "bin; the dotted diagonal is perfect calibration.")],
        "tables": [
            {"title": "Expected calibration error (test set)",
             "html": table_html(per_model.rename(columns={"mean": "ECE mean", "std": "std",
                                                          "count": "runs"}), decimals=3)},
            {"title": "Batches per epoch and iterations: formula and runs",
             "html": table_html(iterations)},
            {"title": "Parameter counts: formula and framework",
             "html": table_html(parameters)},
        ],
        "questions": answers.concept_answers(ece, reliability, identity, iterations, parameters,
                                             PARAM_FORMULAS),
        "summary": None,
    }


def convolution_section():
    similarity = json.loads(open(inp.conv_similarity).read())
    agreement = pd.read_csv(inp.conv_agreement)
    layers = pd.read_csv(inp.conv_layers)
    p = cfg["convolution"]
    return {
        "id": "convolution", "title": "Study 2: a convolution layer in NumPy",
        "intro": (f"conv2d (workflow/scripts/nnstudies/conv.py) in NumPy, vectorised, with "
                  f"stride, padding and dilation; here stride 1 and no padding as the assignment "
                  f"asks. Test images {', '.join(map(str, p['images']))} convolved with "
                  f"{len(p['kernels'])} kernels of the configured bank."),
        "figures": [figure(inp.conv_png, "One row per test image (input first), one column per "
                                         "kernel; every map normalised to its own range.")],
        "tables": [
            {"title": "conv2d against torch.nn.functional.conv2d (float64)",
             "html": table_html(agreement, decimals=2)},
            {"title": "Output size and receptive field, layer by layer, for every model",
             "html": table_html(layers)},
        ],
        "questions": answers.convolution_answers(similarity, agreement,
                                                 pd.read_csv(inp.arch_summary)),
        "summary": answers.convolution_summary(similarity, agreement),
    }


def architectures_section():
    summary = pd.read_csv(inp.arch_summary)
    arch_runs = pd.read_csv(inp.arch_runs)
    weights = pd.read_csv(inp.arch_weights)
    p = cfg["architectures"]
    shown = pd.DataFrame({
        "model": summary.model, "family": summary.family, "depth": summary.depth,
        "parameters": summary.parameters.map("{:,}".format), "runs": summary.runs,
        "test acc. %": summary.test_acc_mean.map(pc), "std": summary.test_acc_std.map(pc),
        "95 % CI": [f"{pc(lo)}–{pc(hi)}" for lo, hi in
                    zip(summary.test_acc_ci_low, summary.test_acc_ci_high)],
        "best (seed)": [f"{pc(a)} ({s})" for a, s in zip(summary.best_test_acc,
                                                          summary.best_seed)],
        "final train acc. %": summary.final_train_acc_mean.map(pc),
        "gap (points)": summary.generalisation_gap.map(pc),
    })
    figures = [figure(inp.arch_performance,
                      "Architectures: mean over seeds (band: ± 1 standard deviation). a: training "
                      "loss; b: training (solid) and validation (dashed) accuracy; c: test vs "
                      "final training accuracy (95 % CI); d: validation vs training accuracy "
                      "during training.")]
    for model, path in zip(p["models"], inp.arch_weights_png):
        figures.append({**figure(path, f"{model}: first-layer weights of its best run, grey, "
                                       "one symmetric colour scale per model."), "size": "small"})
    return {
        "id": "architectures", "title": "Study 3: architectures",
        "intro": (f"Each of {len(p['models'])} models trained {len(p['seeds'])} times (seeds "
                  f"{', '.join(map(str, p['seeds']))}) with {p['optimizer']} (lr {p['lr']}), "
                  f"batch {p['batch_size']}, {p['epochs']} epochs; every {p['record_every']} steps "
                  "the training loss and accuracy (mean over those steps) and the accuracy on the "
                  "whole validation split were recorded."),
        "figures": figures,
        "tables": [
            {"title": "Test accuracy by model (best first; spread over seeds)",
             "html": table_html(shown)},
            {"title": "First-layer weights: interpretability numbers (best run)",
             "html": table_html(weights.rename(columns={
                 "best_seed": "best seed", "template_r_mean": "template |r|",
                 "zero_sum_fraction": "zero-sum share", "selectivity_mean": "selectivity",
                 "dead_units": "silent units", "preferred_classes": "preferred classes"}),
                 decimals=3)},
        ],
        "questions": answers.architecture_answers(summary, arch_runs, weights,
                                                  data["class_names"]),
        "summary": answers.architecture_summary(summary, arch_runs),
    }


def activations_section():
    variants = pd.read_csv(inp.act_variants)
    p = cfg["activations"]
    depths = {m: weight_layer_count(cfg["models"][m]) for m in p["models"]}
    shown = pd.DataFrame({
        "model": variants.model, "activation": variants.activation, "inputs": variants.scaling,
        "runs": variants.runs, "diverged": variants.diverged,
        "final loss": variants.final_train_loss_mean.map(lambda x: f"{x:.4g}"),
        "‖g‖ first epoch": variants.grad_norm_first_epoch_mean.map(lambda x: f"{x:.3g}"),
        "‖g‖ last epoch": variants.grad_norm_last_epoch_mean.map(lambda x: f"{x:.3g}"),
        "‖g‖ mean": variants.grad_norm_mean_mean.map(lambda x: f"{x:.3g}"),
    })
    scaling_names = {"unit": "[0, 1]", "symmetric": "[-1, 1]", "raw": "[0, 255]"}
    return {
        "id": "activations", "title": "Study 4: activation functions and gradients",
        "intro": (f"Each model with {' and '.join(p['activations'])} (every ReLU replaced), "
                  f"inputs scaled to {', '.join(scaling_names[x] for x in p['scalings'])}; "
                  f"SGD lr {p['lr']}, momentum {p['momentum']}, batch {p['batch_size']}, "
                  f"{p['epochs']} epochs, {len(p['seeds'])} seed(s). Every {p['record_every']} "
                  "steps: training loss and the Frobenius norm of the gradient of the loss with "
                  "respect to the first layer's weights (for plain SGD equal to "
                  "‖w_k − w_(k+1)‖ / lr)."),
        "figures": [figure(path, f"Inputs in {scaling_names[sc]}: training loss (left) and "
                                 "first-layer gradient norm (right); ReLU solid, sigmoid "
                                 "dashed; × marks a diverged run.")
                    for sc, path in zip(p["scalings"], inp.act_png)],
        "tables": [{"title": "Per variant (mean over seeds)", "html": table_html(shown)}],
        "questions": answers.activation_answers(variants, depths),
        "summary": answers.activation_summary(variants),
    }


def learning_rates_section():
    variants = pd.read_csv(inp.lr_variants)
    lr_runs = pd.read_csv(inp.lr_runs)
    adam = pd.read_csv(inp.lr_adam)
    info = json.loads(open(inp.lr_schedule).read())
    p = cfg["learning_rates"]
    sch = p["schedule"]
    rule = describe_rule(sch["min_delta"], sch["patience"])
    switches = "; ".join(f"seed {seed}: " + (", ".join(
        f"to lr {lr:g} after epoch {e}" for lr, e in zip(sch["lrs"][1:], eps)) or "no switch")
        for seed, eps in info["switch_epochs"].items())
    shown = pd.DataFrame({
        "run": variants.name, "lr": variants.lr.map(lambda x: f"{x:g}"),
        "runs": variants.runs, "diverged": variants.diverged,
        "final val. acc. %": variants.final_val_acc_mean.map(pc),
        "best val. acc. %": variants.best_val_acc_mean.map(pc),
        "test acc. %": variants.test_acc_mean.map(pc),
        f"steps to {100 * p['target_val_acc']:g} %": variants.steps_to_target_mean.map(
            lambda x: "never" if x != x else f"{x:,.0f}"),
    })
    return {
        "id": "learning-rates", "title": "Study 5: learning rate",
        "intro": (f"{p['model']} with SGD (momentum {p['momentum']}), batch {p['batch_size']}, "
                  f"{p['epochs']} epochs at each constant rate "
                  f"{', '.join(f'{x:g}' for x in p['lrs'])}; {len(p['seeds'])} seed(s). "
                  f"Scheduled run: from scratch at {sch['lrs'][0]:g}, switching to "
                  f"{', then '.join(f'{x:g}' for x in sch['lrs'][1:])} (new optimiser, same "
                  f"weights) at each plateau, {sch['epochs']} epochs in all. Plateau rule: "
                  f"{rule}. Switches: {switches}."),
        "figures": [figure(inp.lr_png, "Training loss (left) and validation accuracy (right) "
                                       "per learning rate and for the scheduled run (dotted "
                                       "lines: its switches); × marks a diverged run.")],
        "tables": [{"title": "Per learning rate (mean over seeds)", "html": table_html(shown)}],
        "questions": answers.learning_rate_answers(
            variants, lr_runs, p["target_val_acc"],
            {"rule": rule, "switches": switches, "lrs": sch["lrs"],
             "switch_epochs": info["switch_epochs"],
             "adam_steps_to_target": info["adam_steps_to_target"]
             if info["adam_steps_to_target"] is not None else float("nan")},
            adam),
        "summary": answers.learning_rate_summary(variants),
    }


sections = [concepts_section(), convolution_section(), architectures_section(),
            activations_section(), learning_rates_section()]
timing = runs.groupby("study")["train_seconds"].agg(runs="count", total_s="sum", mean_s="mean",
                                                     longest_s="max").reset_index()
first = json.loads(open(inp.summaries[0]).read())
context = {
    "title": "Small-network training studies",
    "config": cfg,
    "data": data,
    "summary": [s["summary"] for s in sections if s["summary"]] + [
        f"{len(runs)} training runs, {runs['train_seconds'].sum() / 3600:.2f} hours of "
        "training in total (sum over jobs)."],
    "sections": sections,
    "methods": {
        "protocol": [
            f"Input scaling: {cfg['data']['scaling']}; threads per training job: "
            f"{cfg['train']['threads']}; device: {first['device']}.",
            "Training loss and accuracy at a record are the means over the steps since the "
            "previous record; validation accuracy is computed in eval mode on the whole split.",
            "Confidence intervals: 95 %, Student t over seeds. Two models are called separated "
            f"when Welch's t-test over seeds gives p < {answers.ALPHA}.",
        ],
        "timing": table_html(timing, decimals=4),
        "versions": first["versions"],
        "hardware": first["hardware"],
    },
}
render(context, smk.output.html, smk.output.pdf)
logging.info("wrote %s and %s", smk.output.html, smk.output.pdf)
