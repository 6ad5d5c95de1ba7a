"""The claims layer: each builder applies REPORT.md's rules, and a claim renders with its
evidence in place."""
import json

import pytest

from claim_check import claims_in, evidence_numbers
from handmade import spread
from nnstudies import claims
from nnstudies.report import Section, number_claims, plain, with_claims

COMPARATIVE = ("highest", "lowest", "best", "separated", "rises", "falls", "first at")


def test_one_run_a_side_gives_the_values_and_no_comparative_word():
    for c in (claims.difference("a", [0.9], "b", [0.8], "Accuracy"),
              claims.ranking({"a": [0.9], "b": [0.8], "c": [0.7]}, "Accuracy")):
        assert "90.00 %" in c["text"] and "80.00 %" in c["text"]
        assert not any(w in c["text"] for w in COMPARATIVE), c["text"]
        assert "no" in c["text"] and "spread" in c["text"]


def test_a_ranking_lists_one_run_arms_in_the_given_order_not_sorted():
    c = claims.ranking({"b": [0.7], "a": [0.9]}, "Accuracy")
    assert c["text"].index("b 70.00 %") < c["text"].index("a 90.00 %")


def test_two_to_four_runs_are_not_resolved_with_the_smallest_p():
    c = claims.ranking({"a": [0.90, 0.91, 0.92], "b": [0.80, 0.81, 0.82]}, "Accuracy")
    assert "the highest mean is a's" in c["text"]
    assert "not resolved: with 3 and 3 runs" in c["text"] and "0.1)" in c["text"]
    assert c["evidence"]["min_p"] == pytest.approx(0.1) and c["evidence"]["p"] != c[
        "evidence"]["p"]


def test_a_ranking_summary_keeps_the_interval_and_flags_one_past_the_possible_range():
    c = claims.ranking({"a": [0.99, 0.90], "b": [0.80, 0.81]}, "Accuracy")
    # the t interval over 2 runs reaches past 100 %, which no accuracy can
    assert "95 % CI" in c["short"] and "2 runs: small sample" in c["short"]
    assert "it reaches above 100.00 %, where no value can lie" in c["text"]
    inside = claims.ranking({"a": [0.90, 0.91], "b": [0.80, 0.81]}, "Accuracy")
    assert "where no value can lie" not in inside["text"]
    ece = claims.ranking({"a": [0.01, 0.05], "b": [0.2, 0.3]}, "ECE", fmt=claims.fmt_number,
                         higher_is_better=False, bounds=(0.0, 1.0))
    assert "it reaches below 0, where no value can lie" in ece["text"]  # not "0.000"
    free = claims.ranking({"a": [0.01, 0.05], "b": [0.2, 0.3]}, "Gap", fmt=claims.fmt_number,
                          higher_is_better=False)
    assert "where no value can lie" not in free["text"]


def test_five_runs_a_side_are_tested_and_never_called_equal():
    apart = claims.difference("a", spread(0.90), "b", spread(0.85), "Accuracy")
    close = claims.difference("a", spread(0.90, sd=0.05), "b", spread(0.899, sd=0.05),
                              "Accuracy")
    assert "+5.00 points, separated by the data (permutation test p = 0.0079" in apart["text"]
    assert "not separated by the data" in close["text"]
    assert "does not make them equal" in close["text"]


def test_a_trend_no_test_can_reach_is_not_testable_not_absent():
    c = claims.trend([(1, 0.5), (2, 0.6), (3, 0.7)], "Depth against accuracy")
    assert "not testable with 3 points" in c["text"] and "no correlation" not in c["text"]
    rising = claims.trend([(x, x * x) for x in range(1, 6)], "x against y", x_name="x",
                          y_name="y")
    assert "y rises with x (Spearman ρ = 1.00 over 5 points, exact p = 0.017" in rising["text"]
    flat = claims.trend([(x, 1.0) for x in range(1, 6)], "x against y")
    assert "not testable (y: every value the same)" in flat["text"]
    # one setting only (other rates dropped): the x values are what is constant, not the y
    one_x = claims.trend([(0.03, 150), (0.03, 220), (0.03, 130)], "lr against steps",
                         x_name="lr", y_name="steps")
    assert "not testable (one lr only)" in one_x["text"]
    # 6 runs at 2 settings: the ties, not the 6 points, keep every p above 0.05
    tied = claims.trend([(h, h + k) for h in (50, 200) for k in (1, 2, 3)], "H against gap",
                        x_name="H")
    assert "not testable with 6 points at 2 values of H" in tied["text"]


