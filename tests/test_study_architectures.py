"""Study 3's prose on hand-made tables, addressed by question id (architectures-q<n>)."""
import numpy as np
import pandas as pd
import pytest

from claim_check import assert_wording_ignores_swaps
from handmade import INFO, ZOO, make_runs, render_section, spread, through_files, tiny_png
from nnstudies import appendix
from nnstudies.report import plain
from nnstudies.studies import architectures as arch


def answers(tmp_path, accs, gaps=None, template_r=None, zero_sum=None, selectivity=None,
            runs=None, silent=None, protocol=None):
    """{question id: answer} of the section built from these runs, plus the summary line and
    the section's opening."""
    sec = build(tmp_path, accs, gaps, template_r, zero_sum, selectivity, runs, silent,
                protocol)
    out = {f"architectures-q{q.number}": q.answer for q in sec.questions}
    out["summary"], out["intro"] = sec.summary, sec.intro
    return {k: plain(v, sec) for k, v in out.items()}


def _per_seed(value, n):
    """A per-run number given for every run (a list) or once for all of them."""
    return list(value) if isinstance(value, (list, tuple)) else [value] * n


def unit_weights(runs, summary, template_r, zero_sum, selectivity, silent=None):
    """The weights table as the analysis writes it: one row per run (unit_statistics), each
    number given per model, once or per seed."""
    best = dict(zip(summary.model, summary.best_seed))
    rows = []
    for model, g in runs.groupby("model", sort=False):
        conv, n = model.startswith("cnn"), len(g)
        units = 16 if conv else 32
        for i, (seed, status) in enumerate(zip(g.seed, g.status)):
            quiet = _per_seed((silent or {}).get(model, 1), n)[i]
            rows.append({"model": model, "seed": seed, "best": seed == best[model],
                         "status": status, "units": units, "silent_units": quiet,
                         "zero_units": quiet, "silent_list": " ".join(map(str, range(quiet))),
                         "template_r_mean": np.nan if conv else
                         _per_seed(template_r[model], n)[i],
                         "zero_sum_fraction": _per_seed(zero_sum[model], n)[i] if conv else
                         np.nan,
                         "selectivity_mean": _per_seed(selectivity[model], n)[i],
                         "preferred_classes": 7})
    return pd.DataFrame(rows, columns=arch.WEIGHT_COLUMNS)


