"""Study 6c (seed 004, Assignment 4): runs from config, the CNN's parameter arithmetic, the
analysis on runs trained here on tiny data, and the prose on hand-made tables (assignment4-q<n>)."""
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from claim_check import assert_wording_ignores_swaps
from handmade import CLASS_NAMES, render_section, through_files, tiny_png
from nnstudies import linear_models as lm
from nnstudies.config import resolve
from nnstudies.models import build_model, count_parameters
from nnstudies.report import plain
from nnstudies.studies import assignment4 as a4
from nnstudies.studies.common import Outputs, read_facts


def test_runs_from_config(raw_config):
    cfg = resolve(raw_config)
    runs = a4.runs(cfg)
    names = {name for name, _ in runs}
    linear = {a4.linear_name(lr, d) for lr in (0.1, 0.01, 0.001) for d in (1.0, 0.999)}
    assert names == linear | {"gd", "sgd", "cnn"}
    main = runs[("linear_lr0.01_decay0.999", 0)]
    assert (main["trainer"], main["lr"], main["lr_decay"], main["reg"], main["epochs"],
            main["batch_size"]) == ("linear", 0.01, 0.999, 5e-6, 300, None)
    gd, sgd = runs[("gd", 0)], runs[("sgd", 0)]
    assert gd["trainer"] == sgd["trainer"] == "two_layer"
    assert (gd["batch_size"], gd["lr"], sgd["batch_size"], sgd["lr"]) == (None, 0.01, 500, 1e-4)
    assert gd["epochs"] == sgd["epochs"] == 300 and gd["layers"] == ["fc 100", "sigmoid"]
    cnn = runs[("cnn", 0)]
    assert cnn.get("trainer", "torch") == "torch" and cnn["layers"] == cfg["models"]["a4_cnn"]
    assert (cnn["optimizer"], cnn["lr"], cnn["momentum"], cnn["batch_size"]) == (
        "sgd", 0.001, 0.1, 50)
    assert a4.departures(cfg) == [
        "assignment4: Fashion-MNIST instead of the seed's CIFAR-10",
        "assignment4: CNN epochs 10 (seed: 100)",
        "assignment4: two-layer network with 100 sigmoid hidden units (the seed does not give "
        "its size)",
        "assignment4: the training mean image subtracted from every input (the seed does not "
        "show its preprocessing)",
        "assignment4: SGD reshuffles the training set every pass (the seed's code walks it in a "
        "fixed order)"]


def test_quick_preset_and_the_main_run_outside_the_grid(raw_config):
    raw_config["preset"] = "quick"
    cfg = resolve(raw_config)
    runs = a4.runs(cfg)
    assert len(runs) == 6 + 2 + 1
    assert runs[("cnn", 0)]["epochs"] == 1 and runs[("gd", 0)]["epochs"] == 20
    raw_config["assignment4"]["linear"]["lr"] = 0.05
    runs = a4.runs(resolve(raw_config))
    assert ("linear_lr0.05_decay0.999", 0) in runs and len(runs) == 7 + 2 + 1


def test_cnn_parameters_against_independent_arithmetic(raw_config):
    layers = raw_config["models"]["a4_cnn"]
    by_hand = ((3 * 3 * 3 + 1) * 32          # conv 3x3, 3 -> 32, on 32x32
               + (3 * 3 * 32 + 1) * 64        # after pool: 16x16
               + (3 * 3 * 64 + 1) * 64        # after pool: 8x8
               + (4 * 4 * 64 + 1) * 64        # after pool: 4x4x64 = 1024 inputs to F64
               + (64 + 1) * 10)
    assert by_hand == 122_570 == a4.SEED_CNN_PARAMETERS
    assert a4.formula_parameters(layers, (3, 32, 32)) == by_hand
    assert count_parameters(build_model(layers, (3, 32, 32), 10)) == by_hand
    on_fashion = ((9 + 1) * 32 + (9 * 32 + 1) * 64 + (9 * 64 + 1) * 64
                  + (3 * 3 * 64 + 1) * 64 + 65 * 10)  # 28 -> 14 -> 7 -> 3
    assert on_fashion == 93_322 == a4.formula_parameters(layers, (1, 28, 28))
    assert count_parameters(build_model(layers, (1, 28, 28), 10)) == on_fashion


# ------------------------------------------------------------------ analysis on real runs


def tiny_prepared(tmp_path, classes=3):
    rng = np.random.default_rng(0)
    out = {}
    for part, n in (("train", 30), ("val", 5), ("test", 10)):
        y = np.repeat(np.arange(classes), n)
        x = rng.integers(0, 60, (len(y), 1, 8, 8)).astype(np.uint8)
        x[np.arange(len(y)), 0, y + 1, :] = 250  # class c: a bright row c + 1
        out[f"{part}_x"], out[f"{part}_y"] = x, y.astype(np.int64)
    path = tmp_path / "data.npz"
    np.savez(path, **out)
    return out, path


