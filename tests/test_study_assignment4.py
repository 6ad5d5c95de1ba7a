"""Study 6c (seed 004, Assignment 4): runs from config, the CNN's parameter arithmetic, the
analysis on runs trained here on tiny data, and the prose on hand-made tables (assignment4-q<n>)."""
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from claim_check import assert_wording_ignores_swaps
from handmade import CLASS_NAMES, render_section, run_dict, through_files, tiny_png, write_run
from nnstudies import aggregate, stats
from nnstudies import linear_models as lm
from nnstudies.config import resolve
from nnstudies.models import build_model, count_parameters
from nnstudies.report import plain, shown_html
from nnstudies.studies import assignment4 as a4
from nnstudies.studies import assignment4_text as a4_text
from nnstudies.studies.common import Outputs, read_facts


def test_runs_from_config(raw_config):
    cfg = resolve(raw_config)
    runs = a4.runs(cfg)
    names = {name for name, _ in runs}
    linear = {a4.linear_name(lr, d) for lr in (0.1, 0.01, 0.001, 1e-4, 1e-6)
              for d in (1.0, 0.999)}
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
    # SGD's updates per pass from the batch and the training images the split gives
    n_train = a4.training_images(cfg)
    assert n_train == 54_000 and a4.sgd_updates_per_pass(n_train, 500) == 108
    assert a4.departures(cfg) == [
        "assignment4: Fashion-MNIST instead of the seed's CIFAR-10",
        "assignment4: CNN epochs 10 (seed: 100)",
        "assignment4 SGD: 108 updates per pass on 54,000 training images (the seed: 100 on "
        "50,000)",
        "assignment4 CNN: validation on a held-out split of the training images (the seed "
        "validated on its test set: validation_data=(test_images, test_labels))",
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
    # every rate of the sweep once (decay 1), and the main run (decay 0.999) beside it: no
    # more linear runs than the 3 x 2 grid the preset had before the rates 1e-4 and 1e-6
    assert len(runs) == 5 + 1 + 2 + 1
    assert {(r["lr"], r["lr_decay"]) for r in runs.values() if r.get("trainer") == "linear"} == {
        (0.1, 1.0), (0.01, 1.0), (0.001, 1.0), (1e-4, 1.0), (1e-6, 1.0), (0.01, 0.999)}
    assert runs[("cnn", 0)]["epochs"] == 1 and runs[("gd", 0)]["epochs"] == 20
    notice = a4.departures(cfg)
    assert "assignment4: two-layer network: 20 passes over the training set (the seed: 300 " \
           "epochs)" in notice
    assert not any("two-layer iterations" in d for d in notice)
    n_train = a4.training_images(cfg)
    assert f"assignment4 SGD: {-(-n_train // 500)} updates per pass on {n_train:,} training " \
           "images (the seed: 100 on 50,000)" in notice
    raw_config["assignment4"]["linear"]["lr"] = 0.05
    runs = a4.runs(resolve(raw_config))
    assert ("linear_lr0.05_decay0.999", 0) in runs and len(runs) == 6 + 2 + 1


def test_the_test_preset_runs_no_more_linear_runs(raw_config):
    raw_config["preset"] = "test"
    runs = a4.runs(resolve(raw_config))
    assert sum(r.get("trainer") == "linear" for r in runs.values()) == 2


def test_cnn_parameters_against_independent_arithmetic(raw_config):
    layers = raw_config["models"]["a4_cnn"]
    by_hand = ((3 * 3 * 3 + 1) * 32          # conv 3x3, 3 -> 32, on 32x32
               + (3 * 3 * 32 + 1) * 64        # after pool: 16x16
               + (3 * 3 * 64 + 1) * 64        # after pool: 8x8
               + (4 * 4 * 64 + 1) * 64        # after pool: 4x4x64 = 1024 inputs to F64
               + (64 + 1) * 10)
    assert by_hand == 122_570 == a4.SEED_CNN_PARAMETERS
    assert a4.formula_parameters(layers, (3, 32, 32), 10) == by_hand
    assert count_parameters(build_model(layers, (3, 32, 32), 10)) == by_hand
    on_fashion = ((9 + 1) * 32 + (9 * 32 + 1) * 64 + (9 * 64 + 1) * 64
                  + (3 * 3 * 64 + 1) * 64 + 65 * 10)  # 28 -> 14 -> 7 -> 3
    assert on_fashion == 93_322 == a4.formula_parameters(layers, (1, 28, 28), 10)
    assert count_parameters(build_model(layers, (1, 28, 28), 10)) == on_fashion
    # 7 classes: the prediction layer F64 -> F7 has 3 x 65 fewer (the variant's 93,127)
    assert a4.formula_parameters(layers, (1, 28, 28), 7) == on_fashion - 3 * 65 == 93_127
    assert count_parameters(build_model(layers, (1, 28, 28), 7)) == 93_127


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
            summary = {"test_acc": 0.7, "test_loss": 0.9, "steps": 10,
                       "parameters": a4.torch_parameters(run["layers"], (1, 8, 8), 3),
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
    assert cnn.formula.iloc[0] == 122570 and list(cnn.classes) == [10, 3]
    assert cnn.torch.iloc[1] == cnn.formula.iloc[1] == a4.formula_parameters(
        raw_config["models"]["a4_cnn"], (1, 8, 8), 3)
    assert cnn.torch.iloc[0] == 122570  # torch, on the model built for the seed's 32x32x3
    # the sweep's spikes and loss falls are those of the recorded curves
    for r in sweep.itertuples():
        c = curves[curves.name == a4.linear_name(r.lr, r.lr_decay)]
        assert r.spikes == a4.spike_count(c.train_loss, r.status == "diverged")
        assert r.loss_drop == pytest.approx(a4.loss_drop(c.train_loss))
    ticks = tables["ticks"]
    assert list(ticks.family) == ["linear classifier"] * 4 + ["two-layer network"] * 2 + ["CNN"]
    assert list(ticks.split) == ["test"] * 6 + ["validation"]
    assert ticks.tick.iloc[-1] != ticks.tick.iloc[-1]  # one CNN record: the rule not applied
    assert "Rule: on the held-out curve" in answers["assignment4-q5"]
    assert len(sec.figures) == 6 and len(answers) == 5
    assert "the seed ran 100" in answers["assignment4-q4"]


# ------------------------------------------------------------------ prose on hand-made tables


def handmade(target=0.5):
    tt = pd.DataFrame({"class": CLASS_NAMES[:3], "r_own": [0.6, 0.5, 0.2],
                       "r_other_mean": [0.0, -0.1, 0.1], "r_other_max": [0.3, 0.2, 0.4],
                       "best_match": ["T-shirt/top", "Trouser", "T-shirt/top"],
                       "own_is_best": [True, True, False], "r_own_raw": [0.7, 0.6, 0.5],
                       "raw_own_is_best": [True, False, False]})
    # lr, decay, fate, iterations, final rate, final loss, rises, spikes, loss fall, test acc.
    settings = [(0.1, 1.0, "diverged", 12, 0.1, 9.0, 5, 6, -8.0, np.nan),
                (0.1, 0.999, "diverged", 14, 0.099, 9.0, 6, 7, -8.0, np.nan),
                (0.01, 1.0, "ok", 300, 0.01, 0.40, 3, 2, 0.60, 0.80),
                (0.01, 0.999, "ok", 300, 0.0074, 0.42, 1, 1, 0.58, 0.79),
                (0.001, 1.0, "ok", 300, 0.001, 0.55, 0, 0, 0.45, 0.72),
                (0.001, 0.999, "ok", 300, 0.00074, 0.56, 0, 0, 0.44, 0.71),
                (1e-4, 1.0, "ok", 300, 1e-4, 0.81, 1, 1, 0.19, 0.63),
                (1e-6, 1.0, "ok", 300, 1e-6, 0.997, 0, 0, 0.003, 0.62)]
    sweep = pd.DataFrame(settings, columns=["lr", "lr_decay", "status", "iterations",
                                            "final_lr", "final_train_loss", "rises", "spikes",
                                            "loss_drop", "final_test_acc"]).assign(
        seed=0, min_train_loss=lambda d: d.final_train_loss.clip(upper=0.9),
        largest_rise=0.01, learns=lambda d: d.loss_drop >= a4.NO_LEARNING_DROP,
        best_test_acc=lambda d: d.final_test_acc.fillna(0.5), first_test_acc=0.1,
        last_test_acc=lambda d: d.final_test_acc.fillna(0.2),
        chance_band=stats.chance_band(3, 2000))
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
                        "classes": [10, 10], "formula": [122570, 93322],
                        "torch": [122570, 93322],
                        "seed_reported": [122570, np.nan], "flattened": ["4×4×64", "3×3×64"]})
    facts = {"main": "linear_lr0.01_decay0.999", "target_loss": target, "own_best": 2,
             "classes": 3, "r_own_mean": 0.433, "r_other_mean": 0.0, "raw_own_best": 1,
             "test_acc": {"linear_lr0.01_decay0.999": 0.8, "gd": 0.75, "sgd": 0.78, "cnn": 0.85},
             "fate": {"linear_lr0.01_decay0.999": "ok", "gd": "ok", "sgd": "stuck", "cnn": "ok"},
             "cnn_formula_seed": 122570, "cnn_formula_run": 93322, "seeds": [0]}
    ticks = pd.DataFrame([
        ("linear classifier", "lr 0.01, decay 1", "linear_lr0.01_decay1", "test", "ok", 301, 120,
         120, 0.40, 0.44, 0.10, 0.78, 0.80, 0.02, True),
        ("linear classifier", "lr 0.1, decay 1", "linear_lr0.1_decay1", "test", "diverged", 13,
         0, 0, 1.0, 50.0, 49.0, 0.1, 0.2, 0.1, None),
        ("two-layer network", "GD", "gd", "test", "ok", 301, 300, 300, 0.45, 0.45, 0.0, 0.75,
         0.75, 0.0, False),
        ("two-layer network", "SGD", "sgd", "test", "ok", 101, 32400, 300, 0.40, 0.40, 0.0,
         0.78, 0.78, 0.0, False),
        ("CNN", "CNN", "cnn", "validation", "ok", 11, 500, 5, 0.30, 0.36, 0.20, 0.85, 0.84,
         -0.01, False)], columns=[c for c in a4.TICK_COLUMNS
                                  if c not in ("seed", "records_after_min")]).assign(
        seed=0, records_after_min=[180, np.nan, 0, 0, 5])  # GD's and SGD's lowest: the last
    return {"templates": tt, "sweep": sweep, "gd_sgd": gs, "cnn": cnn, "ticks": ticks}, facts


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


def runs_tested(facts):
    """One row per run with a test accuracy, as the analysis passes them to claims_for: the
    facts' own 'test_runs' where given, else one run (seed 0) per model from 'test_acc' and
    'fate'."""
    if "test_runs" in facts:
        return pd.DataFrame(facts["test_runs"])
    return pd.DataFrame([{"name": n, "seed": 0, "status": facts["fate"].get(n, "ok"),
                          "test_acc": a, "test_loss": 1.0}
                         for n, a in facts["test_acc"].items()])


