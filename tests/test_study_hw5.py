"""Study 6a (seed 003, HW5): its runs from config, MNIST as its data, its analysis and prose on
hand-made runs, addressed by question id (hw5-q<n>)."""
import copy
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from test_data import debian_dir  # noqa: F401 (a fixture: small IDX files in the real format)

from claim_check import assert_wording_ignores_swaps
from handmade import INFO, render_section, run_dict, tiny_png, write_run
from nnstudies import data
from nnstudies.config import ConfigError, prepared_name, resolve, study_data
from nnstudies.report import plain
from nnstudies.studies import BY_NAME, hw5
from nnstudies.studies.common import Outputs, read_facts, study_data_departures
from nnstudies.train import train_run


# ---------------------------------------------------------------------------- runs from config

def test_runs_table_from_the_default_config(raw_config):
    cfg = resolve(raw_config)
    runs = hw5.runs(cfg)
    p = cfg["hw5"]
    names = {name for name, _ in runs}
    assert names == {"baseline", "lr1", "lr1e-05", "lr0.003", "lr0.03", "lr0.1", "lr0.3",
                     "momentum0.9", "two_blocks"}
    assert len(runs) == len(names) * len(p["seeds"]) and p["seeds"] == [0, 1, 2]
    base = runs[("baseline", 0)]
    assert base["layers"] == ["conv 3x3x32", "relu", "maxpool", "fc 100", "relu"]
    assert (base["optimizer"], base["lr"], base["momentum"], base["batch_size"],
            base["epochs"], base["record_every"]) == ("sgd", 0.01, 0.0, 32, 10, "epoch")
    # each variant changes one setting of the baseline
    assert runs[("lr1e-05", 1)]["lr"] == 1e-5 and runs[("lr1e-05", 1)]["momentum"] == 0.0
    assert runs[("momentum0.9", 2)]["momentum"] == 0.9 and runs[("momentum0.9", 2)]["lr"] == 0.01
    two = runs[("two_blocks", 0)]
    assert two["model"] == "hw5_cnn2" and two["lr"] == 0.01 and two["momentum"] == 0.0
    assert two["layers"][3:6] == ["conv 3x3x64", "relu", "maxpool"]
    assert "hw5" in BY_NAME and hw5.departures(cfg) == [
        "hw5: Fashion-MNIST (the seed trained on MNIST)"]


def test_quick_preset_and_the_sweep(raw_config):
    cfg = resolve({**raw_config, "preset": "quick"})
    runs = hw5.runs(cfg)
    assert sorted({n for n, _ in runs}) == ["baseline", "lr0.1", "lr1", "lr1e-05",
                                            "momentum0.9", "two_blocks"]
    assert len(runs) == 12 and all(r["epochs"] == 2 for r in runs.values())
    # the quick preset shares the other studies' prepared file
    assert prepared_name(cfg, "hw5") == prepared_name(cfg)
    # a sweep rate equal to the baseline's is the baseline, not a second run
    raw = copy.deepcopy(raw_config)
    raw["hw5"]["sweep"] = [0.01, 0.05]
    assert sorted({n for n, _ in hw5.runs(resolve(raw))}) == [
        "baseline", "lr0.05", "lr1", "lr1e-05", "momentum0.9", "two_blocks"]


@pytest.mark.parametrize("key,value,message", [
    ("momentum_variant", 0.0, "hw5.momentum_variant"),
    ("deeper_model", "hw5_cnn", "hw5.deeper_model"),
    ("deeper_model", "nope", "unknown model 'nope'"),
    ("record_every", "often", "record_every")])
def test_bad_settings_name_the_key(raw_config, key, value, message):
    raw_config["hw5"][key] = value
    with pytest.raises(ConfigError, match=message):
        resolve(raw_config)


def test_data_sizes_name_the_study_key_or_the_global_one(raw_config):
    raw_config["hw5"]["data"]["train_subset"] = 70000
    with pytest.raises(ConfigError, match="config key 'hw5.data.train_subset'"):
        resolve(copy.deepcopy(raw_config))
    raw_config["hw5"]["data"]["train_subset"] = 6000
    raw_config["data"]["test_subset"] = 20000  # inherited by hw5: the global key is named
    with pytest.raises(ConfigError, match="config key 'data.test_subset'"):
        resolve(raw_config)


