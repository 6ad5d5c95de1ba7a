"""Study 5's prose on hand-made runs, addressed by question id (learning_rates-q<n>)."""
import numpy as np
import pandas as pd
import pytest
from claim_check import assert_wording_ignores_swaps

from handmade import INFO, run_dict, through_files, tiny_png, write_run, render_section
from nnstudies import aggregate
from nnstudies.report import plain
from nnstudies.studies import learning_rates as lr_study

SCHEDULE = {"lrs": [0.1, 0.01, 0.001], "epochs": 5, "min_delta": 0.01, "patience": 1}
PROTOCOL = {"model": "cnn_4", "lrs": [0.1, 0.01, 0.001, 1000], "optimizer": "sgd",
            "momentum": 0.0, "batch_size": 50, "epochs": 3, "record_every": 10, "seeds": [0],
            "target_val_acc": 0.7, "schedule": SCHEDULE}


def curve(val_accs, loss=0.5, steps_per_record=36):
    n = len(val_accs)
    return pd.DataFrame({"step": np.arange(1, n + 1) * steps_per_record,
                         "epoch": np.arange(1, n + 1) * steps_per_record // 108 + 1,
                         "lr": 0.1, "train_loss": loss, "train_acc": 0.5, "val_loss": 1.0,
                         "val_acc": val_accs})


SETTINGS = {"lr0.1": (0.1, 3), "lr0.01": (0.01, 3), "lr0.001": (0.001, 3), "lr1000": (1000, 3),
            "schedule": (0.1, 5)}


def outcomes(schedule_acc=0.86):
    """{run name: (curve, test accuracy, diverged at step)}: what each run measured."""
    return {"lr0.1": (curve([0.6, 0.75, 0.8, 0.82] * 2), 0.83, None),
            "lr0.01": (curve([0.5, 0.6, 0.7, 0.72] * 2), 0.75, None),
            "lr0.001": (curve([0.3, 0.4, 0.5, 0.55] * 2), 0.56, None),
            "lr1000": (curve([0.1]), None, 40),
            "schedule": (curve([0.6, 0.75, 0.8, 0.85, 0.86] * 2), schedule_acc, None)}


def section(tmp_path, switches, schedule_acc=0.86, measured=None, marked=False):
    measured = measured or outcomes(schedule_acc)
    tmp_path.mkdir(parents=True, exist_ok=True)
    summaries, curves = [], []
    for name, (lr, epochs) in SETTINGS.items():
        c, acc, diverged = measured[name]
        run = run_dict("learning_rates", name, "cnn_4", lr=lr, epochs=epochs)
        paths = write_run(tmp_path / name, run, c, acc, diverged, steps=epochs * 108,
                          switches=switches if name == "schedule" else ())
        summaries.append(paths[0])
        curves.append(paths[1])
    runs, by_run, variants, _ = aggregate.variant_tables(summaries, curves, 10, 2000, 0.7)
    adam_paths = write_run(tmp_path / "adam", run_dict("architectures", "cnn_4", "cnn_4",
                                                       optimizer="adam", epochs=2),
                           curve([0.7, 0.8, 0.85]), 0.88, steps=216)
    adam, adam_curves = aggregate.load_runs([adam_paths[0]], [adam_paths[1]], 10, 2000)
    facts = lr_study.facts(runs, variants, adam, adam_curves, {0: list(switches)}, PROTOCOL,
                           by_run=by_run, steps_per_epoch=108)
    tables, facts = through_files(tmp_path, {"runs": runs, "variants": variants}, facts)
    sec = render_section(lr_study, facts, tables, {"curves": tiny_png(tmp_path)},
                           {"protocol": PROTOCOL}, INFO)
    if marked:  # the section itself, claims still marks (for the wording guard)
        return sec
    out = {f"learning_rates-q{q.number}": plain(q.answer, sec) for q in sec.questions}
    return out, plain(sec.summary, sec), runs


@pytest.mark.parametrize("switches", [[], [2, 4]])
def test_no_wording_outside_a_claim_follows_which_rate_is_higher(tmp_path, switches):
    """Swapping what two runs measured may change numbers and claims, never a word around
    them."""
    calls = iter(range(100))
    assert_wording_ignores_swaps(
        lambda m: section(tmp_path / str(next(calls)), switches, measured=m, marked=True),
        outcomes(), [("lr0.1", "lr0.001"), ("lr0.01", "schedule"), ("lr0.1", "lr0.01")])


