"""Aggregation tables and the report answers, on hand-made runs."""
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from nnstudies import aggregate, answers
from nnstudies.models import build_model, count_parameters

ZOO = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())["models"]
PARAMS = {m: count_parameters(build_model(layers, (1, 28, 28), 10)) for m, layers in ZOO.items()}
CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
WEIGHT_KEYS = ["units", "template_r_mean", "zero_sum_fraction", "selectivity_mean", "dead_units",
               "preferred_classes"]


def make_runs(accs, gaps=None):
    """runs table (aggregate.RUN_COLUMNS) from {model: [test accuracy per seed]}."""
    gaps = gaps or {}
    rows = []
    for model, values in accs.items():
        for seed, acc in enumerate(values):
            gap = gaps.get(model, 0.02)
            rows.append({"study": "architectures", "name": model, "model": model,
                         "activation": "relu", "scaling": "unit", "seed": seed,
                         "optimizer": "adam", "lr": 1e-3, "batch_size": 50, "epochs": 2,
                         "test_acc": acc, "test_loss": 1 - acc, "final_train_acc": acc + gap,
                         "final_val_acc": acc + gap / 2, "parameters": PARAMS[model],
                         "steps": 100, "diverged_at_step": None, "train_seconds": 1.0 + seed})
    return pd.DataFrame(rows, columns=aggregate.RUN_COLUMNS)


def spread(center, n=5, sd=0.002):
    """n accuracies around `center` with a fixed, symmetric pattern (sample std ~ sd)."""
    pattern = np.linspace(-1, 1, n)
    pattern = pattern / pattern.std(ddof=1) if n > 1 else pattern
    return list(center + sd * pattern)


def make_weights(summary, template_r, zero_sum, selectivity):
    """weights table as the pipeline writes it: model, best_seed + weight_interpretability keys."""
    rows = []
    for _, row in summary.iterrows():
        m = row["model"]
        conv = m.startswith("cnn")
        rows.append({"model": m, "best_seed": int(row["best_seed"]), "units": 16 if conv else 32,
                     "template_r_mean": np.nan if conv else template_r[m],
                     "zero_sum_fraction": zero_sum[m] if conv else np.nan,
                     "selectivity_mean": selectivity[m], "dead_units": 1,
                     "preferred_classes": 7})
    return pd.DataFrame(rows)


def answer_texts(accs, gaps=None, template_r=None, zero_sum=None, selectivity=None):
    runs = make_runs(accs, gaps)
    models = list(accs)
    summary = aggregate.summarize_models(runs, ZOO)
    template_r = template_r or {m: 0.4 for m in models}
    zero_sum = zero_sum or {m: 0.5 for m in models}
    selectivity = selectivity or {m: 0.3 for m in models}
    weights = make_weights(summary, template_r, zero_sum, selectivity)
    qa = answers.architecture_answers(summary, runs, weights, CLASS_NAMES)
    assert len(qa) == 10
    for item in qa:
        assert set(item) == {"question", "answer"}
        assert item["question"].endswith("?") or item["question"].endswith(".")
        assert len(item["answer"]) > 40
    return [item["answer"] for item in qa]


# ---------------------------------------------------------------------------- statistics

@pytest.mark.parametrize("values", [[0.8, 0.82, 0.85, 0.79], [0.5, 0.6],
                                    list(np.linspace(0, 1, 10))])
def test_mean_ci_matches_scipy(values):
    mean, std, half = aggregate.mean_ci(values)
    n = len(values)
    assert mean == pytest.approx(np.mean(values))
    assert std == pytest.approx(np.std(values, ddof=1))
    low, high = stats.t.interval(0.95, n - 1, loc=np.mean(values), scale=stats.sem(values))
    assert mean - half == pytest.approx(low)
    assert mean + half == pytest.approx(high)
    low99, high99 = stats.t.interval(0.99, n - 1, loc=np.mean(values), scale=stats.sem(values))
    assert aggregate.mean_ci(values, 0.99)[2] == pytest.approx((high99 - low99) / 2)


def test_mean_ci_of_one_value():
    mean, std, half = aggregate.mean_ci([0.7])
    assert mean == 0.7 and math.isnan(std) and math.isnan(half)


