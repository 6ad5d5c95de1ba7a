"""Studies 1 and 2: their sections on hand-made tables, questions by id, and seed 003's
exercises computed by the project's own code."""
import pandas as pd
import pytest

from claim_check import assert_wording_ignores_swaps
from handmade import INFO, render_section, spread, through_files, tiny_png
from nnstudies.report import plain
from nnstudies.studies import concepts, convolution


def test_seed_003_exercises_are_computed_not_typed():
    table = convolution.exercises()
    # the whole 4x4 output (checked by hand: 8·9 − (1 + 0 − 2 + 2 + 5 + 0 − 3 + 1) = 68)
    assert table.result[0] == ("4x4, rows [68, 23, 30, -24]; [-54, -19, 0, 6]; "
                               "[38, 8, -17, 27]; [20, -47, -19, -13]")
    assert table.torch[0].endswith("(equal)") and table.torch[0].startswith("[68, 23, 30, -24]")
    assert table.torch[3].startswith("7x7 input pixels")  # measured, not computed
    assert table.result[1] == "16x16 → 7x7" and table.torch[1] == "7x7"
    assert table.result[2] == "32x32 → 16x16 → 8x8" and table.torch[2] == "8x8"
    assert table.result[3].startswith("3 in layer 2, 5 in layer 1, 7 in the input")


def similarity(col, row):
    """Per column (8 kernels) and per row (5 images) spectrum |r| around `col` and `row`."""
    return {"image_shape": [28, 28], "kernel_shape": [4, 4], "map_shape": [25, 25],
            "kernels": 8, "per_kernel_spectrum_r": spread(col, 8, 0.01),
            "per_image_spectrum_r": spread(row, 5, 0.01),
            "per_kernel_pixel_r": spread(0.09, 8, 0.01), "per_image_pixel_r": spread(0.2, 5, 0.01)}


# a bank of two 2x2 kernels: one whose weights sum to zero, one whose weights do not
BANK = {"blur": [[1, 1], [1, 1]], "vertical edge": [[1, -1], [1, -1]]}


def convolution_section(tmp_path, arms):
    """Study 2's section from per-arm values: the spectrum |r| per column and per row, and the
    mean |response| per kernel."""
    s = similarity(0.5, 0.5)
    s["per_kernel_spectrum_r"], s["per_image_spectrum_r"] = arms["columns"], arms["rows"]
    energy = {k: arms[k] for k in ("blur", "vertical edge")}
    tables, facts = through_files(tmp_path, {
        "torch_agreement": pd.DataFrame({"max_abs_diff": [1e-15, 2e-14]}),
        "zoo_layers": pd.DataFrame({"model": ["cnn_3"], "layer": ["conv 3x3x16"],
                                    "output": ["16x26x26"], "receptive field": ["3x3"],
                                    "jump": ["1"]}), "exercises": convolution.exercises()},
        {"similarity": s, "max_abs_diff": 2e-14, "agreement_cases": 2,
         "claims": convolution.claims_of(s, energy, BANK, "unit")})
    params = {"convolution": {"images": [0, 1], "kernels": {"blur": [[1]]}}}
    return render_section(convolution, facts, tables, {"maps": tiny_png(tmp_path)}, params,
                          INFO)


def test_no_convolution_wording_outside_a_claim_follows_which_is_higher(tmp_path):
    arms = {"columns": spread(0.77, 8, 0.01), "rows": spread(0.57, 5, 0.01),
            "blur": spread(3.4, 5, 0.1), "vertical edge": spread(0.3, 5, 0.05)}
    assert_wording_ignores_swaps(lambda a: convolution_section(tmp_path, a), arms,
                                 [("columns", "rows"), ("blur", "vertical edge")])


def test_no_concepts_wording_outside_a_claim_follows_which_model_is_higher(tmp_path):
    arms = {"mlp_1": [0.02, 0.03, 0.025], "cnn_3": [0.08, 0.07, 0.09]}
    assert_wording_ignores_swaps(lambda a: concepts_section(tmp_path, a), arms,
                                 [("mlp_1", "cnn_3")])


def convolution_answers(tmp_path, col, row, scaling="unit", bank=BANK):
    tmp_path.mkdir(parents=True, exist_ok=True)
    layers = pd.DataFrame({"model": ["cnn_3"] * 3, "layer": ["conv 3x3x16", "relu", "maxpool"],
                           "output": ["16x26x26", "16x26x26", "16x13x13"],
                           "receptive field": ["3x3", "3x3", "4x4"], "jump": ["1", "1", "2"]})
    s = similarity(col, row)
    energy = {"blur": spread(3.4, 5, 0.1), "vertical edge": spread(0.3, 5, 0.05)}
    tables, facts = through_files(tmp_path, {
        "torch_agreement": pd.DataFrame({"max_abs_diff": [1e-15, 2e-14]}),
        "zoo_layers": layers, "exercises": convolution.exercises()},
        {"similarity": s, "max_abs_diff": 2e-14, "agreement_cases": 2,
         "claims": convolution.claims_of(s, energy, bank, scaling)})
    params = {"convolution": {"images": [0, 1], "kernels": {"blur": [[1]]}}}
    sec = render_section(convolution, facts, tables, {"maps": tiny_png(tmp_path)}, params, INFO)
    assert [q.number for q in sec.questions] == list(range(1, 7))
    return {f"convolution-q{q.number}": plain(q.answer, sec) for q in sec.questions}, sec


