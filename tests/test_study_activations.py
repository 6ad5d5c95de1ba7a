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
              "activation_layers": {m: act.activation_layers(ZOO[m]) for m in models},
              "first_layer_weights": {m: act.first_layer_weights(ZOO[m], (1, 28, 28))
                                      for m in models}}
    facts = act.facts(variants, params, runs, by_run, 10, INFO["sizes"]["test"])
    # the variant table as the analysis writes it: with each variant's fate cell
    tables, facts = through_files(tmp_path, {"runs": runs,
                                             "variants": act.with_fates(variants, facts)}, facts)
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
    assert "Fates on [0, 255] (table): of 6 variants, 1 blew up, 2 stuck; 3 ended ok." in bonus
    # the blown-up run is named and left out of the ratio (the overshoot, not a small
    # gradient); the dead ReLU, stuck without a blow-up, stays in with its zero gradient
    assert "on [0, 255] over [0, 1], same variant and seed" in bonus
    assert "4 above 1, 1 below" in bonus and "Verdict: cannot tell" in bonus
    assert ("Left out of the ratio, as in Q1 and Q2, because their loss blew up: cnn_3 relu "
            "seed 0 on [0, 255]. On [0, 255] that is the overshoot the expectation allows."
            ) in bonus
    sec, _ = build(tmp_path / "table", spec)
    assert "blew up" in sec.tables[0]["html"] and "100 %" in sec.tables[0]["html"]


def test_three_models_give_a_descriptive_correlation_and_name_the_confound(tmp_path):
    answers, _, intro, _ = section(tmp_path, HEALTHY, scalings=("unit",))
    q1 = answers["activations-q1"]
    assert "p =" not in q1 and "not testable with 3 points" in q1
    assert "largest" not in q1
    # the confound is said once, in the opening; the trend points back to it
    assert ("These models mix MLPs and CNNs, so a trend with depth or with the number of "
            "sigmoid layers here cannot tell its effect from that of the family.") in intro
    assert "the family differs too (see above)" in q1
    assert intro.startswith("Models mlp_1, cnn_3 and cnn_5 (3 of the assignment's 5; mlp_2 "
                            "and cnn_4 left out) with relu")
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
    assert ("cnn_5 has no finite ratio: the sigmoid run's gradient is zero at every record."
            in answers["activations-q2"])


def test_a_blown_up_run_is_left_out_of_the_gradient_comparison(tmp_path):
    spec = dict(HEALTHY)
    spec[("cnn_5", "relu", "unit")] = (5e9, 1e3, 0.1)  # blew up
    answers, _, intro, _ = section(tmp_path, spec, scalings=("unit",))
    assert "Left out of Q1 and Q2: cnn_5 relu seed 0 (blew up)." in intro
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
    assert "5 above 1, 0 below; with 5 models not testable" in q2
    # the mechanism counts sigmoid layers, not weight layers: mlp_1 and mlp_2 both have one
    # (it used to test the ratio against the depth, 2 and 3, and find rho = 1.00)
    assert ("Sigmoid layers between the first layer and the loss (mlp_1 1, mlp_2 1, cnn_3 2, "
            "cnn_4 4, cnn_5 6) against the ReLU/sigmoid ratio") in q2
    assert "the ratio rises with sigmoid layers (Spearman ρ = 0.97 over 5 points, exact " \
        "p = 0.033" in q2 and "rises with depth" not in q2
    assert q2.count("Verdict: agrees") == 1  # the sign test over 5 arms cannot reach 0.05
    # two MLPs then three CNNs: the ratio's trend points to that confound
    assert "exact p = 0.033). Verdict: agrees; the family differs too (see above)" in q2
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


def test_the_depth_mechanism_counts_the_sigmoids_the_gradient_passes_through():
    """Each sigmoid multiplies the gradient by its derivative: the mechanism's variable is
    the number of activations after the first weight layer, not the weight layers (mlp_2's
    second fc layer has no activation after it)."""
    from nnstudies.models import weight_layer_count
    layers = {m: act.activation_layers(ZOO[m]) for m in act.PROTOCOL["models"]}
    assert layers == {"mlp_1": 1, "mlp_2": 1, "cnn_3": 2, "cnn_4": 4, "cnn_5": 6}
    assert weight_layer_count(ZOO["mlp_2"]) == 3 and weight_layer_count(ZOO["cnn_4"]) == 5
    assert act.activation_layers(["relu", "fc 10", "relu"]) == 1  # none before the first
    assert "not the depth" in act.DEPTH_EXPECTED


