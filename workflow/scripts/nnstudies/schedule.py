"""The plateau rule of the scheduled learning rate: deterministic, stated in config.

Plateau epoch: the first epoch e after which the end-of-epoch validation accuracy does not
exceed its best up to e by more than `min_delta` in any of the next `patience` epochs.
"""


def epoch_end_accuracy(curves):
    """Validation accuracy at the last record of each epoch: {epoch: accuracy}."""
    last = curves.groupby("epoch").tail(1)
    return dict(zip(last["epoch"].astype(int), last["val_acc"]))


def plateau_epoch(accuracy, min_delta, patience, after=0):
    """The plateau epoch (> `after`) of {epoch: accuracy}, or None if the curve never settles
    (or ends before `patience` epochs follow a candidate)."""
    epochs = sorted(e for e in accuracy if e > after)
    for i, e in enumerate(epochs):
        following = epochs[i + 1:i + 1 + patience]
        if len(following) < patience:
            return None
        best = max(accuracy[k] for k in epochs[:i + 1])
        if max(accuracy[k] for k in following) <= best + min_delta:
            return e
    return None


def describe_rule(min_delta, patience):
    """The rule in words; `min_delta` is a fraction of accuracy, printed in points because the
    report writes accuracies in % (0.01 is 1 point, not 0.01 points)."""
    points = round(100 * min_delta, 10)  # 0.07 is 7 points, not 7.000000000000001
    margin = "" if points == 0 else (
        f" by more than {points:g} {'point' if points == 1 else 'points'}")
    return ("the first epoch after which the best end-of-epoch validation accuracy so far (since "
            f"the start or the last switch) is not beaten{margin} at the end of "
            + ("the next epoch" if patience == 1 else f"any of the next {patience} epochs"))