def protocol(raw_config, **linear):
    p = resolve(raw_config)["assignment4"]
    p["linear"].update(iterations=15, **linear)
    p["sweep"] = {"lrs": [0.5, 0.01], "lr_decays": [1.0, 0.999]}
    p["two_layer"].update(iterations=6, hidden=4, init_std=0.3)
    p["two_layer"]["gd"] = {"lr": 0.5, "record_every": 1}
    p["two_layer"]["sgd"] = {"lr": 0.5, "batch_size": 30, "record_every": 1}
    return p


def write(folder, run, curves, summary, arrays):
    folder.mkdir(parents=True)
    pd.DataFrame(curves, columns=lm.curve_columns(run)).to_csv(folder / "curves.csv",
                                                               index=False)
    (folder / "summary.json").write_text(json.dumps({"run": run, **summary}))
    np.save(folder / "first_layer.npy", arrays["first_layer"])
    return folder


def analysed(tmp_path, raw_config):
    data, data_path = tiny_prepared(tmp_path)
    p = protocol(raw_config)
    cfg = resolve(raw_config)
    cfg["assignment4"] = p
    folders = {}
    for (name, seed), run in a4.runs(cfg).items():
        if run.get("trainer") in ("linear", "two_layer"):
            curves, summary, arrays, _ = lm.train_run(run, data)
        else:  # the CNN: a hand-made torch-style record
            curves = [{"step": 10, "epoch": 1, "lr": 0.001, "train_loss": 1.0, "train_acc": 0.5,
                       "val_loss": 1.0, "val_acc": 0.6}]
            summary = {"test_acc": 0.7, "test_loss": 0.9, "parameters": 93322, "steps": 10,
                       "records": 1,
                       "diverged_at_step": None, "final_train_acc": 0.5, "final_val_acc": 0.6}
            arrays = {"first_layer": np.zeros((32, 1, 3, 3))}
            run = {**run, "record_every": 10}
            write_cnn = pd.DataFrame(curves)
            folder = tmp_path / "runs" / name
            folder.mkdir(parents=True)
            write_cnn.to_csv(folder / "curves.csv", index=False)
            (folder / "summary.json").write_text(json.dumps({"run": run, **summary}))
            folders[(name, seed)] = folder
            continue
        folders[(name, seed)] = write(tmp_path / "runs" / name, run, curves, summary, arrays)
    main = a4.linear_name(p["linear"]["lr"], p["linear"]["lr_decay"])
    inp = SimpleNamespace(
        summary=[str(f / "summary.json") for f in folders.values()],
        curves=[str(f / "curves.csv") for f in folders.values()],
        templates=[str(folders[(main, 0)] / "first_layer.npy")], data=str(data_path))
    named = {"facts": str(tmp_path / "facts.json")}
    for t in a4.TABLES:
        named[f"table_{t}"] = str(tmp_path / f"{t}.csv")
    params = a4.params(cfg)
    params["protocol"] = p
    for f in a4.figures_of(params):
        named[f"png_{f}"] = str(tmp_path / f"{f}.png")
        named[f"svg_{f}"] = str(tmp_path / f"{f}.svg")
    info = {"class_names": ["a", "b", "c"], "sizes": {"train": 90, "val": 15, "test": 30},
            "image_shape": [8, 8], "title": "Tiny"}
    a4.analyse(inp, Outputs(named), params, info)
    tables = {t: pd.read_csv(tmp_path / f"{t}.csv") for t in a4.TABLES}
    figs = {f: named[f"png_{f}"] for f in a4.figures_of(params)}
    sec = render_section(a4, read_facts(tmp_path / "facts.json"), tables, figs, params, info)
    return tables, sec, {f"assignment4-q{q.number}": plain(q.answer, sec)
                         for q in sec.questions}