def test_gradient_norms_of_first_layers_of_different_sizes_name_the_confound(tmp_path):
    """REPORT.md, confounds: a Frobenius norm grows with the number of weights it sums over, so
    norms of first layers of 25,088 and 144 weights are given per weight too, with the caveat."""
    assert act.first_layer_weights(ZOO["mlp_1"], (1, 28, 28)) == 784 * 32
    assert act.first_layer_weights(ZOO["cnn_3"], (1, 28, 28)) == 3 * 3 * 16
    assert act.first_layer_weights(ZOO["cnn_3"], (3, 32, 32)) == 3 * 3 * 3 * 16
    answers, _, _, _ = section(tmp_path, HEALTHY, scalings=("unit",))
    q1 = answers["activations-q1"]
    # mlp_1: 0.3 / sqrt(25,088); cnn_3: 0.2 / sqrt(144); cnn_5: 0.1 / sqrt(72)
    assert ("With relu, the norm per first-layer weight (norm / √weights): mlp_1 (25,088 "
            "weights) 0.00189; cnn_3 (144 weights) 0.0167; cnn_5 (72 weights) 0.0118") in q1
    assert ("grows as the square root of their number (mlp_1 25,088, cnn_3 144, cnn_5 72). So "
            "the norms, and their trend with depth, cannot tell depth or family from the size "
            "of the first layer") in q1


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
    answers, summary, intro, _ = section(tmp_path, {**SYMMETRIC, **RAW},
                                         scalings=("symmetric", "raw"))
    # said once, in the section's opening (it used to open both answers)
    assert ("Questions 1 and 2 use the runs on inputs in [-1, 1] (the first configured scaling "
            "other than the bonus's [0, 255]).") in intro
    for q in ("activations-q1", "activations-q2"):
        assert "Runs on inputs" not in answers[q] and "first configured" not in answers[q]
    assert ("With relu on inputs in [-1, 1], mean first-layer gradient norm over training per "
            "model: mlp_1 (depth 2) 0.3; cnn_3 (depth 4) 0.2; cnn_5 (depth 7) 0.1"
            in answers["activations-q1"])
    assert ("ReLU/sigmoid gradient ratio per model: mlp_1 3; cnn_3 20; cnn_5 100"
            in answers["activations-q2"])
    assert "Left out" not in answers["activations-q2"]  # the [0, 255] runs are the bonus's
    assert ("The ReLU/sigmoid ratios use inputs in [-1, 1] and one seed (one ReLU and one "
            "sigmoid run per model)") in summary


def test_the_bonus_compares_with_the_base_scaling_and_ends_with_a_verdict(tmp_path):
    """Against [-1, 1] the map is x -> 127.5 x + 127.5, not x -> 255 x; the answer names the
    reference, measures the gradient ratio on the runs whose loss did not blow up and gives
    the claim's verdict, and sets each variant's test accuracy on [0, 255] against [-1, 1]."""
    answers, _, _, _ = section(tmp_path, {**SYMMETRIC, **RAW}, scalings=("symmetric", "raw"))
    bonus = answers["activations-q3"]
    assert bonus.startswith("Compared with inputs in [-1, 1], the scaling of Q1 and Q2; [0, 1] "
                            "is not run here.")
    assert ("Expected: an input x in [-1, 1] becomes 127.5 x + 127.5 in [0, 255]: its largest "
            "magnitude grows from 1 to 255.") in bonus
    assert "255 times larger" not in bonus and "on [0, 1]" not in bonus
    assert ("Test accuracy on [0, 255] minus on [-1, 1] (same variant and seed), per variant: "
            "mlp_1 relu -75.00 points") in bonus
    # on [0, 1] the map is a pure stretch
    answers, _, _, _ = section(tmp_path / "unit", {**HEALTHY, **RAW})
    assert ("Expected: an input x in [0, 1] becomes 255 x in [0, 255]: its largest magnitude "
            "grows from 1 to 255.") in answers["activations-q3"]
    # where no run's loss blew up, six variants of larger gradients reach the sign test
    grown = {(m, a, "raw"): (v[0], v[1] * 5, v[2]) for (m, a, _), v in HEALTHY.items()}
    answers, _, _, _ = section(tmp_path / "grown", {**SYMMETRIC, **grown},
                               scalings=("symmetric", "raw"))
    assert ("First-layer gradient norm at step 10, the first record (after 9 updates), on "
            "[0, 255] over [-1, 1], same variant and seed, per variant: above 1 for 6 of 6 "
            "variants (mlp_1 relu 5; mlp_1 sigmoid 5; cnn_3 relu 5; cnn_3 sigmoid 5; cnn_5 "
            "relu 5; cnn_5 sigmoid 5; sign test p = 0.031). Verdict: agrees.") in (
        answers["activations-q3"])