# ---------------------------------------------------------------------------- MNIST, its data

def test_mnist_is_selectable_and_trains_on_idx_files(tmp_path, raw_config,
                                                     debian_dir):  # noqa: F811
    raw_config["hw5"]["data"] = {"dataset": "mnist", "train_subset": None}
    raw_config["data"]["offline_dir"] = None
    raw_config["ece421"].pop("data")  # its own split is larger than the fixture's tiny dataset
    # and the protocols sized for 54,000 images would not train on its 90 (refused at planning)
    raw_config["assignment4"]["two_layer"]["sgd"]["batch_size"] = 30
    raw_config["assignment4"]["cnn"]["record_every"] = 10
    cfg = resolve(raw_config)
    mine = study_data(cfg, "hw5")
    assert mine["dataset"] == "mnist" and cfg["data"]["dataset"] == "fashion_mnist"
    assert prepared_name(cfg, "hw5") != prepared_name(cfg)
    assert hw5.params(cfg)["dataset"] == "mnist"
    assert hw5.departures(cfg) == []  # the seed's own data
    assert "hw5: runs on MNIST (the other studies: Fashion-MNIST)" in study_data_departures(
        cfg, "hw5")
    # the small MNIST IDX files the fixture wrote, prepared and trained on as a real job does
    root = tmp_path / "root"
    data.fetch_raw(root, "mnist", str(tmp_path / "mnist_gz"))
    arrays, info = data.prepare({**mine, "root": str(root)})
    assert info["title"] == "MNIST" and info["sizes"] == {"train": 90, "val": 10, "test": 20}
    run = {**hw5.runs(cfg)[("baseline", 0)], "epochs": 2}
    curves, summary, _, _ = train_run(run, arrays)
    assert [c["epoch"] for c in curves] == [1, 2] and summary["records"] == 2
    assert [c["step"] for c in curves] == [3, 6]  # 90 images, batch 32: 3 steps per epoch
    assert summary["parameters"] == 542_230


# ---------------------------------------------------------------------------- hand-made runs

PROTOCOL = {"model": "hw5_cnn", "deeper_model": "hw5_cnn2", "optimizer": "sgd", "lr": 0.01,
            "momentum": 0.0, "batch_size": 32, "epochs": 5, "record_every": "epoch",
            "seeds": [0, 1, 2], "lrs": [1, 1e-5], "sweep": [0.1], "momentum_variant": 0.9,
            "target_val_acc": 0.8}
PARAMS = {"hw5_cnn": 542_230, "hw5_cnn2": 179_926}


def epochs(val_loss, val_acc, train_loss=None, train_acc=None):
    n = len(val_loss)
    train_loss = train_loss if train_loss is not None else np.linspace(1.0, 0.2, n)
    train_acc = train_acc if train_acc is not None else np.linspace(0.7, 0.95, n)
    return pd.DataFrame({"step": np.arange(1, n + 1) * 169, "epoch": np.arange(1, n + 1),
                         "lr": 0.01, "train_loss": train_loss, "train_acc": train_acc,
                         "val_loss": val_loss, "val_acc": val_acc})


def specs(seed):
    """{run name: (curve, test accuracy)} of one seed."""
    j = 0.002 * seed
    turn = [0.6, 0.45, 0.40 - j, 0.42, 0.47] if seed < 2 else [0.6, 0.5, 0.45, 0.42, 0.40]
    return {
        "baseline": (epochs(turn, [0.70, 0.76, 0.80 + j, 0.81, 0.81]), 0.80 + j),
        "lr1": (epochs([2.31] * 5, [0.1] * 5, [2.35] * 5, [0.1] * 5), 0.1),
        "lr1e-05": (epochs([2.30, 2.29, 2.28, 2.27, 2.26], [0.15, 0.2, 0.25, 0.3, 0.35],
                           np.linspace(2.3, 2.26, 5), np.linspace(0.1, 0.3, 5)), 0.35 + j),
        "lr0.1": (epochs(turn, [0.78, 0.80, 0.82 + j, 0.83, 0.83]), 0.82 + j),
        "momentum0.9": (epochs(turn, [0.79 + j, 0.81, 0.83, 0.84, 0.84]), 0.83 + j),
        "two_blocks": (epochs(turn, [0.72, 0.78, 0.81, 0.82 + j, 0.82]), 0.815 + j),
    }