def sections(tmp_path, raw_config, tables, facts, marked=False):
    tmp_path.mkdir(parents=True, exist_ok=True)
    cfg = resolve(raw_config)
    params = a4.params(cfg)
    info = {"class_names": CLASS_NAMES[:3], "sizes": {"train": 5400, "val": 600, "test": 2000},
            "image_shape": [28, 28], "title": "Fashion-MNIST"}
    setting = a4.setting_facts(params["protocol"], info)
    tested = runs_tested(facts)
    facts = {**facts, "test_runs": tested.to_dict("records"), "claims": a4.claims_for(
        tables["gd_sgd"], tables["sweep"], tested, facts["main"], facts["target_loss"],
        tables["ticks"], setting["tick_budgets"], setting["constant_loss"],
        setting["per_pass"]),
        "budgets": {"cnn_steps": 108, "linear_iterations": 300, "two_layer_passes": 300},
        **a4.table_facts(tables["templates"], tables["sweep"], tables["gd_sgd"], tables["cnn"],
                         tables["ticks"]), **setting}
    tables, facts = through_files(tmp_path, tables, facts)
    png = tiny_png(tmp_path)
    figs = {}
    for f in a4.figures_of(params):  # named as the workflow names them: the ids follow
        figs[f] = tmp_path / f"assignment4_{f}.png"
        figs[f].write_bytes(png.read_bytes())
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
    # seconds to 3 significant digits in the text and in the claim alike
    assert "Two-layer network, seconds until the training loss first reaches 0.5000: GD " \
           "60.0 seconds, SGD 75.0 seconds (one run each: no spread" in q2
    # SGD's updates per pass and their summed step: once, in the sentence that draws the
    # conclusion (the premise's claim); how the updates are counted is in its evidence
    assert "Against GD's one step of lr 0.01 per pass, SGD's summed step per pass: 11 × 0.0001 " \
           "= 0.0011: smaller, where the seed's was 100 × 0.0001 = 0.01, so the seed's " \
           "expectation that SGD needs fewer passes does not apply and gets no verdict" in q2
    assert q2.count("11 × 0.0001") == 1 and "Per pass over the training set" not in q2
    # the stated loss 0.5 lies below a constant output's 2/3 (3 classes)
    assert "Against 0.6667, the loss of a network that outputs 1/C for every class, the stated " \
           "loss: 0.5000: at or below it, so reaching it takes more than fitting the outputs' " \
           "mean" in q2
    assert "not the classes learned" not in q2 and "constant output's loss" not in q2
    assert "learning rate (0.01 against 0.0001)" in q2
    # 11 × 0.0001 is below GD's 0.01: the seed's expectation is not posed, the passes are given
    assert "Measured all the same: Two-layer network, passes until the training loss first " \
           "reaches 0.5000: GD 200.00 passes, SGD 50.00 passes" in q2
    assert "Verdict" not in q2 and "agrees" not in q2
    q3 = answers["assignment4-q3"]
    # each setting's numbers are the table's; the answer points to it and does not list them
    assert q3.startswith("Measured on the linear classifier by full-batch GD, 300 iterations a "
                         "run, seed 0; the table 'Learning rate and decay' gives each "
                         "setting's numbers. ")
    assert "rate of the last update" not in q3
    # the effect's budget, why it is not tested and the runs left out: once for its claims
    # (the budget is the opening's: 300 iterations are the seed's own, so no "(the seed ran")
    assert "The effect, described and not tested: one run per setting, so no spread; left out, " \
           "not ended ok: diverged at lr 0.1, decay 1 and lr 0.1, decay 0.999." in q3 \
        and q3.count("left out, not ended ok") == 1 and "the seed ran" not in q3
    assert "Lowest" not in q3 and "higher than" not in q3
    # the spike rule said once, in the answer; each claim keeps it in its evidence
    assert q3.count("more than 1 % of it") == 1 and "(a spike:" not in q3
    assert "A spike is a record whose training loss exceeds the previous record's by more " \
           "than 1 % of it" in q3 and "less than 5 % below the loss at the first record" in q3
    # each remark on the rate against its runs, with the verdict the spike counts give
    assert "The seed's closing remarks, one by one; where a setting has one run, its remark is " \
           "observed on one initialisation, not tested across seeds. Expected: around 0.1 the " \
           "system may be unstable. Measured, spikes of the full-batch training loss: lr 0.1, " \
           "decay 1 (diverged) 6; lr 0.1, decay 0.999 (diverged) 7. Verdict: agrees in these " \
           "runs" in q3
    # "there might be some spikes" at 0.01: a spike in one run bears it out; not "every run"
    assert "Expected: around 0.01 there might be some spikes. Measured, spikes of the " \
           "full-batch training loss, lr 0.01, decay 1; lr 0.01, decay 0.999: 2, 1: spikes " \
           "in 2 of its 2 runs: the remark borne out in these runs by the rule" in q3
    # fewer spikes at 0.001 than at 0.01: one run a side, so no comparison and no verdict
    assert "Spikes of the full-batch training loss at decay 1: lr 0.001 0, lr 0.01 2 (one run " \
           "each: no spread, so no comparison can be made). Verdict: cannot tell" in q3
    assert "fewer spikes at" not in q3 and "more spikes" not in q3
    assert "lr 0.0001, decay 1 1. Verdict: disagrees in these runs (expected in every " \
           "run: no spike); not so in lr 0.0001, decay 1" in q3
    # does not learn by the loss (a 0.3 % fall), learns by the test accuracy (62 % against 3
    # classes' chance band, 36.50 %): the rules disagree, so the verdict is cannot tell
    assert "unable to learn properly. Measured, fall of the training loss from the first " \
           "record to the last, as a percentage of the first (the chance band reaches 36.50 %), " \
           "lr 1e-06, decay 1: 0.30 %: the two rules disagree within 300 iterations. At lr " \
           "1e-06, decay 1, the training loss fell by 0.30 % (less than 5 %, so the run does " \
           "not learn by the loss rule) while the test accuracy rose from 10.00 % to 62.00 % " \
           "(above the chance band, so it learns by the accuracy). Verdict: cannot tell" in q3
    assert "agrees in these runs (expected in every run: a fall under 5 %" not in q3
    assert "Its test accuracy says it learns when the test accuracy at the last finite record " \
           "lies above the chance band" in q3
    assert "Where they disagree, the verdict is cannot tell" in q3  # a remark reads both rules
    # decay 0.999 ran at 0.1 and 0.01, both unstable without decay: measured there
    assert "Measured: decay 0.999 ran at lr 0.1, 0.01 and 0.001; lr 0.1, 0.01 and 0.0001 have a " \
           "spike without decay, so the decayed runs at lr 0.1 and 0.01 measure the remark. " \
           "Spikes of the full-batch training loss without decay (factor 1): lr 0.1 (diverged) " \
           "6; lr 0.01 2; lr 0.001 0; lr 0.0001 1; lr 1e-06 0" in q3
    # the one-run caveat once, for the remarks, not in each observation
    assert q3.count("one initialisation") == 1 and max(_depths(q3)) == 1
    assert "Expected: with a decay, lr 0.1 is no longer unstable (it has a spike without " \
           "decay). Measured, spikes of the full-batch training loss with the decay: lr 0.1, " \
           "decay 0.999: 7 spikes; diverged, last finite training loss 9; without decay it " \
           "diverged (last finite training loss 9). Verdict: disagrees in its one run: it did " \
           "not end ok (observed, not tested)" in q3
    assert "not measured here" not in q3
    assert "are not tested: this sweep runs" not in q3
    q4 = answers["assignment4-q4"]
    assert "On 32×32×3 input and 10 classes that makes 122,570 parameters, equal to the " \
           "seed's reported 122,570; torch counts the same on the model built here for that " \
           "input" in q4
    assert "28×28×1 (Fashion-MNIST), and its 10 classes: 93,322; torch counts the same on the " \
           "trained model" in q4
    # the formula's brackets stand in no parenthesis
    assert q4.startswith("By the formula, a 3×3 convolution has (9·C_in + 1)·C_out parameters")
    assert max(_depths(q4)) == 1
    assert "prediction layer" not in q4  # 10 classes, as the seed's
    assert "sees 1 input channel instead of 3 and the last pooling hands F64 a 3×3×64 map " \
           "instead of 4×4×64" in q4
    assert "CNN's test accuracy is 85.00 %" in q4
    assert "highest" not in q4 and "no ranking is made" in q4
    # the unequal budgets said once, before the ranking, not in its parenthesis too
    assert "Here the models and their budgets differ: the CNN took 108 mini-batch steps, the " \
           "linear classifier 300 full-batch iterations, the two-layer networks 300 passes " \
           "each. Test accuracy over each model's runs that ended ok (" in q4
    assert "nequal budgets" not in q4
    q5 = answers["assignment4-q5"]
    assert "ends more than 2 % above that minimum, and the accuracy ends more than 0.5 points " \
           "above its value at the minimum" in q5
    assert "linear classifier: +10.0 %: a tick in lr 0.01, decay 1 (lowest test loss at update " \
           "120, pass 120; from there to the last record loss +10.0 %, accuracy +2.00 points) " \
           "by the rule" in q5
    assert "(1 run the rule applies to; left out: lr 0.1, decay 1, which diverged)" in q5
    assert "the CNN's validation split plays the part the seed gave its test split through " \
           "validation_data=(test_images, test_labels)" in q5
    # GD's and SGD's held-out losses are lowest at their last record, the others' earlier
    assert "In 2 of the 4 runs that ended ok the held-out loss was still at its lowest at the " \
           "last record (the linear classifier 300 iterations, the two-layer network 300 " \
           "passes, the CNN 10 epochs; the seed: 300, 300 and 100): no rise within this " \
           "budget, so those 2 cannot test the remark; the rule reads the rise of the other " \
           "2" in q5
    assert "two-layer network, GD 0 records; two-layer network, SGD 0 records" in q5
    # a rise that reads alike in every run is given once (each run's is in the evidence)
    assert "two-layer network: +0.0 %: no tick in any of its 2 runs by the rule" in q5
    # the CNN's validation loss rises 20 %, but its accuracy falls: no tick
    assert "Rise of the validation loss from its lowest record to the last (1 run the rule " \
           "applies to), CNN: +20.0 %: no tick in its 1 run by the rule" in q5
    assert "does not show that the model predicts only its training images" in q5
    assert "first in" not in summary
    # the summary says the same: the passes as measured, and why no verdict
    assert "fewer passes than GD: cannot tell" not in summary
    assert "two-layer network, passes until the training loss first reaches 0.5000: GD 200.00 " \
           "passes, SGD 50.00 passes (no comparison); SGD's summed step per pass is smaller " \
           "than GD's (0.0011 against 0.01), so the seed's expectation that SGD needs fewer " \
           "passes gets no verdict (lr 0.01 against 0.0001" in summary
    assert "needs no class learned" not in summary  # 0.5 lies below a constant output's 2/3


def test_prose_when_one_never_reaches_the_loss(tmp_path, raw_config):
    tables, facts = handmade()
    tables["gd_sgd"].loc[0, ["updates_to_target", "passes_to_target", "seconds_to_target"]] = \
        np.nan
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    q2 = answers["assignment4-q2"]
    assert "GD never within its 300 passes (300 updates; fate ok, lowest loss 0.4500)" in q2
    assert "GD never, SGD 50.00 passes (so no comparison" in q2
    # which clock a time is: the runs table's training seconds count the evaluations too
    assert "A time here is the updates' own clock (with the shuffles, without the evaluation " \
           "at each record" in q2
    assert "two-layer network, passes until the training loss first reaches 0.5000: GD never, " \
           "SGD 50.00 passes" in summary


def test_prose_when_the_cnn_is_stuck(tmp_path, raw_config):
    tables, facts = handmade()
    facts["fate"]["cnn"] = "stuck"
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    assert "CNN's test accuracy is 85.00 % (stuck)" in answers["assignment4-q4"]
    assert "CNN test accuracy 85.00 % (stuck)" in summary


# ------------------------------------------------ the seed's closing remarks, on hand-made curves


def test_spike_count_on_constructed_curves():
    assert a4.SPIKE_RISE == 0.01
    # 0.90 -> 0.95 rises 5.6 %: a spike; 0.94 -> 0.9405 (0.05 %) and 1.0 -> 1.009 are not
    assert a4.spike_count([1.0, 0.9, 0.95, 0.94, 0.9405]) == 1
    assert a4.spike_count([1.0, 1.009, 1.0]) == 0 and a4.spike_count([1.0, 1.011, 1.0]) == 1
    assert a4.spike_count([1.0, 0.8, 0.6, 0.4]) == 0
    # a divergence is one spike, however many non-finite records follow, and a run that
    # diverged before recording its non-finite loss counts it all the same, once
    assert a4.spike_count([1.0, 0.8, np.inf]) == 1
    assert a4.spike_count([1.0, 0.8, np.nan, np.nan]) == 1
    assert a4.spike_count([1.0, 0.8], diverged=True) == 1
    assert a4.spike_count([1.0, 1.5, np.inf], diverged=True) == 2


def test_the_no_learning_rule_on_constructed_curves():
    assert a4.NO_LEARNING_DROP == 0.05
    assert a4.loss_drop([1.0, 0.99, 0.97]) == pytest.approx(0.03)  # under 5 %: does not learn
    assert a4.loss_drop([1.0, 0.6, 0.5]) == pytest.approx(0.5)
    assert a4.loss_drop([1.0, 0.9, np.inf]) == pytest.approx(0.1)  # the last finite record
    assert a4.loss_drop([1.0, 1.2]) == pytest.approx(-0.2)
    assert np.isnan(a4.loss_drop([1.0]))


def sweep_runs(curves, statuses):
    """A runs table and curves as aggregate.load_runs gives them, for linear runs only:
    curves {(lr, decay): training losses per record}."""
    rows, out = [], {}
    for (lr, d), losses in curves.items():
        name = a4.linear_name(lr, d)
        rows.append({"name": name, "seed": 0, "status": statuses.get((lr, d), "ok"),
                     "test_acc": 0.5})
        out[(name, 0)] = pd.DataFrame({"step": range(len(losses)), "lr": lr,
                                       "train_loss": losses, "test_acc": 0.5})
    return pd.DataFrame(rows), out


def test_sweep_table_and_the_rate_claims_on_constructed_curves():
    curves = {(0.1, 1.0): [1.0, 3.0, 9.0, np.inf],
              (0.01, 1.0): [1.0, 0.5, 0.6, 0.4, 0.45],   # two spikes
              (0.001, 1.0): [1.0, 0.7, 0.6, 0.5, 0.45],  # none
              (1e-4, 1.0): [1.0, 0.9, 0.92, 0.85, 0.8],  # one (+2.2 %)
              (1e-6, 1.0): [1.0, 0.999, 0.998, 0.997, 0.996]}  # falls 0.4 %: does not learn
    runs_, cs = sweep_runs(curves, {(0.1, 1.0): "diverged"})
    # every test accuracy 0.5: within the chance band of 2 classes, so the accuracy agrees
    sweep = a4.sweep_table(runs_, cs, list(curves), 2, 2000).set_index("lr")
    assert list(sweep.spikes) == [3, 2, 0, 1, 0]
    assert list(sweep.learns) == [False, True, True, True, False]
    assert sweep.loc[1e-6, "loss_drop"] == pytest.approx(0.004)
    found = a4.lr_claims(sweep.reset_index())
    assert set(found) == {"unstable", "spikes", "spikes_fewer_decay1", "no_spikes",
                          "no_learning", "decay"}
    verdict = {k: c["evidence"].get("verdict") for k, c in found.items()}
    assert verdict == {"unstable": "agrees in these runs", "spikes": None, "decay": None,
                       "spikes_fewer_decay1": "cannot tell",  # one run a side
                       "no_spikes": "disagrees in these runs",
                       "no_learning": "agrees in these runs"}
    # the loss's fall in percent, in the evidence as in the text
    assert found["no_learning"]["evidence"]["arms"][0]["values"] == [pytest.approx(0.4)]
    assert "1e-06, decay 1 0.40 %" in found["no_learning"]["text"]
    # the budget; the seed's is the answer's to give, once (no parenthesis in the observation's)
    assert "does not learn within 4 iterations by both rules); so it was" in found[
        "no_learning"]["text"] and "the seed ran" not in found["no_learning"]["text"]
    assert max(_depths(found["no_learning"]["text"])) == 1
    assert "over the same records the test accuracy stayed at 50.00 % at lr 1e-06, decay 1" \
        in found["no_learning"]["text"]
    # the spike rule: in each spike claim's evidence (the answer states it once, not the claims)
    for key in ("unstable", "spikes", "no_spikes", "decay"):
        assert "exceeds the previous record's by more than 1 % of it" in found[key]["evidence"][
            "rule"] and "a spike:" not in found[key]["text"], key
    assert "at least one spike" in found["unstable"]["evidence"]["rule"]
    # 0.01 "might" have spikes: borne out by a spike, never "in every run"
    assert found["spikes"]["evidence"]["holds"] is True
    assert "might" in found["spikes"]["evidence"]["rule"]
    assert "every run" not in found["spikes"]["text"]
    # the decay ran nowhere: not measured
    assert "no run has a decay factor below 1" in found["decay"]["text"]
    assert "so the remark is not measured here" in found["decay"]["text"]
    # a rate a little above 1e-6 learns, by the loss and by the accuracy (0.5 is far above
    # 10 classes' chance): the remark's claim then disagrees
    curves[(1e-6, 1.0)] = [1.0, 0.9, 0.8, 0.7, 0.6]
    runs_, cs = sweep_runs(curves, {(0.1, 1.0): "diverged"})
    found = a4.lr_claims(a4.sweep_table(runs_, cs, list(curves), 10, 2000))
    assert found["no_learning"]["evidence"]["verdict"] == "disagrees in these runs"
    # rates the sweep leaves out make no claim
    only = {k: v for k, v in curves.items() if k[0] in (0.1, 0.01)}
    runs_, cs = sweep_runs(only, {(0.1, 1.0): "diverged"})
    assert set(a4.lr_claims(a4.sweep_table(runs_, cs, list(only), 10, 2000))) == {
        "unstable", "spikes", "decay"}


def one_rate(losses, accuracies, lr=1e-6):
    """A runs table and curves of one linear run at `lr` (decay 1), its training loss and test
    accuracy per record."""
    name = a4.linear_name(lr, 1.0)
    runs_ = pd.DataFrame({"name": [name], "seed": 0, "status": "ok",
                          "test_acc": accuracies[-1]})
    curve = pd.DataFrame({"step": range(len(losses)), "lr": lr, "train_loss": losses,
                          "test_acc": accuracies})
    return runs_, {(name, 0): curve}


def test_the_chance_band_is_the_stuck_rules():
    band = stats.chance_band(10, 2000)
    assert band == pytest.approx(0.1 + 3 * np.sqrt(0.1 * 0.9 / 2000))  # 12.01 %
    curve = pd.DataFrame({"step": [0, 1], "train_loss": [1.0, 0.9]})
    assert stats.run_status(curve, band, 2000, 10, None, "linear")[0] == "stuck"
    assert stats.run_status(curve, band + 1e-4, 2000, 10, None, "linear")[0] == "ok"