def test_summarize_models():
    runs = make_runs({"mlp_1": [0.80, 0.86, 0.83], "cnn_3": [0.90, 0.88, 0.92],
                      "mlp_2": [0.84]}, gaps={"mlp_1": 0.05, "cnn_3": 0.01, "mlp_2": 0.0})
    runs = runs.sample(frac=1, random_state=0)  # order of rows must not matter
    summary = aggregate.summarize_models(runs, ZOO)
    assert list(summary["model"]) == ["cnn_3", "mlp_2", "mlp_1"]  # best mean first
    assert list(summary.index) == [0, 1, 2]
    s = summary.set_index("model")
    assert s.loc["mlp_1", "best_seed"] == 1 and s.loc["mlp_1", "best_test_acc"] == 0.86
    assert s.loc["cnn_3", "best_seed"] == 2 and s.loc["cnn_3", "best_test_acc"] == 0.92
    assert s.loc["cnn_3", "test_acc_mean"] == pytest.approx(0.90)
    assert s.loc["cnn_3", "test_acc_std"] == pytest.approx(0.02)
    low, high = stats.t.interval(0.95, 2, loc=0.9, scale=0.02 / np.sqrt(3))
    assert s.loc["cnn_3", "test_acc_ci_low"] == pytest.approx(low)
    assert s.loc["cnn_3", "test_acc_ci_high"] == pytest.approx(high)
    assert s.loc["mlp_1", "runs"] == 3 and s.loc["mlp_2", "runs"] == 1
    # one run: no spread
    for col in ("test_acc_std", "test_acc_ci_low", "test_acc_ci_high"):
        assert math.isnan(s.loc["mlp_2", col])
    assert s.loc["mlp_2", "best_seed"] == 0
    assert s.loc["mlp_1", "family"] == "MLP" and s.loc["cnn_3", "family"] == "CNN"
    assert s.loc["mlp_1", "depth"] == 2 and s.loc["mlp_2", "depth"] == 3
    assert s.loc["cnn_3", "depth"] == 4
    assert s.loc["mlp_1", "parameters"] == 25450
    assert s.loc["mlp_1", "generalisation_gap"] == pytest.approx(0.05)
    assert s.loc["cnn_3", "generalisation_gap"] == pytest.approx(0.01)
    assert s.loc["mlp_1", "final_val_acc_mean"] == pytest.approx(0.83 + 0.025)
    assert s.loc["mlp_1", "train_seconds_mean"] == pytest.approx(2.0)


def test_summarize_models_best_seed_uses_seed_not_position():
    runs = make_runs({"mlp_1": [0.80, 0.86, 0.83]})
    runs["seed"] = [10, 20, 30]
    runs.index = [7, 3, 5]
    summary = aggregate.summarize_models(runs, ZOO)
    assert summary.loc[0, "best_seed"] == 20


def test_curve_stats():
    def df(step_values):
        return pd.DataFrame({"step": [10, 20], "epoch": [1, 1],
                             **{m: v for m, v in step_values.items()}})

    base = {"train_loss": [2.0, 1.0], "train_acc": [0.1, 0.5], "val_loss": [2.2, 1.2],
            "val_acc": [0.2, 0.4]}
    other = {"train_loss": [1.0, 0.0], "train_acc": [0.3, 0.7], "val_loss": [2.0, 1.0],
             "val_acc": [0.4, 0.8]}
    curves = {"a": [df(base), df(other)], "b": [df(base)]}
    table = aggregate.curve_stats(curves)
    recorded = [m for m in aggregate.CURVE_METRICS if m in base]
    assert recorded == ["train_loss", "train_acc", "val_loss", "val_acc"]
    assert list(table.columns) == ["model", "step"] + [
        f"{m}_{s}" for m in recorded for s in ("mean", "std")]
    assert len(table) == 4
    a = table[table.model == "a"].set_index("step")
    assert a.loc[10, "train_loss_mean"] == pytest.approx(1.5)
    assert a.loc[20, "val_acc_mean"] == pytest.approx(0.6)
    assert a.loc[10, "train_loss_std"] == pytest.approx(np.std([2.0, 1.0], ddof=1))
    assert a.loc[20, "val_acc_std"] == pytest.approx(np.std([0.4, 0.8], ddof=1))
    b = table[table.model == "b"].set_index("step")
    assert b.loc[20, "train_acc_mean"] == pytest.approx(0.5)
    assert math.isnan(b.loc[20, "train_acc_std"])