def build(tmp_path, accs, gaps=None, template_r=None, zero_sum=None, selectivity=None,
          runs=None, silent=None, protocol=None, overlaps=None):
    """The section built from these runs (claims as marks); `protocol` overrides the study's
    settings (the optimiser, say); `overlaps`, the facts' curve_overlaps."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    runs = make_runs(accs, gaps) if runs is None else runs
    if "final_model_train_acc" not in runs:  # the final model scored as the running mean
        runs = runs.assign(final_model_train_acc=runs.final_train_acc)
    models = {m: ZOO[m] for m in accs}
    summary, pairwise = arch.rank(runs, models)
    weights = unit_weights(runs, summary, template_r or {m: 0.4 for m in accs},
                           zero_sum or {m: 0.5 for m in accs},
                           selectivity or {m: 0.3 for m in accs}, silent)
    chance = float(np.log(len(INFO["class_names"])))  # ln C, the start-at-chance yardstick
    tables, facts = through_files(tmp_path, {"summary": summary, "pairwise": pairwise,
                                             "weights": weights, "runs": runs},
                                  {**arch.facts(summary, runs, weights, chance),
                                   "overlaps": overlaps or []})
    png = tiny_png(tmp_path)
    figs = {}
    for name in arch.figures_of({"models": models}):  # named as the workflow names them
        figs[name] = tmp_path / f"architectures_{name}.png"
        figs[name].write_bytes(png.read_bytes())
    params = {"protocol": {"models": list(accs), "seeds": [0, 1], "optimizer": "adam",
                           "lr": 0.001, "batch_size": 50, "epochs": 2, "record_every": 10,
                           **(protocol or {})},
              "models": models}
    sec = render_section(arch, facts, tables, figs, params, INFO)
    assert [q.number for q in sec.questions] == list(range(1, 11))
    return sec


GUARD_CASES = {  # adversarial runs: one a side, two, separated, all equal, ordered by family
    "one run": {"mlp_1": [0.84], "mlp_2": [0.85], "cnn_3": [0.88], "cnn_4": [0.90]},
    "two runs": {"mlp_1": [0.84, 0.85], "mlp_2": [0.80, 0.81], "cnn_3": [0.88, 0.86],
                 "cnn_4": [0.70, 0.75]},
    "separated": {"mlp_1": spread(0.84), "mlp_2": spread(0.85), "cnn_3": spread(0.88),
                  "cnn_4": spread(0.90)},
    "all equal": {m: [0.85] * 5 for m in ("mlp_1", "mlp_2", "cnn_3", "cnn_4")},
    "by family": {"mlp_1": spread(0.90), "mlp_2": spread(0.89), "cnn_3": spread(0.80),
                  "cnn_4": spread(0.81)},
}


@pytest.mark.parametrize("case", sorted(GUARD_CASES))
def test_no_wording_outside_a_claim_follows_which_model_is_higher(tmp_path, case):
    calls = iter(range(100))
    assert_wording_ignores_swaps(lambda accs: build(tmp_path / str(next(calls)), accs),
                                 GUARD_CASES[case], [("mlp_1", "cnn_4"), ("cnn_3", "mlp_2")])


def test_pick_is_the_best_mean_even_when_the_worst_has_the_widest_interval(tmp_path):
    # the worst model is noisy: a test cannot separate it from the best, which must not
    # make it the pick (absence of evidence is not equality)
    accs = {"mlp_1": spread(0.85, sd=0.001), "cnn_3": spread(0.84, sd=0.001),
            "cnn_5": spread(0.78, sd=0.08)}
    a = answers(tmp_path, accs)
    assert a["architectures-q10"].startswith(
        "By accuracy: mean test accuracy after 2 epochs: highest mean mlp_1")
    assert "cnn_5" not in a["architectures-q10"].split("On other grounds")[0]
    assert "equal" not in a["architectures-q3"].replace("which does not make them equal", "")


def test_two_runs_each_give_no_p_value_and_an_unresolved_ranking(tmp_path):
    accs = {"mlp_1": [0.85, 0.86], "cnn_3": [0.80, 0.81], "cnn_4": [0.70, 0.75]}
    a = answers(tmp_path, accs)
    q3 = a["architectures-q3"]
    # why it is not resolved is said once, up front; the comparison keeps its short verdict
    assert "smallest p that test can give is 0.33. So no comparison" in a["intro"]
    assert "p =" not in q3 and "not resolved (2 and 2 runs)" in q3
    assert "no test can reach" not in q3
    assert "2 runs: small sample" in q3
    # two runs: no test can separate anything, so no pick (and no model offered for its size)
    assert "p =" not in a["architectures-q10"]
    assert ("No pick can be made by accuracy from these runs: too few for any test to separate "
            "the highest mean from the runner-up (see question 3).") in a["architectures-q10"]
    assert "may prefer" not in a["architectures-q10"]
    # four or fewer models: Spearman over 3 points is not testable
    assert "not testable with 3 points" in a["architectures-q4"]
    assert "no rank correlation" not in a["architectures-q4"]


def test_separated_and_not_separated_rankings(tmp_path):
    clear = {"mlp_1": spread(0.84), "mlp_2": spread(0.85), "cnn_3": spread(0.88),
             "cnn_4": spread(0.90)}
    noisy = {m: spread(np.mean(v), sd=0.03) for m, v in clear.items()}
    a, b = answers(tmp_path, clear), answers(tmp_path, noisy)
    assert "the highest mean is cnn_4's" in a["architectures-q3"]
    assert "separated by the data (permutation test p = " in a["architectures-q3"]
    assert "not separated by the data" in b["architectures-q3"]
    assert "which does not make them equal" in b["architectures-q3"]
    # the runner-up cnn_3 is smaller than cnn_4 and not separated from it: named on other
    # grounds only
    q10 = b["architectures-q10"]
    assert ("the highest mean (cnn_4, 12,402 parameters) against the runner-up (cnn_3, 10,306 "
            "parameters, 17 % fewer parameters)") in q10
    assert "not separated by the data (p = " in q10
    assert "a reader who values size may prefer cnn_3" in q10
    assert "may prefer" not in a["architectures-q10"]  # separated: accuracy decides
    assert "The pick: the highest mean above, which the data separate" in a["architectures-q10"]
    assert "Accuracy does not decide the pick" in b["architectures-q10"]


def test_the_smaller_alternative_is_the_runner_up_not_a_worse_model(tmp_path):
    """REPORT.md: recommend on other grounds the runner-up the data do not separate from the
    best; never the smallest model when the data show it worse."""
    accs = {"mlp_1": spread(0.86, sd=0.02), "cnn_3": spread(0.855, sd=0.02),
            "cnn_4": spread(0.70)}  # cnn_4 is smaller than mlp_1 but clearly worse
    q10 = answers(tmp_path, accs)["architectures-q10"]
    assert "against the runner-up (cnn_3, 10,306 parameters, 60 % fewer parameters)" in q10
    assert "a reader who values size may prefer cnn_3" in q10 and "cnn_4" not in q10


def test_parameter_count_confounded_with_family(tmp_path):
    # in this zoo every MLP is larger than every CNN: size and family cannot be told apart
    accs = {"mlp_1": spread(0.84), "mlp_2": spread(0.85), "cnn_3": spread(0.88),
            "cnn_4": spread(0.90)}
    q4 = answers(tmp_path, accs)["architectures-q4"]
    assert "cannot tell the effect of size from that of fully connected" in q4
    assert "not testable with 4 points (Spearman ρ = -0.60" in q4
    q5 = answers(tmp_path, accs)["architectures-q5"]
    assert "deeper cnn_4 (depth 5, 12,402 parameters) and shallower cnn_3 (depth 4, " in q5
    assert "cannot be put on depth alone" in q5


def test_the_gap_is_the_final_model_scored_on_training_images(tmp_path):
    """The generalisation gap is the final model's accuracy on the training images minus its
    test accuracy; the recorded training accuracy (a running mean over the last record's
    batches, taken while the weights improve) is said to lag it and is never the gap."""
    accs = {m: spread(0.85 + 0.01 * i) for i, m in enumerate(["mlp_1", "cnn_3", "cnn_4"])}
    runs = make_runs(accs, gaps={"mlp_1": 0.05, "cnn_3": -0.014, "cnn_4": 0.01})
    final_gap = {"mlp_1": 0.031, "cnn_3": 0.004, "cnn_4": 0.012}  # not the running mean's
    runs["final_model_train_acc"] = runs.test_acc + runs.model.map(final_gap)
    sec = build(tmp_path, accs, runs=runs)
    q1, q2 = (plain(q.answer, sec) for q in sec.questions[:2])
    assert ("Generalisation gap (the final model's training accuracy minus its test accuracy), "
            "per model: cnn_3 +0.40 points; cnn_4 +1.20 points; mlp_1 +3.10 points (each a mean "
            "of 5; values only: the models are not ranked on it)") in q1
    assert "-1.40 points" not in q1 and "+5.00 points" not in q1  # the running mean's
    for text in (q1, q2):
        assert "highest mean" not in text and "runner-up" not in text
    assert "against the final model's accuracy on the whole training split" in q2
    assert "running mean over each record's batches" in q2 and "so it lags the final model" in q2
    assert "final model's accuracy on the whole training split" in sec.figures[0]["caption"]
    headers = [h for h, _ in arch.SHOWN["summary"].columns]
    assert "train acc. %, final model" in headers and "gap: train − test (points)" in headers
    assert not any("running mean" in h for h in headers)
    # the table's gap cells are the final model's (+3.10, +1.20, +0.40), not the running mean's
    html = sec.tables[0]["html"]
    assert all(f"<td>{gap}</td>" in html for gap in ("3.10", "1.20", "0.40"))
    assert "<td>5.00</td>" not in html and "<td>-1.40</td>" not in html


def test_the_final_model_is_scored_on_every_training_image(tmp_path):
    import torch
    from nnstudies.models import build_model
    torch.manual_seed(0)
    model = build_model(ZOO["mlp_1"], (1, 4, 4), 3)
    torch.save(model.state_dict(), tmp_path / "model.pt")
    x = np.random.default_rng(0).normal(size=(30, 1, 4, 4)).astype(np.float32)
    with torch.no_grad():
        predicted = model(torch.from_numpy(x)).argmax(1).numpy()
    y = predicted.copy()
    y[:12] = (y[:12] + 1) % 3  # 18 of 30 right
    runs = pd.DataFrame({"name": ["mlp_1", "mlp_1"], "model": ["mlp_1", "mlp_1"],
                         "seed": [0, 1], "status": ["ok", "diverged"]})
    paths = {("mlp_1", 0): tmp_path / "model.pt", ("mlp_1", 1): tmp_path / "none.pt"}
    got = arch.final_model_train_accuracy(runs, paths, {"mlp_1": ZOO["mlp_1"]}, x, y, 3)
    assert got[0] == pytest.approx(18 / 30) and np.isnan(got[1])  # a diverged run: no score
    assert "model.pt" in arch.RUN_FILES


def test_a_blown_up_run_is_counted_in_the_summary(tmp_path):
    runs = make_runs({"mlp_1": spread(0.85), "cnn_3": spread(0.84)})
    runs.loc[0, "status"] = "blew up"
    a = answers(tmp_path, {"mlp_1": None, "cnn_3": None}, runs=runs)
    assert "Of 10 runs, 1 blew up; 9 ended ok" in a["summary"]


def test_one_run_per_model_makes_no_comparison(tmp_path):
    a = answers(tmp_path, {"mlp_1": [0.84], "cnn_3": [0.88], "cnn_4": [0.90]})
    assert "mlp_1 84.00 % (1 run)" in a["architectures-q3"]
    assert "no spread, so no ranking is made" in a["architectures-q3"]
    for q in ("architectures-q3", "summary"):
        assert "highest" not in a[q] and "best" not in a[q]
    assert "with one run for a model accuracy is not ranked, so it is not weighed against " \
           "size" in a["architectures-q10"]
    assert "Every model has one run: no spread, so no comparison is made." in a["intro"]


def test_weight_answers_follow_the_numbers(tmp_path):
    accs = {m: spread(0.85 + 0.01 * i) for i, m in enumerate(["mlp_1", "mlp_2", "cnn_3",
                                                              "cnn_4"])}
    a = answers(tmp_path, accs, template_r={"mlp_1": 0.62, "mlp_2": 0.21},
                zero_sum={"cnn_3": 0.25, "cnn_4": 0.75},
                selectivity={"mlp_1": 0.1, "mlp_2": 0.3, "cnn_3": 0.6, "cnn_4": 0.2})
    assert "mlp_1 0.62 in all 5 runs" in a["architectures-q6"]
    assert "cnn_4 75 % in all 5 runs" in a["architectures-q6"]
    # values over the runs, no "most class-specific"
    assert "most" not in a["architectures-q7"]
    assert "mlp_2 0.3 in all 5 runs, partly specialised in all 5 runs" in a["architectures-q7"]
    assert "not ranked" in a["architectures-q8"]
    assert "mlp_1: a recognisable garment silhouette in all 5 runs" in a["architectures-q8"]


def test_family_order_is_a_tested_claim_over_models_not_runs(tmp_path):
    # both MLP means above every CNN mean: the family comparison is a claim with its test, on
    # one value per model (2 against 2 models: not resolved, however many seeds each has)
    accs = {"mlp_1": spread(0.86), "mlp_2": spread(0.85), "cnn_3": spread(0.80),
            "cnn_4": spread(0.81)}
    q9 = answers(tmp_path, accs)["architectures-q9"]
    assert "by family, MLPs against CNNs: +5.00 points, not resolved: with 2 and 2 models" in q9
    assert "does not order" not in q9 and "separated by" not in q9


def test_a_selectivity_just_below_a_band_edge_is_printed_below_it(tmp_path):
    accs = {m: spread(0.85) for m in ["mlp_1", "cnn_3"]}
    a = answers(tmp_path, accs, selectivity={"mlp_1": 0.195, "cnn_3": 0.3})
    assert "mlp_1 0.195 in all 5 runs, hardly specialised in all 5 runs" in a["architectures-q7"]


def test_a_family_of_three_models_gets_its_own_size_trend(tmp_path):
    accs = {"mlp_1": spread(0.85), "cnn_3": spread(0.84), "cnn_4": spread(0.86),
            "cnn_5": spread(0.83)}
    q4 = answers(tmp_path, accs)["architectures-q4"]
    assert "Within the CNNs, parameter count against mean test accuracy (one point per model): " \
           "not testable with 3 points" in q4
    assert "Within the MLPs" not in q4  # one MLP: no trend within it


def test_a_best_mean_that_is_also_the_smallest_model_is_not_set_against_a_larger_one(tmp_path):
    """REPORT.md's ranking rule: with the fewest parameters the best mean has no smaller rival;
    the answer says so and what the ranking's test says (4, 6 and 2 seeds)."""
    four = {"mlp_2": spread(0.70, 4, 0.02), "cnn_3": spread(0.715, 4, 0.02),
            "cnn_4": spread(0.49, 4, 0.1)}
    q10 = answers(tmp_path / "4", four)["architectures-q10"]
    assert ("On other grounds: Parameters per model, fewest first: cnn_3 10,306; cnn_4 12,402; "
            "mlp_2 27,818 (cnn_3 has the highest mean and the fewest parameters; the data do "
            "not separate it from the runner-up mlp_2, which has 170 % more parameters: on "
            "size, the pick is cnn_3).") in q10
    assert "smallest other model" not in q10 and "cnn_3 against cnn_4" not in q10
    six = {"mlp_2": spread(0.70, 6), "cnn_3": spread(0.72, 6), "cnn_4": spread(0.60, 6)}
    q10 = answers(tmp_path / "6", six)["architectures-q10"]
    assert "The pick: the highest mean above, which the data separate" in q10
    assert "(cnn_3, the highest mean, has the fewest parameters, so accuracy and size point " \
           "to the same pick; the runner-up mlp_2 has 170 % more parameters)" in q10
    assert "agrees" not in q10  # two sizes do not make a relation between size and accuracy
    two = {"mlp_2": [0.70, 0.71], "cnn_3": [0.72, 0.73], "cnn_4": [0.60, 0.61]}
    q10 = answers(tmp_path / "2", two)["architectures-q10"]
    assert "No pick can be made by accuracy from these runs" in q10 and "the pick is" not in q10
    assert "For the record, on size: Parameters per model, fewest first: cnn_3 10,306" in q10
    assert "too few runs for a test to separate it from the runner-up mlp_2" in q10