def test_no_learning_is_cannot_tell_where_the_loss_and_the_accuracy_disagree():
    """The quick preset's lr 1e-6: its loss fell 0.07 % (under 5 %: does not learn, by the loss
    rule) while its test accuracy rose from 8.05 % to 57.00 %, far above 10 classes' chance.
    The rules disagree: the verdict is cannot tell, never 'agrees' (does not learn)."""
    rising = [0.0805, 0.2, 0.35, 0.57]
    runs_, cs = one_rate([1.0, 0.9998, 0.9996, 0.9993], rising)
    sweep = a4.sweep_table(runs_, cs, [(1e-6, 1.0)], 10, 2000)
    found = a4.lr_claims(sweep)["no_learning"]
    assert found["evidence"]["verdict"] == "cannot tell" and found["evidence"]["holds"] is None
    text = found["text"]
    # the band's value; its definition and the seed's budget are the answer's, said once
    assert "(the chance band reaches 12.01 %), lr 1e-06, decay 1: 0.07 %: the two rules " \
           "disagree within 3 iterations. At lr 1e-06, decay 1, the training loss fell by " \
           "0.07 % (less than 5 %, so the run does not learn by the loss rule) while the test " \
           "accuracy rose from 8.05 % to 57.00 % (above the chance band, so it learns by the " \
           "accuracy). Verdict: cannot tell; the remark neither borne out nor refuted" in text
    assert "agrees" not in text and "by both rules" not in text
    assert found["evidence"]["arms"][0]["values"] == [pytest.approx(0.07)]
    assert "above the chance band" in found["evidence"]["rule"]
    # the other way round: the loss falls 40 % while the accuracy stays at chance
    runs_, cs = one_rate([1.0, 0.8, 0.7, 0.6], [0.1, 0.1, 0.11, 0.1])
    found = a4.lr_claims(a4.sweep_table(runs_, cs, [(1e-6, 1.0)], 10, 2000))["no_learning"]
    assert found["evidence"]["verdict"] == "cannot tell"
    assert "the training loss fell by 40.00 % (5 % or more, so the run learns by the loss " \
           "rule) while the test accuracy stayed at 10.00 % (within the chance band, so it does " \
           "not learn by the accuracy)" in found["text"]
    # both at chance: the remark agrees, by both rules
    runs_, cs = one_rate([1.0, 0.9998, 0.9996, 0.9993], [0.08, 0.1, 0.11, 0.115])
    found = a4.lr_claims(a4.sweep_table(runs_, cs, [(1e-6, 1.0)], 10, 2000))["no_learning"]
    assert found["evidence"]["verdict"] == "agrees in these runs"
    assert "(over the same records the test accuracy rose from 8.00 % to 11.50 % at lr " \
           "1e-06, decay 1, within the chance band; the chance band reaches 12.01 %" \
           in found["text"]
    assert "(expected in every run: a fall under 5 %, the test accuracy within the chance " \
           "band where recorded: does not learn within 3 iterations by both rules); so it was" \
        in found["text"]
    # one run of two disagreeing is enough: cannot tell; each run has its sentence, 'while'
    # only where its two rules disagree
    runs_a, cs_a = one_rate([1.0, 0.9998, 0.9996, 0.9993], [0.08, 0.1, 0.11, 0.115])
    runs_b, cs_b = one_rate([1.0, 0.9998, 0.9996, 0.9993], rising, lr=1e-7)
    sweep = a4.sweep_table(pd.concat([runs_a, runs_b]), {**cs_a, **cs_b},
                           [(1e-6, 1.0), (1e-7, 1.0)], 10, 2000)
    found = a4.lr_claims(sweep)["no_learning"]
    assert found["evidence"]["verdict"] == "cannot tell"
    assert "the two rules disagree in 1 of the 2 runs within 3 iterations. At lr 1e-06, " \
           "decay 1, the training loss fell by 0.07 % (less than 5 %, so " \
           "the run does not learn by the loss rule) and the test accuracy rose from 8.00 % to " \
           "11.50 % (within the chance band, so it does not learn by the accuracy). At lr " \
           "1e-07, decay 1, the training loss fell by 0.07 % (less than 5 %, so the run does " \
           "not learn by the loss rule) while the test accuracy rose" in found["text"]


def test_no_learning_names_each_run_by_its_seed_where_several_ran():
    """Two seeds at lr 1e-6 (the variant report's): the runs the two rules read alike share one
    sentence, which names the setting's seeds once and each run's accuracy by its seed, so two
    runs never read alike and the setting is not named once a seed; no chain of colons."""
    runs_0, cs_0 = one_rate([1.0, 0.9998, 0.9996, 0.9993], [0.0697, 0.2, 0.4, 0.5779])
    runs_1, cs_1 = one_rate([1.0, 0.9998, 0.9996, 0.9993], [0.1178, 0.3, 0.4, 0.5579])
    runs_1 = runs_1.assign(seed=1)
    cs_1 = {(name, 1): c for (name, _), c in cs_1.items()}
    sweep = a4.sweep_table(pd.concat([runs_0, runs_1]), {**cs_0, **cs_1}, [(1e-6, 1.0)], 7,
                           1995)
    text = a4.lr_claims(sweep)["no_learning"]["text"]
    assert "the two rules disagree in 2 of the 2 runs within 3 iterations. At lr 1e-06, decay " \
           "1 (seeds 0 and 1), the training loss fell by 0.07 % (less than 5 %, so these runs " \
           "do not learn by the loss rule). Yet the test accuracy rose from 6.97 % to 57.79 % " \
           "in seed 0 and from 11.78 % to 55.79 % in seed 1 (above the chance band, so they " \
           "learn by the accuracy). Verdict: cannot tell" in text
    assert text.count("lr 1e-06, decay 1") == 2  # the arm, and the sentence on its runs
    # what each rule says follows the runs' names: no chain of colons, no nesting
    assert "At lr 1e-06, decay 1: " not in text and text.count(":") <= 5
    assert max(_depths(text)) == 1
    # runs the rules read differently: a sentence each, named by seed
    runs_2, cs_2 = one_rate([1.0, 0.9998, 0.9996, 0.9993], [0.08, 0.1, 0.11, 0.115])
    runs_2 = runs_2.assign(seed=2)
    cs_2 = {(name, 2): c for (name, _), c in cs_2.items()}
    sweep = a4.sweep_table(pd.concat([runs_0, runs_1, runs_2]), {**cs_0, **cs_1, **cs_2},
                           [(1e-6, 1.0)], 10, 2000)
    text = a4.lr_claims(sweep)["no_learning"]["text"]
    assert "disagree in 2 of the 3 runs" in text and "At lr 1e-06, decay 1 (seeds 0 and 1)" in text
    assert "At lr 1e-06, decay 1, seed 2, the training loss fell by 0.07 % (less than 5 %, so " \
           "the run does not learn by the loss rule) and the test accuracy rose from 8.00 % to " \
           "11.50 % (within the chance band, so it does not learn by the accuracy)." in text
    # both rules agree in both runs: the accuracies, seed by seed, in the measurement
    runs_1, cs_1 = one_rate([1.0, 0.9998, 0.9996, 0.9993], [0.08, 0.1, 0.11, 0.115])
    runs_1 = runs_1.assign(seed=1)
    cs_1 = {(name, 1): c for (name, _), c in cs_1.items()}
    runs_0, cs_0 = one_rate([1.0, 0.9998, 0.9996, 0.9993], [0.09, 0.1, 0.11, 0.11])
    sweep = a4.sweep_table(pd.concat([runs_0, runs_1]), {**cs_0, **cs_1}, [(1e-6, 1.0)], 10,
                           2000)
    text = a4.lr_claims(sweep)["no_learning"]["text"]
    assert "(over the same records the test accuracy rose from 9.00 % to 11.00 % in seed 0 and " \
           "from 8.00 % to 11.50 % in seed 1 at lr 1e-06, decay 1, within the chance band; the " \
           "chance band reaches 12.01 %" in text and max(_depths(text)) == 1


def test_the_rate_remarks_left_out_of_the_sweep_are_named(tmp_path, raw_config):
    tables, facts = handmade()
    tables["sweep"] = tables["sweep"][tables["sweep"].lr >= 0.01].reset_index(drop=True)
    raw_config["assignment4"]["sweep"]["lrs"] = [0.1, 0.01]
    answers, _ = sections(tmp_path, raw_config, tables, facts)
    assert "The seed's remarks at lr 0.001 (fewer spikes), 0.0001 (a smooth curve) and 1e-6 " \
           "(may not learn) are not tested: this sweep runs lr 0.1 and 0.01." in \
        answers["assignment4-q3"]
    # the rules on learning and why they can disagree: only where a remark reads them
    assert "where they disagree the verdict is cannot tell" not in answers["assignment4-q3"]


def test_tick_rule_on_constructed_curves():
    assert (a4.TICK_LOSS_RISE, a4.TICK_ACC_RISE) == (0.02, 0.005)
    loss = [1.0, 0.6, 0.5, 0.55, 0.6]
    t = a4.tick(loss, [0.5, 0.7, 0.75, 0.78, 0.8])
    assert t["tick"] and t["at"] == 2
    assert (t["loss_rise"], t["acc_rise"]) == (pytest.approx(0.2), pytest.approx(0.05))
    # the loss turns up but the accuracy falls with it: over-fitting of the usual kind, no tick
    assert not a4.tick(loss, [0.5, 0.7, 0.75, 0.74, 0.7])["tick"]
    # the accuracy rises by no more than half a point, or the loss by no more than 2 %
    assert not a4.tick(loss, [0.5, 0.7, 0.75, 0.752, 0.754])["tick"]
    assert not a4.tick([1.0, 0.6, 0.5, 0.505, 0.509], [0.5, 0.7, 0.75, 0.78, 0.8])["tick"]
    # a loss that only falls, or one that never falls below its first record
    assert not a4.tick([1.0, 0.8, 0.6, 0.5], [0.5, 0.6, 0.7, 0.8])["tick"]
    assert not a4.tick([0.5, 0.6, 0.7], [0.5, 0.6, 0.7])["tick"]
    # non-finite records are skipped, the minimum located on the curve as recorded
    t = a4.tick([1.0, np.nan, 0.5, 0.6], [0.5, np.nan, 0.7, 0.8])
    assert t["tick"] and t["at"] == 2
    assert a4.tick([0.5], [0.5])["at"] is None


def test_tick_table_and_claims_on_constructed_runs():
    def curve(loss, acc, split="test"):
        n = len(loss)
        return pd.DataFrame({"step": [10 * i for i in range(n)], "epoch": range(n), "lr": 0.01,
                             "train_loss": 1.0, "train_acc": 0.5, f"{split}_loss": loss,
                             f"{split}_acc": acc})
    tick_curve = ([1.0, 0.6, 0.5, 0.55, 0.6], [0.5, 0.7, 0.75, 0.78, 0.8])
    flat = ([1.0, 0.8, 0.6, 0.5, 0.4], [0.5, 0.6, 0.7, 0.8, 0.85])
    grid = [(0.1, 1.0), (0.01, 1.0)]
    curves = {(a4.linear_name(0.1, 1.0), 0): curve(*tick_curve),  # diverged: rule not applied
              (a4.linear_name(0.01, 1.0), 0): curve(*tick_curve),
              ("gd", 0): curve(*flat), ("sgd", 0): curve(*flat),
              ("cnn", 0): curve(*tick_curve, split="val")}
    runs_ = pd.DataFrame({"name": [n for n, _ in curves], "seed": 0,
                          "status": ["diverged", "ok", "ok", "ok", "ok"]})
    ticks = a4.tick_table(runs_, curves, grid)
    assert list(ticks.run) == ["lr 0.1, decay 1", "lr 0.01, decay 1", "GD", "SGD", "CNN"]
    assert list(ticks.tick) == [None, True, False, False, True]
    assert list(ticks.split) == ["test"] * 4 + ["validation"]
    row = ticks.iloc[1]
    assert (row.min_step, row.min_loss, row.last_loss) == (20, 0.5, 0.6)
    assert list(ticks.records_after_min.iloc[1:]) == [2, 0, 0, 2]
    found = a4.tick_claims(ticks)
    assert set(found) == {"tick_linear_classifier", "tick_two_layer_network", "tick_cnn",
                          "ticks_at_last"}
    assert [found[k]["evidence"]["holds"] for k in found if k.startswith("tick_")] == [
        True, False, True]
    lin = found["tick_linear_classifier"]
    assert lin["evidence"]["arms"][0]["values"] == [pytest.approx(0.2)]  # the ok run only
    assert "a tick in lr 0.01, decay 1 (lowest test loss at update 20, pass 2; from there to " \
           "the last record loss +20.0 %, accuracy +5.00 points)" in lin["text"]
    assert "left out: lr 0.1, decay 1, which diverged" in lin["text"]
    assert "no tick in any of its 2 runs" in found["tick_two_layer_network"]["text"]
    assert "Rise of the validation loss" in found["tick_cnn"]["text"]


def test_no_wording_outside_a_claim_follows_the_spike_or_tick_measurements(tmp_path,
                                                                           raw_config):
    """Spike counts and loss falls of two rates swapped, or the tick measures of two runs:
    verdicts and values change, no word around them."""
    tables, facts = handmade()
    sweep, ticks = tables["sweep"], tables["ticks"]
    measured = ["spikes", "loss_drop", "learns"]
    tick_cols = ["min_step", "records_after_min", "min_epoch", "min_loss", "last_loss",
                 "loss_rise", "acc_at_min", "last_acc", "acc_rise", "tick"]
    arms = {f"lr {i}": sweep.loc[i, measured] for i in sweep.index}
    arms.update({f"tick {i}": ticks.loc[i, tick_cols] for i in ticks.index})
    calls = iter(range(100))

    def build(a):
        s, t = sweep.copy(), ticks.copy()
        for i in s.index:
            s.loc[i, measured] = a[f"lr {i}"].values
        for i in t.index:
            t.loc[i, tick_cols] = a[f"tick {i}"].values
        return sections(tmp_path / str(next(calls)), raw_config,
                        {**tables, "sweep": s, "ticks": t}, facts, marked=True)

    # lr 0.01 (2 spikes) with lr 0.0001 (1) and lr 1e-6 (learns not); the tick run with GD's
    assert_wording_ignores_swaps(build, arms, [("lr 2", "lr 6"), ("lr 4", "lr 7"),
                                               ("tick 0", "tick 2"), ("tick 3", "tick 4")])


def test_the_cnn_count_by_torch_on_the_seeds_shape(raw_config):
    layers = raw_config["models"]["a4_cnn"]
    assert a4.torch_parameters(layers, a4.SEED_SHAPE, 10) == 122_570 == a4.SEED_CNN_PARAMETERS
    runs_ = pd.DataFrame({"name": ["cnn"], "parameters": [93_322]})
    table = a4.cnn_table(runs_, layers, "Fashion-MNIST", [28, 28], 10)
    assert list(table.torch) == [122_570, 93_322]
    assert list(table.formula) == [122_570, 93_322] and table.seed_reported.iloc[0] == 122_570