def test_runs_whose_loss_blew_up_are_left_out_of_the_bonus_ratio(tmp_path):
    """Variant D: both ReLU runs on [0, 255] blew up by their first record, their gradient
    zero there. That is the overshoot the expectation allows, not a smaller gradient: they
    are left out of the ratio as in Q1 and Q2 and named, never counted as ratios near 0 (the
    ratio used to count them as 2 of 4 variants below 1). The record's step says how far the
    weights are from their shared start."""
    answers, _, _, _ = section(tmp_path, {**SYMMETRIC, **RAW}, scalings=("symmetric", "raw"))
    bonus = answers["activations-q3"]
    assert ("First-layer gradient norm at step 10, the first record (after 9 updates), on "
            "[0, 255] over [-1, 1], same variant and seed, per variant: mlp_1 sigmoid 5; "
            "cnn_3 sigmoid 20; cnn_5 relu 5; cnn_5 sigmoid 100 (4 above 1, 0 below; with 4 "
            "variants not testable: the smallest p a sign test can give is 0.12). Verdict: "
            "cannot tell") in bonus
    assert "mlp_1 relu 16.7" not in bonus and "cnn_3 relu 5e+03" not in bonus
    assert ("Left out of the ratio, as in Q1 and Q2, because their loss blew up: mlp_1 relu "
            "seed 0 on [0, 255]; cnn_3 relu seed 0 on [0, 255]. On [0, 255] that is the "
            "overshoot the expectation allows.") in bonus
    assert "counts against the expectation" not in bonus and "equal weights" not in bonus
    # a blow-up on the base scaling leaves its pair out too, named on its own inputs
    spec = {**SYMMETRIC, **RAW, ("cnn_5", "relu", "symmetric"): (5e9, 1e3, 0.1)}
    bonus = section(tmp_path / "base", spec, scalings=("symmetric", "raw"))[0]["activations-q3"]
    assert "cnn_5 relu seed 0 on [-1, 1]" in bonus and "cnn_5 relu 5;" not in bonus


def test_a_run_stuck_after_its_loss_blew_up_has_one_fate_everywhere(tmp_path):
    """The run whose loss blew up at its first record and then ended stuck: the runs table
    says stuck (stats.run_status), and so does every count, table cell and sentence of the
    section, as 'stuck after its loss blew up', defined once in the opening (the bonus used
    to say 'blew up at step 10' in one sentence and count it stuck in the next)."""
    sec, runs = build(tmp_path, {**SYMMETRIC, **RAW}, scalings=("symmetric", "raw"))
    assert dict(zip(runs.name, runs.status))["mlp_1-relu-raw"] == "stuck"
    intro, summary = sec.intro, plain(sec.summary, sec)
    bonus = plain(sec.questions[2].answer, sec)
    assert ("A run is called stuck after its loss blew up when its training loss passed 10 × "
            "ln C = 23 at a record without meeting the methods' rule for a blow-up: mlp_1 "
            "relu seed 0 on [0, 255] (to 1e+04 at step 10).") in intro
    assert ("Fates on [0, 255] (table): of 6 variants, 1 blew up (cnn_3 relu), 1 stuck after "
            "its loss blew up (mlp_1 relu), 1 stuck (cnn_3 sigmoid); 3 ended ok.") in bonus
    assert "Of 12 runs, 1 blew up, 1 stuck after its loss blew up, 1 stuck; 9 ended ok" \
        in summary
    assert "blew up at step" not in bonus + intro and "Runs that blew up or" not in bonus
    assert "<td>stuck after its loss blew up</td>" in sec.tables[0]["html"]


def test_the_opening_says_once_what_holds_for_the_section(tmp_path):
    """The base scaling, the fate filter, the stuck runs kept and the depth-family confound
    are said once, in the opening; the answers do not repeat them, and Q2 gives the ratios
    once (it used to list them in a values sentence and again in the claim)."""
    spec = {**SYMMETRIC, **RAW, ("cnn_5", "sigmoid", "symmetric"): (2.3, 0.0, 0.1)}
    answers, _, intro, _ = section(tmp_path, spec, scalings=("symmetric", "raw"))
    assert ("Stuck runs stay in, since a small or zero gradient is what vanishing gradients "
            "or dead units look like: on [-1, 1] (Q1 to Q3), cnn_5 sigmoid seed 0; on [0, 255] "
            "(Q3), cnn_3 sigmoid seed 0.") in intro
    assert ("These models mix MLPs and CNNs, so a trend with depth or with the number of "
            "sigmoid layers here cannot tell its effect from that of the family.") in intro
    assert "for that step's batch alone" in intro and "averaged over the steps" in intro
    for q in ("activations-q1", "activations-q2"):
        assert "Included although stuck" not in answers[q] and "Runs on inputs" not in answers[q]
        assert "These models mix" not in answers[q]
        assert "the family differs too (see above)" in answers[q]
    assert answers["activations-q2"].count("mlp_1 3;") == 1


def test_every_ask_of_the_activations_part_says_which_models_it_covers(tmp_path):
    """Study 4 runs mlp_1 and cnn_3 of the assignment's five: every appendix row of the EE449
    activations part says so, as Study 3's rows do; seed 003's sigmoid-against-ReLU row keeps
    its own note."""
    sec, _ = build(tmp_path, {k: v for k, v in {**SYMMETRIC, **RAW}.items()
                              if k[0] != "cnn_5"}, scalings=("symmetric", "raw"))
    rows = [r for seed in appendix.collect([act], [sec]) for r in seed["rows"]]
    left = "mlp_1 and cnn_3 only; the assignment's mlp_2, cnn_4 and cnn_5 are not run here"
    ee449 = [r for r in rows if r["ask"] != act.ASKED[-1]["ask"]]
    assert len(ee449) == 8
    for row in ee449:
        assert row["note"].startswith("partly: ") and row["note"].endswith(left), row
    assert [r["note"] for r in rows if r["ask"] == act.ASKED[-1]["ask"]] == [
        act.ASKED[-1]["note"]]
    # the whole zoo run: no model note
    assert not any(act.asked_notes("symmetric", ["symmetric"], act.PROTOCOL["models"])[a]
                   .startswith("partly") for a in act.FIGURE_ASKS)
    assert set(act.asked_notes("symmetric", ["symmetric"], act.PROTOCOL["models"])) == set(
        act.FIGURE_ASKS)


