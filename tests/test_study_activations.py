"""Study 4's prose on hand-made runs, addressed by question id (activations-q<n>)."""
import numpy as np
import pandas as pd
import pytest

from claim_check import assert_wording_ignores_swaps
from handmade import INFO, ZOO, run_dict, through_files, tiny_png, write_run, render_section
from nnstudies import aggregate, appendix
from nnstudies.report import plain
from nnstudies.studies import activations as act

DEPTH = {"mlp_1": 2, "cnn_3": 4, "cnn_5": 7, "cnn_4": 5}
FAMILY = {"mlp_1": "MLP", "cnn_3": "CNN", "cnn_5": "CNN", "cnn_4": "CNN"}


def curve(loss, grad, n=10):
    steps = np.arange(10, 10 * n + 1, 10)
    return pd.DataFrame({"step": steps, "epoch": 1, "lr": 0.01,
                         "train_loss": np.broadcast_to(loss, n).astype(float),
                         "train_acc": 0.5, "grad_norm": np.broadcast_to(grad, n).astype(float)})


def section(tmp_path, spec, scalings=("unit", "raw"), data_scaling="unit"):
    """spec: {(model, activation, scaling): (loss, grad, test_acc)} -> {question id: answer}."""
    sec, runs = build(tmp_path, spec, scalings, data_scaling)
    out = {f"activations-q{q.number}": plain(q.answer, sec) for q in sec.questions}
    return out, plain(sec.summary, sec), sec.intro, runs