def test_curve_stats_unequal_lengths():
    """A diverged seed has fewer records: later steps average the seeds that have them."""
    long = pd.DataFrame({"step": [10, 20], "epoch": [1, 1], "train_loss": [1.0, 0.5],
                         "train_acc": [0.5, 0.6], "val_loss": [1.0, 0.9], "val_acc": [0.5, 0.6]})
    short = long.iloc[:1].assign(train_loss=3.0)
    table = aggregate.curve_stats({"m": [long, short]}).set_index("step")
    assert table.loc[10, "train_loss_mean"] == pytest.approx(2.0)
    assert table.loc[20, "train_loss_mean"] == pytest.approx(0.5)


def test_pairwise_tests():
    accs = {"cnn_3": [0.90, 0.91, 0.89, 0.92], "mlp_1": [0.85, 0.84, 0.86, 0.83],
            "mlp_2": [0.85, 0.80, 0.83]}
    runs = make_runs(accs)
    table = aggregate.pairwise_tests(runs, ["cnn_3", "mlp_1", "mlp_2"])
    assert list(table.columns) == ["better", "worse", "difference", "p_value"]
    assert list(zip(table.better, table.worse)) == [("cnn_3", "mlp_1"), ("mlp_1", "mlp_2")]
    for _, row in table.iterrows():
        x, y = accs[row.better], accs[row.worse]
        assert row.difference == pytest.approx(np.mean(x) - np.mean(y))
        assert row.p_value == pytest.approx(stats.ttest_ind(x, y, equal_var=False).pvalue)
    assert table.p_value[0] < 0.01
    single = aggregate.pairwise_tests(make_runs({"mlp_1": [0.8], "mlp_2": [0.7, 0.75]}),
                                      ["mlp_1", "mlp_2"])
    assert math.isnan(single.p_value[0]) and single.difference[0] == pytest.approx(0.075)
    assert len(aggregate.pairwise_tests(runs, ["cnn_3"])) == 0


def test_load_runs(tmp_path):
    paths = []
    for model, seed, acc in [("mlp_2", 1, 0.8), ("mlp_1", 1, 0.7), ("mlp_1", 0, 0.75)]:
        run = {"study": "architectures", "name": model, "model": model, "seed": seed,
               "activation": "relu", "scaling": "unit", "optimizer": "adam", "lr": 0.001,
               "batch_size": 50, "epochs": 2, "layers": ["fc 32"]}
        summary = {"run": run, "test_acc": acc, "test_loss": 0.5, "final_train_acc": 0.9,
                   "final_val_acc": 0.8, "parameters": 5, "steps": 10,
                   "diverged_at_step": None, "train_seconds": 1.5, "versions": {}}
        path = tmp_path / f"{model}_{seed}.json"
        path.write_text(json.dumps(summary))
        paths.append(path)
    runs = aggregate.load_runs(paths)
    assert list(runs.columns) == aggregate.RUN_COLUMNS
    assert list(zip(runs.model, runs.seed)) == [("mlp_1", 0), ("mlp_1", 1), ("mlp_2", 1)]
    assert list(runs.test_acc) == [0.75, 0.7, 0.8]


# ---------------------------------------------------------------------------- weight numbers

def test_class_mean_images():
    images = np.arange(4 * 2 * 2, dtype=np.uint8).reshape(4, 2, 2)
    labels = np.array([1, 0, 1, 0])
    means = aggregate.class_mean_images(images, labels)
    assert means.shape == (2, 4)
    np.testing.assert_allclose(means[0], (images[1] + images[3]).ravel() / 2)
    np.testing.assert_allclose(means[1], (images[0] + images[2]).ravel() / 2)


def test_weight_interpretability_fully_connected():
    rng = np.random.default_rng(0)
    templates = rng.random((3, 16))
    weights = np.stack([templates[1],                 # equal to a template: r = 1
                        -2 * templates[2] + 5,         # negated, scaled, shifted: |r| = 1
                        rng.standard_normal(16)])
    unit_means = np.array([[0.0, 0.0, 5.0],    # answers class 2 only: selectivity 1
                           [1.0, 1.0, 1.0],    # no preference: 0
                           [-1.0, -2.0, -3.0]])  # never positive: a silent unit
    out = aggregate.weight_interpretability(weights, unit_means, templates)
    assert set(out) == set(WEIGHT_KEYS)
    third = max(abs(np.corrcoef(weights[2], t)[0, 1]) for t in templates)
    assert out["template_r_mean"] == pytest.approx((1 + 1 + third) / 3)
    assert out["units"] == 3
    assert math.isnan(out["zero_sum_fraction"])
    assert out["dead_units"] == 1
    assert out["selectivity_mean"] == pytest.approx(0.5)  # mean over active units of 1 and 0
    # unit 0 prefers class 2; unit 1 ties (argmax picks class 0): two preferred classes
    assert out["preferred_classes"] == 2

    only_template = aggregate.weight_interpretability(templates[:1].copy(), unit_means[:1],
                                                      templates)
    assert only_template["template_r_mean"] == pytest.approx(1.0)
    assert only_template["selectivity_mean"] == pytest.approx(1.0)