def test_a_family_of_one_model_is_named_not_compared(tmp_path):
    # one MLP: its family has no spread across models, and its one model is no "one run"
    accs = {"mlp_2": spread(0.70, 4), "cnn_3": spread(0.715, 4), "cnn_4": spread(0.49, 4)}
    q9 = answers(tmp_path, accs)["architectures-q9"]
    assert q9.endswith("The MLP family has one model (mlp_2): no spread across models, so the "
                       "families are not compared.")
    assert "one run" not in q9 and "MLPs" not in q9


# ---------------------------------------------------------------- what the tests can reach

THREE_RUNS = {"mlp_2": spread(0.765, 3, 0.005), "cnn_3": spread(0.743, 3, 0.007),
              "cnn_5": spread(0.69, 3, 0.018)}  # variant D: intervals apart, no test can tell


def test_the_opening_says_no_comparison_can_reach_significance_with_three_runs(tmp_path):
    """With 3 runs a side the exact test's smallest p is 0.1: said once, up front, with the
    intervals' assumption, so that two intervals apart are not read against 'not resolved'."""
    a = answers(tmp_path, THREE_RUNS)
    assert ("the 95 % intervals are Student t intervals, which assume normally spread "
            "accuracies, and show the spread, not the test") in a["intro"]
    assert ("With 3 runs per model, the smallest p that test can give is 0.1. So no comparison "
            "of two models here can reach p < 0.05: each is not resolved, even where two "
            "intervals do not overlap.") in a["intro"]
    assert "With 3 runs per model, no comparison here can reach p < 0.05." in a["summary"]


def test_what_the_opening_says_is_not_repeated_in_the_answers(tmp_path):
    """The opening says once why no comparison here is resolved: the answers give each
    comparison in its short form, no answer cites one comparison twice, the pick does not
    repeat the ranking, and a values sentence is not followed by the same values."""
    a = answers(tmp_path, THREE_RUNS)
    q3 = a["architectures-q3"]
    for q, text in a.items():
        if q.startswith("architectures-q"):
            assert "no test can reach" not in text and "smallest p an exact test" not in \
                text.replace("the smallest p an exact test can give is 0.33", ""), q
    assert ("Ranking on mean test accuracy after 2 epochs: highest mean mlp_2 76.50 % (95 % CI "
            "75.26 %–77.74 %, 3 runs: small sample), against cnn_3 +2.20 points, not resolved "
            "(3 and 3 runs).") in q3
    # the highest mean against the runner-up is the ranking's comparison: not cited again
    assert "mlp_2 against cnn_3" not in q3 and "Mean test accuracy per model" not in q3
    assert ("Further down, each model against the next lower mean: test accuracy, cnn_3 "
            "against cnn_5: +5.30 points, not resolved (3 and 3 runs).") in q3
    assert "not resolved (3 and 3 runs)" in a["architectures-q5"]
    q10 = a["architectures-q10"]
    assert "mean test accuracy after 2 epochs" not in q10.lower()
    assert q10.startswith("No pick can be made by accuracy from these runs")
    assert "Mean first-layer selectivity per run" not in a["architectures-q7"]
    assert "Per model (values only: the models are not ranked on it): mlp_2 0.3 in all 3 " \
           "runs" in a["architectures-q7"]


def test_the_opening_names_the_comparisons_that_cannot_reach_significance(tmp_path):
    accs = {"mlp_1": spread(0.84, 2), "cnn_3": spread(0.88), "cnn_4": spread(0.90)}
    a = answers(tmp_path, accs)
    assert ("With these runs (cnn_3 5, cnn_4 5, mlp_1 2), the comparisons of cnn_3 with mlp_1 "
            "and cnn_4 with mlp_1 cannot reach p < 0.05") in a["intro"]
    assert "no comparison here can reach" not in a["summary"]
    five = answers(tmp_path / "5", {m: spread(0.8 + 0.01 * i) for i, m in
                                    enumerate(["mlp_1", "cnn_3"])})
    assert "With 5 runs per model, it can give p as small as 0.0079." in five["intro"]
    # 4 runs a model reach p = 0.029, yet with fewer than 5 a side nothing is resolved
    four = answers(tmp_path / "4", {m: spread(0.8 + 0.01 * i, 4) for i, m in
                                    enumerate(["mlp_1", "cnn_3"])})
    assert ("With 4 runs per model it can give p as small as 0.029, but with fewer than 5 runs "
            "a side no comparison is resolved, whatever its p") in four["intro"]
    assert "decided by" not in four["intro"]


# ---------------------------------------------------------------- still learning at the end