def test_the_appendix_links_the_tick_to_its_answer():
    asked = {e["ask"]: e for e in a4.ASKED}
    tick = next(e for a, e in asked.items() if "tick" in a)
    assert tick.get("answer") == "assignment4-q5"
    large = next(e for a, e in asked.items() if "large images" in a)
    assert "one image size" in large["not_reproduced"] and "no verdict" in large[
        "not_reproduced"]


# ------------------------------------------------------- the review's points, on hand-made inputs


def test_tick_answer_when_every_run_ends_at_its_lowest(tmp_path, raw_config):
    """Every run the rule applies to has its lowest held-out loss at its last record: the answer
    says they cannot test the remark, with the budgets against the seed's; the CNN, stuck, is
    not applied (holds None), without the doubled phrase."""
    tables, facts = handmade()
    ticks = tables["ticks"]
    ticks.loc[0, ["last_loss", "loss_rise", "last_acc", "acc_rise", "tick"]] = [
        0.40, 0.0, 0.78, 0.0, False]
    ticks.loc[4, ["status", "tick"]] = ["stuck", None]
    ticks["records_after_min"] = [0, np.nan, 0, 0, 0]
    answers, _ = sections(tmp_path, raw_config, tables, facts)
    q5 = answers["assignment4-q5"]
    assert "In every run that ended ok (3) the held-out loss was still at its lowest at the " \
           "last record (the linear classifier 300 iterations, the two-layer network 300 " \
           "passes; the seed: 300 and 300): no rise within this budget, so these runs cannot " \
           "test the remark; they neither confirm nor refute it" in q5
    assert "could begin" not in q5
    assert "Rise of the validation loss from its lowest record to the last: CNN not applied " \
           "(left out: CNN, which ended stuck)" in q5
    assert "none of them by the rule" not in q5 and "no finite value" not in q5
    found = a4.tick_claims(ticks, a4.tick_budgets(resolve(raw_config)["assignment4"]))
    assert found["tick_cnn"]["evidence"]["holds"] is None
    assert found["tick_two_layer_network"]["evidence"]["holds"] is False
    assert found["ticks_at_last"]["evidence"]["arms"][0]["values"] == [0]
    # one run of three still falling before its last record: counted
    ticks.loc[2, "records_after_min"] = 4
    answers, _ = sections(tmp_path / "b", raw_config, tables, facts)
    assert "In 2 of the 3 runs that ended ok the held-out loss was still at its lowest at the " \
           "last record" in answers["assignment4-q5"]
    assert "the rule reads the rise of the other 1" in answers["assignment4-q5"]
    assert "In every run" not in answers["assignment4-q5"]


def test_no_spikes_at_001_and_0001_leave_no_reduction_to_see(tmp_path, raw_config):
    tables, facts = handmade()
    sweep = tables["sweep"]
    sweep.loc[sweep.lr == 0.01, "spikes"] = 0
    answers, _ = sections(tmp_path, raw_config, tables, facts)
    q3 = answers["assignment4-q3"]
    assert "lr 0.01, decay 1; lr 0.01, decay 0.999: 0, 0: no spike in its 2 runs: the " \
           "remark not borne out in these runs, nor refuted by the rule" in q3
    assert "every run: at least one spike; not so in lr 0.01" not in q3
    # one run a side: what one run is, the answer says once for every remark
    assert "Expected: at 0.001 the spikes reduce (fewer than at 0.01). Measured, spikes of the " \
           "full-batch training loss at decay 1: lr 0.001 0; lr 0.01 0 (0 spikes at both: no " \
           "reduction to see in these runs)" in q3
    assert q3.count("one initialisation") == 1
    assert "at decay 0.999: lr 0.001 0; lr 0.01 0 (0 spikes at both" in q3
    assert "(the measurement's test does not establish a direction)" not in q3
    assert "Full-batch GD has no sampling noise" in q3
    found = a4.lr_claims(sweep)
    assert found["spikes"]["evidence"]["holds"] is False
    assert found["spikes_fewer_decay1"]["evidence"]["kind"] == "values"


def test_the_decay_remark_is_measured_only_at_an_unstable_rate():
    def sweep(settings):
        return pd.DataFrame(settings, columns=["lr", "lr_decay", "spikes", "status"]).assign(
            seed=0)
    # the quick preset: decay 1 at every rate, 0.999 only at the main run's 0.01
    quick = sweep([(0.1, 1.0, 60, "blew up"), (0.01, 1.0, 0, "ok"), (0.01, 0.999, 0, "ok"),
                   (0.001, 1.0, 0, "ok")])
    found = a4.decay_claims(quick)
    assert set(found) == {"decay"}
    # what the sweep holds for the remark first, then the spikes it rests on, rate by rate
    assert "Measured: decay 0.999 ran at lr 0.01, but only lr 0.1 has a spike without decay, " \
           "and no decayed run is at that rate, so the remark is not measured here. Spikes of " \
           "the full-batch training loss without decay (factor 1): lr 0.1 (blew up) 60; lr 0.01 " \
           "0; lr 0.001 0" in found["decay"]["text"]
    # one parenthesis deep: a fate inside the note's parenthesis would nest a second
    assert max(_depths(found["decay"]["text"])) == 1
    # several runs a rate: the means' parenthesis ends the sentence, no note follows it
    three = pd.concat([quick.assign(seed=k) for k in range(3)], ignore_index=True)
    text = a4.decay_claims(three)["decay"]["text"]
    assert text.endswith("lr 0.001 0 (each a mean of 3)") and ") (" not in text
    # the default: the decay at every rate; where it removes 0.1's spikes the remark agrees
    full = sweep([(0.1, 1.0, 60, "blew up"), (0.1, 0.999, 0, "ok"), (0.01, 1.0, 0, "ok"),
                  (0.01, 0.999, 0, "ok")])
    found = a4.decay_claims(full)
    assert set(found) == {"decay", "decay_lr0.1"}
    assert "lr 0.1 has a spike without decay, so the decayed runs at lr 0.1 measure the " \
           "remark. Spikes" in found["decay"]["text"]
    assert found["decay_lr0.1"]["evidence"]["verdict"] == "agrees in its one run"
    assert "not measured" not in found["decay"]["text"]
    full.loc[1, ["spikes", "status"]] = [59, "blew up"]
    assert a4.decay_claims(full)["decay_lr0.1"]["evidence"]["verdict"] == \
        "disagrees in its one run"


def test_the_stated_loss_against_a_constant_output(tmp_path, raw_config):
    # the constant's loss by linear_models' own objective, on any labels: (C - 1) / C
    assert a4.constant_output_loss(10) == pytest.approx(0.9)
    params = lm.init_params("linear", 6, 4, std=0.0)
    params["b1"][:] = 0.25
    rng = np.random.default_rng(1)
    loss, _ = lm.evaluate(params, rng.normal(size=(50, 6)), rng.integers(0, 4, 50), 4, 5e-6)
    assert loss == pytest.approx(a4.constant_output_loss(4, 5e-6)) == pytest.approx(0.75)
    tables, facts = handmade(target=0.9)  # 3 classes: a constant output's loss is 2/3
    answers, _ = sections(tmp_path, raw_config, tables, facts)
    assert "Against 0.6667, the loss of a network that outputs 1/C for every class, the stated " \
           "loss: 0.9000: above it, so fitting the outputs' mean alone reaches it and reaching " \
           "it needs no class learned, by the rule" in answers["assignment4-q2"]
    claim = a4.target_claim(0.9, 2 / 3)
    assert claim["evidence"]["holds"] is True
    assert "(weights 0, biases 1/C, under the same objective)" in claim["evidence"]["rule"]


def test_seconds_have_three_significant_digits_in_text_claim_and_table(tmp_path, raw_config):
    tables, facts = handmade()
    tables["gd_sgd"].loc[0, ["seconds_to_target", "train_seconds"]] = [0.0584771, 0.5492679]
    answers, _ = sections(tmp_path, raw_config, tables, facts)
    q2 = answers["assignment4-q2"]
    assert "GD after 200.00 passes (200 updates, 0.0585 s)" in q2
    assert "GD 0.0585 seconds, SGD 75.0 seconds" in q2
    assert "test accuracy 75.00 %, 0.549 s, fate ok" in q2
    html = shown_html(tables["gd_sgd"], a4.SHOWN["gd_sgd"])
    assert "<td>0.0585</td>" in html and "<td>0.549</td>" in html and "<td>75.0</td>" in html


def seven_classes(tables, facts):
    """The hand-made tables on 7 classes (the variant report's): the CNN's count by the
    formula and by torch, F64 -> F7."""
    cnn = tables["cnn"]
    cnn.loc[1, ["classes", "formula", "torch"]] = [7, 93_127, 93_127]
    return tables, {**facts, "cnn_formula_run": 93_127}


def test_the_cnn_count_is_for_the_runs_classes(tmp_path, raw_config):
    """On 7 classes the formula and torch count the same model (93,127, F64 -> F7), the answer
    explains the difference from the seed's 122,570 by what differs, the prediction layer
    included, and the summary cites the run's count; the model is named F64-F7."""
    layers = raw_config["models"]["a4_cnn"]
    runs_ = pd.DataFrame({"name": ["cnn"], "parameters": [93_127]})
    table = a4.cnn_table(runs_, layers, "Fashion-MNIST", [1, 28, 28], 7)
    assert list(table.formula) == [122_570, 93_127] and list(table.classes) == [10, 7]
    assert list(table.torch) == [122_570, 93_127]
    # a count torch gives that the formula does not is an error, not a sentence
    with pytest.raises(ValueError, match="formula gives 93,127 parameters, torch counts 93,322"):
        a4.cnn_table(runs_.assign(parameters=93_322), layers, "Fashion-MNIST", [1, 28, 28], 7)
    assert a4.cnn_short_name(layers, 7) == "C32-P-C64-P-C64-P-F64-F7"
    assert a4.cnn_short_name(layers, 10) == "C32-P-C64-P-C64-P-F64-F10"
    tables, facts = seven_classes(*handmade())
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    q4 = answers["assignment4-q4"]
    assert "28×28×1 (Fashion-MNIST), and its 7 classes: 93,127; torch counts the same on the " \
           "trained model. The difference: the first convolution sees 1 input channel instead " \
           "of 3, the last pooling hands F64 a 3×3×64 map instead of 4×4×64 and the prediction " \
           "layer has 7 outputs (one per class) instead of 10." in q4
    assert "93,322" not in q4 + summary and "a different number" not in q4
    assert "(122,570 parameters on 32×32×3, 93,127 on the input and the 7 classes this run " \
           "used; 1 seed)" in summary
    sec = sections(tmp_path / "marked", raw_config, tables, facts, marked=True)
    text = sec.intro + " ".join(f["caption"] for f in sec.figures)
    assert "The CNN C32-P-C64-P-C64-P-F64-F7 (a4_cnn)" in sec.intro
    assert "CNN C32-P-C64-P-C64-P-F64-F7: training (solid)" in text and "F10" not in text


def test_figures_of_one_seed_say_which_where_several_ran(tmp_path, raw_config):
    tables, facts = handmade()
    raw_config["assignment4"]["seeds"] = [0, 1]
    sec = sections(tmp_path, raw_config, tables, facts, marked=True)
    # the figures draw seed 0's runs (linear, templates, sweep, GD/SGD), the CNN's every seed's
    assert len(sec.figures) == 6
    assert all(f["caption"].endswith(" Seed 0 shown (of 2 seeds).") for f in sec.figures[:5])
    assert "every seed's run in its own colour" in sec.figures[5]["caption"]
    assert "shown (of" not in sec.figures[5]["caption"]
    raw_config["assignment4"]["seeds"] = [0]
    sec = sections(tmp_path / "one", raw_config, tables, facts, marked=True)
    assert not any("shown (of" in f["caption"] for f in sec.figures)


def test_the_tables_as_shown():
    tables, _ = handmade()
    sweep = tables["sweep"]
    sweep.loc[0, ["final_train_loss", "loss_drop"]] = [9.508e54, -9.507e54]
    html = shown_html(sweep, a4.SHOWN["sweep"])
    for header in ("final training loss", "rate of the last update", "loss change"):
        assert f"<th>{header}</th>" in html
    assert "final lr" not in html and "<th>final loss</th>" not in html
    assert "<td>×9.5e54</td>" in html and "<td>9.508e54</td>" in html
    # under 100-fold: a percentage, its % kept on the number's line (a no-break space)
    assert "<td>-58.00\u00a0%</td>" in html
    assert "e+56" not in html
    ticks = tables["ticks"]
    ticks.loc[1, ["min_loss", "last_loss", "loss_rise"]] = [1.0000273, 9.454e54, 9.454e54]
    html = shown_html(ticks, a4.SHOWN["ticks"])
    assert "<th>model</th>" in html and "<th>setting</th>" in html and "<th>run</th>" not in html
    assert "<td>linear classifier</td>\n      <td>lr 0.1, decay 1</td>" in html
    assert "<td>1.000</td>" in html and "<td>9.454e54</td>" in html and "<td>×9.5e54</td>" in html


def test_the_intro_names_the_rates_and_decays(tmp_path, raw_config):
    tables, facts = handmade()
    sec = sections(tmp_path, raw_config, tables, facts, marked=True)
    assert "the same model at lr 0.1, 0.01, 0.001, 0.0001 and 1e-6, each with decay factor 1 " \
           "and 0.999." in plain(sec.intro, sec)
    raw_config["preset"] = "quick"
    sec = sections(tmp_path / "q", raw_config, tables, facts, marked=True)
    assert "the same model at lr 0.1, 0.01, 0.001, 0.0001 and 1e-6, each with decay factor 1." \
        in plain(sec.intro, sec)


def test_blow_up_is_measured_against_the_runs_own_loss(tmp_path):
    """A squared-loss run (trainers linear and two_layer) blows up against the squared loss of
    predicting 1/C for every class, (C - 1)/C, not against cross-entropy's ln C."""
    assert stats.chance_loss(10, "linear")[0] == pytest.approx(a4.constant_output_loss(10))
    assert stats.chance_loss(3, "two_layer")[0] == pytest.approx(a4.constant_output_loss(3))
    assert stats.chance_loss(10)[0] == stats.chance_loss(10, "torch")[0] == pytest.approx(
        np.log(10))
    curve = pd.DataFrame({"step": [0, 1, 2, 3], "train_loss": [1.0, 10.0, 10.0, 10.0]})
    status, reason = stats.run_status(curve, 0.5, 2000, 10, None, "linear")
    assert status == "blew up"  # 10 > 10 × 0.9
    assert reason == ("last training loss 10 against (C − 1)/C = 0.90, the squared loss of "
                      "predicting 1/C for every class")
    assert stats.run_status(curve, 0.5, 2000, 10, None)[0] == "ok"  # 10 < 10 × ln 10
    big = curve.assign(train_loss=[1.0, 9.5e54, 9.5e54, 9.5e54])
    assert stats.run_status(big, 0.5, 2000, 10, None)[1] == ("last training loss 9.5e+54 "
                                                             "against ln C = 2.30")
    # the runs table reads the trainer from each run
    paths = [write_run(tmp_path / t, run_dict("assignment4", t, "m", trainer=t), curve, 0.5)
             for t in ("linear", "two_layer", "torch")]
    runs_, _ = aggregate.load_runs([s for s, _ in paths], [c for _, c in paths], 10, 2000)
    assert dict(zip(runs_.name, runs_.status)) == {"linear": "blew up", "two_layer": "blew up",
                                                   "torch": "ok"}
    assert "ln C" not in " ".join(runs_.status_reason)