def test_an_interval_over_identical_runs_says_no_spread_not_a_zero_width_interval():
    c = claims.ranking({"linear": [0.771429, 0.771429], "CNN": [0.5, 0.6]}, "Test accuracy")
    assert "77.14 % (the same in both runs: no spread)" in c["text"]
    assert "77.14 %–77.14 %" not in c["text"]


def test_a_threshold_no_test_can_reach_gives_the_smallest_p_it_could():
    c = claims.threshold([0, 0.01, 0.1], {0: [0.9, 0.91], 0.01: [0.8, 0.82], 0.1: [0.5, 0.52]},
                         0, "Training accuracy drops", "λ")
    assert "2 runs a setting: no test can reach p < 0.05" in c["text"]
    assert c["evidence"]["min_p"] == pytest.approx(1 / 3)


@pytest.mark.parametrize("values, expected_sign, verdict", [
    ((spread(0.90), spread(0.80)), 1, "agrees"),
    ((spread(0.90), spread(0.80)), -1, "disagrees"),
    (([0.90, 0.91], [0.80, 0.81]), 1, "cannot tell"),
])
def test_a_mechanism_takes_its_verdict_from_the_measurements_test(values, expected_sign,
                                                                  verdict):
    m = claims.mechanism("X should exceed Y.", claims.difference("X", values[0], "Y", values[1],
                                                                 "Accuracy"), expected_sign)
    assert m["text"].startswith("Expected: X should exceed Y. Measured: Accuracy, X against Y")
    assert f"Verdict: {verdict}" in m["text"] and m["evidence"]["verdict"] == verdict


def test_a_threshold_needs_a_separated_difference_beyond_the_margin():
    arms = {0: spread(0.99), 0.1: spread(0.985), 0.5: spread(0.95)}
    c = claims.threshold([0, 0.1, 0.5], arms, 0, "Under-fitting", "λ", margin=0.01)
    assert "first at λ 0.5" in c["text"] and c["evidence"]["crossed_at"] == 0.5
    few = claims.threshold([0, 0.5], {0: [0.99, 0.98], 0.5: [0.5, 0.4]}, 0, "Under-fitting",
                           "λ")
    assert "cannot tell with these runs (2 runs a setting" in few["text"]
    assert "first at" not in few["text"]


def test_a_sign_test_claims_a_side_only_when_it_can():
    five = claims.sign({m: [r] for m, r in zip("abcde", [2, 3, 4, 5, 6])}, "Ratio")
    six = claims.sign({m: [r] for m, r in zip("abcdef", [2, 3, 4, 5, 6, 7])}, "Ratio")
    assert "with 5 arms not testable" in five["text"] and claims.direction(five) == 0
    assert "above 1 for 6 of 6 arms" in six["text"] and claims.direction(six) == 1


def test_an_observation_is_said_to_be_of_these_runs():
    c = claims.observation("spikes at 0.01.", {"lr 0.01": [0]}, "rises", lambda x: x > 0,
                           "at least one rise", True)
    assert "Verdict: disagrees" in c["text"] and "one initialisation" in c["text"]


def test_a_claim_survives_the_facts_file_and_renders_with_its_evidence(tmp_path):
    from nnstudies.studies.common import read_facts, write_facts
    built = {"k": claims.ranking({"a": [0.9, 0.92], "b <b>": [0.8, 0.81]}, "Accuracy",
                                 source="tables/x_runs.csv")}
    write_facts(tmp_path / "x_facts.json", {"claims": built})
    found = read_facts(tmp_path / "x_facts.json")["claims"]
    json.dumps(built)  # plain data
    sec = Section("x", "X", "intro")
    text = f"Before {sec.cite(found, 'k')} & after; again {sec.cite(found, 'k')}."
    assert len(sec.claims) == 1  # one claim placed twice is one claim
    number_claims([sec])
    html = str(with_claims(text, sec))
    assert "&amp; after" in html and "b &lt;b&gt;" in html
    # the print note number is joined to its claim: it never starts a line of its own
    assert '</span><sup class="claim-note">\u2060<a href="#note-1">[1]</a></sup>' in html
    (parsed, again) = claims_in(html)
    assert parsed["key"] == "x/k" and parsed["details"] and parsed["text"] == found["k"]["text"]
    assert "tables/x_runs.csv" in parsed["evidence"] and "Rule:" in parsed["evidence"]
    assert set(parsed["values"]) <= set(evidence_numbers(found["k"]["evidence"]))
    assert plain(text, sec) == f"Before {found['k']['text']} & after; again {found['k']['text']}."