def hand_made(tmp_path, seeds=(0, 1, 2), diverge=False, arms=None):
    """Every run's files; with `diverge`, lr 1 ends non-finite at step 20, before any record;
    `arms`: {run name: [(curve, test accuracy) per seed]} instead of specs()."""
    arms = arms or {name: [specs(seed)[name] for seed in seeds] for name in specs(0)}
    summaries, curves = [], []
    for i, seed in enumerate(seeds):
        for name in arms:
            curve, acc = arms[name][i]
            diverged = 20 if diverge and name == "lr1" else None
            acc = None if diverged else acc
            v = hw5.variants(PROTOCOL)[name]
            run = run_dict("hw5", name, v["model"], seed, lr=v["lr"], momentum=v["momentum"],
                           epochs=5, batch_size=32)
            s, c = write_run(tmp_path / "runs" / name / f"seed{seed}", run, curve, acc,
                             diverged, steps=20 if diverged else 5 * 169)
            summary = json.loads(s.read_text())  # the parameter count the trainer records
            s.write_text(json.dumps({**summary, "parameters": PARAMS[v["model"]],
                                     "records": 0 if diverged else len(curve)}))
            if diverged:  # no record before the loss went non-finite
                curve.iloc[:0].to_csv(c, index=False)
            summaries.append(s)
            curves.append(c)
    return SimpleNamespace(summary=summaries, curves=curves)