def test_last_epoch_gain_is_the_fitted_rise_over_the_last_epoch_with_its_error():
    from scipy.stats import linregress
    steps = np.arange(10, 201, 10)
    rising = pd.DataFrame({"step": steps, "epoch": np.where(steps <= 100, 1, 2),
                           "val_acc": 0.3 + 0.0005 * steps})
    gain, se = arch.last_epoch_fit(rising, 200, 2)
    assert gain == pytest.approx(0.05) and se == pytest.approx(0.0, abs=1e-9)  # 0.0005 x 100
    flat = rising.assign(val_acc=0.7)
    assert arch.last_epoch_fit(flat, 200, 2)[0] == pytest.approx(0.0)
    # noisy records: the slope's standard error from the fit's residuals, times the epoch
    noisy = rising.assign(val_acc=rising.val_acc + np.tile([0.02, -0.01, -0.015, 0.01], 5))
    last = noisy[noisy.epoch == 2]
    fit = linregress(last.step, last.val_acc)
    gain, se = arch.last_epoch_fit(noisy, 200, 2)
    assert gain == pytest.approx(fit.slope * 100) and se == pytest.approx(fit.stderr * 100)
    # one record an epoch: the last 3 records; two records leave no residual, so no error
    per_epoch = pd.DataFrame({"step": [100, 200, 300], "epoch": [1, 2, 3],
                              "val_acc": [0.5, 0.6, 0.7]})
    assert arch.last_epoch_fit(per_epoch, 300, 3)[0] == pytest.approx(0.1)
    gain, se = arch.last_epoch_fit(per_epoch.iloc[1:], 200, 2)
    assert gain == pytest.approx(0.1) and np.isnan(se)
    assert all(np.isnan(arch.last_epoch_fit(per_epoch.iloc[:0], 300, 3)))


# variant D's runs: gains and their fits' standard errors per seed (0, 1, 2)
GAINS = {"mlp_2": ([0.0070, 0.0506, 0.0321], [0.0170, 0.0235, 0.0379]),
         "cnn_3": ([0.0569, 0.0615, 0.0458], [0.0100, 0.0174, 0.0230]),
         "cnn_5": ([0.0010, -0.0020, 0.0005], [0.0020, 0.0020, 0.0020])}


def with_gains(gains, accs=THREE_RUNS):
    runs = make_runs(accs)
    runs["val_gain_last_epoch"] = [g for m in accs for g in gains[m][0]]
    runs["val_gain_last_epoch_se"] = [e for m in accs for e in gains[m][1]]
    return runs


def test_still_rising_needs_the_gain_beyond_its_noise(tmp_path):
    """A model is still rising only where every run's own last-epoch gain lies above 0 by its
    own 95 % interval, or the t interval over its runs does; no longer rising where those lie
    within the margin (here 1 point) or below 0, and the runs cannot tell otherwise: mlp_2's
    mean gain of 2.99 points is large, but one run's own interval and the interval over its
    runs (-2.45 to +8.43) reach below 0, so it is not called rising. Each value names its
    seed."""
    sec = build(tmp_path, THREE_RUNS, runs=with_gains(GAINS))
    a = {q.number: plain(q.answer, sec) for q in sec.questions}
    assert ("mlp_2: cannot tell whether still rising; cnn_3: still rising; cnn_5: no longer "
            "rising.") in a[3]
    texts = {key: c["text"] for key, c in sec.claims}
    assert texts["rising_mlp_2"] == (
        "Last-epoch gain, 1 of 3 runs above 0 by their own 95 % intervals; over the 3 runs, "
        "mean +2.99 points (95 % t interval -2.45 to +8.43 points), mlp_2: seed 0 +0.70 "
        "points, seed 1 +5.06 points, seed 2 +3.21 points: cannot tell whether still rising by "
        "the rule")
    assert texts["rising_cnn_3"].startswith(
        "Last-epoch gain, 3 of 3 runs above 0 by their own 95 % intervals; over the 3 runs, "
        "mean +5.47 points")
    assert texts["rising_cnn_3"].endswith(": still rising by the rule")
    assert texts["rising_cnn_5"].endswith(": no longer rising by the rule")
    rule = dict(sec.claims)["rising_mlp_2"]["evidence"]["rule"]
    assert ("Still rising when every run's own interval, or the interval over the runs, lies "
            "above 0; no longer rising when every run's own interval, or the interval over the "
            "runs, lies within ±1 point (the smaller of 1 point and 10 % of the 22.5 points of "
            "validation error left at the end) or below 0; cannot tell otherwise") in rule
    assert [arm["arm"] for arm in dict(sec.claims)["rising_mlp_2"]["evidence"]["arms"]] == \
        ["mlp_2, seed 0", "mlp_2, seed 1", "mlp_2, seed 2"]
    # gains whose intervals, each run's and the runs', cross the margin: cannot tell
    unsure = {m: ([0.012, -0.004, 0.009], [0.02, 0.02, 0.02]) for m in THREE_RUNS}
    b = answers(tmp_path / "unsure", THREE_RUNS, runs=with_gains(unsure))
    assert "mlp_2: cannot tell whether still rising" in b["architectures-q3"]
    assert ("So this ranking may measure only learning within this budget (2 epochs; the "
            "assignment's 15)") in b["architectures-q3"]
    assert ("Whether validation accuracy was still rising at the end of the budget (2 epochs; "
            "the assignment's 15), the runs cannot tell for all 3 models, so the ranking may "
            "measure only learning within this budget.") in b["summary"]
    # no standard error (a fit through two records): no run's own interval, and the interval
    # over the runs crosses 0: no verdict either way
    none = {m: ([0.05, -0.01, 0.02], [np.nan] * 3) for m in THREE_RUNS}
    c = answers(tmp_path / "none", THREE_RUNS, runs=with_gains(none))
    assert "cnn_3: cannot tell whether still rising" in c["architectures-q3"]
    # levelled off beyond noise: no caveat anywhere
    flat = {m: GAINS["cnn_5"] for m in THREE_RUNS}
    d = answers(tmp_path / "flat", THREE_RUNS, runs=with_gains(flat))
    assert all("within this budget" not in text for text in d.values())


def test_the_budget_caveat_is_said_once_then_referred_to(tmp_path):
    a = answers(tmp_path, THREE_RUNS, runs=with_gains(GAINS))
    q3 = a["architectures-q3"]
    assert q3.endswith(
        "So this ranking measures learning within this budget (2 epochs; the assignment's 15): "
        "it cannot tell a model that learns faster from one that would end higher.")
    for q, what in (("architectures-q4", "This comparison"), ("architectures-q5",
                                                              "This comparison"),
                    ("architectures-q10", "The pick")):
        assert a[q].endswith(f"{what}, too, measures learning within this budget (see "
                             "question 3).")
    assert sum("learns faster" in text for text in a.values()) == 1
    assert all("Validation accuracy was still rising" not in text
               for q, text in a.items() if q.startswith("architectures-q"))
    assert ("Validation accuracy was still rising at the end of the budget (2 epochs; the "
            "assignment's 15) for cnn_3 (for mlp_2, the runs cannot tell), so the ranking "
            "measures learning within this budget.") in a["summary"]
    # a learning rate that is not the assignment's may suit the models differently
    facts = {"rising": ["cnn_3"], "runs_per_model": {"cnn_3": 3, "mlp_2": 3}}
    p = {"epochs": 15, "optimizer": "adam", "lr": 0.003}
    assert arch._rising_text(facts, p, "this ranking", full=True) == (
        "So this ranking measures learning within this budget (15 epochs): it cannot tell a "
        "model that learns faster from one that would end higher. It was also measured at lr "
        "0.003; the assignment's lr 0.001 was not run, and it may suit the models "
        "differently.")
    # which models still rise is said in the models' own order, not the accuracies'
    calls = iter(range(100))

    def swapped(accs):
        return build(tmp_path / f"swap{next(calls)}", accs, runs=with_gains(GAINS, accs))
    assert_wording_ignores_swaps(swapped, THREE_RUNS, [("mlp_2", "cnn_5")])


# ---------------------------------------------------------------- units: every run, silent ones out

def test_unit_statistics_leave_silent_units_out():
    templates = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    weights = np.array([[1.0, 0.2, 0.1, 0.0], [0.0, 1.0, 0.3, 0.2], [0.5, 0.5, 0.1, 0.9],
                        [0.3, 0.1, 0.7, 0.2]])
    # unit 2 answers one class at 0.001 where unit 0 reaches 5: near-silent, selectivity 1
    means = np.array([[5.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.001, 0.0, 0.0], [0.0, 0.0, 0.0]])
    out = arch.unit_statistics(weights, means, templates)
    assert (out["units"], out["silent_units"], out["zero_units"]) == (4, 2, 1)
    assert out["silent_list"] == "2 3"
    assert out["selectivity_mean"] == pytest.approx(0.5)  # units 0 (1) and 1 (0) only
    kept = arch.aggregate.weight_interpretability(weights[:2], means[:2], templates)
    assert out["template_r_mean"] == pytest.approx(kept["template_r_mean"])
    none = arch.unit_statistics(weights, np.zeros((4, 3)), templates)
    assert none["silent_units"] == 4 and np.isnan(none["selectivity_mean"])