def test_a_bonus_with_nothing_to_compare_says_why_it_was_not_measured(tmp_path):
    answers, summary, intro, _ = section(tmp_path, RAW, scalings=("raw",))
    assert "Questions 1 and 2 use the runs on inputs in [0, 255] (the only scaling run here)." \
        in intro
    bonus = answers["activations-q3"]
    assert "Expected: inputs in [0, 255]" in bonus
    assert ("Not measured: only [0, 255] was run, so there is no other scaling to compare it "
            "with.") in bonus


def test_a_run_that_blew_up_and_then_died_is_not_a_vanishing_gradient_example(tmp_path):
    """A ReLU run whose loss is 1e4 (far above 10 × ln 10) at its first record, then back near
    ln 10 with its units dead (gradient exactly zero): its fate is stuck, but its zero gradient
    is the overshoot's aftermath, so it is left out like a blown-up run, and named so."""
    spec = dict(HEALTHY)
    spec[("mlp_1", "relu", "unit")] = ([1e4] + [2.3] * 9, [5.0] + [0.0] * 9, 0.10)
    answers, summary, intro, runs = section(tmp_path, spec, scalings=("unit",))
    assert dict(zip(runs.name, runs.status))["mlp_1-relu-unit"] == "stuck"
    assert ("Left out of Q1 and Q2: mlp_1 relu seed 0 (stuck after its loss blew up, to 1e+04 "
            "at step 10).") in intro
    assert "Stuck runs stay in" not in intro  # it is not kept as a vanishing gradient
    assert "mlp_1 (depth 2)" not in answers["activations-q1"].split("With sigmoid")[0]
    assert ("ReLU/sigmoid gradient ratio per model: cnn_3 20; cnn_5 100"
            in answers["activations-q2"])
    assert "for cnn_3 and cnn_5 only, 2 of 3 models" in summary


def _figure_rows(sec):
    """The appendix rows of the seeds' ReLU-against-sigmoid figures (seeds 000 and 001)."""
    return {r["ask"]: r for seed in appendix.collect([act], [sec]) for r in seed["rows"]
            if " Fig. " in r["ask"]}


def test_the_seeds_figure_is_answered_by_the_base_scalings_figure(tmp_path):
    """The appendix row of the seeds' ReLU-against-sigmoid figure points at the section whose
    figure for the base scaling answers it, whatever that scaling is; 'partly' where it is not
    the seeds' [-1, 1]; and which of the assignment's models it shows, where not all."""
    sec, _ = build(tmp_path / "d", {**SYMMETRIC, **RAW}, scalings=("symmetric", "raw"))
    rows = _figure_rows(sec)
    assert len(rows) == 2
    for row in rows.values():
        assert row["href"] == "activations" and "reason" not in row
        assert row["note"] == ("partly: the figure for inputs in [-1, 1], the scaling of Q1 "
                               "and Q2; mlp_1, cnn_3 and cnn_5 only; the assignment's mlp_2 "
                               "and cnn_4 are not run here")
    sec, _ = build(tmp_path / "u", HEALTHY, scalings=("unit",))
    for row in _figure_rows(sec).values():
        assert row["href"] == "activations"
        assert row["note"] == ("partly: the figure for inputs in [0, 1], the scaling of Q1 and "
                               "Q2; the seed's inputs were in [-1, 1], not run here; mlp_1, "
                               "cnn_3 and cnn_5 only; the assignment's mlp_2 and cnn_4 are "
                               "not run here")
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


HALVED = {(m, a, "unit"): (loss, grad / 2, acc - 0.1) for (m, a, _), (loss, grad, acc)
          in HEALTHY.items()}


def test_a_second_scaling_is_compared_with_the_base_not_left_to_the_table(tmp_path):
    """Variant E: [-1, 1] (the data scaling) and [0, 1], no [0, 255]. The [0, 1] runs used to
    be 'in the table and their figure only', and Q3 said 'Not run': now Q2 gives their
    ReLU/sigmoid ratios and Q3 measures [0, 1] against [-1, 1], said to be not the asked
    [0, 255], with no verdict (no textbook expectation is stated for it)."""
    sec, _ = build(tmp_path, {**SYMMETRIC, **HALVED}, scalings=("symmetric", "unit"),
                   data_scaling="symmetric")
    intro = sec.intro
    answers = {f"activations-q{q.number}": plain(q.answer, sec) for q in sec.questions}
    assert "in the table and their figure only" not in intro
    assert ("Questions 1 and 2 use the runs on inputs in [-1, 1] (the data scaling of the other "
            "studies); Q3 compares those on [0, 1] with them.") in intro
    assert "The same ratio on inputs in [0, 1]: mlp_1 3; cnn_3 20; cnn_5 100." \
        in answers["activations-q2"]
    bonus = answers["activations-q3"]
    assert bonus.startswith("Not run in this configuration (add 'raw' to activations.scalings)."
                            " Measured instead, a change of input scale that is not the asked "
                            "one. First-layer gradient norm at step 10, the first record (after "
                            "9 updates), on [0, 1] over [-1, 1], same variant and seed, per "
                            "variant: below 1 for 6 of 6 variants (mlp_1 relu 0.5;")
    assert "sign test p = 0.031" in bonus and "Verdict" not in bonus
    assert ("Test accuracy on [0, 1] minus on [-1, 1] (same variant and seed), per variant: "
            "below 0 for 6 of 6 variants (mlp_1 relu -10.00 points") in bonus
    captions = [f["caption"] for f in sec.figures]
    assert any("Inputs in [0, 1] (compared in Q3)" in c for c in captions)