def analysed(tmp_path, seeds=(0, 1, 2), diverge=False, arms=None):
    """The study's own analysis on hand-made runs (tables, figures, facts), then its section."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    inp = hand_made(tmp_path, seeds, diverge, arms)
    named = {f"table_{t}": tmp_path / f"{t}.csv" for t in hw5.TABLES}
    for f in hw5.FIGURES:
        named[f"png_{f}"], named[f"svg_{f}"] = tmp_path / f"{f}.png", tmp_path / f"{f}.svg"
    named["facts"] = tmp_path / "facts.json"
    params = {"protocol": {**PROTOCOL, "seeds": list(seeds)},
              "variants": hw5.variants(PROTOCOL), "dataset": "fashion_mnist",
              "layers": {"hw5_cnn": ["conv 3x3x32", "relu", "maxpool", "fc 100", "relu"],
                         "hw5_cnn2": ["conv 3x3x32", "relu", "maxpool", "conv 3x3x64", "relu",
                                      "maxpool", "fc 100", "relu"]},
              "fc_input": {"hw5_cnn": 5408, "hw5_cnn2": 1600}}
    out = Outputs({k: str(v) for k, v in named.items()})
    hw5.analyse(inp, out, params, INFO)
    for f in hw5.FIGURES:
        assert named[f"png_{f}"].stat().st_size > 5_000
    tables = {t: pd.read_csv(named[f"table_{t}"]) for t in hw5.TABLES}
    facts = read_facts(named["facts"])
    figs = {f: tiny_png(tmp_path) for f in hw5.FIGURES}
    sec = render_section(hw5, facts, tables, figs, params, INFO)
    sec.marked_summary, sec.summary = sec.summary, plain(sec.summary, sec)
    return {f"hw5-q{q.number}": plain(q.answer, sec) for q in sec.questions}, sec, tables


@pytest.fixture(scope="module")
def three_seeds(tmp_path_factory):
    """The analysis and section of three hand-made seeds, made once for the tests below."""
    return analysed(tmp_path_factory.mktemp("hw5"))


def test_questions_are_addressed_by_id(three_seeds):
    answers, sec, tables = three_seeds
    assert list(answers) == ["hw5-q1", "hw5-q2", "hw5-q3", "hw5-q4"]
    assert sec.title.startswith("Study 6a") and len(sec.figures) == 4
    assert "Data: Fashion-MNIST, 5,400 training" in sec.intro and "MNIST (all 60,000" in sec.intro
    assert set(tables["runs"].status) <= {"ok", "stuck"}


def test_q1_measures_the_turn_per_seed(three_seeds):
    answers, _, tables = three_seeds
    q1 = answers["hw5-q1"]
    assert "seed 0: lowest at epoch 3 (0.4000), 0.4700 at the last epoch" in q1
    assert "seed 1: lowest at epoch 3 (0.3980)" in q1
    assert "seed 2: still lowest at the last epoch (5), no turn" in q1
    assert "in 2 of 3 seeds (epoch 3, 3); in the others it does not within 5 epochs" in q1
    o = tables["overfit"].set_index(["name", "seed"])
    assert o.loc[("baseline", 2), "verdict"] == "none"
    assert o.loc[("baseline", 0), "min_val_loss_epoch"] == 3


def test_q2_large_rate_does_not_learn_and_no_better_rate_is_claimed(three_seeds):
    answers, sec, tables = three_seeds
    q2 = answers["hw5-q2"]
    assert "lr 1: fate stuck" in q2 and "lr 1: 10.00 %, 10.00 %, 10.00 %: it" in q2
    assert "10.00 %: it does not learn by the rule" in q2 and "i.e. above 13.67 %" in q2
    assert "lr 1e-05: fate ok" in q2 and "35.00 %: it learns by the rule" in q2
    # best by validation is lr 0.1; 3 runs a side cannot reach p < 0.05: not resolved
    assert "the highest mean is lr 0.1's" in q2 and "not resolved: with 3 and 3 runs" in q2
    assert "the baseline, lr 0.1 against baseline" in q2
    assert "better rate on" not in q2 and "learns, slowly" not in q2


def test_q2_with_enough_seeds_the_comparison_is_tested(tmp_path):
    answers, _, _ = analysed(tmp_path, seeds=(0, 1, 2, 3, 4))
    q2 = answers["hw5-q2"]
    assert "the baseline, lr 0.1 against baseline: +" in q2
    assert "separated by the data (permutation test p =" in q2


def test_q3_momentum_at_equal_epochs_and_to_the_target(three_seeds):
    answers, _, _ = three_seeds
    q3 = answers["hw5-q3"]
    assert "Momentum 0.9 against 0, both at lr 0.01" in q3
    assert "Validation accuracy after epoch 1, momentum 0.9 against baseline" in q3
    assert "not resolved" in q3 and "Verdict: cannot tell" in q3
    assert "first reaches 80.00 %" in q3
    assert "with: seed 0 2, seed 1 2, seed 2 2" in q3  # 0.79, 0.792, 0.794 in epoch 1
    assert "without: seed 0 3, seed 1 3, seed 2 3" in q3
    assert "helps" not in q3  # not resolved: no claim that it helps


def test_q4_counts_both_models_and_names_the_confound(three_seeds):
    answers, _, _ = three_seeds
    q4 = answers["hw5-q4"]
    assert "one block (hw5_cnn) 542,230, two blocks (hw5_cnn2) 179,926" in q4
    assert "lowers the count" in q4 and "from 5,408 to 1,600 features" in q4
    assert "cannot tell the effect of depth from that of the parameter count" in q4
    assert "Test accuracy, two blocks against baseline" in q4
    assert "Verdict: cannot tell" in q4 and "helps on images (higher test accuracy)" in q4


def test_a_diverged_rate_is_named_and_the_rest_still_answers(tmp_path):
    answers, sec, tables = analysed(tmp_path, diverge=True)
    assert set(tables["runs"].status[tables["runs"].name == "lr1"]) == {"diverged"}
    assert "lr 1: diverged (loss not finite) in 3 of 3 seed(s)" in answers["hw5-q2"]
    ranked = answers["hw5-q2"].split("Validation accuracy after the last epoch (rates whose")[1]
    assert "lr 1 " not in ranked  # not ranked among the ok rates
    o = tables["overfit"].set_index(["name", "seed"])
    assert o.loc[("lr1", 0), "verdict"] == "not measured"
    assert "seed 0: lowest at epoch 3" in answers["hw5-q1"]


def test_no_wording_outside_a_claim_follows_which_variant_is_higher(tmp_path):
    """Swapping two variants' runs (curves and test accuracies) may change numbers and claims,
    never a word of the prose around them."""
    seeds = (0, 1, 2)
    arms = {name: [specs(seed)[name] for seed in seeds] for name in specs(0)}
    calls = iter(range(100))

    def build(a):
        sec = analysed(tmp_path / str(next(calls)), seeds, arms=a)[1]
        return SimpleNamespace(**{**vars(sec), "summary": sec.marked_summary})

    assert_wording_ignores_swaps(build, arms,
        [("baseline", "lr0.1"), ("momentum0.9", "baseline"), ("two_blocks", "baseline"),
         ("lr1e-05", "lr0.1")])