def test_a_cannot_tell_says_why_no_direction_was_shown():
    """No test at these sizes is not a test that found no direction; a one-run arm is named."""
    untested = claims.mechanism("x rises.", claims.difference("a", [0.9, 0.91], "b", [0.8, 0.81],
                                                              "Accuracy"))
    assert "cannot tell (no test can reach p < 0.05 at these sizes)" in untested["text"]
    one_each = claims.mechanism("x rises.", claims.difference("a", [0.9], "b", [0.8], "Acc"))
    assert "cannot tell (no test can be run at these sizes)" in one_each["text"]
    tested = claims.mechanism("x rises.", claims.difference("a", spread(0.9, sd=0.05), "b",
                                                            spread(0.899, sd=0.05), "Accuracy"))
    assert "(the measurement's test does not establish a direction)" in tested["text"]
    one = claims.difference("dropout", [0.8], "baseline", [0.7, 0.72, 0.71], "Accuracy")
    assert "(dropout has one run: no spread, so no comparison can be made)" in one["text"]


def test_a_short_form_inside_a_sentence_lowercases_ordinary_words_only():
    assert claims.mid_sentence("Validation accuracy: a") == "validation accuracy: a"
    assert claims.mid_sentence("Two-layer network, x") == "two-layer network, x"
    for name in ("ReLU/sigmoid ratio", "SGD reaches", "NumPy MLP", "H 500", "ECE"):
        assert claims.mid_sentence(name) == name


def test_an_arm_without_a_value_says_why_in_the_callers_words():
    c = claims.difference("Adam", [float("nan")], "schedule", [340.0], "Steps to 70 %",
                          missing="never reached it within its run")
    assert "Adam never reached it within its run, schedule" in c["text"]
    assert c["text"].endswith("(so no comparison can be made)")
    assert c["text"].count("Adam") == 1
    assert "no finite value" in claims.difference("a", [], "b", [1.0], "x")["text"]


def test_a_paired_difference_of_zero_does_not_count_towards_the_smallest_p():
    c = claims.paired({0: 0.0135, 1: 0.0, 2: 0.5784}, "Test accuracy, schedule minus lr 0.3")
    assert "not testable with 3 pairs (1 of them with no difference)" in c["text"]
    assert "can give is 0.5" in c["text"]


def test_a_sign_test_over_many_units_gives_their_range_and_names_the_unit():
    """Twenty images are counted as images, not 'arms', and their twenty values are given by
    range and median (the table lists each); the short form has the counts and the test."""
    arms = {f"image {i}": [0.1 + 0.01 * i] for i in range(20)}
    c = claims.sign(arms, "Column minus row", reference=0.0, unit="image")
    assert "above 0 for 20 of 20 images (20 images from 0.1 to 0.29, median 0.195; " \
           "sign test p = 1.9e-06)" in c["text"]
    assert "image 3" not in c["text"]
    assert c["short"] == "Column minus row: above 0 for 20 of 20 images, sign test p = 1.9e-06"
    few = claims.sign({"a": [1.5], "b": [2.0]}, "Ratio")
    assert "a 1.5; b 2" in few["text"] and "with 2 arms not testable" in few["text"]


def test_a_one_run_arm_is_listed_beside_a_ranking_of_the_others():
    """One surviving run of a rate blocked the whole ranking ('no ranking'), hiding a
    comparison the other rates could make: they are ranked, the one-run arm listed aside."""
    c = claims.ranking({"lr 0.05": [0.9, 0.91, 0.92, 0.93], "lr 0.01": [0.8, 0.81, 0.82, 0.83],
                        "lr 1e-05": [0.75]}, "Validation accuracy")
    assert "Validation accuracy: among the arms with two runs or more, the highest mean is " \
           "lr 0.05's" in c["text"]
    assert c["short"].startswith("Validation accuracy: among the arms with two runs or more, "
                                 "highest mean lr 0.05")
    assert "against the runner-up lr 0.01" in c["text"]
    assert c["text"].endswith("; with one run, so no spread, not ranked: lr 1e-05 75.00 %")
    assert c["evidence"]["best"] == "lr 0.05" and len(c["evidence"]["arms"]) == 3
    alone = claims.ranking({"a": [0.9, 0.8], "b": [0.7]}, "Accuracy")
    assert "no ranking is made" in alone["text"]


