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
    return (f"the first epoch after which the validation accuracy at each epoch's last record "
            f"does not exceed its best so far by more than {min_delta:g} in "
            + ("the next epoch" if patience == 1 else f"any of the next {patience} epochs"))