def test_convolution_answers_follow_the_measured_similarity(tmp_path):
    a, sec = convolution_answers(tmp_path, 0.77, 0.57)
    b, _ = convolution_answers(tmp_path, 0.40, 0.60)
    # columns and rows share the same maps: the values are given, no independent-samples test
    # and no verdict but "cannot tell", whichever arm is higher
    for answers in (a, b):
        for q in ("convolution-q4", "convolution-q5"):
            assert "not testable by an independent-samples permutation test: the arms share " \
                   "maps" in answers[q]
            assert "Verdict: cannot tell" in answers[q]
            assert "separated" not in answers[q] and "p =" not in answers[q]
    assert "columns 0.77 (mean of 8); rows 0.57 (mean of 5)" in a["convolution-q4"]
    assert "rows 0.2 (mean of 5); columns 0.09 (mean of 8)" in a["convolution-q5"]
    # the summary's short form carries the same caveat
    summary = plain(sec.summary, sec)
    assert "cannot tell (columns 0.77, rows 0.57; not testable by an independent-samples " \
           "permutation test: the arms share maps)" in summary and "separated" not in summary
    # headings do not presume which maps look alike: that depends on the measure
    headings = [q.question for q in sec.questions]
    assert "Do the maps of one column look alike across images?" in headings
    assert "Do the maps of one row look alike?" in headings
    assert not any("not look alike" in h for h in headings)
    # the kernels are listed, not ranked: blur's weights do not sum to zero (brightness)
    assert "blur 3.4" in a["convolution-q3"] and "highest" not in a["convolution-q3"]
    assert "a kernel whose weights do not sum to zero, here blur, answers brightness too, so " \
           "the kernels are not ranked" in a["convolution-q3"]
    # the layer table drops activation rows (they repeat the shape) and keeps one row per model
    assert "relu" not in sec.tables[2]["html"] and "maxpool: 16x13x13, 4x4" in sec.tables[2]["html"]


def test_why_kernels_are_not_ranked_follows_the_input_scaling(tmp_path):
    """On [-1, 1] black is -1: a kernel whose weights do not sum to zero answers the distance
    from mid-grey, largest on a black background, not brightness."""
    q3 = convolution_answers(tmp_path / "s", 0.77, 0.57, "symmetric")[0]["convolution-q3"]
    assert ("inputs in [-1, 1] put black at −1 and mid-grey at 0: a kernel whose weights do not "
            "sum to zero, here blur, answers the distance from mid-grey too, as strongly on a "
            "black background as on white; the kernels are not ranked") in q3
    assert "brightness" not in q3
    q3 = convolution_answers(tmp_path / "r", 0.77, 0.57, "raw")[0]["convolution-q3"]
    assert "here blur, answers brightness too" in q3
    edges = {"blur": [[1, -1], [1, -1]], "vertical edge": [[1, -1], [-1, 1]]}
    q3 = convolution_answers(tmp_path / "z", 0.77, 0.57, "symmetric", edges)[0]["convolution-q3"]
    assert "every kernel's weights sum to zero" in q3 and "mid-grey" not in q3


def concepts_section(tmp_path, eces):
    """Study 1's section from per-model ECEs ({model: [ECE per seed]})."""
    ece = pd.DataFrame([{"model": m, "seed": i, "ece": e, "epochs": 2}
                        for m, values in eces.items()
                        for i, e in enumerate(values)])
    reliability = pd.DataFrame({"model": ["mlp_1", "cnn_3"], "bin_low": [0.9, 0.9],
                                "bin_high": [1.0, 1.0], "count": [100, 100],
                                "accuracy": [0.9, 0.8], "confidence": [0.95, 0.95]})
    iterations = pd.DataFrame({"study": ["architectures", "learning_rates"], "N": [5400] * 2,
                               "B": [50] * 2, "E": [2, 5], "ceil(N/B)": [108] * 2,
                               "E*ceil(N/B)": [216, 540], "batches per epoch (run)": [108] * 2,
                               "iterations (run)": [216, 540],
                               "iterations computed (run)": [216, 648]})  # a scheduled run
    parameters = pd.DataFrame({"model": ["mlp_1", "cnn_3"], "kind": ["mlp", "cnn"],
                               "formula": ["x", "y"], "formula_count": [25450, 10306],
                               "framework_count": [25450, 10306]})
    identity = {"model": "cnn_4", "lr": 0.01, "batch": 50, "weights": 12402,
                "max_abs_error": 1.4e-6, "max_abs_grad": 0.09}
    tables, facts = through_files(tmp_path, {"ece": ece, "reliability": reliability,
                                             "iterations": iterations,
                                             "parameters": parameters},
                                  concepts.facts(ece, identity, reliability, iterations,
                                                 parameters))
    return render_section(concepts, facts, tables, {"reliability": tiny_png(tmp_path)}, {},
                          INFO)