def test_weight_interpretability_selectivity_formula():
    unit_means = np.array([[4.0, 1.0, 1.0, 2.0]])  # top 4, rest mean 4/3
    out = aggregate.weight_interpretability(np.ones((1, 1, 2, 2)), unit_means, np.ones((4, 4)))
    assert out["selectivity_mean"] == pytest.approx((4 - 4 / 3) / (4 + 4 / 3))
    assert out["preferred_classes"] == 1 and out["dead_units"] == 0


def test_weight_interpretability_conv_zero_sum_filters():
    edge = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # sums to 0
    nearly = edge + 0.1  # |sum| = 0.9 < 25 % of sum |w| = 8.9 * 0.25
    blob = np.ones((3, 3))
    dark = -np.ones((3, 3)) + np.eye(3) * 0.5
    weights = np.stack([edge, nearly, blob, dark])[:, None]  # (4, 1, 3, 3)
    unit_means = np.eye(4, 10)  # each filter answers one class
    out = aggregate.weight_interpretability(weights, unit_means, np.ones((10, 784)))
    assert out["zero_sum_fraction"] == pytest.approx(0.5)
    assert math.isnan(out["template_r_mean"])
    assert out["units"] == 4
    assert out["selectivity_mean"] == pytest.approx(1.0)
    assert out["preferred_classes"] == 4 and out["dead_units"] == 0
    two_channels = np.concatenate([weights, -weights], axis=1)  # every filter sums to 0
    assert aggregate.weight_interpretability(two_channels, unit_means,
                                             np.ones((10, 784)))["zero_sum_fraction"] == 1.0


def test_all_units_silent():
    out = aggregate.weight_interpretability(np.ones((2, 1, 3, 3)), np.zeros((2, 10)),
                                            np.ones((10, 4)))
    assert out["dead_units"] == 2 and out["selectivity_mean"] == 0.0
    assert out["preferred_classes"] == 0


# ---------------------------------------------------------------------------- report answers

MODELS4 = ["mlp_1", "mlp_2", "cnn_3", "cnn_4"]


def test_parameter_counts_used_here():
    assert PARAMS["mlp_1"] == 25450 and PARAMS["cnn_3"] == 10306
    assert PARAMS["cnn_3"] < PARAMS["cnn_4"] < PARAMS["mlp_1"] < PARAMS["mlp_2"]


def test_answers_follow_the_ranking():
    cnn_wins = {"mlp_1": spread(0.84), "mlp_2": spread(0.85), "cnn_3": spread(0.88),
                "cnn_4": spread(0.90)}
    mlp_wins = {"mlp_1": spread(0.90), "mlp_2": spread(0.88), "cnn_3": spread(0.86),
                "cnn_4": spread(0.80)}
    a = answer_texts(cnn_wins)
    b = answer_texts(mlp_wins)
    # question 3: the ranking
    assert "1. cnn_4" in a[2] and "2. cnn_3" in a[2] and "4. mlp_1" in a[2]
    assert "1. mlp_1" in b[2] and "2. mlp_2" in b[2] and "4. cnn_4" in b[2]
    assert "the data separate them" in a[2] and "within noise" not in a[2]
    assert "spans 6.00 points" in a[2] and "spans 10.00 points" in b[2]
    assert "(95 % CI" in a[2] and "5 runs" in a[2]
    # question 10: the pick (every neighbour is separated: the best model)
    assert "Pick: cnn_4" in a[9] and "best mean test accuracy, 90.00 %" in a[9]
    assert "Pick: mlp_1" in b[9]
    # question 4: parameters (cnn_3 < cnn_4 < mlp_1 < mlp_2 in size)
    assert "more parameters went with lower test accuracy" in a[3]
    assert "ρ = -0.60" in a[3]
    assert "smallest model, cnn_3 (10,306 parameters), reaches 88.00 %" in a[3]
    assert "more parameters went with higher test accuracy" in b[3] and "ρ = 0.60" in b[3]
    assert "the largest, mlp_2 (27,818), 88.00 %" in b[3]
    # question 5: depth, within each family the deeper model against the shallower
    assert "cnn_4 vs cnn_3: +2.00 points" in a[4]
    assert "mlp_2 vs mlp_1: +1.00 points" in a[4]
    assert "cnn_4 vs cnn_3: -6.00 points" in b[4]
    assert "mlp_2 vs mlp_1: -2.00 points" in b[4]