def test_values_of_equal_means_say_their_size_once():
    c = claims.values_only({k: [1.0, 2.0, 3.0] for k in "abc"}, "Mean |response|")
    assert c["text"] == "Mean |response|: a 2; b 2; c 2 (each a mean of 3)"
    mixed = claims.values_only({"a": [1.0, 3.0], "b": [2.0]}, "X")
    assert mixed["text"] == "X: a 2 (mean of 2); b 2"


def test_a_mechanisms_short_form_nests_no_parentheses():
    """The short form sets the measurement's own short form after a dash: a measurement that
    says "(3 and 3 runs)" is not wrapped in a second pair of parentheses."""
    m = claims.difference("a", [0.5, 0.6, 0.7], "b", [0.4, 0.5, 0.6], "Accuracy")
    assert "(3 and 3 runs)" in m["short"]
    c = claims.mechanism("a is better.", m, name="a beats b")
    assert c["short"].startswith("a beats b: cannot tell — accuracy, a against b")
    depth, deepest = 0, 0
    for ch in c["short"]:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        deepest = max(deepest, depth)
    assert deepest == 1


def test_two_to_four_runs_a_side_leave_a_comparison_unresolved_whatever_its_p():
    """REPORT.md, "Few runs": with 2-4 runs a side the ranking is not resolved. 4 and 4 runs
    that do not overlap reach p = 0.029 (2/70): the sentence gives that p and says every run
    of one lies beyond every run of the other, but separates nothing, so a mechanism cannot
    tell; with 5 and 5 the same pattern separates them."""
    low, high = [0.70, 0.71, 0.72, 0.73], [0.80, 0.81, 0.82, 0.83]
    c = claims.difference("a", high, "b", low, "Accuracy")
    assert not c["evidence"]["separated"] and c["evidence"]["testable"]
    assert "not resolved: permutation test p = 0.029 (4 and 4 runs, every run of one beyond " \
        "every run of the other), but with fewer than 5 runs a side that does not resolve " \
        "it" in c["text"]
    assert "not resolved (p = 0.029, 4 and 4 runs)" in c["short"]
    assert claims.mechanism("a is better.", c)["evidence"]["verdict"] == "cannot tell"
    r = claims.ranking({"a": high, "b": low}, "Accuracy")
    assert "not resolved" in r["text"] and "separated by the data" not in r["text"]
    five = claims.difference("a", high + [0.84], "b", low + [0.74], "Accuracy")
    assert five["evidence"]["separated"] and "separated by the data" in five["text"]


def test_four_runs_a_side_that_overlap_are_not_resolved_either():
    """Review F, round 2: beside a 4-v-4 pair called 'not resolved', an overlapping 4-v-4 pair
    read 'not separated by the data': two labels for the same rule. Both are not resolved."""
    c = claims.difference("a", [0.84, 0.85, 0.86, 0.85], "b", [0.85, 0.84, 0.86, 0.845],
                          "Accuracy")
    assert "not resolved: permutation test p = " in c["text"]
    assert "(4 and 4 runs), and with fewer than 5 runs a side no comparison is resolved" \
        in c["text"] and "not separated" not in c["text"]
    assert "not resolved (p = " in c["short"]


def test_an_observation_counts_the_runs_that_break_it():
    """Variant G: four runs of lr 1 at chance as expected and one above it read "disagrees in
    these runs; not so in lr 1". The verdict counts runs, and names the value that breaks it."""
    c = claims.observation("A rate past the limit ends at chance.",
                           {"lr 1": [0.3333, 0.3333, 0.3333, 0.5033, 0.3333]},
                           "final validation accuracy per run", lambda x: x <= 0.415,
                           "at most 41.50 %", True, fmt=claims.fmt_pct)
    assert "Verdict: agrees in 4 of 5 runs, disagrees in 1" in c["text"]
    assert "; not so in lr 1 at 50.33 %" in c["text"]
    every = claims.observation("x.", {"a": [0.1, 0.2]}, "v", lambda x: x < 1, "below 1", True)
    assert "Verdict: agrees in these runs" in every["text"] and "so it was" in every["text"]
    none = claims.observation("x.", {"a": [0.1], "b": [2.0]}, "v", lambda x: x > 1, "above 1",
                              False)
    assert "agrees in 1 of 2 runs, disagrees in 1" in none["text"]
    assert none["text"].endswith("; not so in b; one run per setting is one initialisation, "
                                 "not a test across seeds")