def test_a_stated_loss_above_a_constant_outputs_voids_every_form_of_the_claim(tmp_path,
                                                                                raw_config):
    """The quick preset's stated loss, 0.9202, lies above a constant output's, 0.9000: reaching
    it needs no class learned. Every form of each claim that rests on it says so: its sentence
    briefly (the answer explains it once, in the stated loss's own claim), its short form (the
    summary line) and its evidence in full; a stated loss below it adds none."""
    tables, facts = handmade(target=0.9)  # 3 classes: a constant output's loss is 2/3
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    found = a4.claims_for(tables["gd_sgd"], tables["sweep"], {}, facts["main"], 0.9,
                          constant=2 / 3)
    full = "reaching it needs no class learned: fitting the outputs' mean is enough"
    for key in ("gd_sgd_passes", "gd_sgd_seconds", "sgd_fewer_passes"):
        assert "(above a constant output's loss, 0.6667)" in found[key]["text"], key
        assert full in found[key]["short"], key
    for key in ("gd_sgd_passes", "gd_sgd_seconds"):
        assert full in found[key]["evidence"]["rule"], key
    # the summary says it once, in full: not the sentence's brief mention besides
    assert "two-layer network, passes until the training loss first reaches 0.9000: GD" in summary
    assert "0.9000" in summary and "above the loss of a constant output" in summary
    assert summary.count(full) == 1 and "above a constant output's loss" not in summary
    assert found["gd_sgd_passes"]["short"].count("0.6667") == 1
    q2 = answers["assignment4-q2"]
    assert "passes until the training loss first reaches 0.9000 (above a constant output's " \
           "loss, 0.6667)" in q2
    # the explanation once in the answer: the stated loss's own claim gives it
    assert q2.count("needs no class learned") == 1 and full not in q2
    below = a4.claims_for(tables["gd_sgd"], tables["sweep"], {}, facts["main"], 0.5,
                          constant=2 / 3)
    assert not any("needs no class" in below[k][f] for k in ("gd_sgd_passes", "sgd_fewer_passes")
                   for f in ("text", "short"))
    assert a4.mean_fit_only(0.9202, 0.9) and not a4.mean_fit_only(0.9, 0.9)
    assert not a4.mean_fit_only(0.9202, None)


def test_the_decay_remark_unmeasured_is_declared_not_reproduced(tmp_path, raw_config):
    """The quick preset decays only lr 0.01, which is stable without decay: nothing measures the
    remark, so the section declares its ask not reproduced, with the reason (read by the
    appendix); where a decayed run is at an unstable rate it stays answered (Q3)."""
    def sweep(settings):
        return pd.DataFrame(settings, columns=["lr", "lr_decay", "spikes", "status"]).assign(
            seed=0)
    quick = sweep([(0.1, 1.0, 60, "blew up"), (0.01, 1.0, 0, "ok"), (0.01, 0.999, 0, "ok"),
                   (0.001, 1.0, 0, "ok")])
    why = a4.decay_not_measured(quick)
    assert why == ("decay 0.999 ran at lr 0.01, but only lr 0.1 has a spike without decay, and "
                   "no decayed run is at that rate")
    assert a4.asked_reasons({"decay_not_measured": why}) == {
        a4.DECAY_ASK: "not measured in this configuration: " + why + "; Q3 gives the spikes "
                      "at each rate without decay"}
    assert a4.decay_not_measured(sweep([(0.1, 1.0, 60, "blew up"), (0.1, 0.999, 0, "ok")])) \
        is None
    assert a4.decay_not_measured(sweep([(0.1, 1.0, 60, "blew up")])) == (
        "no run has a decay factor below 1; lr 0.1 has a spike without decay")
    assert a4.decay_not_measured(sweep([(0.01, 1.0, 0, "ok"), (0.01, 0.999, 0, "ok")])) == (
        "decay 0.999 ran at lr 0.01, but no rate has a spike without decay")
    assert a4.decay_not_measured(sweep([])) == "no linear sweep ran"
    assert any(e["ask"] == a4.DECAY_ASK and e["answer"] == "assignment4-q3" for e in a4.ASKED)
    # the section, from the facts: handmade decays 0.1 and 0.01, both unstable without decay
    tables, facts = handmade()
    sec = sections(tmp_path / "measured", raw_config, tables, facts, marked=True)
    assert list(sec.asked_reasons) == [a4.CNN_ASK]  # one run a model: the CNN is not ranked
    tables["sweep"] = tables["sweep"][(tables["sweep"].lr_decay == 1.0)
                                      | (tables["sweep"].lr == 0.001)].reset_index(drop=True)
    sec = sections(tmp_path / "quick", raw_config, tables, facts, marked=True)
    assert list(sec.asked_reasons) == [a4.DECAY_ASK, a4.CNN_ASK]
    assert "decay 0.999 ran at lr 0.001, but only lr 0.1, 0.01 and 0.0001 have a spike " \
           "without decay, and no decayed run is at those rates" in \
        sec.asked_reasons[a4.DECAY_ASK]
    assert max(_depths(sec.asked_reasons[a4.DECAY_ASK])) <= 1


def test_each_sweep_panel_states_its_loss_change():
    """Each loss panel has its own log axis ticked at its own extremes, so a 0.07 % fall looks
    as steep as a 53 % one: each panel gives its lines' change, as the sweep table does."""
    from nnstudies.studies import assignment4_figures as a4fig
    losses = {(1e-6, 1.0): [1.0, 0.99965, 0.9993], (0.01, 1.0): [1.0, 0.7, 0.4645],
              (0.01, 0.999): [1.0, 0.7, 0.4669], (0.1, 1.0): [1.0, 1e27, 9.5e54]}
    curves = {(a4.linear_name(lr, d), 0): pd.DataFrame({"step": range(3), "train_loss": loss,
                                                         "test_acc": [0.1, 0.3, 0.5]})
              for (lr, d), loss in losses.items()}
    statuses = {(a4.linear_name(0.1, 1.0), 0): "blew up"}
    fig = a4fig.sweep_figure(curves, statuses, list(losses), a4.linear_name, 0, a4.loss_drop)
    shown = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in fig.axes[:3]]
    assert shown == [["-0.07 %"], ["-53.55 %", "-53.31 %"], ["×9.5e54"]]  # lr 1e-6, 0.01, 0.1
    assert all(ax.get_legend().get_title().get_text() == "loss change" for ax in fig.axes[:3])
    assert all(ax.get_legend() is None for ax in fig.axes[3:])  # the accuracy panels
    a4fig.plt.close(fig)


def test_no_learning_cannot_be_read_from_a_run_whose_loss_ran_away():
    """Raw [0, 255] inputs: at lr 1e-6 the loss rose 1e31-fold (blew up). That is a step too
    large, not too small: the 'too small to learn' remark gets no verdict from it."""
    runs_, cs = one_rate([1.0, 1e3, 1e12, 1e31], [0.4, 0.9, 0.07, 0.07])
    runs_["status"] = "blew up"  # as stats.run_status measures it from these losses
    sweep = a4.sweep_table(runs_, cs, [(1e-6, 1.0)], 2, 2000)
    found = a4.lr_claims(sweep)["no_learning"]
    assert found["evidence"]["verdict"] == "cannot tell"
    assert "lr 1e-06, decay 1: blew up): their loss ran away, which is a step too large" \
        in found["text"]
    assert "-1e+33 %" in found["text"]  # the rise to 4 significant digits, not 34 digits
    assert "does not learn" not in found["text"]


def test_the_templates_say_when_their_run_did_not_end_ok():
    assert a4_text._main_fate({"main": "lin", "fate": {"lin": "ok"}}, 0) == ""
    # the templates are seed 0's: its fate, not the setting's over every seed
    assert a4_text._main_fate({"main": "lin", "fate": {"lin": "diverged 1/2, ok 1/2"},
                               "statuses": {"lin/0": "ok", "lin/1": "diverged"}}, 0) == ""
    assert a4_text._main_fate({"main": "lin", "fate": {"lin": "diverged"}}, 0) == (
        ", which ended diverged: its weights are where it stopped")


def test_a_mean_count_of_records_keeps_its_fraction():
    assert a4._records(1 / 3) == "0.33 records"  # runs with 1, 0 and 0: not "0 records"
    assert a4._records(1.0) == "1 record" and a4._records(0.0) == "0 records"


def test_stated_loss_lies_within_reach_of_every_run():
    """The GD/SGD target is set from every seed's pair: the run with the highest floor still
    reaches it (seed 0's pair alone would put it below the other seed's lowest loss)."""
    runs = [pd.DataFrame({"train_loss": losses}) for losses in
            ([2.0, 1.0, 0.2], [2.0, 0.8, 0.1], [1.9, 1.2, 0.9], [2.1, 1.4, 1.0])]
    target = a4.default_target(runs, 0.9)
    assert target == pytest.approx(2.1 - 0.9 * (2.1 - 1.0))
    assert all((r.train_loss <= target).any() for r in runs)
    assert not (runs[3].train_loss <= a4.default_target(runs[:2], 0.9)).any()


# ------------------------------------- review D: seeds, premises, copies and fates (variant D)


def variant_d(raw_config):
    """Variant D's Study 6c on two seeds: the linear sweep (lr 0.03 and 0.003 at decay 1 and
    0.99, the main run lr 0.01 at 0.999) whose seeds are copies (full-batch GD, a 1e-5 start);
    GD and SGD whose seeds differ (SGD stuck in both); a CNN stuck in seed 0, ok in seed 1."""
    raw_config["assignment4"]["seeds"] = [0, 1]
    raw_config["assignment4"]["sweep"] = {"lrs": [0.03, 0.003], "lr_decays": [1.0, 0.99]}
    tables, facts = handmade()
    # lr, decay, final loss per seed, fall over the last tenth, test acc. per seed, final rate
    settings = [(0.03, 1.0, (0.4004306, 0.4004332), 0.0074, (0.767, 0.767), 0.03),
                (0.03, 0.99, (0.4090553, 0.4090578), 0.0067, (0.7535, 0.753), 0.0166),
                (0.01, 0.999, (0.4573220, 0.4573232), 0.0191, (0.726, 0.726), 0.00943),
                (0.003, 1.0, (0.5841039, 0.5841018), 0.0212, (0.6795, 0.6795), 0.003),
                (0.003, 0.99, (0.6183770, 0.6183735), 0.0154, (0.6765, 0.6765), 0.00166)]
    rows = [{"lr": lr, "lr_decay": d, "seed": s, "status": "ok", "iterations": 60,
             "final_lr": rate, "final_train_loss": loss[s], "min_train_loss": loss[s],
             "rises": 0, "largest_rise": -0.001, "spikes": 0, "loss_drop": 1 - loss[s],
             "end_fall": fall, "learns": True, "final_test_acc": acc[s],
             "best_test_acc": acc[s], "first_test_acc": 0.1755, "last_test_acc": acc[s],
             "chance_band": stats.chance_band(5, 2000)}
            for lr, d, loss, fall, acc, rate in settings for s in (0, 1)]
    tables["sweep"] = pd.DataFrame(rows)
    gs = pd.concat([tables["gd_sgd"].assign(seed=s) for s in (0, 1)], ignore_index=True)
    gs["status"] = ["ok", "stuck", "ok", "stuck"]
    gs["final_train_loss"] = [0.7972, 0.8202, 0.7994, 0.8298]
    gs["test_acc"] = [0.406, 0.2, 0.2605, 0.2]
    gs["passes_to_target"] = [2.0, 14.73, 2.0, 17.73]
    tables["gd_sgd"] = gs
    ticks = tables["ticks"].iloc[:0]
    lin = [("linear classifier", f"lr {lr:g}, decay {d:g}", a4.linear_name(lr, d), s, "test",
            "ok", 61, 60, 0, 60, loss[s], loss[s], 0.0, acc[s], acc[s], 0.0, False)
           for lr, d, loss, _, acc, _ in settings for s in (0, 1)]
    two = [("two-layer network", "GD", "gd", s, "test", "ok", 21, 20, 0, 20, x, x, 0.0, a, a,
            0.0, False) for s, x, a in ((0, 0.7971, 0.406), (1, 0.7992, 0.2605))]
    ticks = pd.DataFrame(lin + two, columns=a4.TICK_COLUMNS)
    tables["ticks"] = ticks
    runs = [("linear_lr0.01_decay0.999", s, "ok", 0.726, 0.4605405 + 1e-6 * s) for s in (0, 1)]
    runs += [("gd", 0, "ok", 0.406, 0.7971), ("gd", 1, "ok", 0.2605, 0.7992),
             ("sgd", 0, "stuck", 0.2, 0.8201), ("sgd", 1, "stuck", 0.2, 0.8297),
             ("cnn", 0, "stuck", 0.2215, 1.6108), ("cnn", 1, "ok", 0.3425, 1.6078)]
    tested = pd.DataFrame(runs, columns=["name", "seed", "status", "test_acc", "test_loss"])
    facts = {**facts, "test_runs": tested.to_dict("records"),
             "test_acc": {n: float(g.test_acc.mean()) for n, g in tested.groupby("name")},
             "fate": {"linear_lr0.01_decay0.999": "ok", "gd": "ok", "sgd": "stuck",
                      "cnn": "ok 1/2, stuck 1/2"},
             "sweep_copies": a4.copies_facts(tables["sweep"]),
             "unpaired": a4.unpaired_settings(tables["sweep"])}
    return tables, facts


def test_copies_are_detected_from_the_numbers_and_counted_once():
    """The linear classifier's seeds only set a 1e-5 start: its runs end at one loss (to 1e-5)
    and one accuracy (one image apart at most), so they are one run. GD's two seeds (0.7972
    against 0.7994) are two runs; so are runs of one loss whose accuracies differ, or whose
    fates do."""
    tables, _ = variant_d({"assignment4": {}})
    sweep = tables["sweep"]
    assert a4.seeds_agree(sweep[sweep.lr == 0.03], "final_train_loss", "final_test_acc") is False
    pair = sweep[(sweep.lr == 0.03) & (sweep.lr_decay == 0.99)]  # 75.35 against 75.30 %
    assert a4.seeds_agree(pair, "final_train_loss", "final_test_acc")
    assert not a4.seeds_agree(pair.assign(final_test_acc=[0.75, 0.76]), "final_train_loss",
                              "final_test_acc")
    assert not a4.seeds_agree(pair.assign(status=["ok", "stuck"]), "final_train_loss")
    gd = tables["gd_sgd"][tables["gd_sgd"].variant == "gd"]
    assert not a4.seeds_agree(gd, "final_train_loss", "test_acc")
    one = a4.distinct_runs(sweep, ["lr", "lr_decay"], "final_train_loss", "final_test_acc")
    assert len(one) == 5 and list(one.seeds) == [2] * 5
    assert a4.copies_facts(sweep) == {"settings": 5, "merged": 5, "seeds": 2,
                                      "loss_rel": pytest.approx(6.2e-6, rel=0.05),
                                      "acc_points": pytest.approx(0.05)}
    # the claims count each setting once: one value, and a label that says why
    found = a4.lr_claims(sweep)
    spikes = found["spikes"]
    assert spikes["evidence"]["arms"][0]["values"] == [0]
    assert "lr 0.01, decay 0.999: 0: no spike in its 1 run" in spikes["text"]
    assert "(mean of 2)" not in found["decay"]["text"]
    ticks = a4.tick_claims(tables["ticks"])
    lin = ticks["tick_linear_classifier"]
    assert len(lin["evidence"]["arms"][0]["values"]) == 5
    # the copies counted once: said by ticks_at_last, cited first; the rule keeps it
    assert "(5 settings the rule applies to, each one run of 2 seeds)" in lin["text"]
    assert "at 5 settings the 2 seeds give one run, counted once" in lin["evidence"]["rule"]
    assert "no tick in any of its 5 runs" in lin["text"]
    assert "no tick in any of its 2 runs" in ticks["tick_two_layer_network"]["text"]  # GD: 2
    assert "In every run that ended ok (7; the linear classifier's 2 seeds give one run at " \
           "each of its 5 settings, counted once)" in ticks["ticks_at_last"]["text"]