def test_a_schedule_that_never_switched_did_not_win(tmp_path):
    answers, summary, runs = section(tmp_path, switches=[])
    assert "it never switched, so it is the first rate trained longer" in summary
    assert "unequal budgets: 5 against 3 epochs" in summary
    assert "best" not in summary
    q3 = answers["learning_rates-q3"]
    assert "found no plateau, so the run never switched" in q3
    assert "the scheduled run's final weights are 540 steps (5 epochs) from the start; the " \
           "constant lr 0.1 run trained 3 epochs (324 steps)" in q3
    assert dict(zip(runs.name, runs.status))["lr1000"] == "diverged"
    assert "lr 1000: diverged" in answers["learning_rates-q1"]


def test_one_run_a_rate_names_no_first_and_no_best(tmp_path):
    answers, _, _ = section(tmp_path, switches=[2, 4])
    q1, q2 = answers["learning_rates-q1"], answers["learning_rates-q2"]
    assert "first to reach" not in q1 and "no ranking is made" in q1
    assert "lr 0.001 never reached it" in q1
    assert "best end point" not in q2 and "no ranking is made" in q2
    # a correlation no test can make significant is not "no correlation"
    assert "not testable with 3 points" in q2 and "no rank correlation" not in q2


def test_adam_comparison_states_the_unequal_budgets(tmp_path):
    answers, _, _ = section(tmp_path, switches=[2, 4])
    q4 = answers["learning_rates-q4"]
    assert "Unequal budgets: Adam trained 2 epochs (216 steps of batch 50), the schedule 5 " \
           "epochs (540 steps of batch 50 kept)" in q4
    assert "one run each: no spread" in q4
    q3 = answers["learning_rates-q3"]
    assert "never switched" not in q3
    assert "It switched 2 times (2 switches possible)" in q3  # one seed: no "most"


def test_the_summary_is_the_sections_claim(tmp_path):
    answers, summary, _ = section(tmp_path, switches=[2], schedule_acc=0.5)
    # the same claim object: its full sentence in the section, its short form in the summary
    assert "Test accuracy: schedule 50.00 %, lr 0.1 83.00 % (one run each" in answers[
        "learning_rates-q3"]
    # the short form names what it compares (test accuracy, not the validation accuracy
    # the section's neighbouring numbers give)
    assert "first rate, test accuracy: schedule 50.00 %, lr 0.1 83.00 % (no comparison)" in summary


def test_the_scheduled_runs_epochs_are_a_departure_with_the_assignments_value(raw_config):
    from nnstudies.config import resolve
    assert lr_study.departures(resolve(raw_config)) == []  # 20 epochs, the schedule to 30
    quick = lr_study.departures(resolve({**raw_config, "preset": "quick"}))
    assert quick == ["learning_rates: epochs 3 (assignment: 20)",
                     "learning_rates, the scheduled run: epochs 5 (assignment: 30)"]
    raw_config["learning_rates"]["schedule"]["lrs"] = [0.1, 0.01]
    assert lr_study.departures(resolve(raw_config)) == [
        "learning_rates, the scheduled run: learning rates 0.1, 0.01 (0.001 left out)"]


def test_the_appendix_says_when_the_schedule_made_fewer_switches_than_a_seed_figure_shows(
        tmp_path):
    """The seed's Fig. 15 shows lr 0.1 then 0.01 then 0.001: a run that switched once never
    trained at the third rate, and the appendix note says so; two switches need no note."""
    once = section(tmp_path / "once", switches=[2], marked=True).asked_notes
    assert once == {lr_study.SWITCH_ASKS[2]: "the scheduled run's column, partly: it switched "
                    "1 time, so it never trained at lr 0.001"}
    never = section(tmp_path / "never", switches=[], marked=True).asked_notes
    assert set(never) == set(lr_study.SWITCH_ASKS.values())
    assert section(tmp_path / "twice", switches=[2, 4], marked=True).asked_notes == {}