def test_a_bonus_whose_scaling_is_not_run_is_not_counted_as_answered(tmp_path):
    """The appendix lists the bonus asks as not reproduced, with the reason, where [0, 255]
    is not run (they used to link a Q3 that said 'Not run' and count as answered); the
    other asks keep their links."""
    sec, _ = build(tmp_path, {**SYMMETRIC, **HALVED}, scalings=("symmetric", "unit"),
                   data_scaling="symmetric")
    seeds = appendix.collect([act], [sec])
    bonus = [r for seed in seeds for r in seed["rows"] if r["ask"] in act.BONUS_ASKS]
    assert len(bonus) == 2
    for row in bonus:
        assert "href" not in row
        assert row["reason"] == ("inputs in [0, 255] are not run in this configuration; Q3 "
                                 "compares [0, 1] with [-1, 1] instead")
    assert {s["seed"]: s["answered"] for s in seeds} == {"000": 3, "001": 3, "003": 1}
    # [0, 255] beside [0, 1]: the bonus is answered
    sec, _ = build(tmp_path / "raw", {**HEALTHY, **RAW})
    assert not getattr(sec, "asked_reasons", {})
    # [0, 255] alone: nothing to compare it with
    sec, _ = build(tmp_path / "alone", RAW, scalings=("raw",))
    assert set(sec.asked_reasons) == set(act.BONUS_ASKS)


def test_with_three_scalings_the_bonus_is_read_against_unit_and_the_other_too(tmp_path):
    """[-1, 1], [0, 1] and [0, 255], the base [-1, 1]: the bonus compares [0, 255] with [0, 1],
    as it asks (it used to compare with the base and say '[0, 1] is not the reference
    here'), and [0, 1] is measured against [-1, 1] too."""
    spec = {**SYMMETRIC, **HALVED, **{(m, a, "raw"): (v[0], v[1] * 5, v[2])
                                      for (m, a, _), v in HEALTHY.items()}}
    answers, _, intro, _ = section(tmp_path, spec, scalings=("symmetric", "unit", "raw"),
                                   data_scaling="symmetric")
    bonus = answers["activations-q3"]
    assert bonus.startswith("Compared with inputs in [0, 1], as the bonus asks.")
    assert "not the reference here" not in bonus
    assert "Expected: an input x in [0, 1] becomes 255 x in [0, 255]" in bonus
    assert "on [0, 255] over [0, 1], same variant and seed, per variant: above 1 for 6 of 6" \
        in bonus
    assert ("Also measured, another change of input scale. First-layer gradient norm at step "
            "10, the first record (after 9 updates), on [0, 1] over [-1, 1]") in bonus
    assert "Q3 compares those on [0, 1] with them" in intro


def test_a_model_the_configuration_adds_is_not_counted_among_the_assignments(tmp_path,
                                                                              monkeypatch):
    """Variant F runs cnn_small (declared by the configuration) and cnn_5: the opening and the
    summary used to say '2 of the assignment's 5: mlp_1, mlp_2, cnn_3, cnn_4 and cnn_5'. Only
    the assignment's models are counted; an added one is named as added, as the notice does."""
    assert act.model_subset(["cnn_small", "cnn_5"]) == (
        "models cnn_5 (1 of the assignment's 5; mlp_1, mlp_2, cnn_3 and cnn_4 left out) and "
        "model cnn_small (added in this configuration)")
    assert act.model_subset(["cnn_small"]).startswith(
        "model cnn_small (added in this configuration; none of the assignment's 5")
    assert act.model_subset(act.PROTOCOL["models"]) == "every model of the assignment's zoo"
    assert act.model_subset(act.PROTOCOL["models"] + ["cnn_small"]).endswith(
        "and model cnn_small (added in this configuration)")
    monkeypatch.setitem(ZOO, "cnn_small", ZOO["cnn_3"])
    monkeypatch.setitem(DEPTH, "cnn_small", 2)
    monkeypatch.setitem(FAMILY, "cnn_small", "CNN")
    spec = {("cnn_small", a, "unit"): v for (m, a, _), v in HEALTHY.items() if m == "cnn_3"}
    spec.update({k: v for k, v in HEALTHY.items() if k[0] == "cnn_5"})
    _, summary, intro, _ = section(tmp_path, spec, scalings=("unit",))
    for text in (intro, summary):
        assert "2 of the assignment's" not in text
        assert "cnn_5 (1 of the assignment's 5; mlp_1, mlp_2, cnn_3 and cnn_4 left out) and " \
            "model cnn_small (added in this configuration)" in text