def test_answers_within_noise_versus_separated():
    noisy = {"mlp_1": spread(0.85, sd=0.03), "mlp_2": spread(0.84, sd=0.03),
             "cnn_3": spread(0.87, sd=0.03), "cnn_4": spread(0.88, sd=0.03)}
    clear = {m: spread(np.mean(v), sd=0.001) for m, v in noisy.items()}
    a = answer_texts(noisy)
    b = answer_texts(clear)
    assert "within noise" in a[2] and "the data separate them" not in a[2]
    assert "the data separate them" in b[2] and "within noise" not in b[2]
    # same means, same ranking
    for text in (a[2], b[2]):
        assert text.index("1. cnn_4") < text.index("2. cnn_3") < text.index("3. mlp_1")
    # pick: in the noisy case the smallest model within noise of cnn_4 is cnn_3
    assert "Pick: cnn_3" in a[9] and "do not separate it from the best model cnn_4" in a[9]
    assert "10,306 parameters against 12,402" in a[9]
    assert "Pick: cnn_4" in b[9]


def test_pick_prefers_smaller_model_only_within_noise():
    close = {"mlp_1": spread(0.80), "mlp_2": spread(0.81), "cnn_3": spread(0.8995, sd=0.004),
             "cnn_4": spread(0.900, sd=0.004)}
    far = dict(close, cnn_3=spread(0.88, sd=0.004))
    assert "Pick: cnn_3" in answer_texts(close)[9]
    assert "Pick: cnn_4" in answer_texts(far)[9]


def test_family_answer_changes_with_spread():
    akin = {"mlp_1": spread(0.84), "mlp_2": spread(0.845), "cnn_3": spread(0.89),
            "cnn_4": spread(0.90)}
    mixed = {"mlp_1": spread(0.80), "mlp_2": spread(0.89), "cnn_3": spread(0.899),
             "cnn_4": spread(0.90)}
    a = answer_texts(akin)[8]
    b = answer_texts(mixed)[8]
    assert "similar architectures perform alike" in a
    assert "the family alone does not decide" in b
    assert "MLP: " in a and "CNN: " in a
    assert "within-family spread of mean test accuracy 1.00 points" in a
    assert "within-family spread of mean test accuracy 9.00 points" in b


def test_gap_answers_name_widest_and_narrowest():
    accs = {m: spread(0.85 + 0.01 * i) for i, m in enumerate(MODELS4)}
    one = answer_texts(accs, gaps={"mlp_1": 0.10, "mlp_2": 0.05, "cnn_3": 0.01, "cnn_4": 0.03})
    two = answer_texts(accs, gaps={"mlp_1": 0.00, "mlp_2": 0.05, "cnn_3": 0.08, "cnn_4": 0.03})
    assert "from +1.00 points (cnn_3) to +10.00 points (mlp_1)" in one[0]
    assert "from +0.00 points (mlp_1) to +8.00 points (cnn_3)" in two[0]
    assert one[1].index("mlp_1 fits") < one[1].index("cnn_3 has the smallest gap")
    assert "cnn_3 fits" in two[1] and "mlp_1 has the smallest gap" in two[1]


