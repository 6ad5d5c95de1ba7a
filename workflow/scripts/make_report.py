"""Snakemake entry point: assemble the report from the tables and figures."""
import json
import logging
import sys

import pandas as pd

sys.path.insert(0, snakemake.scriptdir)  # noqa: F821
from nnstudies import answers  # noqa: E402
from nnstudies.report import figure, render, table_html  # noqa: E402

smk = snakemake  # noqa: F821
logging.basicConfig(filename=smk.log[0], level=logging.INFO, format="%(asctime)s %(message)s")
cfg = smk.config
inp = smk.input
data = json.loads(open(inp.data_info).read())
runs = pd.read_csv(inp.runs)


def architectures_section():
    summary = pd.read_csv(inp.arch_summary)
    arch_runs = pd.read_csv(inp.arch_runs)
    weights = pd.read_csv(inp.arch_weights)
    p = cfg["architectures"]
    pc = lambda x: f"{100 * x:.2f}" if x == x else "–"  # noqa: E731 (NaN-safe percent)
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


sections = [architectures_section()]
timing = runs.groupby("study")["train_seconds"].agg(runs="count", total_s="sum", mean_s="mean",
                                                     longest_s="max").reset_index()
first = json.loads(open(inp.summaries[0]).read())
context = {
    "title": "Small-network training studies",
    "config": cfg,
    "data": data,
    "summary": [s["summary"] for s in sections] + [
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