def test_a_ratio_whose_relu_run_is_stuck_too_is_said_not_to_show_relu_helping(tmp_path):
    """Variant F: cnn_5's ReLU run on [0, 1] is stuck like its sigmoid run, so its ratio (149
    there) divides one run that did not learn by another; Q2 and the summary used to give it
    beside the expectation that ReLU keeps the gradient alive without saying so. Its
    first-layer gradient hit exactly zero: the premise fails there, measured."""
    spec = dict(HEALTHY)
    spec[("cnn_5", "relu", "unit")] = (2.3, [0.0005] * 4 + [0.0] * 6, 0.1)  # stuck: dead
    spec[("cnn_5", "sigmoid", "unit")] = (2.3, 2e-06, 0.1)
    answers, summary, _, _ = section(tmp_path, spec, scalings=("unit",))
    q2 = answers["activations-q2"]
    assert ("cnn_5's ReLU run is stuck too, like its sigmoid run (test accuracy 10.00 % and "
            "10.00 %; mean first-layer gradient norm 0.0002 and 2e-06): its ratio 100 compares "
            "two runs within noise of chance on the test set after 100 steps; its first-layer "
            "gradient was exactly zero at 6 of its 10 records: no active ReLU path passed it to "
            "the first layer there. The expectation's premise, active ReLU units passing the "
            "gradient on, fails in the ReLU run of cnn_5 (a first-layer gradient of exactly "
            "zero), so its ratio does not show ReLU keeping the gradient alive.") in q2
    assert "mlp_1's ReLU run" not in q2 and "cnn_3's ReLU run" not in q2
    assert ("among them the ReLU run of cnn_5, whose first-layer gradient was exactly zero at "
            "a record, so its ratio does not show ReLU keeping the gradient alive: see Q2"
            ) in summary
    # a stuck sigmoid beside a ReLU run that learned is the textbook case: no caveat
    spec[("cnn_5", "relu", "unit")] = HEALTHY[("cnn_5", "relu", "unit")]
    answers, summary, _, _ = section(tmp_path / "ok", spec, scalings=("unit",))
    assert "premise" not in answers["activations-q2"] and "among them" not in summary


def test_the_premise_is_not_said_to_fail_where_the_relu_gradient_stayed_alive(tmp_path):
    """Variant G: mlp_2's and cnn_4's ReLU runs on [0, 1] are stuck by their test accuracy
    (36.34 % against a 36.50 % line, 33.38 %) but their first-layer gradient was alive at
    every record (0.27 to 0.57; cnn_4's 138 times its sigmoid's) and mlp_2's training loss
    fell (1.105 to 1.084). Q2 said 'the expectation's premise, active ReLU units passing the
    gradient on, fails in these ReLU runs' from the label stuck alone. The verdict is now
    decided per run from its records: it fails only where the gradient was exactly zero."""
    spec = dict(HEALTHY)
    spec[("cnn_3", "relu", "unit")] = (np.linspace(2.31, 2.25, 10), 0.05, 0.1)  # alive
    spec[("cnn_5", "relu", "unit")] = (2.3, [0.001] * 4 + [0.0] * 6, 0.1)      # dead
    spec[("cnn_5", "sigmoid", "unit")] = (2.3, 2e-06, 0.1)
    answers, summary, _, _ = section(tmp_path, spec, scalings=("unit",))
    q2 = answers["activations-q2"]
    assert ("cnn_3's ReLU run is stuck, its sigmoid run ok (test accuracy 10.00 % and 50.00 %; "
            "mean first-layer gradient norm 0.05 and 0.01): its ratio 5 is that of a ReLU run "
            "within noise of chance on the test set after 100 steps; its first-layer gradient "
            "stayed above zero at every record (0.05), and its training loss went from 2.31 to "
            "2.25 (ln C = 2.303, within 5 % of it at every record)") in q2
    assert ("fails in the ReLU run of cnn_5 (a first-layer gradient of exactly zero), so its "
            "ratio does not show") in q2
    assert ("The premise is not seen to fail in the ReLU run of cnn_3, whose gradient reached "
            "the first layer (how many units were active was not measured).") in q2
    assert "fails in these ReLU runs" not in q2 and "did not learn" not in q2
    assert ("(among them the ReLU run of cnn_5, whose first-layer gradient was exactly zero at "
            "a record, so its ratio does not show ReLU keeping the gradient alive; and that of "
            "cnn_3, stuck within noise of chance on the test set with a first-layer gradient "
            "that stayed alive: see Q2)") in summary
    # every stuck ReLU run alive: no run is said to fail the premise, in Q2 or the summary
    spec[("cnn_5", "relu", "unit")] = (2.3, 0.001, 0.1)
    answers, summary, _, _ = section(tmp_path / "alive", spec, scalings=("unit",))
    q2 = answers["activations-q2"]
    assert " fails" not in q2 and "does not show ReLU keeping" not in summary
    assert ("The expectation's premise, active ReLU units passing the gradient on, is not seen "
            "to fail in the ReLU runs of cnn_3 and cnn_5, whose gradient reached the first "
            "layer") in q2
    assert ("(among them the ReLU runs of cnn_3 and cnn_5, stuck within noise of chance on the "
            "test set with a first-layer gradient that stayed alive: see Q2)") in summary