def test_unit_bands_need_every_run_and_are_not_applied_to_conv_filters(tmp_path):
    a = answers(tmp_path, THREE_RUNS, template_r={"mlp_2": [0.41, 0.37, 0.38]},
                zero_sum={"cnn_3": 0.625, "cnn_5": 0.25},
                selectivity={"mlp_2": [0.663, 0.532, 0.486], "cnn_3": 0.6, "cnn_5": 0.07},
                silent={"mlp_2": [12, 15, 16], "cnn_3": [1, 0, 3], "cnn_5": 0})
    q6, q7, q8 = (a[f"architectures-q{i}"] for i in (6, 7, 8))
    assert ("Silent units per run, over each model's runs: mlp_2 12–16 of 32 (12–16 with no "
            "response to any test image); cnn_3 0–3 of 16") in q6
    assert "left out of every mean below" in q6
    assert ("mlp_2 0.56 (mean of 3 runs, 0.486–0.663), no single band (partly in 1 run, "
            "strongly in 2)") in q7
    assert "strongly specialised" not in q7
    # a conv filter's selectivity is of its map averaged over the image: no band
    assert "cnn_3 0.6 in all 3 runs, preferred classes cover" in q7
    assert "Conv filters are not read on these bands" in q7
    assert "mlp_2: a partial silhouette in all 3 runs" in q8
    one = answers(tmp_path / "1", {"mlp_2": [0.76], "cnn_3": [0.74]},
                  selectivity={"mlp_2": 0.66, "cnn_3": 0.1})
    assert "mlp_2 0.66 (one run), one run, so no band is read" in one["architectures-q7"]


def test_silent_units_are_named_in_the_caption_and_marked_in_the_figure(tmp_path):
    sec = build(tmp_path, THREE_RUNS, silent={"mlp_2": 3, "cnn_3": 0, "cnn_5": 1})
    captions = {f["id"]: f["caption"] for f in sec.figures}
    assert ("Silent units (numbers in red; at most 1 % of the layer's largest response to any "
            "test class): 0, 1, 2 (3 of 32).") in captions["architectures-fig-weights_mlp_2"]
    assert "No silent unit in this run." in captions["architectures-fig-weights_cnn_3"]
    from nnstudies import figures
    fig = figures.weights_figure(np.random.default_rng(0).normal(size=(4, 4)), "t", (1, 2, 2))
    arch.mark_silent(fig, ["1", "3"])
    colours = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert colours["1"] == colours["3"] == arch.SILENT_COLOUR != colours["0"]


# ---------------------------------------------------------------- the appendix

def test_the_appendix_links_what_this_configuration_draws_and_says_partly(tmp_path):
    sec = build(tmp_path, THREE_RUNS)
    seeds = {s["seed"]: {r["ask"]: r for r in s["rows"]} for s in appendix.collect([arch], [sec])}
    each = seeds["000"][arch.EACH_WEIGHTS_ASK]
    assert each["href"] == "architectures"
    assert each["note"] == ("partly: the section's first-layer weight figures of mlp_2, cnn_3 "
                            "and cnn_5; the assignment's mlp_1 and cnn_4 are not run here")
    assert seeds["000"]["2.2 Fig. 3: first-layer weights of cnn_5"]["href"] == \
        "architectures-fig-weights_cnn_5"
    for ask in arch.PERFORMANCE_ASKS:
        row = seeds[arch._seed_of(ask)][ask]
        assert row["href"] == "architectures-fig-performance"
        assert row["note"] == ("partly: mlp_2, cnn_3 and cnn_5 only; the assignment's mlp_1 "
                               "and cnn_4 are not run here")
    mlp_1 = seeds["001"]["3.1 Fig. 7: first-layer weights of mlp_1"]
    assert mlp_1["reason"] == ("mlp_1 is not in this configuration's architecture study (it "
                               "runs mlp_2, cnn_3 and cnn_5)")
    assert all("architectures-" not in r.get("reason", "") for rows in seeds.values()
               for r in rows.values())  # no internal id for the reader
    assert all("href" in r for r in seeds["000"].values())
    every = {m: spread(0.8 + 0.01 * i, 3) for i, m in enumerate(arch.PROTOCOL["models"])}
    full = appendix.collect([arch], [build(tmp_path / "all", every)])
    notes = [r["note"] or "" for s in full for r in s["rows"]]
    assert not any("partly" in n for n in notes)
    assert ("the section's first-layer weight figures of mlp_1, mlp_2, cnn_3, cnn_4 and cnn_5, "
            "one per model") in notes


# ---------------------------------------------------------------- size against the runner-up

def test_the_size_ground_is_weighed_against_the_runner_up(tmp_path):
    # cnn_5 is smaller than the runner-up cnn_3 and not separated from the best either: the
    # runner-up, not the smallest, is what a reader would otherwise take
    accs = {"cnn_4": spread(0.86, sd=0.02), "cnn_3": spread(0.858, sd=0.02),
            "cnn_5": spread(0.855, sd=0.02)}
    q10 = answers(tmp_path, accs)["architectures-q10"]
    assert ("against the runner-up (cnn_3, 10,306 parameters, 17 % fewer parameters)") in q10
    assert "may prefer cnn_3" in q10 and "cnn_5" not in q10.split("On other grounds")[1]
    # no test can run: no model is singled out for its size, least of all the worst
    q10 = answers(tmp_path / "3", THREE_RUNS)["architectures-q10"]
    assert ("Parameters per model, fewest first: cnn_5 7,786; cnn_3 10,306; mlp_2 27,818 "
            "(mlp_2 has the highest mean; too few runs for a test to separate it from the "
            "runner-up cnn_3, which has 63 % fewer parameters, so size is not weighed against "
            "accuracy)") in q10
    assert "smallest other model" not in q10 and "against cnn_5" not in q10


# variant E (3 classes, SGD with momentum): per seed, the last-epoch gain, its fit's standard
# error and the final validation accuracy. cnn_4 gained in every run, well below a point, at
# 98 % validation accuracy; mlp_1's gains go both ways
GAINS_E = {"cnn_4": ([0.00818, 0.00425, 0.00589, 0.00442, 0.01636],
                     [0.00413, 0.00107, 0.00508, 0.00504, 0.00427],
                     [0.98333, 0.98333, 0.97833, 0.98167, 0.98167]),
           "mlp_1": ([0.00671, -0.00147, -0.00229, 0.00982, 0.00147],
                     [0.00576, 0.00383, 0.00464, 0.00392, 0.00476],
                     [0.97667, 0.97167, 0.97833, 0.97667, 0.97667])}
FIVE_E = {"mlp_1": spread(0.9699, 5, 0.0019), "cnn_4": spread(0.9789, 5, 0.0034)}
SGD = {"optimizer": "sgd", "lr": 0.01, "momentum": 0.9}


def with_gains_e(gains=GAINS_E, accs=FIVE_E):
    runs = with_gains({m: gains[m][:2] for m in accs}, accs)
    runs["final_val_acc"] = [v for m in accs for v in gains[m][2]]
    return runs


