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
    shown = summary[["model", "family", "depth", "parameters", "runs", "test_acc_mean",
                     "test_acc_std", "test_acc_ci_low", "test_acc_ci_high", "best_seed",
                     "best_test_acc", "final_train_acc_mean", "generalisation_gap"]]
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
            {"title": "Test accuracy by model (%; best first)",
             "html": table_html(shown, percent={"test_acc_mean", "test_acc_std",
                                                "test_acc_ci_low", "test_acc_ci_high",
                                                "best_test_acc", "final_train_acc_mean",
                                                "generalisation_gap"})},
            {"title": "First-layer weights: interpretability numbers (best run)",
             "html": table_html(weights, decimals=3)},
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