def build(tmp_path, spec, scalings=("unit", "raw"), data_scaling="unit"):
    """The section (claims as marks) and the runs table from hand-made runs; loss and grad may
    be one value for every record or one per record (10 records)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    summaries, curves = [], []
    for (model, a, sc), (loss, grad, test_acc) in spec.items():
        name = f"{model}-{a}-{sc}"
        paths = write_run(tmp_path / name, run_dict("activations", name, model, activation=a,
                                                    scaling=sc), curve(loss, grad), test_acc)
        summaries.append(paths[0])
        curves.append(paths[1])
    runs, by_run, variants, _ = aggregate.variant_tables(summaries, curves, 10, 2000)
    models = list(dict.fromkeys(m for m, _, _ in spec))
    params = {"protocol": {"models": models, "activations": ["relu", "sigmoid"],
                           "scalings": list(scalings), "lr": 0.01, "momentum": 0.0,
                           "batch_size": 50, "epochs": 1, "seeds": [0], "record_every": 10},
              "data_scaling": data_scaling,
              "depth": {m: DEPTH[m] for m in models}, "family": {m: FAMILY[m] for m in models},
              "first_layer_weights": {m: act.first_layer_weights(ZOO[m], (1, 28, 28))
                                      for m in models}}
    tables, facts = through_files(tmp_path, {"runs": runs, "variants": variants},
                                  act.facts(variants, params, runs, by_run, 10))
    png = tiny_png(tmp_path)
    sec = render_section(act, facts, tables, {s: png for s in scalings}, params, INFO)
    return sec, runs


HEALTHY = {  # (model, activation, scaling): (loss, gradient norm, test accuracy)
    ("mlp_1", "relu", "unit"): (0.5, 0.3, 0.85), ("mlp_1", "sigmoid", "unit"): (0.8, 0.1, 0.8),
    ("cnn_3", "relu", "unit"): (0.6, 0.2, 0.8), ("cnn_3", "sigmoid", "unit"): (2.3, 0.01, 0.5),
    ("cnn_5", "relu", "unit"): (0.7, 0.1, 0.8), ("cnn_5", "sigmoid", "unit"): (2.3, 0.001, 0.4)}


def test_blown_up_and_stuck_runs_are_named_not_hidden(tmp_path):
    spec = {**HEALTHY,
            ("mlp_1", "relu", "raw"): (2.3, 0.0, 0.10),     # gradient exactly zero: stuck
            ("mlp_1", "sigmoid", "raw"): (1.0, 0.5, 0.6),
            ("cnn_3", "relu", "raw"): (5e9, 1e3, 0.10),     # far above ln 10: blew up
            ("cnn_3", "sigmoid", "raw"): (2.3, 0.2, 0.10),  # at chance: stuck
            ("cnn_5", "relu", "raw"): (0.9, 0.5, 0.7), ("cnn_5", "sigmoid", "raw"): (1.5, 0.1, 0.5)}
    answers, summary, _, runs = section(tmp_path, spec)
    fates = dict(zip(runs.name, runs.status))
    assert fates["cnn_3-relu-raw"] == "blew up" and fates["mlp_1-relu-raw"] == "stuck"
    assert fates["cnn_3-sigmoid-raw"] == "stuck" and fates["cnn_5-relu-raw"] == "ok"
    assert "Of 12 runs, 1 blew up, 2 stuck; 9 ended ok" in summary
    assert "0 of" not in summary and "none diverged" not in summary
    bonus = answers["activations-q3"]
    assert "of 6 variants, 1 blew up, 2 stuck; 3 ended ok" in bonus
    # the blown-up run's gradient counts here (it is the overshoot); the dead ReLU's is zero
    assert "on [0, 255] over that on [0, 1]" in bonus and "5 above 1, 1 below" in bonus
    assert "Verdict: cannot tell" in bonus
    assert "cnn_3 relu: blew up (final loss 5e+09" in bonus
    assert "gradient exactly zero at 100 % of records" in bonus


def test_three_models_give_a_descriptive_correlation_and_name_the_confound(tmp_path):
    answers, _, intro, _ = section(tmp_path, HEALTHY, scalings=("unit",))
    q1 = answers["activations-q1"]
    assert "p =" not in q1 and "not testable with 3 points" in q1
    assert "largest" not in q1
    assert "depth and family (MLP against CNN) move together" in q1
    assert intro.startswith("Models mlp_1, cnn_3 and cnn_5 (3 of the assignment's 5: ")
    q2 = answers["activations-q2"]
    # one run per model: the ratios and a verdict that cannot tell, never "as expected"
    assert "mlp_1 3; cnn_3 20; cnn_5 100" in q2
    assert "Verdict: cannot tell" in q2 and "as expected" not in q2
    assert "Not run in this configuration" in answers["activations-q3"]


def test_runs_that_did_not_end_ok_are_left_out_of_the_depth_comparison(tmp_path):
    spec = dict(HEALTHY)
    spec[("cnn_5", "sigmoid", "unit")] = (2.3, 0.0, 0.1)  # stuck
    answers, _, _, _ = section(tmp_path, spec, scalings=("unit",))
    # a stuck run stays in: its vanishing gradient is the answer; zero makes no finite ratio
    assert "Left out" not in answers["activations-q1"]
    assert "cnn_5 (depth 7) 0" in answers["activations-q1"]
    assert "cnn_5 no finite value" in answers["activations-q2"]


def test_a_blown_up_run_is_left_out_of_the_gradient_comparison(tmp_path):
    spec = dict(HEALTHY)
    spec[("cnn_5", "relu", "unit")] = (5e9, 1e3, 0.1)  # blew up
    answers, _, _, _ = section(tmp_path, spec, scalings=("unit",))
    assert "cnn_5 relu seed 0 (blew up)" in answers["activations-q1"]
    assert "cnn_5 (depth 7)" not in answers["activations-q1"].split("sigmoid")[0]


def test_five_models_with_growing_ratios_agree_with_the_expectation(tmp_path):
    DEPTH.update(mlp_2=3)
    FAMILY.update(mlp_2="MLP")
    spec = {}
    for i, m in enumerate(["mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"]):
        spec[(m, "relu", "unit")] = (0.5, 0.3, 0.85)
        spec[(m, "sigmoid", "unit")] = (1.0, 0.3 / (2 + 3 * i), 0.6)
    answers, summary, _, _ = section(tmp_path, spec, scalings=("unit",))
    q2 = answers["activations-q2"]
    assert "5 above 1, 0 below; with 5 arms not testable" in q2
    assert "the ratio rises with depth (Spearman ρ = 1.00 over 5 points, exact p = 0.017" in q2
    assert q2.count("Verdict: agrees") == 1  # the sign test over 5 arms cannot reach 0.05
    # the depths are two MLPs then three CNNs: the ratio's trend names that confound
    assert "the ratio's trend cannot tell the effect of depth from that of the family" in q2
    # the summary carries the section's verdict and run counts, and no mechanism of its own
    assert ("The ReLU/sigmoid ratios use inputs in [0, 1] and one seed (one ReLU and one "
            "sigmoid run per model). ReLU/sigmoid gradient ratio above 1: cannot tell") in summary
    assert "1 run per model" not in summary
    assert "gradient is nearly zero" not in summary


@pytest.mark.parametrize("scalings", [("unit",), ("unit", "raw")])
def test_no_wording_outside_a_claim_follows_which_model_is_higher(tmp_path, scalings):
    spec = dict(HEALTHY)
    for (m, a, _), v in HEALTHY.items():
        spec[(m, a, "raw")] = (v[0] * 2, v[1] * 10, v[2])
    spec = {k: v for k, v in spec.items() if k[2] in scalings}
    calls = iter(range(100))
    assert_wording_ignores_swaps(lambda arms: build(tmp_path / str(next(calls)), arms,
                                                    scalings)[0], spec,
                                 [(("mlp_1", "relu", "unit"), ("cnn_5", "relu", "unit")),
                                  (("mlp_1", "sigmoid", "unit"), ("cnn_3", "sigmoid", "unit"))])


def test_gradient_norms_of_first_layers_of_different_sizes_name_the_confound(tmp_path):
    """REPORT.md, confounds: a Frobenius norm grows with the number of weights it sums over, so
    norms of first layers of 25,088 and 144 weights are given per weight too, with the caveat."""
    assert act.first_layer_weights(ZOO["mlp_1"], (1, 28, 28)) == 784 * 32
    assert act.first_layer_weights(ZOO["cnn_3"], (1, 28, 28)) == 3 * 3 * 16
    assert act.first_layer_weights(ZOO["cnn_3"], (3, 32, 32)) == 3 * 3 * 3 * 16
    answers, _, _, _ = section(tmp_path, HEALTHY, scalings=("unit",))
    q1 = answers["activations-q1"]
    # mlp_1: 0.3 / sqrt(25,088); cnn_3: 0.2 / sqrt(144); cnn_5: 0.1 / sqrt(72)
    assert ("With relu, that norm per first-layer weight (norm / √weights, the weights' root "
            "mean square gradient): mlp_1 (25,088 weights) 0.00189; cnn_3 (144 weights) "
            "0.0167; cnn_5 (72 weights) 0.0118") in q1
    assert ("grows as the square root of their number (mlp_1 25,088, cnn_3 144, cnn_5 72): the "
            "norms, and their trend with depth, cannot tell depth or family from the size of "
            "the first layer") in q1


def test_the_main_questions_use_the_configured_scaling_not_the_tables_sort_order():
    """The base scaling comes from the configuration: the other studies' data scaling where
    it was run, else the first configured scaling other than the bonus's [0, 255]; [0, 255]
    only when nothing else ran (never the first row of a table sorted by run name)."""
    run = {"unit", "symmetric", "raw"}
    assert act.base_scaling(["symmetric", "raw"], "unit", run)[0] == "symmetric"
    assert act.base_scaling(["raw", "symmetric"], "unit", run)[0] == "symmetric"
    assert act.base_scaling(["unit", "symmetric", "raw"], "symmetric", run)[0] == "symmetric"
    assert act.base_scaling(["unit", "symmetric"], "raw", run)[0] == "unit"
    assert act.base_scaling(["raw"], "unit", {"raw"}) == ("raw", "the only scaling run here")


SYMMETRIC = {(m, a, "symmetric"): v for (m, a, _), v in HEALTHY.items()}
RAW = {  # [0, 255]: ReLU blows up or dies, the sigmoids' first-record gradients grow
    ("mlp_1", "relu", "raw"): ([1e4] + [2.3] * 9, [5.0] + [0.0] * 9, 0.10),
    ("mlp_1", "sigmoid", "raw"): (1.0, 0.5, 0.6),
    ("cnn_3", "relu", "raw"): (5e9, 1e3, 0.10),
    ("cnn_3", "sigmoid", "raw"): (2.3, 0.2, 0.10),
    ("cnn_5", "relu", "raw"): (0.9, 0.5, 0.7), ("cnn_5", "sigmoid", "raw"): (1.5, 0.1, 0.5)}


def test_symmetric_and_raw_answer_q1_q2_from_the_symmetric_runs_and_name_them(tmp_path):
    """Variant D's configuration (scalings [symmetric, raw], data scaling unit): the runs on
    [-1, 1] answer Q1 and Q2, each answer says so, and so does the summary."""
    answers, summary, _, _ = section(tmp_path, {**SYMMETRIC, **RAW},
                                     scalings=("symmetric", "raw"))
    for q in ("activations-q1", "activations-q2"):
        assert answers[q].startswith("Runs on inputs in [-1, 1] (the first configured scaling "
                                     "other than the bonus's [0, 255]). ")
    assert ("With relu on inputs in [-1, 1], mean first-layer gradient norm over training per "
            "model: mlp_1 (depth 2) 0.3; cnn_3 (depth 4) 0.2; cnn_5 (depth 7) 0.1"
            in answers["activations-q1"])
    assert ("ReLU/sigmoid ratio of the mean first-layer gradient norm (same model and seed, "
            "inputs in [-1, 1]): mlp_1 3; cnn_3 20; cnn_5 100" in answers["activations-q2"])
    assert "Left out" not in answers["activations-q2"]  # the [0, 255] runs are the bonus's
    assert ("The ReLU/sigmoid ratios use inputs in [-1, 1] and one seed (one ReLU and one "
            "sigmoid run per model)") in summary


def test_the_bonus_compares_with_the_base_scaling_and_ends_with_a_verdict(tmp_path):
    """Against [-1, 1] the map is x -> 127.5 x + 127.5, not x -> 255 x; the answer names the
    reference, measures the gradient ratio and gives the claim's verdict, and sets each
    variant's outcome on [0, 255] beside its outcome on [-1, 1]."""
    answers, _, _, _ = section(tmp_path, {**SYMMETRIC, **RAW}, scalings=("symmetric", "raw"))
    bonus = answers["activations-q3"]
    assert bonus.startswith("Compared with inputs in [-1, 1], the scaling of Q1 and Q2; [0, 1] "
                            "is not run here. Expected: an input x in [-1, 1] becomes "
                            "127.5 x + 127.5 in [0, 255] (127.5 times the range, shifted; the "
                            "largest input magnitude goes from 1 to 255).")
    assert "255 times larger" not in bonus and "on [0, 1]" not in bonus
    assert ("First-layer gradient norm at the first record on [0, 255] over that on [-1, 1] "
            "(same variant and seed), per variant: above 1 for 6 of 6 arms (mlp_1 relu 16.7; "
            "mlp_1 sigmoid 5; cnn_3 relu 5e+03; cnn_3 sigmoid 20; cnn_5 relu 5; cnn_5 sigmoid "
            "100; sign test p = 0.031). Verdict: agrees.") in bonus
    assert ("Test accuracy on [0, 255] minus on [-1, 1] (same variant and seed), per variant: "
            "mlp_1 relu -75.00 points") in bonus
    assert "mlp_1 relu: stuck (final loss 2.3, test 10.00 %" in bonus
    assert "on [-1, 1]: ok, test 85.00 %)" in bonus
    # on [0, 1] the map is a pure stretch
    answers, _, _, _ = section(tmp_path / "unit", {**HEALTHY, **RAW})
    assert "Expected: an input x in [0, 1] becomes 255 x in [0, 255] (255 times the range; " in (
        answers["activations-q3"])