def test_a_rise_beyond_its_noise_is_a_rise_whatever_its_size(tmp_path):
    """Finding 1 (variant E): cnn_4's mean gain, +0.78 points with the t interval over its
    runs above 0, is still rising, though below 1 point; near 98 % the flat margin is a tenth
    of the error left, so mlp_1's interval (-0.37 to +0.94 points) is not 'no longer rising'
    but cannot tell. The budget caveat follows, in Q3, its back-references and the summary."""
    sec = build(tmp_path, FIVE_E, runs=with_gains_e())
    a = {q.number: plain(q.answer, sec) for q in sec.questions}
    assert "mlp_1: cannot tell whether still rising; cnn_4: still rising." in a[3]
    claim = dict(sec.claims)
    assert claim["rising_cnn_4"]["text"].startswith(
        "Last-epoch gain, 3 of 5 runs above 0 by their own 95 % intervals; over the 5 runs, "
        "mean +0.78 points (95 % t interval +0.16 to +1.41 points), cnn_4:")
    assert claim["rising_mlp_1"]["text"].startswith(
        "Last-epoch gain, 1 of 5 runs above 0 by their own 95 % intervals; over the 5 runs, "
        "mean +0.28 points (95 % t interval -0.37 to +0.94 points), mlp_1:")
    assert ("within ±0.24 points (the smaller of 1 point and 10 % of the 2.4 points of "
            "validation error left at the end)") in claim["rising_mlp_1"]["evidence"]["rule"]
    assert ("So this ranking measures learning within this budget (2 epochs; the assignment's "
            "15): it cannot tell a model that learns faster from one that would end "
            "higher.") in a[3]
    assert a[10].endswith("The pick, too, measures learning within this budget (see question "
                          "3).")
    assert ("Validation accuracy was still rising at the end of the budget (2 epochs; the "
            "assignment's 15) for cnn_4 (for mlp_1, the runs cannot tell), so the ranking "
            "measures learning within this budget.") in plain(sec.summary, sec)
    # an interval within the margin is flat; one below 0 is falling: neither rises
    assert arch._rising_verdict(-0.001, 0.002, 0.0024) == arch.NOT_RISING
    assert arch._rising_verdict(-0.03, -0.01, 0.0024) == arch.NOT_RISING
    assert arch._rising_verdict(0.0001, 0.0003, 0.01) == arch.STILL_RISING
    assert arch._rising_verdict(-0.001, 0.003, 0.0024) == arch.CANNOT_TELL_RISING


def test_an_optimiser_that_is_not_the_assignments_is_a_caveat_on_the_ranking(tmp_path):
    """Finding 1: the optimiser caveat is said whatever the optimiser (not only for Adam at
    another rate), and whether or not a model still rose: once in Q3, then referred to.
    Finding 10 (variant F): it says what was measured and that the assignment's optimiser was
    not run, never that the ranking 'holds for SGD, not Adam' (a claim about Adam)."""
    a = answers(tmp_path, FIVE_E, runs=with_gains_e(), protocol=SGD)
    assert a["architectures-q3"].endswith(
        "It was also measured with SGD (lr 0.01, momentum 0.9); the assignment's Adam (lr "
        "0.001) was not run, and it may suit the models differently.")
    assert a["architectures-q10"].endswith(
        "The pick, too, measures learning within this budget, with this optimiser (see "
        "question 3).")
    assert ("The ranking was measured with SGD (lr 0.01, momentum 0.9); the assignment's Adam "
            "(lr 0.001) was not run, and it may rank the models differently.") in a["summary"]
    assert all("holds for" not in text and "not the assignment's" not in text
               for text in a.values())
    assert sum("may suit the models differently" in text for text in a.values()) == 1
    # every model levelled off: no budget caveat, the optimiser's stays
    flat = {m: ([0.0005, -0.0005, 0.0, 0.0003, -0.0003], [0.0005] * 5, [0.98] * 5)
            for m in FIVE_E}
    b = answers(tmp_path / "flat", FIVE_E, runs=with_gains_e(flat), protocol=SGD)
    assert a["architectures-q3"] != b["architectures-q3"]
    assert b["architectures-q3"].endswith(
        "This ranking was measured with SGD (lr 0.01, momentum 0.9); the assignment's Adam (lr "
        "0.001) was not run, and it may rank the models differently.")
    assert b["architectures-q10"].endswith("The pick, too, was measured with this optimiser "
                                           "only (see question 3).")
    assert all("holds for" not in text for text in b.values())
    assert all("within this budget" not in text for text in b.values())


def test_the_notice_gives_a_departing_optimiser_with_its_own_settings():
    """Finding 11: the assignment's Adam has no momentum setting (its beta1 plays that part):
    an SGD study is one line, the optimiser against the assignment's, not 'momentum 0.9
    (assignment: 0.0)'."""
    cfg = {"architectures": {"models": ["mlp_1", "cnn_4"], **SGD, "batch_size": 50,
                             "epochs": 2, "seeds": [0, 1, 2, 3, 4]}}
    assert arch.departures(cfg) == [
        "architectures: models mlp_1, cnn_4 (mlp_2, cnn_3, cnn_5 left out)",
        "architectures: optimiser SGD, lr 0.01, momentum 0.9 (assignment: Adam, lr 0.001, "
        "whose β1 = 0.9 plays momentum's part)",
        "architectures: epochs 2 (assignment: 15)", "architectures: 5 seeds (assignment: 10)"]
    cfg["architectures"].update(momentum=0.0, models=arch.PROTOCOL["models"])
    assert arch.departures(cfg)[0] == (
        "architectures: optimiser SGD, lr 0.01, no momentum (assignment: Adam, lr 0.001, whose "
        "β1 = 0.9 plays momentum's part)")
    cfg["architectures"].update(optimizer="adam", lr=0.003, momentum=0.0)
    assert arch.departures(cfg) == ["architectures: lr 0.003 (assignment: 0.001)",
                                    "architectures: epochs 2 (assignment: 15)",
                                    "architectures: 5 seeds (assignment: 10)"]
    assert not any("momentum" in line for line in arch.departures(cfg))


def test_depth_with_one_model_per_family_is_not_measured_and_not_counted_answered(tmp_path):
    """Finding 5: with mlp_1 and cnn_4 the configuration, not the zoo, leaves no two models of
    one family: Q5 names the models run with their depths, and the appendix lists the depth
    question as not reproduced (no 'partly' note, not counted answered)."""
    sec = build(tmp_path, FIVE_E)
    q5 = plain(sec.questions[4].answer, sec)
    assert q5 == ("Among the models this study runs, mlp_1 (MLP, depth 2) and cnn_4 (CNN, depth "
                  "5), no family has two of different depth, so the effect of depth is not "
                  "measured here.")
    assert "zoo" not in q5
    seeds = {s["seed"]: s for s in appendix.collect([arch], [sec])}
    reason = ("not measured: among the models this study runs, mlp_1 (MLP, depth 2) and cnn_4 "
              "(CNN, depth 5), no family has two of different depth")
    for seed, ask in (("000", "2.3 Q5: the effect of depth"), ("001", "3.2.5: the effect of "
                                                                      "depth")):
        row = {r["ask"]: r for r in seeds[seed]["rows"]}[ask]
        assert row["reason"] == reason and "href" not in row and not row["note"]
    assert seeds["001"]["answered"] + seeds["001"]["not_reproduced"] == len(seeds["001"]["rows"])
    # two CNNs of different depth: measured, answered partly
    deep = build(tmp_path / "deep", {**FIVE_E, "cnn_3": spread(0.97, 5, 0.003)})
    rows = {r["ask"]: r for s in appendix.collect([arch], [deep]) for r in s["rows"]}
    assert rows["3.2.5: the effect of depth"]["href"] == "architectures-q5"
    assert rows["3.2.5: the effect of depth"]["note"].startswith("partly:")


def test_the_template_bands_are_named_as_question_6_defines_them(tmp_path):
    """Finding 9: Q8 reads the |r| bands under Q6's names (silhouette), not the selectivity
    words of Q7 (hardly, partly), and says how many runs fall in each."""
    a = answers(tmp_path, FIVE_E, template_r={"mlp_1": [0.317, 0.228, 0.235, 0.283, 0.271]})
    assert ("(read here: |r| ≥ 0.5 a recognisable garment silhouette, 0.3–0.5 a partial "
            "silhouette, below 0.3 no silhouette)") in a["architectures-q6"]
    q8 = a["architectures-q8"]
    assert ("By the bands above: mlp_1: no single band (no silhouette in 4 runs, a partial "
            "silhouette in 1).") in q8
    assert "hardly" not in q8 and "partly" not in q8


# ---------------------------------------------------------------- variant F's review