def test_weight_answers_follow_the_numbers():
    accs = {m: spread(0.85 + 0.01 * i) for i, m in enumerate(MODELS4)}
    a = answer_texts(accs, template_r={"mlp_1": 0.62, "mlp_2": 0.21},
                     zero_sum={"cnn_3": 0.25, "cnn_4": 0.75},
                     selectivity={"mlp_1": 0.1, "mlp_2": 0.3, "cnn_3": 0.6, "cnn_4": 0.2})
    b = answer_texts(accs, template_r={"mlp_1": 0.15, "mlp_2": 0.41},
                     zero_sum={"cnn_3": 0.5, "cnn_4": 0.5},
                     selectivity={"mlp_1": 0.7, "mlp_2": 0.3, "cnn_3": 0.1, "cnn_4": 0.2})
    assert "0.62 (mlp_1)" in a[5] and "0.21 (mlp_2)" in a[5]
    assert "0.15 (mlp_1)" in b[5] and "0.41 (mlp_2)" in b[5]
    assert "25 % of cnn_3's filters" in a[5] and "75 % of cnn_4's filters" in a[5]
    assert "most class-specific first layer is cnn_3's" in a[6]
    assert "cnn_3 0.60 (strongly specialised" in a[6] and "mlp_1 0.10 (hardly" in a[6]
    assert "most class-specific first layer is mlp_1's" in b[6]
    assert a[7].startswith("mlp_1's") and "can be read as class templates" in a[7]
    assert b[7].startswith("mlp_2's") and "only partly" in b[7]
    c = answer_texts(accs, template_r={"mlp_1": 0.1, "mlp_2": 0.2})
    assert c[7].startswith("mlp_2's") and "hardly resemble" in c[7]


def test_answers_for_a_zoo_without_families_to_compare():
    accs = {"mlp_1": spread(0.84), "cnn_3": spread(0.88)}
    texts = answer_texts(accs)
    assert "No family in this zoo has two models" in texts[4]
    only_cnn = answer_texts({"cnn_3": spread(0.88), "cnn_4": spread(0.87)})
    assert "No fully connected first layer" in only_cnn[7]
    assert "The zoo has one family only." in only_cnn[8]
    assert "Fully connected" not in only_cnn[5]


def test_answers_with_one_run_per_model():
    texts = answer_texts({"mlp_1": [0.84], "cnn_3": [0.88], "cnn_4": [0.90]})
    assert "(1 run, no interval)" in texts[2]
    assert "one run each: no test possible" in texts[2]
    # no test can separate them: the rule picks the smallest model
    assert "Pick: cnn_3" in texts[9]


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::scipy.stats.ConstantInputWarning")
def test_identical_constant_samples_are_within_noise():
    texts = answer_texts({"cnn_3": [0.88] * 3, "cnn_4": [0.88] * 3})
    assert "p = 1, within noise" in texts[2]
    texts = answer_texts({"cnn_3": [0.90] * 3, "cnn_4": [0.88] * 3})
    assert "the data separate them" in texts[2]


def test_answers_from_csv_round_trip(tmp_path):
    """The report reads the tables back from CSV: the answers must not depend on dtypes."""
    accs = {"mlp_1": spread(0.84, sd=0.03), "mlp_2": spread(0.85), "cnn_3": spread(0.88),
            "cnn_4": spread(0.881, sd=0.03)}
    runs = make_runs(accs)
    summary = aggregate.summarize_models(runs, ZOO)
    weights = make_weights(summary, {"mlp_1": 0.5, "mlp_2": 0.3}, {"cnn_3": 0.5, "cnn_4": 0.25},
                           {m: 0.4 for m in accs})
    direct = answers.architecture_answers(summary, runs, weights, CLASS_NAMES)
    for name, df in (("runs", runs), ("summary", summary), ("weights", weights)):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    back = answers.architecture_answers(pd.read_csv(tmp_path / "summary.csv"),
                                        pd.read_csv(tmp_path / "runs.csv"),
                                        pd.read_csv(tmp_path / "weights.csv"), CLASS_NAMES)
    assert back == direct


def test_weights_table_columns_match_the_pipeline():
    out = aggregate.weight_interpretability(np.ones((2, 4)) + np.eye(2, 4), np.eye(2, 3),
                                            np.eye(3, 4))
    summary = aggregate.summarize_models(make_runs({"mlp_1": [0.8]}), ZOO)
    weights = make_weights(summary, {"mlp_1": 0.5}, {}, {"mlp_1": 0.5})
    assert list(weights.columns) == ["model", "best_seed"] + list(out)


def test_architecture_summary_line():
    runs = make_runs({"cnn_3": spread(0.88), "mlp_1": spread(0.84)})
    summary = aggregate.summarize_models(runs, ZOO)
    line = answers.architecture_summary(summary, runs)
    assert line.startswith("Best architecture: cnn_3, mean test accuracy 88.00 %")
    assert "next cnn_3 vs mlp_1: +4.00 points" in line and "Worst: mlp_1, 84.00 %." in line