def test_analysis_on_runs_trained_here(tmp_path, raw_config):
    tables, sec, answers = analysed(tmp_path, raw_config)
    tt = tables["templates"]
    assert list(tt["class"]) == ["a", "b", "c"] and tt.own_is_best.all()  # bright-row classes
    assert "the template of 3 of the 3 classes correlates more with its own" in answers[
        "assignment4-q1"]
    sweep = tables["sweep"]
    assert len(sweep) == 4 and set(sweep.lr) == {0.5, 0.01}
    gs = tables["gd_sgd"].set_index("variant")
    assert gs.loc["gd", "updates"] == 6 and gs.loc["sgd", "updates"] == 18
    assert gs.loc["sgd", "updates_per_pass"] == 3
    # the stated loss is reached where the records say, in updates and seconds
    curves = tables["curves"]
    for v in ("gd", "sgd"):
        c = curves[curves.name == v]
        hit = c[c.train_loss <= gs.loc[v, "target_loss"]].iloc[0]
        assert gs.loc[v, "updates_to_target"] == hit.step
        assert gs.loc[v, "seconds_to_target"] == pytest.approx(hit.seconds)
    cnn = tables["cnn"]
    assert cnn.formula.iloc[0] == 122570 and cnn.torch.iloc[1] == 93322
    assert len(sec.figures) == 6 and len(answers) == 4
    assert "the seed ran 100" in answers["assignment4-q4"]


# ------------------------------------------------------------------ prose on hand-made tables


def handmade(target=0.5):
    tt = pd.DataFrame({"class": CLASS_NAMES[:3], "r_own": [0.6, 0.5, 0.2],
                       "r_other_mean": [0.0, -0.1, 0.1], "r_other_max": [0.3, 0.2, 0.4],
                       "best_match": ["T-shirt/top", "Trouser", "T-shirt/top"],
                       "own_is_best": [True, True, False], "r_own_raw": [0.7, 0.6, 0.5],
                       "raw_own_is_best": [True, False, False]})
    sweep = pd.DataFrame({"lr": [0.1, 0.1, 0.01, 0.01], "lr_decay": [1.0, 0.999, 1.0, 0.999],
                          "seed": 0, "status": ["diverged", "diverged", "ok", "ok"],
                          "iterations": [12, 14, 300, 300], "final_lr": [0.1, 0.099, 0.01,
                                                                         0.0074],
                          "final_train_loss": [9.0, 9.0, 0.40, 0.42],
                          "min_train_loss": [0.9, 0.9, 0.40, 0.42], "rises": [5, 6, 3, 1],
                          "largest_rise": [5.0, 5.0, 0.01, 0.001],
                          "final_test_acc": [np.nan, np.nan, 0.80, 0.79],
                          "best_test_acc": [0.5, 0.5, 0.8, 0.79]})
    gs = pd.DataFrame({"variant": ["gd", "sgd"], "seed": 0, "lr": [0.01, 1e-4],
                       "batch_size": ["all", "500"], "passes": [300, 300],
                       "updates": [300, 32400], "updates_per_pass": [1, 108],
                       "status": ["ok", "ok"], "start_loss": [1.0, 1.0],
                       "final_train_loss": [0.45, 0.40], "min_train_loss": [0.45, 0.40],
                       "test_acc": [0.75, 0.78], "train_seconds": [100.0, 150.0],
                       "target_loss": target, "updates_to_target": [200, 5400],
                       "passes_to_target": [200, 50], "seconds_to_target": [60.0, 75.0]})
    cnn = pd.DataFrame({"input": ["32×32×3", "28×28×1"],
                        "data": ["CIFAR-10 (the seed's)", "Fashion-MNIST (this run)"],
                        "formula": [122570, 93322], "torch": [np.nan, 93322],
                        "seed_reported": [122570, np.nan], "flattened": ["4×4×64", "3×3×64"]})
    facts = {"main": "linear_lr0.01_decay0.999", "target_loss": target, "own_best": 2,
             "classes": 3, "r_own_mean": 0.433, "r_other_mean": 0.0, "raw_own_best": 1,
             "test_acc": {"linear_lr0.01_decay0.999": 0.8, "gd": 0.75, "sgd": 0.78, "cnn": 0.85},
             "fate": {"linear_lr0.01_decay0.999": "ok", "gd": "ok", "sgd": "stuck", "cnn": "ok"},
             "cnn_formula_seed": 122570, "cnn_formula_run": 93322, "seeds": [0]}
    return {"templates": tt, "sweep": sweep, "gd_sgd": gs, "cnn": cnn}, facts


def test_no_wording_outside_a_claim_follows_which_run_is_ahead(tmp_path, raw_config):
    """GD's and SGD's measurements swapped, or two models' test accuracies: numbers and claims
    may change, no word around them."""
    tables, facts = handmade()
    gs = tables["gd_sgd"].set_index("variant")
    arms = {"gd": gs.loc["gd"], "sgd": gs.loc["sgd"],
            **{f"test {k}": v for k, v in facts["test_acc"].items()}}
    calls = iter(range(100))

    def build(a):
        rows = pd.DataFrame([a["gd"], a["sgd"]]).assign(variant=["gd", "sgd"])
        t = {**tables, "gd_sgd": rows.reset_index(drop=True)}
        f = {**facts, "test_acc": {k: a[f"test {k}"] for k in facts["test_acc"]}}
        return sections(tmp_path / str(next(calls)), raw_config, t, f, marked=True)

    assert_wording_ignores_swaps(build, arms, [("gd", "sgd"), ("test linear_lr0.01_decay0.999",
                                                               "test cnn")])