def test_a_bonus_with_nothing_to_compare_says_why_it_was_not_measured(tmp_path):
    answers, summary, _, _ = section(tmp_path, RAW, scalings=("raw",))
    assert answers["activations-q1"].startswith("Runs on inputs in [0, 255] (the only scaling "
                                                "run here). ")
    bonus = answers["activations-q3"]
    assert bonus.startswith("Expected: inputs in [0, 255]")
    assert ("Not measured: only [0, 255] was run, so there is no other scaling to compare it "
            "with.") in bonus


def test_a_run_that_blew_up_and_then_died_is_not_a_vanishing_gradient_example(tmp_path):
    """A ReLU run whose loss is 1e4 (far above 10 × ln 10) at its first record, then back near
    ln 10 with its units dead (gradient exactly zero): its fate is stuck, but its zero gradient
    is the overshoot's aftermath, so it is left out like a blown-up run, and named so."""
    spec = dict(HEALTHY)
    spec[("mlp_1", "relu", "unit")] = ([1e4] + [2.3] * 9, [5.0] + [0.0] * 9, 0.10)
    answers, summary, _, runs = section(tmp_path, spec, scalings=("unit",))
    assert dict(zip(runs.name, runs.status))["mlp_1-relu-unit"] == "stuck"
    named = ("mlp_1 relu seed 0 (blew up at step 10: training loss 1e+04, above 10 × ln C = "
             "23; then its units died, its first-layer gradient exactly zero at the end)")
    for q in ("activations-q1", "activations-q2"):
        assert named in answers[q].split("Left out of the gradient comparisons")[1]
        assert "Included although stuck" not in answers[q]
    assert "mlp_1 (depth 2)" not in answers["activations-q1"].split("With sigmoid")[0]
    assert ("(same model and seed, inputs in [0, 1]): cnn_3 20; cnn_5 100"
            in answers["activations-q2"])
    assert "for cnn_3 and cnn_5 only, 2 of 3 models" in summary