# variant F (5 classes, SGD lr 0.05, 4 seeds): cnn_4's last-epoch gains and their fits' errors
GAINS_F = {"mlp_1": ([0.021764, 0.009327, 0.015382, 0.021109],
                     [0.007373, 0.007114, 0.010495, 0.008628]),
           "cnn_3": ([0.006873, 0.036655, -0.0108, 0.021109],
                     [0.012801, 0.026567, 0.015637, 0.008727]),
           "cnn_4": ([0.695618, 0.0738, 0.0774, 0.355255],
                     [0.076381, 0.02032, 0.035389, 0.094257])}
FOUR_F = {"mlp_1": [0.842, 0.8515, 0.8565, 0.848], "cnn_3": [0.838, 0.8585, 0.8525, 0.855],
          "cnn_4": [0.772, 0.8215, 0.8355, 0.8365]}


def test_still_rising_rests_on_each_runs_slope_or_an_interval_over_runs(tmp_path):
    """Finding 9 (variant F): the verdict is not a mean ± the runs' pooled fit errors shown as
    the model's interval (cnn_4: +23.78 to +36.32 points, though its gains run from 7 to 70).
    cnn_4 is still rising because each run's own gain lies above 0 by its own interval, said
    as such, with the t interval over its runs (-16.82 to +76.92) beside it; mlp_1 because the
    interval over its runs lies above 0. Gains far apart with one run's interval across 0 are
    not called rising, however small the pooled error."""
    sec = build(tmp_path, FOUR_F, runs=with_gains(GAINS_F, FOUR_F))
    claim = dict(sec.claims)
    assert claim["rising_cnn_4"]["text"] == (
        "Last-epoch gain, 4 of 4 runs above 0 by their own 95 % intervals; over the 4 runs, "
        "mean +30.05 points (95 % t interval -16.82 to +76.92 points), cnn_4: seed 0 +69.56 "
        "points, seed 1 +7.38 points, seed 2 +7.74 points, seed 3 +35.53 points: still rising "
        "by the rule")
    assert claim["rising_mlp_1"]["text"].startswith(
        "Last-epoch gain, 2 of 4 runs above 0 by their own 95 % intervals; over the 4 runs, "
        "mean +1.69 points (95 % t interval +0.77 to +2.61 points)")
    assert claim["rising_mlp_1"]["text"].endswith(": still rising by the rule")
    assert claim["rising_cnn_3"]["text"].endswith(": cannot tell whether still rising by the "
                                                  "rule")
    assert all("+23.78" not in c["text"] for c in claim.values())
    # the pooled error (0.0086) would put this mean (+30.33 points) far above 0
    spread_out = {m: ([0.30, 0.01, 0.60], [0.01, 0.02, 0.01]) for m in THREE_RUNS}
    a = answers(tmp_path / "spread", THREE_RUNS, runs=with_gains(spread_out))
    assert "cnn_3: cannot tell whether still rising" in a["architectures-q3"]
    assert "Validation accuracy was still rising" not in a["summary"]
    # one run: its own interval alone decides, and no interval over runs is claimed
    own, over = [(0.01, 0.03)], None
    assert arch._model_rising_verdict(own, over, 0.01) == arch.STILL_RISING
    assert arch._model_rising_verdict([(-0.01, 0.03)], over, 0.01) == arch.CANNOT_TELL_RISING
    assert arch._model_rising_verdict([None], over, 0.01) == arch.CANNOT_TELL_RISING


def test_a_run_at_chance_from_its_start_is_detected_from_its_training_loss():
    """Finding 3: the stretch of records from the first whose training loss lies within
    CHANCE_MARGIN of ln C (variant F's cnn_4 seed 1: 70 steps), none where the first record has
    left it, and a diverged record is not at chance."""
    chance = float(np.log(5))
    steps = np.arange(10, 101, 10)
    loss = [1.610, 1.606, 1.607, 1.603, 1.600, 1.587, 1.551, 1.341, 1.188, 1.006]
    curve = pd.DataFrame({"step": steps, "train_loss": loss})
    assert arch.chance_start(curve, chance) == (70, 7)
    assert arch.chance_start(curve.assign(train_loss=np.linspace(1.43, 0.4, 10)), chance) == \
        (0, 0)
    assert arch.chance_start(curve.assign(train_loss=[1.61, np.nan] + [1.61] * 8), chance) == \
        (10, 1)
    assert arch.chance_start(curve.assign(train_loss=1.61), chance) == (100, 10)


def _with_chance_starts(accs, starts, steps=216):
    """Runs whose curves started at chance for {model: [(steps, records) per seed]}."""
    runs = make_runs(accs).assign(steps=steps, chance_start_steps=0, chance_start_records=0)
    for model, per_seed in starts.items():
        rows = runs.index[runs.model == model]
        runs.loc[rows, "chance_start_steps"] = [k for k, _ in per_seed]
        runs.loc[rows, "chance_start_records"] = [n for _, n in per_seed]
    return runs


def test_runs_that_started_at_chance_are_said_where_runs_are_called_ok_and_compared(tmp_path):
    """Finding 3 (variant F): every cnn_4 run sat at chance loss for its first 70-160 of 216
    steps, yet ended ok. The summary (which calls the runs ok) and the size answer say so once
    per model with each run's steps, and that no comparison can tell the delayed start apart
    from size, depth or family; the depth answer, which compares cnn_4, refers to it. A single
    record at chance (mlp_1 seed 0) is no start at chance."""
    starts = {"cnn_4": [(160, 16), (70, 7), (70, 7), (110, 11)],
              "cnn_3": [(0, 0), (0, 0), (30, 3), (0, 0)], "mlp_1": [(10, 1), (0, 0), (0, 0),
                                                                    (0, 0)]}
    a = answers(tmp_path, FOUR_F, runs=_with_chance_starts(FOUR_F, starts))
    said = ("Started at chance (training loss within 0.12 of ln 10 = 2.30, a uniform guess, for "
            "at least the first 2 records and 5 % of the steps): 1 of 4 cnn_3 runs, for its "
            "first 30 of 216 steps (seed 2); every cnn_4 run, for its first 160, 70, 70 and 110 "
            "of 216 steps (seeds 0, 1, 2 and 3).")
    assert said in a["summary"]
    assert "All 12 runs ended ok" in a["summary"]
    assert said in a["architectures-q4"]
    # an expectation, not a fact: review F round 2 found the run longest at chance not lowest
    assert ("Steps spent at chance are steps not spent learning, so such a start may lower the "
            "accuracy a budget reaches; these runs do not test that, and no comparison here can "
            "tell it apart from size, depth or family.") in a["architectures-q4"]
    assert "lowers the accuracy" not in a["architectures-q4"]
    assert ("Runs of cnn_3 and cnn_4 started at chance (question 4), which this comparison "
            "cannot tell apart from depth either.") in a["architectures-q5"]
    assert "mlp_1 run" not in a["summary"]
    assert sum("Started at chance" in text for q, text in a.items()
               if q.startswith("architectures-q")) == 1
    # no run at chance, or no curves read: nothing is said
    none = answers(tmp_path / "none", FOUR_F, runs=_with_chance_starts(FOUR_F, {}))
    assert all("at chance" not in text for text in none.values())
    assert all("at chance" not in text for text in answers(tmp_path / "old", FOUR_F).values())


def test_the_caption_names_the_models_whose_mean_curves_hide_one_another(tmp_path):
    """Finding 11 (variant F): mlp_1's mean accuracy curves lie under cnn_small's in panels b
    and d. The pairs within OVERLAP of each other in both training and validation accuracy at
    half their records or more are named in the caption, with the count; others are not."""
    steps = np.arange(10, 101, 10)
    base = np.linspace(0.5, 0.85, 10)

    def model(name, train, val):
        return pd.DataFrame({"model": name, "step": steps, "train_acc_mean": train,
                             "val_acc_mean": val})
    stats_ = pd.concat([
        model("mlp_1", base, base - 0.01),
        model("cnn_3", base + np.r_[[0.05] * 3, [0.004] * 7], base - 0.012),
        model("cnn_4", base - 0.1, base - 0.1)])
    assert arch.curve_overlaps(stats_, ["mlp_1", "cnn_3", "cnn_4"]) == [["mlp_1", "cnn_3", 7,
                                                                          10]]
    apart = stats_.assign(val_acc_mean=stats_.val_acc_mean + (stats_.model == "cnn_3") * 0.02)
    assert arch.curve_overlaps(apart, ["mlp_1", "cnn_3", "cnn_4"]) == []
    sec = build(tmp_path, THREE_RUNS, overlaps=[["mlp_2", "cnn_3", 16, 21]])
    caption = {f["id"]: f["caption"] for f in sec.figures}["architectures-fig-performance"]
    assert caption.endswith(
        "Two models' mean curves within 1 point of each other (training and validation "
        "accuracy alike): mlp_2 and cnn_3 at 16 of 21 records; there one model's curves in b "
        "and d hide the other's.")
    plain_caption = {f["id"]: f["caption"] for f in build(tmp_path / "no", THREE_RUNS).figures}
    assert "hide" not in plain_caption["architectures-fig-performance"]


