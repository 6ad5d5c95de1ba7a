"""Study 3's prose on hand-made tables, addressed by question id (architectures-q<n>)."""
import numpy as np
import pytest

from claim_check import assert_wording_ignores_swaps
from handmade import (INFO, ZOO, make_runs, make_weights, render_section, spread, through_files,
                      tiny_png)
from nnstudies.report import plain
from nnstudies.studies import architectures as arch


def answers(tmp_path, accs, gaps=None, template_r=None, zero_sum=None, selectivity=None,
            runs=None):
    """{question id: answer} of the section built from these runs, plus the summary line."""
    sec = build(tmp_path, accs, gaps, template_r, zero_sum, selectivity, runs)
    out = {f"architectures-q{q.number}": q.answer for q in sec.questions}
    out["summary"] = sec.summary
    return {k: plain(v, sec) for k, v in out.items()}


def build(tmp_path, accs, gaps=None, template_r=None, zero_sum=None, selectivity=None,
          runs=None):
    """The section built from these runs (claims as marks)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    runs = make_runs(accs, gaps) if runs is None else runs
    models = {m: ZOO[m] for m in accs}
    summary, pairwise = arch.rank(runs, models)
    weights = make_weights(summary, template_r or {m: 0.4 for m in accs},
                           zero_sum or {m: 0.5 for m in accs},
                           selectivity or {m: 0.3 for m in accs})
    tables, facts = through_files(tmp_path, {"summary": summary, "pairwise": pairwise,
                                             "weights": weights, "runs": runs},
                                  arch.facts(summary, runs, weights, 10))
    png = tiny_png(tmp_path)
    figs = {name: png for name in arch.figures_of({"models": models})}
    params = {"protocol": {"models": list(accs), "seeds": [0, 1], "optimizer": "adam",
                           "lr": 0.001, "batch_size": 50, "epochs": 2, "record_every": 10},
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
        "By accuracy: Mean test accuracy after 2 epochs: the highest mean is mlp_1's")
    assert "cnn_5" not in a["architectures-q10"].split("On other grounds")[0]
    assert "equal" not in a["architectures-q3"].replace("which does not make them equal", "")


def test_two_runs_each_give_no_p_value_and_an_unresolved_ranking(tmp_path):
    accs = {"mlp_1": [0.85, 0.86], "cnn_3": [0.80, 0.81], "cnn_4": [0.70, 0.75]}
    a = answers(tmp_path, accs)
    q3 = a["architectures-q3"]
    assert "p =" not in q3 and "not resolved: with 2 and 2 runs no test can reach p < 0.05" in q3
    assert "2 runs: small sample" in q3
    assert "p =" not in a["architectures-q10"] and "not resolved" in a["architectures-q10"]
    # two runs: no test can separate anything, so no pick (and no model offered for its size)
    assert "No pick can be made from these runs" in a["architectures-q10"]
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
    # cnn_3 is smaller than cnn_4 and not separated from it: named on other grounds only
    q10 = b["architectures-q10"]
    assert ("the highest mean (cnn_4, 12,402 parameters) against the smallest model the data "
            "do not separate from it (cnn_3, 10,306 parameters)") in q10
    assert "not separated by the data (p = " in q10
    assert "a reader who values size may prefer cnn_3" in q10
    assert "may prefer" not in a["architectures-q10"]  # separated: accuracy decides
    assert "The pick: the highest mean above, which the data separate" in a["architectures-q10"]
    assert "Accuracy does not decide the pick" in b["architectures-q10"]


def test_the_smaller_alternative_is_one_the_data_do_not_separate_from_the_best(tmp_path):
    """REPORT.md: recommend on other grounds a model the data do not separate from the best;
    never the smallest model when the data show it worse."""
    accs = {"mlp_1": spread(0.86, sd=0.02), "cnn_3": spread(0.855, sd=0.02),
            "cnn_4": spread(0.70)}  # cnn_4 is smaller than mlp_1 but clearly worse
    q10 = answers(tmp_path, accs)["architectures-q10"]
    assert "the smallest model the data do not separate from it (cnn_3, 10,306 parameters)" \
        in q10 and "a reader who values size may prefer cnn_3" in q10


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


def test_gap_wording_for_a_negative_gap(tmp_path):
    accs = {m: spread(0.85 + 0.01 * i) for i, m in enumerate(["mlp_1", "cnn_3", "cnn_4"])}
    a = answers(tmp_path, accs, gaps={"mlp_1": 0.05, "cnn_3": -0.014, "cnn_4": 0.01})
    assert "cnn_3 -1.40 points" in a["architectures-q1"]
    assert "mlp_1 +5.00 points" in a["architectures-q1"]
    assert "negative gap means" in a["architectures-q1"]
    # the widest gap is named by a claim with its test, not by sorting the means
    assert "Generalisation gap" in a["architectures-q2"]
    assert "the highest mean is mlp_1's" in a["architectures-q2"]


def test_a_blown_up_run_is_counted_in_the_summary(tmp_path):
    runs = make_runs({"mlp_1": spread(0.85), "cnn_3": spread(0.84)})
    runs.loc[0, "status"] = "blew up"
    a = answers(tmp_path, {"mlp_1": None, "cnn_3": None}, runs=runs)
    assert "Of 10 runs, 1 blew up; 9 ended ok" in a["summary"]


def test_one_run_per_model_makes_no_comparison(tmp_path):
    a = answers(tmp_path, {"mlp_1": [0.84], "cnn_3": [0.88], "cnn_4": [0.90]})
    assert "(1 run: no spread, no comparison possible)" in a["architectures-q3"]
    assert "no spread, so no ranking is made" in a["architectures-q3"]
    for q in ("architectures-q3", "summary"):
        assert "highest" not in a[q] and "best" not in a[q]
    assert "one run each: no spread, so no comparison" in a["architectures-q10"]


def test_weight_answers_follow_the_numbers(tmp_path):
    accs = {m: spread(0.85 + 0.01 * i) for i, m in enumerate(["mlp_1", "mlp_2", "cnn_3",
                                                              "cnn_4"])}
    a = answers(tmp_path, accs, template_r={"mlp_1": 0.62, "mlp_2": 0.21},
                zero_sum={"cnn_3": 0.25, "cnn_4": 0.75},
                selectivity={"mlp_1": 0.1, "mlp_2": 0.3, "cnn_3": 0.6, "cnn_4": 0.2})
    assert "0.62 (mlp_1)" in a["architectures-q6"] and "75 % of cnn_4's" in a["architectures-q6"]
    # one (best) run per model: values, no "most class-specific"
    assert "most" not in a["architectures-q7"]
    assert "cnn_3 0.6 (strongly specialised" in a["architectures-q7"]
    assert "not ranked" in a["architectures-q8"]
    assert "mlp_1: its pictures can be read as class templates" in a["architectures-q8"]


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
    assert "mlp_1 0.195 (hardly specialised" in a["architectures-q7"]


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
    assert "(cnn_3, the highest mean, has the fewest too: size agrees with accuracy; the " \
           "runner-up mlp_2 has 170 % more parameters)" in q10
    two = {"mlp_2": [0.70, 0.71], "cnn_3": [0.72, 0.73], "cnn_4": [0.60, 0.61]}
    q10 = answers(tmp_path / "2", two)["architectures-q10"]
    assert "No pick can be made from these runs" in q10 and "the pick is" not in q10
    assert "For the record, on size: Parameters per model, fewest first: cnn_3 10,306" in q10
    assert "too few runs for a test to separate it from the runner-up mlp_2" in q10


def test_a_family_of_one_model_is_named_not_compared(tmp_path):
    # one MLP: its family has no spread across models, and its one model is no "one run"
    accs = {"mlp_2": spread(0.70, 4), "cnn_3": spread(0.715, 4), "cnn_4": spread(0.49, 4)}
    q9 = answers(tmp_path, accs)["architectures-q9"]
    assert q9.endswith("The MLP family has one model (mlp_2): no spread across models, so the "
                       "families are not compared.")
    assert "one run" not in q9 and "MLPs" not in q9