def _figure_rows(sec):
    """The appendix rows of the seeds' ReLU-against-sigmoid figures (seeds 000 and 001)."""
    return {r["ask"]: r for seed in appendix.collect([act], [sec]) for r in seed["rows"]
            if " Fig. " in r["ask"]}


def test_the_seeds_figure_is_answered_by_the_base_scalings_figure(tmp_path):
    """The appendix row of the seeds' ReLU-against-sigmoid figure points at the section whose
    figure for the base scaling answers it, whatever that scaling is; 'partly' where it is not
    the seeds' [-1, 1]."""
    sec, _ = build(tmp_path / "d", {**SYMMETRIC, **RAW}, scalings=("symmetric", "raw"))
    rows = _figure_rows(sec)
    assert len(rows) == 2
    for row in rows.values():
        assert row["href"] == "activations" and "reason" not in row
        assert row["note"] == "the figure for inputs in [-1, 1], the scaling of Q1 and Q2"
    sec, _ = build(tmp_path / "u", HEALTHY, scalings=("unit",))
    for row in _figure_rows(sec).values():
        assert row["href"] == "activations"
        assert row["note"] == ("partly: the figure for inputs in [0, 1], the scaling of Q1 and "
                               "Q2; the seed's inputs were in [-1, 1], not run here")
    assert "(the runs of Q1 and Q2)" in sec.figures[0]["caption"]


def test_the_notice_lists_scalings_other_than_the_assignments():
    """[-1, 1] and [0, 255] in place of the assignment's [0, 1] (and [0, 255] for the bonus)
    is a departure the notice names; the assignment's own two are none."""
    cfg = {"activations": {**act.PROTOCOL, "seeds": [0],
                           "scalings": ["symmetric", "raw"]}}
    assert "activations: inputs scaled to [-1, 1], [0, 255] (assignment: [0, 1], and [0, 255] " \
           "for the bonus)" in act.departures(cfg)
    cfg["activations"]["scalings"] = ["raw", "unit"]
    assert not [d for d in act.departures(cfg) if "scaled" in d]