def _with_stuck(accs, stuck):
    """Runs of `accs` whose seeds in `stuck` ({model: [seed, ...]}) ended stuck at chance."""
    runs = make_runs(accs)
    for model, seeds in stuck.items():
        runs.loc[(runs.model == model) & runs.seed.isin(seeds), "status"] = "stuck"
    return runs


CHANCE = 0.1  # 1/C for INFO's 10 classes
STUCK_G = {"mlp_2": spread(0.70, 6, 0.03),
           "cnn_3": [CHANCE, 0.62, 0.68, 0.72, CHANCE, 0.63],
           "cnn_5": [CHANCE, 0.58, CHANCE, CHANCE, 0.43, CHANCE]}


def test_stuck_runs_are_named_where_runs_are_pooled_and_left_out_once(tmp_path):
    """Finding 4 (variant G): cnn_3's 2 and cnn_5's 4 stuck runs made most of the ranking's
    14-point gap, the gap's -0.03 and the filters' means, and the pick offered cnn_3 on size
    without them. Every statistic over all runs says which stuck runs it includes; the
    ranking (Q3, Q10, summary) and the gap (Q1) are given again without them, computed from
    the runs that ended ok; the pick gives each model's runs that ended ok as a ground."""
    runs = _with_stuck(STUCK_G, {"cnn_3": [0, 4], "cnn_5": [0, 2, 3, 5]})
    a = answers(tmp_path, STUCK_G, runs=runs)
    pooled = "over all runs (cnn_3's 2 and cnn_5's 4 stuck runs included)"
    ok3 = np.mean([0.62, 0.68, 0.72, 0.63])
    assert f"Mean test accuracy after 2 epochs {pooled}: the highest mean is mlp_2's" in \
        a["architectures-q3"]
    assert ("Without the runs that did not end ok, mean test accuracy after 2 epochs: the "
            "highest mean is mlp_2's, 70.00 % (95 % CI") in a["architectures-q3"]
    assert f"against the runner-up cnn_3 ({100 * ok3:.2f} %)" in a["architectures-q3"]
    assert "(6 and 4 runs)" in a["architectures-q3"]
    assert "Test accuracy (cnn_3's 2 and cnn_5's 4 stuck runs included), cnn_3 against " \
        "cnn_5" in a["architectures-q3"]
    for q in ("summary", "architectures-q10"):
        assert f"mean test accuracy after 2 epochs {pooled}: highest mean mlp_2" in a[q]
        assert "; without the runs that did not end ok, mean test accuracy after 2 epochs: " \
            "highest mean mlp_2" in a[q]
    q10 = a["architectures-q10"]
    assert ("Runs that ended ok, a ground of their own: mlp_2 6 of 6; cnn_3 4 of 6 (2 stuck); "
            "cnn_5 2 of 6 (4 stuck).") in q10
    assert "Test accuracy (cnn_3's 2 stuck runs included), the highest mean (mlp_2" in q10
    assert "CNN: test accuracy (cnn_3's 2 and cnn_5's 4 stuck runs included), deeper cnn_5" \
        in a["architectures-q5"]
    gap = a["architectures-q1"]
    assert f"per model, {pooled}: cnn_3" in gap
    assert ("Over the runs that ended ok only: cnn_3 +2.00 points (mean of 4); cnn_5 +2.00 "
            "points (mean of 2); mlp_2 +2.00 points (mean of 6).") in gap
    assert ("Every number below is over all of a model's runs, those that did not end ok "
            "included (cnn_3 2 of 6 stuck; cnn_5 4 of 6 stuck).") in a["architectures-q6"]
    # a model none of whose runs ended ok is named, not dropped silently
    none = _with_stuck(STUCK_G, {"cnn_5": range(6)})
    b = answers(tmp_path / "none", STUCK_G, runs=none)
    assert "mean test accuracy after 2 epochs (cnn_5: none ended ok)" in b["architectures-q3"]
    assert "cnn_5 no run ended ok" in b["architectures-q1"]
    # every run ok: nothing is said of runs left out
    c = answers(tmp_path / "ok", STUCK_G)
    assert all("runs included)" not in text and "not end ok" not in text
               and "runs that ended ok" not in text.lower() for text in c.values())


def test_a_separation_that_rests_on_stuck_runs_decides_no_pick(tmp_path):
    """Finding 4: over all runs the highest mean is separated from the runner-up only because
    most of the runner-up's runs are stuck; over the runs that ended ok it is not, so the pick
    is not made on that separation."""
    accs = {"mlp_1": spread(0.70, 6, 0.01),
            "cnn_3": [CHANCE, CHANCE, CHANCE, CHANCE, 0.68, 0.70]}
    runs = _with_stuck(accs, {"cnn_3": [0, 1, 2, 3]})
    a = answers(tmp_path, accs, runs=runs)
    assert ", separated (p = 0.011)" in a["architectures-q10"]
    assert ("The data separate the highest mean from the runner-up over all runs, but not over "
            "the runs that ended ok: that separation may rest on the runs that did not, so "
            "accuracy does not decide the pick.") in a["architectures-q10"]
    assert "The pick: the highest mean above" not in a["architectures-q10"]
    clean = answers(tmp_path / "ok", {"mlp_1": accs["mlp_1"], "cnn_3": spread(0.5, 6, 0.01)})
    assert "The pick: the highest mean above" in clean["architectures-q10"]


def test_runs_at_chance_at_every_record_never_left_it(tmp_path):
    """Finding 6 (variant G): 'every cnn_5 run, for its first 100, ... of 108 steps' when 100
    is the last record: those runs never left chance, they did not start slowly. A run at
    chance at every record is said to have never left chance within its steps; those that
    started at chance and left it keep their steps; the band is said once."""
    starts = {"cnn_3": [(100, 10), (20, 2), (10, 1), (100, 10)],
              "cnn_4": [(100, 10)] * 4}
    runs = _with_chance_starts(FOUR_F, starts, steps=108).assign(records=10)
    a = answers(tmp_path, FOUR_F, runs=runs)
    left = ("Started at chance (training loss within 0.12 of ln 10 = 2.30, a uniform guess, for "
            "at least the first 2 records and 5 % of the steps) and then left it: 1 of 4 cnn_3 "
            "runs, for its first 20 of 108 steps (seed 1).")
    never = ("Never left chance within its 108 steps (in that band at every record): 2 of 4 "
             "cnn_3 runs (seeds 0 and 3); every cnn_4 run (seeds 0, 1, 2 and 3).")
    for q in ("summary", "architectures-q4"):
        assert f"{left} {never}" in a[q]
        assert "first 100" not in a[q]
    assert "A run that never left chance is no slow start" in a["architectures-q4"]
    assert ("Runs of cnn_3 and cnn_4 started at chance (some never left it; question 4)"
            in a["architectures-q5"])
    # only runs that never left: the band is said in that sentence, no slow start is offered
    only = _with_chance_starts(FOUR_F, {"cnn_4": [(100, 10)] * 4}, steps=108).assign(records=10)
    b = answers(tmp_path / "only", FOUR_F, runs=only)
    assert ("Never left chance within its 108 steps (training loss within 0.12 of ln 10 = 2.30, "
            "a uniform guess, at every record): every cnn_4 run (seeds 0, 1, 2 and 3).") in \
        b["architectures-q4"]
    assert "Started at chance" not in b["architectures-q4"]
    assert "Steps spent at chance" not in b["architectures-q4"]