def _depths(text):
    """The depth of each parenthesis opened in `text` (1: inside no other), 0 for none."""
    depth, out = 0, [0]
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "(":
            out.append(depth)
    return out


def test_variant_d_prose_names_its_seeds_premises_and_fates(tmp_path, raw_config):
    tables, facts = variant_d(raw_config)
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    q2, q3, q4 = (answers[f"assignment4-q{i}"] for i in (2, 3, 4))
    # Q2's numbers name their seeds: every seed's end, not seed 0's alone
    assert "At the end (300 passes each; chance accuracy 1/3 = 33.33 %), seed by seed: seed 0: " \
           "GD loss 0.7972, test accuracy 40.60 %, 100 s, fate ok; SGD 0.8202, 20.00 %, 150 s, " \
           "fate stuck; seed 1: GD 0.7994, 26.05 %, 100 s, ok; SGD 0.8298, 20.00 %, 150 s, " \
           "stuck." in q2
    assert "Training loss first at or below it: seed 0: GD after 2.00 passes" in q2
    assert "seed 1: GD after 2.00 passes (200 updates, 60.0 s), SGD after 17.73 passes" in q2
    # ... and Q4's mean of GD says it is a mean of both runs
    assert "two-layer GD 33.33 % (2 runs)" in q4
    # the seed's 'fewer passes' is not posed where its premise fails, in Q2 nor the summary
    assert "does not apply and gets no verdict" in q2 and "Verdict" not in q2
    assert "fewer passes than GD: cannot tell" not in summary and "gets no verdict" in summary
    # the CNN: no mean over a stuck and an ok run; each run with its seed and fate
    assert "the CNN's test accuracy is 22.15 % (seed 0, stuck) and 34.25 % (seed 1, ok)." in q4
    assert "CNN test accuracy 22.15 % (seed 0, stuck) and 34.25 % (seed 1, ok) after" in summary
    assert "28.20" not in q4 + summary
    assert "Its test loss (cross-entropy): 1.611 (seed 0, stuck) and 1.608 (seed 1, ok); a " \
           "uniform guess over the 10 classes scores ln 10 = 2.303." in q4
    # the ranking stands on the runs that ended ok, the copies counted once, with the counts
    assert "Test accuracy over each model's runs that ended ok (linear: 2 seeds, one run; " \
           "two-layer SGD: 2 of 2 runs stuck; CNN: 1 of 2 runs stuck): linear 72.60 % (1 run); " \
           "two-layer GD " \
           "33.33 % (2 runs); CNN 34.25 % (1 run). With one run for linear, CNN there is no " \
           "spread, so no ranking is made" in q4
    # the templates' run names its seed in the summary too
    assert "(one trained model, seed 0)" in summary
    # Q3: the copies said once, the effect of each factor described with its budget and confound
    assert "At every setting the 2 seeds give one run: their final training losses differ by " \
           "at most 0.0006 % and their test accuracies by at most 0.05 points. Full-batch GD " \
           "draws no batches, so the seed only draws the starting weights (standard deviation " \
           "1e-5)." in q3
    assert "seed 1" not in q3 and "give one run" not in q3.split("Full-batch GD draws")[1]
    assert q3.startswith("Measured on the linear classifier by full-batch GD, 60 iterations a "
                         "run (the seed ran 300); ")
    assert "The effect, described and not tested: one run per setting, so no spread. Final " \
           "training loss, rate by rate within each decay, " \
           "linear classifier: lr 0.03 (decay 1) 0.4004, lr 0.003 (decay 1) 0.5841, lr 0.03 " \
           "(decay 0.99) 0.4091, lr 0.003 (decay 0.99) 0.6184: among the runs that ended ok, " \
           "at every decay with two rates or more among them, lower at each larger rate" in q3
    assert "decay by decay within each rate (decay 0.99 leaves 0.55 of the starting rate at " \
           "the last update), linear classifier: decay 1 (lr 0.03) 0.4004, decay 0.99 (lr 0.03) " \
           "0.4091, decay 1 (lr 0.003) 0.5841, decay 0.99 (lr 0.003) 0.6184: among the runs " \
           "that ended ok, at every rate with two decay factors or more among them, higher at " \
           "each smaller decay factor (a faster decay of the rate)" in q3
    assert "no run had settled, so the orders are of speed within this budget, not of where " \
           "each setting would settle: still falling at the end in every run" in q3
    assert "lr 0.01 ran only at decay 0.999, and no other rate ran at that decay: it enters " \
           "neither order" in q3
    # each caveat once: the budget, why the effect is not tested, the spike rule
    assert q3.count("the seed ran 300") == 1 and q3.count("not tested") == 2  # + the remarks
    assert q3.count("% of it") == 1
    assert "lr 0.01, decay 0.999: 0: no spike in its 1 run" in q3


def test_variant_d_gd_sgd_leads_with_the_stuck_runs_and_compares_nothing(tmp_path, raw_config):
    """Review D2 (front 2, back2 5): every SGD run is stuck while GD reaches the stated loss in
    1-2 passes. The answer and the summary open with the fates and make no GD-SGD difference;
    the per-pass arithmetic is given once, the stated loss's rule names all 4 runs once, a
    single update is '1 update'; no parenthesis inside another."""
    tables, facts = variant_d(raw_config)
    gs = tables["gd_sgd"]
    gs.loc[gs.variant == "gd", ["updates_to_target", "passes_to_target"]] = [[1, 1.0], [2, 2.0]]
    answers, summary = sections(tmp_path, raw_config, tables, facts)
    q2 = answers["assignment4-q2"]
    assert q2.startswith("Both SGD runs ended stuck and both GD runs ended ok, so GD and SGD "
                         "are not compared: a network that did not learn is not timed against "
                         "one that did. ")
    assert "against SGD" not in q2 and "not resolved" not in q2 and "Measured all" not in q2
    assert "seed 0: GD after 1.00 passes (1 update, 60.0 s)" in q2 and "1 updates" not in q2
    assert "GD after 2.00 passes (2 updates" in q2
    assert "90 % of the way from the highest starting loss to the lowest loss that all 4 runs " \
           "reach." in q2 and "both runs" not in q2
    assert q2.count("11 × 0.0001") == 1 and q2.count("0.0011") == 1
    assert max(_depths(q2)) == 1 and max(_depths(answers["assignment4-q3"])) == 1
    assert "two-layer network: both SGD runs ended stuck and both GD runs ended ok, so GD and " \
           "SGD are not compared on the passes to the stated loss; SGD's summed step per pass " \
           "is smaller than GD's (0.0011 against 0.01), so the seed's expectation that SGD " \
           "needs fewer passes gets no verdict; CNN" in summary
    assert "against SGD" not in summary and "passes, not resolved" not in summary
    assert max(_depths(summary)) == 1
    # the claims: values only, no test, no verdict on the seed's expectation
    setting = a4.setting_facts(resolve(raw_config)["assignment4"],
                               {"class_names": CLASS_NAMES[:5], "sizes": {"train": 5400}})
    found = a4.gd_sgd_claims(gs, 0.8547, setting["constant_loss"], setting["per_pass"])
    assert a4.not_learned(gs) == ["sgd"]
    for unit in ("passes", "seconds"):
        c = found[f"gd_sgd_{unit}"]
        assert c["evidence"]["kind"] == "values" and "separated" not in c["evidence"]
        assert c["short"].startswith("Both SGD runs ended stuck and both GD runs ended ok")
        assert "needs no class learned" in c["evidence"]["rule"]  # 0.8547 > 0.8000
    assert "sgd_fewer_passes" not in found
    # the premise holding does not bring a verdict back while SGD's runs are all stuck
    seed = {"run": a4.seed_pass(), "seed": a4.seed_pass()}
    assert "sgd_fewer_passes" not in a4.gd_sgd_claims(gs, 0.8547, 0.8, seed)
    # one SGD run that ended ok: the two are compared again
    gs.loc[(gs.variant == "sgd") & (gs.seed == 1), "status"] = "ok"
    assert a4.not_learned(gs) == [] and a4.fate_lead(gs) == ""
    assert a4.gd_sgd_claims(gs, 0.8547)["gd_sgd_passes"]["evidence"]["kind"] == "difference"
    assert a4._variant_fates("sgd", ["stuck", "ok"]) == "SGD's runs ended 1 stuck, 1 ok"
    assert a4._variant_fates("gd", ["diverged"]) == "the GD run ended diverged"


def test_the_fewer_passes_expectation_is_posed_only_where_its_premise_holds():
    """SGD's summed step per pass against GD's one step, from the configuration: the seed's
    (100 × 0.0001 = 0.01 against 0.01) poses the expectation; variant D's (11 × 0.0001 against
    0.01) does not, and names why."""
    tables, _ = handmade()
    gs = tables["gd_sgd"]
    seed = {"run": a4.seed_pass(), "seed": a4.seed_pass()}
    found = a4.claims_for(gs, tables["sweep"], None, "m", 0.5, per_pass=seed)
    assert found["sgd_step_premise"]["evidence"]["holds"] is True
    assert found["sgd_fewer_passes"]["evidence"]["kind"] == "mechanism"
    here = {"run": a4.one_pass(5400, 500, 1e-4, 0.01), "seed": a4.seed_pass()}
    found = a4.claims_for(gs, tables["sweep"], None, "m", 0.5, per_pass=here)
    assert "sgd_fewer_passes" not in found and "gd_sgd_passes" in found
    premise = found["sgd_step_premise"]
    assert premise["evidence"]["holds"] is False
    assert "Against GD's one step of lr 0.01 per pass, SGD's summed step per pass: 11 × 0.0001 " \
           "= 0.0011: smaller, where the seed's was 100 × 0.0001 = 0.01, so the seed's " \
           "expectation that SGD needs fewer passes does not apply and gets no verdict" in \
        premise["text"]
    # how the updates are counted, here and in the seed: in the evidence, not the sentence
    assert "Updates per pass: here 5,400 / 500 = 10.8, so 11 (the last batch 400 images); in " \
           "the seed 50,000 / 500 = 100." in premise["evidence"]["rule"]
    assert premise["short"] == ("SGD's summed step per pass is smaller than GD's (0.0011 "
                                "against 0.01), so the seed's expectation that SGD needs "
                                "fewer passes gets no verdict")
    # a smaller SGD rate on the seed's own images fails the premise too, and says so
    lower = {"run": a4.one_pass(50_000, 500, 5e-5, 0.01), "seed": a4.seed_pass()}
    premise = a4.step_premise(lower)
    assert premise["evidence"]["holds"] is False
    assert "100 × 5e-05 = 0.005: smaller, where the seed's was 100 × 0.0001 = 0.01" in \
        premise["text"]
    assert "SGD lr 5e-05 (the seed's 0.0001)" in premise["evidence"]["rule"]


def test_the_effect_of_rate_and_decay_is_described_only_where_the_runs_are_in_order():
    tables, _ = variant_d({"assignment4": {}})
    sweep = tables["sweep"]
    found = a4.effect_claims(sweep)
    assert set(found) == {"rate_effect", "decay_effect", "still_falling"}
    assert all(found[k]["evidence"]["holds"] for k in found)
    assert [a["values"] for a in found["rate_effect"]["evidence"]["arms"]] == [
        [pytest.approx(0.4004306)], [pytest.approx(0.5841039)], [pytest.approx(0.4090553)],
        [pytest.approx(0.6183770)]]  # one value a setting: the copies counted once
    # two distinct seeds a setting that overlap: no order is described
    distinct = sweep.copy()
    distinct.loc[(distinct.lr == 0.003) & (distinct.seed == 1), "final_train_loss"] = 0.39
    rate = a4.effect_claims(distinct)["rate_effect"]
    assert rate["evidence"]["holds"] is False
    assert "in no single order of the rates" in rate["text"]
    # each setting once, with the range of its runs; each run in the evidence by its seed
    assert "lr 0.003 (decay 1, 2 runs) 0.39–0.5841" in rate["text"] and "seed" not in rate["text"]
    assert "linear classifier, lr 0.003 (decay 1), seed 1" in [
        a["arm"] for a in rate["evidence"]["arms"]]
    # an order that flips between decays is no single order either
    flipped = sweep.copy()
    flipped.loc[(flipped.lr == 0.003) & (flipped.lr_decay == 0.99), "final_train_loss"] = 0.3
    assert a4.effect_claims(flipped)["rate_effect"]["evidence"]["holds"] is False
    # a run that levelled off is named: the order is then not only of speed
    level = sweep.copy()
    level.loc[level.lr == 0.03, "end_fall"] = 0.0002
    still = a4.effect_claims(level)["still_falling"]
    assert still["evidence"]["holds"] is False
    assert "settled in 2 of the 5 runs, lr 0.03, decay 1 and lr 0.03, decay 0.99: for those " \
           "the final loss is where it levelled off; still falling at the end in 3 of the 5 " \
           "runs by the rule" in still["text"]
    assert a4.unpaired_settings(sweep) == [(0.01, 0.999)]
    assert a4.end_fall([1.0] + [0.5] * 19 + [0.49]) == pytest.approx(1 - 0.49 / 0.5)