def test_concepts_answers_by_id(tmp_path):
    sec = concepts_section(tmp_path, {"mlp_1": [0.02, 0.03], "cnn_3": [0.08]})
    a = {f"concepts-q{q.number}": plain(q.answer, sec) for q in sec.questions}
    assert "mlp_1 0.025 ± 0.007" in a["concepts-q1"]
    # the ranking states the models' training budget (REPORT.md: equal budgets)
    assert "Expected calibration error on the test set after 2 epochs of training" \
        in a["concepts-q1"]
    assert "roughly" not in a["concepts-q1"] and "close to the" not in a["concepts-q1"]
    # one run of cnn_3: no "least calibrated"
    assert "least" not in a["concepts-q1"] and "no ranking is made" in a["concepts-q1"]
    assert "equal up to float32 rounding" in a["concepts-q2"]
    assert "ceil(N/B) = 108" in a["concepts-q3"] and "216 iterations" in a["concepts-q3"]
    # kept steps match the formula; the scheduled run's extra computed steps are named
    assert "kept steps equal these formulas" in a["concepts-q3"]
    assert "The learning_rates runs of E = 5 computed 648 steps to keep 540" in a["concepts-q3"]
    assert "architectures runs of E = 2 computed" not in a["concepts-q3"]
    assert "for 2 of 2." in a["concepts-q4"]
    # no "Expected ... near 0" without a verdict: the direction is described, no verdict drawn
    assert "Expected:" not in a["concepts-q1"].split("Expected calibration error")[0]
    assert "Mean confidence above accuracy for 2 of 2 models, below it for 0 (read from the " \
        "means, no test)" \
        in a["concepts-q1"] and "no verdict on the theory" in a["concepts-q1"]


def test_a_model_file_that_is_not_a_state_dict_is_refused_naming_it(tmp_path):
    import pickle

    import torch
    good = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, good)
    assert concepts.load_weights(good)["w"].shape == (2,)
    tampered = tmp_path / "tampered.pt"
    torch.save({"w": pickle.dumps(object)}, tampered)  # not tensors: refused without running it
    tampered.write_bytes(tampered.read_bytes()[:40])  # and truncated
    with pytest.raises(RuntimeError, match=f"{tampered} is not a readable state dict"):
        concepts.load_weights(tampered)

    class Payload:
        def __reduce__(self):
            return (print, ("code ran",))
    evil = tmp_path / "evil.pt"
    torch.save({"w": Payload()}, evil)
    with pytest.raises(RuntimeError, match="evil.pt is not a readable state dict"):
        concepts.load_weights(evil)


def test_convolution_analysis_runs_on_colour_images(tmp_path, raw_config):
    """One image convention, (N, C, H, W), for every dataset: with `dataset: cifar10` the
    study's analysis reads 3-channel 32x32 images (it used to crash on a (1, 3, 32, 32) input
    shape) and says how it made them grey."""
    import numpy as np
    from types import SimpleNamespace

    from nnstudies.config import resolve
    from nnstudies.studies.common import Outputs, read_facts

    cfg = resolve({**raw_config, "data": {**raw_config["data"], "dataset": "cifar10"}})
    params = convolution.params(cfg)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 256, (10, 3, 32, 32), dtype=np.uint8), np.arange(10) % 10
    np.savez(tmp_path / "d.npz", train_x=x, train_y=y, val_x=x, val_y=y, test_x=x, test_y=y)
    named = {f"table_{t}": str(tmp_path / f"{t}.csv") for t in convolution.TABLES}
    named.update(png_maps=str(tmp_path / "maps.png"), svg_maps=str(tmp_path / "maps.svg"),
                 facts=str(tmp_path / "facts.json"))
    convolution.analyse(SimpleNamespace(data=str(tmp_path / "d.npz")), Outputs(named), params,
                        INFO)
    facts = read_facts(tmp_path / "facts.json")
    assert facts["similarity"]["channels"] == 3
    assert facts["similarity"]["image_shape"] == [32, 32]
    layers = pd.read_csv(named["table_zoo_layers"])
    assert (layers.model == "cnn_3").any() and "x30x30" in " ".join(layers.output)
    tables = {t: pd.read_csv(named[f"table_{t}"]) for t in convolution.TABLES}
    sec = render_section(convolution, facts, tables, {"maps": tiny_png(tmp_path)}, params, INFO)
    assert "averaged over its 3 channels to one grey channel" in sec.intro
