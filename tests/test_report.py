"""The methods section's protocol lines: the bf16 bound is printed exactly when validation and
test ran in bf16 (issue 13, item 3)."""
import json

from nnstudies.config import resolve
from nnstudies.report import BF16_BOUND, protocol_lines


def test_protocol_prints_the_bf16_bound_only_when_bf16_is_used(raw_config):
    fp32 = resolve(raw_config)
    bf16 = resolve(raw_config, user={"train": {"precision": "bf16"}})
    assert bf16["train"]["precision"] == "bf16"
    assert BF16_BOUND not in protocol_lines(fp32, ["cpu"])
    lines = protocol_lines(bf16, ["cpu", "cpu"])
    assert BF16_BOUND in lines and "device: cpu." in lines[0]
    assert [line for line in lines if line != BF16_BOUND] == protocol_lines(fp32, ["cpu"])


def test_bf16_bound_is_the_largest_change_in_the_measured_runs(repo_root):
    """BF16_BOUND quotes bench/measured/bench_bf16_full_*.json: the models, and the largest
    validation and test accuracy changes over them, in images."""
    runs = [json.loads(p.read_text())["accuracy"]
            for p in sorted((repo_root / "bench" / "measured").glob("bench_bf16_full_*.json"))]
    assert len(runs) >= 4
    for run in runs:
        assert run["run"]["name"] in BF16_BOUND
    val = max(max(r["val_acc_changes_in_images"]) for r in runs)
    test = max(round(r["test_acc_change"] * 10000) for r in runs)
    assert f"validation accuracy was {val / 6000:.4f} ({val} images)" in BF16_BOUND
    assert f"test accuracy {test / 10000:.4f} ({test} of 10000 images)" in BF16_BOUND


def test_methods_give_the_input_scaling_as_a_range_and_study_4s_own():
    cfg = {"data": {"scaling": "unit"}, "train": {"threads": 1},
           "activations": {"scalings": ["symmetric", "raw"]}}
    first = protocol_lines(cfg, ["cpu"])[0]
    assert first.startswith("Input scaling: [0, 1] (unit); Study 4 runs its own: [-1, 1], "
                            "[0, 255]; threads per training job: 1")
    cfg["activations"]["scalings"] = ["unit"]
    assert protocol_lines(cfg, ["cpu"])[0].startswith(
        "Input scaling: [0, 1] (unit); threads")


def test_a_rules_labelled_values_are_not_shown_as_runs():
    """A rule over measurements of different things (a best and a last accuracy, a count)
    shows each under its label, with no 'runs 1' column (a count of 2 runs read 'runs 1, mean
    2')."""
    from nnstudies import claims
    from nnstudies.report import evidence_html
    c = claims.rule("lr 0.1", [2, 2], "Runs that learn", True, "the rule", "all learn", "not all",
                    fmt=str, labels=["learn", "of"])
    html = evidence_html(c["evidence"])
    assert "<th>measured</th><th>value</th>" in html and "<th>runs</th>" not in html
    assert "<tr><td>lr 0.1, learn</td><td><span" in html
    plain = evidence_html(claims.rule("lr 0.1", [0.5, 0.6], "Accuracy", True, "r", "y", "n")[
        "evidence"])
    assert "<th>runs</th>" in plain


def test_evidence_shows_fractions_as_the_sentence_writes_them():
    """A sentence that writes accuracies in % (or differences in points) has an evidence table
    in the same unit, the exact fraction kept in data-value; other values are shown as they
    are. A mechanism's evidence keeps its measurement's unit."""
    from nnstudies import claims
    from nnstudies.report import evidence_html
    c = claims.ranking({"a": [0.7505, 0.7585], "b": [0.7385, 0.758]}, "Test accuracy")
    assert "75.45 %" in c["text"]
    html = evidence_html(c["evidence"])
    assert "<th>mean (%)</th><th>per run (%)</th>" in html
    assert 'data-value="0.7505">75.05</span>' in html and ">0.7505<" not in html
    diffs = claims.paired({0: 0.012, 1: -0.003}, "Gap", fmt=claims.fmt_points)
    assert "<th>mean (points)</th>" in evidence_html(diffs["evidence"])
    plain = claims.ranking({"a": [1.5, 1.7], "b": [2.0, 2.1]}, "Loss", fmt=claims.fmt_number,
                           higher_is_better=False)
    assert "<th>mean</th>" in evidence_html(plain["evidence"])
    assert 'data-value="1.5">1.5</span>' in evidence_html(plain["evidence"])
    m = claims.mechanism("a is better.", c)
    assert "<th>mean (%)</th>" in evidence_html(m["evidence"])


def test_a_whole_count_in_the_evidence_is_shown_whole():
    """Review F, round 2: 11,677 parameters (a float in the facts) read 1.168e+04 in the
    evidence while the sentence said 11,677."""
    from nnstudies.report import _number
    assert ">11,677<" in _number(11677.0) and 'data-value="11677.0"' in _number(11677.0)
    assert ">0.851<" in _number(0.851) and ">85.1<" in _number(0.851, 100)


def test_a_trends_evidence_is_in_the_unit_the_section_writes():
    """Study 5's jitter is written in points; its trend's evidence showed 0.00436."""
    from nnstudies import claims
    from nnstudies.report import evidence_html
    c = claims.trend([(0.01, 0.00436), (0.1, 0.04885)], "Jitter", fmt=claims.fmt_points)
    assert "<th>mean (points)</th>" in evidence_html(c["evidence"])
    assert ">0.436<" in evidence_html(c["evidence"])
    assert "<th>mean</th>" in evidence_html(claims.trend([(1, 2), (2, 3)], "x")["evidence"])