def test_a_run_that_barely_moved_is_too_slow_to_tell_not_settled():
    """Review E (back 8): lr 1e-6 lost 0.89 % of its loss over all 60 iterations and 0.089 %
    over the last tenth, a tenth of the whole: a constant slow pace, under the 0.1 % a 'still
    falling' run needs. Its loss fell by less than the 'does not learn' threshold (5 %) in all,
    so it moved too little to tell whether it levelled off: never 'settled'. Its three seeds
    (distinct runs) are named once, with the seeds, not as one setting said three times."""
    rows = [(0.01, 0.1094, 0.0785, 0.889), (0.001, 0.3794, 0.0222, 0.621),
            (1e-6, 0.9913, 0.00089, 0.0089)]
    sweep = pd.DataFrame([
        {"lr": lr, "lr_decay": 1.0, "seed": s, "status": "ok", "iterations": 60,
         "final_lr": lr, "final_train_loss": loss + (1e-3 * s if lr == 1e-6 else 0),
         "end_fall": fall, "loss_drop": drop, "final_test_acc": 0.93 + (0.003 * s if lr == 1e-6
                                                                        else 0)}
        for lr, loss, fall, drop in rows for s in (0, 1, 2)])
    c = a4.effect_claims(sweep)["still_falling"]
    assert c["evidence"]["holds"] is True  # no run settled: the orders are of speed
    text = c["text"]
    assert "settled within the budget" not in text and "not falling any more" not in text
    assert "lr 1e-06 (decay 1, 3 runs) 0.09 %" in text and text.count("lr 1e-06") == 2
    assert "no run had settled, so the orders are of speed within this budget, not of where " \
           "each setting would settle: still falling at the end in 2 of the 5 runs; lr 1e-06, " \
           "decay 1 (seeds 0, 1 and 2) moved too little to tell, their loss falling by less " \
           "than 5 % in all by the rule" in text
    assert max(_depths(text)) == 1
    # the evidence keeps each run, by its seed, and the rule says what 'settled' asks
    arms = [a["arm"] for a in c["evidence"]["arms"]]
    assert "linear classifier, lr 1e-06 (decay 1), seed 2" in arms and len(arms) == 5
    assert "moved too little to tell" in c["evidence"]["rule"]
    # the same late fall after a fall of 5 % or more is a run that settled
    sweep.loc[sweep.lr == 1e-6, "loss_drop"] = 0.3
    c = a4.effect_claims(sweep)["still_falling"]
    assert c["evidence"]["holds"] is False
    assert "settled in 3 of the 5 runs, lr 1e-06, decay 1 (seeds 0, 1 and 2): for those the " \
           "final loss is where it levelled off" in c["text"]
    # one seed of the three: named by its seed; a loss that rises at the end is not settled
    sweep.loc[(sweep.lr == 1e-6) & (sweep.seed == 2), "end_fall"] = -0.01
    c = a4.effect_claims(sweep)["still_falling"]
    assert "settled in 2 of the 5 runs, lr 1e-06, decay 1 (seeds 0 and 1)" in c["text"]
    assert "rising at the end in lr 1e-06, decay 1 (seed 2)" in c["text"]
    assert [a4._end_state(r) for r in sweep[sweep.lr == 1e-6].itertuples()] == [
        "settled", "settled", "rising"]



# ------------------------- review E: three seeds, readability (variant E's Study 6c, by hand)


def three_seeds(raw_config):
    """Variant E's GD/SGD on three seeds: every run reaches the stated loss, SGD's seed 2
    ends stuck; the CNN stuck in every seed."""
    raw_config["assignment4"]["seeds"] = [0, 1, 2]
    tables, facts = handmade()
    gs = pd.concat([tables["gd_sgd"].assign(seed=s) for s in (0, 1, 2)], ignore_index=True)
    gs["status"] = ["ok", "ok", "ok", "ok", "ok", "stuck"]
    gs["final_train_loss"] = [0.6197, 0.6914, 0.6184, 0.6946, 0.6324, 0.6982]
    gs["test_acc"] = [0.9204, 0.6592, 0.9419, 0.4359, 0.9114, 0.3418]
    gs["train_seconds"] = [0.445, 0.649, 0.454, 0.585, 0.505, 0.555]
    gs["passes_to_target"] = [2.0, 13.09, 2.0, 14.18, 2.0, 14.18]
    gs["updates_to_target"] = [2, 144, 2, 156, 2, 156]
    gs["seconds_to_target"] = [0.0464, 0.422, 0.0546, 0.440, 0.0472, 0.388]
    tables["gd_sgd"] = gs
    runs = [("cnn", s, "stuck", 0.3395, loss) for s, loss in ((0, 1.09), (1, 1.095), (2, 1.095))]
    tested = pd.DataFrame(runs, columns=["name", "seed", "status", "test_acc", "test_loss"])
    facts = {**facts, "test_runs": tested.to_dict("records"), "fate": {
        **facts["fate"], "cnn": "stuck"}, "test_acc": {**facts["test_acc"], "cnn": 0.3395}}
    return tables, facts


def test_three_seeds_give_each_variants_range_and_each_fate_its_seeds(tmp_path, raw_config):
    """Three seeds a variant: the answer gives each variant's range and names the seeds of each
    fate (the table gives every seed's numbers), not two lists of six runs."""
    tables, facts = three_seeds(raw_config)
    answers, _ = sections(tmp_path, raw_config, tables, facts)
    q2, q4 = answers["assignment4-q2"], answers["assignment4-q4"]
    assert "Training loss first at or below it, in the 3 seeds: GD after 2.00 passes (2 " \
           "updates, 0.0464–0.0546 s); SGD after 13.09–14.18 passes (144–156 updates, " \
           "0.388–0.440 s)." in q2
    assert "At the end (300 passes each; chance accuracy 1/3 = 33.33 %; the table 'GD against " \
           "SGD' gives each seed's): GD loss 0.6184–0.6324, test accuracy 91.14–94.19 %, " \
           "0.445–0.505 s, ok in every seed; SGD loss 0.6914–0.6982, test accuracy " \
           "34.18–65.92 %, 0.555–0.649 s, ok in seeds 0 and 1, stuck in seed 2." in q2
    assert "seed by seed" not in q2 and max(_depths(q2)) == 1
    # runs of one fate: their fate is said with the accuracy, the seeds once with the losses
    assert "33.95 % (mean of 3 runs, all stuck). Its test loss (cross-entropy): 1.09, 1.095 and " \
           "1.095 (seeds 0, 1 and 2); a uniform guess" in q4 and "seed 1, stuck" not in q4


def test_a_one_run_arm_is_listed_aside_and_compared_with_nothing():
    """Review E: the linear classifier's three seeds are one run (96.80 %), listed aside by the
    ranking; two-layer GD has 'the highest mean' (92.46 %) among the arms with two runs or
    more, as the claim says. Review F (6): one run has no spread, so the claim makes no
    comparison with it ('linear lies above two-layer GD's mean' was one)."""
    runs = [("linear_m", s, "ok", 0.968, 0.11) for s in (0, 1, 2)]
    runs += [("gd", s, "ok", a, 0.62 + s / 100) for s, a in ((0, 0.9204), (1, 0.9419),
                                                            (2, 0.9114))]
    runs += [("sgd", s, f, a, 0.69 + s / 100) for s, f, a in ((0, "ok", 0.6592),
                                                             (1, "ok", 0.4359),
                                                             (2, "stuck", 0.3418))]
    tested = pd.DataFrame(runs, columns=["name", "seed", "status", "test_acc", "test_loss"])
    c = a4.accuracy_ranking(tested, "linear_m")
    assert c["evidence"]["best"] == "two-layer GD"
    assert c["text"].startswith("Test accuracy over each model's runs that ended ok (linear: 3 "
                                "seeds, one run; two-layer SGD: 1 of 3 runs stuck): among the "
                                "arms with two runs or more, the highest "
                                "mean is two-layer GD's")
    assert c["text"].endswith("not ranked: linear 96.80 %")
    assert "lies above" not in c["text"] and "lies above" not in c["short"]
    tested.loc[tested.name == "linear_m", "test_acc"] = 0.5
    assert a4.accuracy_ranking(tested, "linear_m")["text"].endswith("not ranked: linear 50.00 %")


def test_the_tick_answer_leads_with_the_runs_that_cannot_test_it(tmp_path, raw_config):
    """Every run ended at its lowest held-out loss: that comes first, and the per-run counts
    of records after the lowest (every one 0) are the evidence's, not a list of zeros; a rise
    of +0.0 % in every run is said once."""
    tables, facts = handmade()
    ticks = tables["ticks"]
    ticks.loc[0, ["last_loss", "loss_rise", "last_acc", "acc_rise", "tick"]] = [
        0.40, 0.0, 0.78, 0.0, False]
    ticks["records_after_min"] = [0, np.nan, 0, 0, 0]
    answers, _ = sections(tmp_path, raw_config, tables, facts)
    q5 = answers["assignment4-q5"]
    assert q5.index("In every run that ended ok (4)") < q5.index("Rise of the test loss")
    assert "0 records" not in q5 and "Records after the lowest" not in q5
    assert "two-layer network: +0.0 %: no tick in any of its 2 runs" in q5
    found = a4.tick_claims(ticks)
    assert [a["values"] for a in found["ticks_at_last"]["evidence"]["arms"]][:2] == [[0], [0]]
    assert [a["values"] for a in found["tick_two_layer_network"]["evidence"]["arms"]] == [
        [0.0, 0.0]]


def test_the_fewer_passes_short_form_nests_no_parenthesis():
    """The summary's line for the seed's 'fewer passes' (its premise holding) sets the
    measurement after the verdict: the measurement's own '(no comparison)' or '(3 and 3 runs)'
    never sits inside another parenthesis."""
    tables, _ = handmade()
    seed = {"run": a4.seed_pass(), "seed": a4.seed_pass()}
    found = a4.claims_for(tables["gd_sgd"], tables["sweep"], None, "m", 0.9, constant=2 / 3,
                          per_pass=seed)
    short = found["sgd_fewer_passes"]["short"]
    assert short.startswith("SGD reaches the stated loss in fewer passes than GD: cannot tell; "
                            "two-layer network, passes until the training loss first reaches "
                            "0.9000: GD 200.00 passes, SGD 50.00 passes (no comparison); the "
                            "stated loss lies above the loss of a constant output (0.6667)")
    assert max(_depths(short)) == 1


# ------------------------------------------------------- review F (variant F), hand-made inputs


def merged_sweep():
    """Variant F's sweep, two seeds a setting: every setting's seeds one run (as full-batch GD
    gives), except lr 0.05 without decay, which blew up at two different losses."""
    rows = [(0.01, 0.999, "ok", 0.2715, 0), (0.05, 1.0, "blew up", 116354.0, 57),
            (0.05, 0.995, "ok", 0.2283, 8), (0.005, 1.0, "ok", 0.3294, 0),
            (0.005, 0.995, "ok", 0.3459, 0), (0.0005, 1.0, "ok", 0.6756, 0),
            (0.0005, 0.995, "ok", 0.6988, 0)]
    out = []
    for seed in (0, 1):
        for lr, d, status, loss, spikes in rows:
            out.append({"lr": lr, "lr_decay": d, "seed": seed, "status": status,
                        "final_train_loss": loss * (1 + seed * 1e-3 if status != "ok" else 1),
                        "spikes": spikes, "final_test_acc": 0.85, "iterations": 60,
                        "final_lr": lr * d ** 59, "end_fall": 0.02, "loss_drop": 0.7,
                        "last_spike": 11.0 if spikes and status == "ok" else np.nan,
                        "lr_last_spike": 0.0476 if spikes and status == "ok" else np.nan})
    return pd.DataFrame(out)


def test_an_order_of_the_runs_that_ended_ok_names_the_runs_left_out_of_it():
    """Review F (2): at decay 1, lr 0.05 blew up far above lr 0.005; at lr 0.05 the decay 0.995
    run ended lowest of the sweep. 'At every decay' and 'at every rate' may not hide them: the
    orders are of the runs that ended ok, and each run left out at a decay (or rate) where the
    order speaks is named with its loss and whether it goes against that order."""
    found = a4.effect_claims(merged_sweep())
    rate, decay = found["rate_effect"]["text"], found["decay_effect"]["text"]
    assert "among the runs that ended ok, at every decay with two rates or more among them, " \
           "lower at each larger rate; not in it, as it did not end ok: lr 0.05 at decay 1, " \
           "which blew up (last finite training loss 1.164e+05–1.165e+05, 2 runs, against " \
           "that order)" in rate
    assert "at every decay that ran two rates" not in rate
    # lr 0.05 has one ok decay, so it is in no group the sentence lists: its ok run is given
    assert "higher at each smaller decay factor (a faster decay of the rate); not in it, as it " \
           "did not end ok: decay 1 at lr 0.05, which blew up (last finite training loss " \
           "1.164e+05–1.165e+05, 2 runs; beside decay 0.995 0.2283, against that order)" in decay
    assert max(_depths(rate)) == 1 and max(_depths(decay)) == 1
    # a run left out whose loss would fit the order says so
    stuck = merged_sweep()
    stuck.loc[stuck.lr == 0.0005, "status"] = "stuck"
    stuck.loc[stuck.lr == 0.0005, "final_train_loss"] = 0.79
    text = a4.effect_claims(stuck)["rate_effect"]["text"]
    assert "; lr 0.0005 at decay 0.995, which ended stuck (last finite training loss 0.79, 2 " \
           "runs, in line with that order)" in text


def test_a_decay_that_ends_an_instability_it_did_not_prevent_partly_agrees():
    """Review F (3): with decay 0.995, lr 0.05 overshot for its first 11 iterations (8 spikes)
    and then fell to the sweep's lowest loss; without decay it blew up. That is not 'disagrees'
    (the seed's remark is about avoiding an unstable system): the decay ended the instability
    but did not prevent its start, said with where the last spike fell and its rate then."""
    rise = [1.0, 0.74, 0.68, 0.67] + [0.67 * 1.05 ** k for k in range(1, 9)]
    curves = {(0.05, 1.0): [1.0, 0.7] + [0.7 * 3 ** k for k in range(1, 11)],
              (0.05, 0.995): rise + [rise[-1] * 0.9 ** k for k in range(1, 40)]}
    runs_, cs = sweep_runs(curves, {(0.05, 1.0): "blew up"})
    for (name, _), c in cs.items():  # the rate as the trainer records it
        if name.endswith("decay0.995"):
            c["lr"] = 0.05 * 0.995 ** c.step
    sweep = a4.sweep_table(runs_, cs, list(curves), 5, 2000)
    row = sweep[sweep.lr_decay == 0.995].iloc[0]
    assert (row.spikes, row.last_spike) == (8, 11)
    assert row.lr_last_spike == pytest.approx(0.05 * 0.995 ** 11)
    assert a4.last_spike([1.0, 0.9, 0.8]) is None
    c = a4.lr_claims(sweep)["decay_lr0.05"]
    assert c["evidence"]["verdict"] == "partly agrees in its one run"
    assert "lr 0.05, decay 0.995: 8 spikes, the last at iteration 11 (its rate then 0.0473), " \
           "none after it; ended ok, final training loss" in c["text"]
    assert "without decay it blew up (final training loss" in c["text"]
    assert c["text"].endswith("Verdict: partly agrees in its one run: the decay ended the "
                              "instability but did not prevent its start (observed, not tested)")
    assert "disagrees" not in c["text"] and max(_depths(c["text"])) == 1


def test_the_spikes_without_decay_say_how_many_seeds_each_rate_stands_for():
    """Review F (12): 'lr 0.05 (blew up) 57 (mean of 4); lr 0.005 0' set a mean over four
    distinct runs beside one run that stands for four seeds: each rate names its seeds."""
    sweep = a4.distinct_runs(merged_sweep(), ["lr", "lr_decay"], "final_train_loss",
                             "final_test_acc")
    text = a4.decay_claims(sweep)["decay"]["text"]
    assert text.endswith("without decay (factor 1): lr 0.05 (blew up, 2 seeds) 57; lr 0.005 "
                         "(2 seeds) 0; lr 0.0005 (2 seeds) 0")
    assert "mean of" not in text