def test_the_bonus_says_where_larger_inputs_helped_not_only_the_harm_expected(tmp_path):
    """Variant F: on [0, 255] cnn_5 relu learned (stuck on [0, 1]) and cnn_small sigmoid gained
    27 points; cnn_small relu's loss blew up at step 10 and recovered. The answer used to give
    only the expected harm ('the overshoot the expectation allows'), and a +0.05 point change
    (one test image) counted as 'above 0' with nothing to size it by. Then its closing
    sentence ('the outcome in fates: ..., and in test accuracy, the differences above') could
    not be parsed, named only the variants whose fate changed (not cnn_small sigmoid's +27
    points) and left a tie unsaid: every variant is now named with its change, ties too."""
    spec = {**HEALTHY,
            ("mlp_1", "relu", "raw"): ([1e4] + [0.5] * 9, 0.3, 0.8505),  # blew up, recovered
            ("mlp_1", "sigmoid", "raw"): (0.8, 0.5, 0.8),
            ("cnn_3", "relu", "raw"): (0.6, 1.0, 0.8),
            ("cnn_3", "sigmoid", "raw"): (1.0, 0.05, 0.77),                # +27 points
            ("cnn_5", "relu", "raw"): (0.7, 0.5, 0.8),
            ("cnn_5", "sigmoid", "raw"): (2.3, 0.01, 0.1)}                 # stuck: -30 points
    spec[("cnn_5", "relu", "unit")] = (2.3, 0.0003, 0.1)                  # stuck on [0, 1]
    bonus = section(tmp_path, spec)[0]["activations-q3"]
    assert ("Left out of the ratio, as in Q1 and Q2, because their loss blew up: mlp_1 relu "
            "seed 0 on [0, 255]. On [0, 255] that is the overshoot the expectation allows; it "
            "then recovered and ended ok.") in bonus
    assert ("The expectation names harm only; what each variant reached, test accuracy on "
            "[0, 1] → on [0, 255] (one test image is 0.05 points): mlp_1 relu 85.00 % → "
            "85.05 %; mlp_1 sigmoid 80.00 % → 80.00 %; cnn_3 relu 80.00 % → 80.00 %; cnn_3 "
            "sigmoid 50.00 % → 77.00 %; cnn_5 relu 10.00 % → 80.00 % (stuck → ok); cnn_5 "
            "sigmoid 40.00 % → 10.00 % (ok → stuck).") in bonus
    assert "cnn_3 sigmoid +27.00 points" in bonus and "the differences above" not in bonus
    # the ties are said where the count of sides leaves them out
    assert ("Test accuracy on [0, 255] minus on [0, 1] (same variant and seed; mlp_1 sigmoid "
            "and cnn_3 relu at 0, a tie counted on neither side), per variant") in bonus
    assert "(3 above 0, 1 below;" in bonus
    # stuck on both (a tie at chance), and a run with no test accuracy
    rows = [{"variant": "cnn_5 sigmoid", "status": "stuck", "ref_status": "stuck",
             "test_acc": 0.2, "ref_test_acc": 0.2},
            {"variant": "cnn_3 relu", "status": "diverged", "ref_status": "ok",
             "test_acc": float("nan"), "ref_test_acc": 0.8}]
    assert act._outcome_text({"ref": "unit", "n_test": 2000, "rows": rows}) == (
        "The expectation names harm only; what each variant reached, test accuracy on [0, 1] "
        "→ on [0, 255] (one test image is 0.05 points): cnn_5 sigmoid 20.00 % → 20.00 % "
        "(stuck on both); cnn_3 relu 80.00 % → none (ok → diverged).")


def test_the_opening_names_every_stuck_run_kept_with_its_inputs(tmp_path):
    """Variant F: three runs are stuck, cnn_5 relu and sigmoid on [0, 1] and cnn_5 sigmoid on
    [0, 255] (in Q3's ratio); the opening's list of stuck runs kept named only the two on
    [0, 1], without their inputs, so a reader could not tell which cnn_5 sigmoid run was
    meant. Every stuck run a gradient comparison keeps is named, with its inputs and the
    questions that use it."""
    spec = {**HEALTHY,
            ("mlp_1", "relu", "raw"): (0.5, 1.0, 0.85),
            ("mlp_1", "sigmoid", "raw"): (0.8, 0.5, 0.8),
            ("cnn_3", "relu", "raw"): (0.6, 1.0, 0.8),
            ("cnn_3", "sigmoid", "raw"): (1.0, 0.05, 0.77),
            ("cnn_5", "relu", "raw"): (0.7, 0.5, 0.8),
            ("cnn_5", "sigmoid", "raw"): (2.3, 0.01, 0.1)}                 # stuck on [0, 255]
    spec[("cnn_5", "relu", "unit")] = (2.3, 0.0003, 0.1)                  # stuck on [0, 1]
    spec[("cnn_5", "sigmoid", "unit")] = (2.3, 2e-06, 0.1)                # stuck on [0, 1]
    _, _, intro, runs = section(tmp_path, spec)
    assert sorted(runs.name[runs.status == "stuck"]) == [
        "cnn_5-relu-unit", "cnn_5-sigmoid-raw", "cnn_5-sigmoid-unit"]
    assert ("Stuck runs stay in, since a small or zero gradient is what vanishing gradients or "
            "dead units look like: on [0, 1] (Q1 to Q3), cnn_5 relu seed 0 and cnn_5 sigmoid "
            "seed 0; on [0, 255] (Q3), cnn_5 sigmoid seed 0.") in intro
    # a stuck run on [0, 255] whose pair on [0, 1] blew up is in no comparison: not listed
    spec[("cnn_5", "sigmoid", "unit")] = (5e9, 1e3, 0.1)
    intro = section(tmp_path / "unpaired", spec)[2]
    assert "look like: on [0, 1] (Q1 and Q3), cnn_5 relu seed 0." in intro