def sections(tmp_path, raw_config, tables, facts, marked=False):
    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg = resolve(raw_config)
    params = a4.params(cfg)
    facts = {**facts, "claims": a4.claims_for(
        tables["gd_sgd"], tables["sweep"], {n: [a] for n, a in facts["test_acc"].items()},
        facts["main"], facts["target_loss"]),
        "budgets": {"cnn_steps": 108, "linear_iterations": 300, "two_layer_passes": 300},
        **a4.table_facts(tables["templates"], tables["sweep"], tables["gd_sgd"], tables["cnn"])}
    tables, facts = through_files(tmp_path, tables, facts)
    figs = {f: tiny_png(tmp_path) for f in a4.figures_of(params)}
    info = {"class_names": CLASS_NAMES[:3], "sizes": {"train": 5400, "val": 600, "test": 2000},
            "image_shape": [28, 28], "title": "Fashion-MNIST"}
    sec = render_section(a4, facts, tables, figs, params, info)
    if marked:  # the section itself, claims still marks (for the wording guard)
        return sec
    return ({f"assignment4-q{q.number}": plain(q.answer, sec) for q in sec.questions},
            plain(sec.summary, sec))


def test_prose_claim_by_claim(tmp_path, raw_config):
    tables, facts = handmade()
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    q1 = answers["assignment4-q1"]
    assert "the template of 2 of the 3 classes correlates more with its own" in q1
    assert "Pullover best matches T-shirt/top (r 0.40 against 0.20 with its own)" in q1
    q2 = answers["assignment4-q2"]
    assert "GD after 200.00 passes (200 updates, 60.0 s); SGD after 50.00 passes (5,400 " \
           "updates, 75.0 s)" in q2
    # one run each: values, no "first", and the seed's finding cannot be told
    assert "first;" not in q2 and "SGD first" not in q2
    assert "Two-layer network, seconds until the training loss first reaches 0.5000: GD " \
           "60.00 seconds, SGD 75.00 seconds (one run each: no spread" in q2
    assert "learning rate (0.01 against 0.0001)" in q2
    assert "the seed's finding" in q2 and "Verdict: cannot tell" in q2
    q3 = answers["assignment4-q3"]
    assert "lr 0.1, decay 1: diverged; lr 0.1, decay 0.999: diverged" in q3
    assert "Lowest" not in q3 and "higher than" not in q3
    # the seed's spikes at lr 0.01: observed in this run (3 and 1 rises)
    assert "Measured, rises of the full-batch training loss between records: lr 0.01, decay " \
           "0.999 1; lr 0.01, decay 1 3. Verdict: agrees" in q3
    q4 = answers["assignment4-q4"]
    assert "on 32×32×3 input 122,570 parameters, equal to the seed's reported 122,570" in q4
    assert "28×28×1 (Fashion-MNIST), 93,322; torch counts 93,322 on the trained model, the " \
           "same" in q4
    assert "sees 1 input channel instead of 3, and the last pooling hands F64 a 3×3×64 map " \
           "instead of 4×4×64" in q4
    assert "CNN's test accuracy is 85.00 %" in q4
    assert "highest" not in q4 and "no ranking is made" in q4
    assert "the CNN took 108 mini-batch steps, the linear classifier 300 full-batch " \
           "iterations, the two-layer networks 300 passes each" in q4
    assert "first in" not in summary
    assert "SGD reaches the stated loss in fewer passes than GD: cannot tell (GD 200.00 passes, " \
           "SGD 50.00 passes (no comparison))" in summary


def test_prose_when_one_never_reaches_the_loss(tmp_path, raw_config):
    tables, facts = handmade()
    tables["gd_sgd"].loc[0, ["updates_to_target", "passes_to_target", "seconds_to_target"]] = \
        np.nan
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    q2 = answers["assignment4-q2"]
    assert "GD never within its 300 passes (300 updates; fate ok, lowest loss 0.4500)" in q2
    assert "GD never, SGD 50.00 passes (GD: no finite value, so no comparison" in q2
    assert "fewer passes than GD: cannot tell (GD never, SGD 50.00 passes" in summary


def test_prose_when_the_cnn_is_stuck(tmp_path, raw_config):
    tables, facts = handmade()
    facts["fate"]["cnn"] = "stuck"
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    assert "CNN's test accuracy is 85.00 % (stuck)" in answers["assignment4-q4"]
    assert "CNN test accuracy 85.00 % (stuck)" in summary