def test_the_tick_counts_settings_and_seeds_apart():
    """Review F (12): '6 runs the rule applies to; left out: 4 blew up' added settings (each
    four merged seeds) to seeds: the count says settings where each is one run, and the runs
    left out are named by setting with their seeds."""
    rows = []
    for seed in (0, 1, 2, 3):
        for lr, status in ((0.05, "blew up"), (0.005, "ok"), (0.0005, "ok")):
            last = 9.0 + seed if status != "ok" else 0.3
            rows.append(("linear classifier", f"lr {lr:g}, decay 1", a4.linear_name(lr, 1.0),
                         seed, "test", status, 61, 60, 0, 60, last, last, 0.0, 0.8, 0.8, 0.0,
                         None if status != "ok" else False))
        rows.append(("CNN", "CNN", "cnn", seed, "validation", "stuck" if seed > 1 else "ok", 10,
                     100, 0, 1, 1.6, 1.6, 0.0, 0.3 + seed / 100, 0.3 + seed / 100, 0.0,
                     None if seed > 1 else False))
    ticks = pd.DataFrame(rows, columns=a4.TICK_COLUMNS)
    found = a4.tick_claims(ticks)
    assert "(2 settings the rule applies to, each one run of 4 seeds; left out: all 4 seeds " \
           "of lr 0.05, decay 1, which blew up)" in found["tick_linear_classifier"]["text"]
    assert "(2 runs the rule applies to; left out: CNN, seeds 2 and 3, which ended stuck)" in \
        found["tick_cnn"]["text"]


def test_asks_the_answer_cannot_settle_are_listed_apart():
    """Review F (7): the appendix counted as answered three asks whose answers say these runs
    cannot settle them: GD against SGD where SGD did not learn, the rate remarks where none
    gets a verdict, the tick where every run ends at its lowest held-out loss. Each is decided
    from the facts, so a configuration that can answer it keeps it answered."""
    gs = pd.DataFrame({"variant": ["gd", "gd", "sgd", "sgd"], "seed": [0, 1, 0, 1],
                       "status": ["ok", "ok", "stuck", "stuck"]})
    ticks = pd.DataFrame({"family": ["linear classifier", "CNN"], "tick": [False, False],
                          "records_after_min": [0, 0]}, columns=a4.TICK_COLUMNS)
    undecided = {"spikes": {"evidence": {"kind": "rule", "holds": False}},
                 "no_learning": {"evidence": {"kind": "values", "verdict": "cannot tell"}}}
    facts = {"gd_sgd": gs.to_dict("records"), "ticks": ticks.to_dict("records"),
             "claims": undecided, "tick_budgets": a4.tick_budgets(
                 {"linear": {"iterations": 60}, "two_layer": {"iterations": 20},
                  "cnn": {"epochs": 1}})}
    p = {"sweep": {"lrs": [0.05, 0.005]}}
    why = a4.asked_reasons(facts, p)
    assert set(why) == {a4.GD_SGD_ASK, a4.TIME_ASK, a4.LR_ASK, a4.TICK_ASK}
    assert why[a4.GD_SGD_ASK] == (
        "asked, not answerable here: both SGD runs ended stuck and both GD runs ended ok, so GD "
        "and SGD are not compared (see Study 6c, Q2)")
    assert why[a4.LR_ASK] == (
        "asked, not answerable here: the seed's remarks at lr 0.1 (may be unstable), 0.001 "
        "(fewer spikes) and 0.0001 (a smooth curve) are not tested, the sweep running lr 0.05 "
        "and 0.005; at lr 0.01 (some spikes) and 1e-6 (may not learn) these runs neither bear "
        "the remark out nor refute it (see Study 6c, Q3)")
    assert why[a4.TICK_ASK].startswith(
        "asked, not answerable here: every run the tick rule applies to still had its lowest "
        "held-out loss at its last record (the linear classifier 60 iterations, the CNN 1 "
        "epoch; the seed: 300 and 100), so no rise could show within this budget")
    # where the runs can answer: a variant of each that learned, a verdict, a rise to read
    gs["status"] = "ok"
    ticks.loc[1, "records_after_min"] = 3
    decided = {**undecided, "unstable": {"evidence": {"kind": "observation",
                                                      "verdict": "agrees in these runs"}}}
    assert a4.asked_reasons({**facts, "gd_sgd": gs.to_dict("records"),
                             "ticks": ticks.to_dict("records"), "claims": decided}, p) == {}
    borne = {"spikes": {"evidence": {"kind": "rule", "holds": True}}}
    assert a4.LR_ASK not in a4.asked_reasons({"claims": borne})
    # the section sets them from its facts (handmade: every variant ok, verdicts, rises)
    tables, facts = handmade()
    assert list(a4.asked_reasons(facts, None)) == []


def test_coinciding_cnn_lines_are_named_in_the_caption(tmp_path, raw_config):
    """Review F (8): the validation accuracy of two stuck seeds was 0.200 at every record, the
    two dashed lines drawn one over the other and over the chance line: the caption says
    whose lines coincide, with their value, from the curves."""
    def curve(acc, val, loss=1.6):
        return pd.DataFrame({"step": [10, 20, 30], "train_loss": [loss, loss - 0.1, loss - 0.2],
                             "train_acc": acc, "val_loss": [1.61, 1.6, 1.59], "val_acc": val})
    runs = {0: curve([0.3, 0.4, 0.5], [0.3, 0.35, 0.4], 1.5),
            1: curve([0.25, 0.3, 0.32], [0.26, 0.3, 0.33], 1.7),
            2: curve([0.2, 0.21, 0.19], [0.2, 0.2, 0.2]),
            3: curve([0.22, 0.18, 0.2], [0.2, 0.2, 0.2], 1.9)}
    lines = a4.coinciding_lines(runs, 5)
    # seeds 2 and 3: validation accuracy; every seed's validation loss is one line, too
    assert [(g["column"], g["seeds"]) for g in lines] == [("val_loss", [0, 1, 2, 3]),
                                                          ("val_acc", [2, 3])]
    acc = lines[1]
    assert acc["value"] == pytest.approx(0.2) and acc["chance"] is True
    assert lines[0]["value"] is None and lines[0]["chance"] is False
    words = a4.coinciding_words(lines)
    assert words == ("Seeds 0, 1, 2 and 3: validation loss; their lines coincide. Seeds 2 and "
                     "3: validation accuracy 20.00 % at every record; their lines coincide, on "
                     "the chance line.")
    assert [g["column"] for g in a4.coinciding_lines({0: runs[0], 1: runs[1]}, 5)] == [
        "val_loss"]
    # the section: the CNN figure's caption, from the facts
    tables, facts = handmade()
    sec = sections(tmp_path, raw_config, tables, {**facts, "cnn_lines": lines[1:]}, marked=True)
    cnn = next(f for f in sec.figures if f["id"] == "assignment4-fig-cnn")
    assert cnn["caption"].endswith("Seeds 2 and 3: validation accuracy 20.00 % at every record; "
                                   "their lines coincide, on the chance line.")
    other = [f["caption"] for f in sec.figures if f["id"] != "assignment4-fig-cnn"]
    assert not any("coincide, on" in c for c in other)


def test_processing_time_and_the_cnns_accuracy_unsettled_are_listed_apart():
    """Review F2 (N1): the appendix counted as answered 'processing time of SGD against GD'
    where Q2 times neither (SGD stuck), and 'the CNN's accuracy against the earlier items''
    where Q4's ranking resolves no comparison of the CNN. Decided from the facts: runs that
    can answer keep them answered."""
    gs = pd.DataFrame({"variant": ["gd", "gd", "sgd", "sgd"], "seed": [0, 1, 0, 1],
                       "status": ["ok", "ok", "stuck", "stuck"]})

    def ranked(runs):
        tested = pd.DataFrame(runs, columns=["name", "seed", "status", "test_acc", "test_loss"])
        return {"claims": {"test_accuracy": a4.accuracy_ranking(tested, "linear")}}

    def arm(name, accs, status="ok"):
        return [(name, s, status, a, 1.0 + a) for s, a in enumerate(accs)]
    gd4 = arm("gd", [0.6055, 0.5415, 0.6625, 0.542])
    cnn2 = arm("cnn", [0.255, 0.29]) + arm("cnn", [0.2, 0.2], "stuck")
    facts = {"gd_sgd": gs.to_dict("records"), **ranked(gd4 + cnn2 + arm("linear", [0.85]))}
    why = a4.asked_reasons(facts)
    assert why[a4.TIME_ASK] == (
        "asked, not answerable here: both SGD runs ended stuck and both GD runs ended ok, so "
        "their processing times are not compared; the figure plots each run's (see Study 6c, "
        "Q2)")
    assert why[a4.CNN_ASK] == (
        "asked, not answerable here: the one comparison the ranking tests, two-layer GD "
        "against the CNN, is not resolved (4 and 2 runs): the CNN's test accuracy is not set "
        "against the other models' (see Study 6c, Q4)")
    one = a4.cnn_accuracy_unanswerable(ranked(gd4 + arm("cnn", [0.3])))
    assert one.startswith("the CNN has one run that ended ok, so no spread")
    none = a4.cnn_accuracy_unanswerable(ranked(gd4 + arm("cnn", [0.2, 0.2], "stuck")))
    assert none.startswith("no CNN run ended ok")
    aside = a4.cnn_accuracy_unanswerable(ranked(gd4 + arm("linear", [0.8, 0.81]) + cnn2))
    assert aside.startswith("the one comparison the ranking tests is linear against two-layer "
                            "GD")
    # SGD learned and the CNN is separated from the runner-up: both answered
    gs["status"] = "ok"
    cnn6 = arm("cnn", [0.80, 0.81, 0.82, 0.83, 0.84, 0.85])
    gd6 = arm("gd", [0.50, 0.51, 0.52, 0.53, 0.54, 0.55])
    for runs in (cnn6 + gd6, [r[:3] + (r[3] - 0.6, r[4]) for r in cnn6] + gd6):  # above, below
        why = a4.asked_reasons({"gd_sgd": gs.to_dict("records"), **ranked(runs)})
        assert a4.TIME_ASK not in why and a4.CNN_ASK not in why


def test_seeds_that_are_one_run_show_as_one_row():
    """Review F2 (N2): the sweep and tick tables listed each seed of a setting the text counts
    once (its seeds one run): the report shows one row per such setting with the seeds it
    stands for; a setting whose seeds differ keeps a row per seed; the CSV keeps every row."""
    tables, _ = variant_d({"assignment4": {}})
    sweep = pd.concat([tables["sweep"], pd.DataFrame([
        {**tables["sweep"].iloc[0].to_dict(), "lr": 0.3, "seed": s, "status": "blew up",
         "final_train_loss": 1e5 + s * 50} for s in (0, 1)])], ignore_index=True)
    shown = a4.one_row_per_run(sweep, "sweep")
    assert len(sweep) == 12 and len(shown) == 7  # 5 settings once, the blown-up pair twice
    assert list(shown.seed) == ["0, 1"] * 5 + ["0", "1"]
    html = shown_html(sweep, a4.SHOWN["sweep"])
    assert "<th>seeds</th>" in html and html.count("<td>0, 1</td>") == 5
    assert a4.seed_span([3, 0, 1, 2, 5]) == "0–3, 5"
    ticks = tables["ticks"]  # 5 linear settings of 2 like seeds, GD's 2 seeds apart
    shown = a4.one_row_per_run(ticks, "ticks")
    assert len(ticks) == 12 and len(shown) == 7
    assert list(shown.seed[shown.family == "two-layer network"]) == ["0", "1"]
    assert shown_html(ticks, a4.SHOWN["ticks"]).count("<td>0, 1</td>") == 5
    facts = {"sweep": sweep.to_dict("records"), "ticks": ticks.to_dict("records")}
    assert a4_text.one_row_note(facts, "sweep", "final training loss") == (
        " A row with several seeds stands for a setting whose seeds are one run (one fate, "
        "final training loss to within 0.01 % and accuracy to within 0.2 points), counted "
        "once; tables/assignment4_sweep.csv keeps each seed's row.")
    apart = tables["ticks"][tables["ticks"].family != "linear classifier"]
    assert a4_text.one_row_note({"ticks": apart.to_dict("records")}, "ticks", "loss") == ""


# ------------------------------------------------ review G: the raw-image match of the templates

def test_the_template_table_gives_each_templates_best_other_raw_match():
    """Per class, the largest r of its template with another class's raw mean image, and
    which class that is (the r with its own is r_own_raw)."""
    means = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.5]])
    templates = np.array([[0.2, 0.1, 0.9, 0.4], [0.1, 0.9, 0.0, 0.0], [0.0, 0.0, 1.0, 0.5]])
    tt = a4.template_table(templates, means, np.zeros(4), ["a", "b", "c"])
    raw = [[a4.pearson(t, m) for m in means] for t in templates]
    for c, name in enumerate("abc"):
        row = tt.iloc[c]
        others = {n: raw[c][i] for i, n in enumerate("abc") if i != c}
        best = max(others, key=others.get)
        assert row.r_own_raw == pytest.approx(raw[c][c])
        assert row.r_other_max_raw == pytest.approx(others[best]) and row.best_other_raw == best
    assert not tt.raw_own_is_best.iloc[0] and tt.raw_own_is_best.iloc[1:].all()


def test_a_raw_best_match_with_an_own_r_near_zero_is_not_called_a_likeness(tmp_path, raw_config):
    """Review G, finding 8: the own class 'best matches' the raw mean image of every class, but
    two own r's lie near zero or below it: the answer gives each class's r with its own and
    with the best other, and says, from the numbers, that those templates do not resemble the
    raw class image (a best match there the least unlike), the centred r's beside."""
    tables, facts = handmade()
    tables["templates"] = tables["templates"].assign(
        r_own=[0.77, 0.79, 0.72], r_own_raw=[0.068, 0.335, -0.017],
        r_other_max_raw=[-0.154, 0.152, -0.206], best_other_raw=["Pullover", "Pullover",
                                                                 "Trouser"],
        raw_own_is_best=True, own_is_best=True)
    facts = {**facts, "raw_own_best": 3}
    q1 = sections(tmp_path, raw_config, tables, facts)[0]["assignment4-q1"]
    assert "Against the mean images as they are (not centred) the own class is the best match " \
        "for 3 of 3 (r with its own class against the best other: T-shirt/top 0.07 against " \
        "-0.15 (Pullover); Trouser 0.34 against 0.15 (Pullover); Pullover -0.02 against -0.21 " \
        "(Trouser))." in q1
    assert "T-shirt/top and Pullover: own r below 0.1 (under 1 % of the pixel variance " \
        "shared), so their templates do not resemble the raw class image; a best match there " \
        "is the least unlike of near-zero or negative r's, not a likeness; against the " \
        "centred mean images, their own r: 0.77 and 0.72." in q1
    # every own r well above zero: the match stands, no caveat
    tables["templates"] = tables["templates"].assign(r_own_raw=[0.6, 0.5, 0.4])
    q1 = sections(tmp_path / "clear", raw_config, tables, facts)[0]["assignment4-q1"]
    assert "T-shirt/top 0.60 against -0.15 (Pullover)" in q1
    assert "do not resemble" not in q1 and "least unlike" not in q1