def test_a_caption_says_where_two_curves_of_a_panel_coincide(tmp_path):
    """Variant F, [0, 1]: cnn_5's ReLU and sigmoid losses both sit on the chance line, the
    dashed over the solid, while the caption said 'ReLU solid, sigmoid dashed' as if both could
    be seen. Curves that differ, or only meet at a few records, get no note."""
    chance = np.log(10)
    spec = dict(HEALTHY)
    spec[("cnn_5", "relu", "unit")] = ([chance + 0.08] + [chance + 0.003] * 9, 0.0003, 0.1)
    spec[("cnn_5", "sigmoid", "unit")] = ([chance + 0.02] + [chance - 0.002] * 9, 2e-6, 0.1)
    sec, _ = build(tmp_path, spec, scalings=("unit",))
    caption = sec.figures[0]["caption"]
    assert ("In cnn_5's training-loss panel the ReLU and sigmoid curves coincide at 9 of their "
            "10 records, from step 20 to step 100 (within 2 % of the axis's span), both on the "
            "chance line (ln C = 2.303): one hides the other there.") in caption
    assert "mlp_1's" not in caption and "cnn_3's" not in caption
    assert "gradient-norm panel" not in caption  # 0.0003 against 2e-06 on a log axis
    sec, _ = build(tmp_path / "healthy", HEALTHY, scalings=("unit",))
    assert "coincide" not in sec.figures[0]["caption"]


def test_curves_that_coincide_over_a_stretch_or_within_the_drawn_axis_are_noted(tmp_path):
    """Variant G, [0, 1]: cnn_4's ReLU and sigmoid losses lie on each other from step 20 to
    step 40 (3 of 5 records), the dashed sigmoid hidden, and the caption said nothing: the
    note needed 80 % of all records, and its tolerance was 2 % of the curves' bulk range,
    not of the axis the figure draws (padded, 0.0013 against 0.0019). A stretch of records
    now counts, and the tolerance is the drawn axis's (figures._axis_range)."""
    spec = dict(HEALTHY)
    spec[("cnn_5", "relu", "unit")] = ([1.0, 1.1, 1.2, 1.5, 1.5, 1.5, 1.5, 1.2, 1.1, 1.0],
                                       0.1, 0.8)
    spec[("cnn_5", "sigmoid", "unit")] = ([2.0, 1.9, 1.8, 1.5, 1.5, 1.5, 1.5, 1.8, 1.9, 2.0],
                                          0.001, 0.4)
    caption = build(tmp_path, spec, scalings=("unit",))[0].figures[0]["caption"]
    assert ("In cnn_5's training-loss panel the ReLU and sigmoid curves coincide at 4 of their "
            "10 records, from step 40 to step 70 (within 2 % of the axis's span): one hides the "
            "other there.") in caption
    # 0.038 apart at every record: 2.1 % of the bulk range (0.5 to 2.3), 1.9 % of the axis
    # the figure draws around it (padded by 6 % of it on each side)
    spec[("cnn_5", "relu", "unit")] = (1.5, 0.1, 0.8)
    spec[("cnn_5", "sigmoid", "unit")] = (1.538, 0.001, 0.4)
    caption = build(tmp_path / "axis", spec, scalings=("unit",))[0].figures[0]["caption"]
    assert ("In cnn_5's training-loss panel the ReLU and sigmoid curves coincide at 10 of "
            "their 10 records, from step 10 to step 100") in caption
    # two records that meet, no longer a stretch: no note
    spec[("cnn_5", "relu", "unit")] = ([1.0, 1.1, 1.2, 1.5, 1.5, 1.3, 1.3, 1.2, 1.1, 1.0],
                                       0.1, 0.8)
    spec[("cnn_5", "sigmoid", "unit")] = ([2.0, 1.9, 1.8, 1.5, 1.5, 1.7, 1.7, 1.8, 1.9, 2.0],
                                          0.001, 0.4)
    caption = build(tmp_path / "cross", spec, scalings=("unit",))[0].figures[0]["caption"]
    assert "coincide" not in caption
