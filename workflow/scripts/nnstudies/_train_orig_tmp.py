"""One training function that executes any run of any study.

A run is a plain dict (see `rules/common.smk`): layers, optimizer, lr, momentum, batch_size,
epochs, record_every, seed, scaling. The whole dataset sits in memory as one float tensor and is
indexed with a per-epoch permutation (no DataLoader: at these sizes its per-sample Python work
costs more than the network); validation runs in large chunks under inference mode.
"""
import math
import time

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .data import scale
from .models import ACTIVATIONS, build_model, first_layer


def pick_device(name):
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("train.device is 'cuda' but torch sees no CUDA device")
    return name


def make_optimizer(run, params):
    if run["optimizer"] == "adam":
        return torch.optim.Adam(params, lr=run["lr"])
    return torch.optim.SGD(params, lr=run["lr"], momentum=run.get("momentum", 0.0))


@torch.inference_mode()
def evaluate(model, x, y, chunk):
    """(mean cross-entropy, accuracy) over the whole of x, in eval mode."""
    was_training = model.training
    model.eval()
    loss, correct = 0.0, 0
    for i in range(0, len(x), chunk):
        logits = model(x[i:i + chunk])
        loss += nn.functional.cross_entropy(logits, y[i:i + chunk], reduction="sum").item()
        correct += (logits.argmax(1) == y[i:i + chunk]).sum().item()
    model.train(was_training)
    return loss / len(x), correct / len(x)


@torch.inference_mode()
def unit_class_means(model, x, y, n_classes, chunk):
    """Mean response of every first-layer unit (after its activation) to each class: (units, classes).

    Conv maps are averaged over space. Used to ask whether units are specialised to classes.
    """
    modules = list(model)
    end = modules.index(first_layer(model)) + 1
    if end < len(modules) and isinstance(modules[end], tuple(ACTIVATIONS.values())):
        end += 1
    head = nn.Sequential(*modules[:end]).eval()
    sums = torch.zeros(n_classes, first_layer(model).weight.shape[0], device=x.device)
    for i in range(0, len(x), chunk):
        out = head(x[i:i + chunk])
        out = out.mean(dim=(2, 3)) if out.ndim == 4 else out
        sums.index_add_(0, y[i:i + chunk], out)
    counts = torch.bincount(y, minlength=n_classes).clamp(min=1)
    return (sums / counts[:, None]).T.cpu().numpy()


def to_tensors(data, scaling, device):
    """Arrays from the prepared .npz -> float images and int64 labels on the device."""
    out = {}
    for part in ("train", "val", "test"):
        out[f"{part}_x"] = torch.from_numpy(scale(data[f"{part}_x"], scaling)).to(device)
        out[f"{part}_y"] = torch.from_numpy(data[f"{part}_y"]).to(device)
    return out


def train_run(run, data, device="cpu", eval_batch=1000, log=None):
    """Train one run; returns curves (list of dicts), a summary dict, and arrays to save."""
    started = time.perf_counter()
    device = pick_device(device)
    tensors = to_tensors(data, run["scaling"], device)
    x, y = tensors["train_x"], tensors["train_y"]
    n_classes = int(max(data["train_y"].max(), data["test_y"].max())) + 1

    torch.manual_seed(run["seed"])  # weight initialisation
    shuffle = torch.Generator().manual_seed(run["seed"])  # epoch order, on the CPU for all devices
    model = build_model(run["layers"], tuple(x.shape[1:]), n_classes).to(device)
    optimizer = make_optimizer(run, model.parameters())
    loss_fn = nn.CrossEntropyLoss()

    batch, every = run["batch_size"], run["record_every"]
    steps_per_epoch = math.ceil(len(x) / batch)
    total_steps = steps_per_epoch * run["epochs"]
    curves, step, diverged_at = [], 0, None
    window_loss = torch.zeros((), device=device)
    window_correct = torch.zeros((), dtype=torch.long, device=device)
    window_seen = 0
    bar = tqdm(total=total_steps, file=log, mininterval=10, ascii=True,
               desc=f"{run.get('name', 'run')} seed {run['seed']}")
    model.train()
    for epoch in range(1, run["epochs"] + 1):
        order = torch.randperm(len(x), generator=shuffle).to(device)
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            logits = model(x[idx])
            loss = loss_fn(logits, y[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            # Windowed sums stay on the device: one host sync per record, not per step.
            window_loss += loss.detach() * len(idx)
            window_correct += (logits.argmax(1) == y[idx]).sum()
            window_seen += len(idx)
            if step % every == 0:
                train_loss = window_loss.item() / window_seen
                if not math.isfinite(train_loss):
                    diverged_at = step
                    break
                val_loss, val_acc = evaluate(model, tensors["val_x"], tensors["val_y"], eval_batch)
                curves.append({"step": step, "epoch": epoch, "train_loss": train_loss,
                               "train_acc": window_correct.item() / window_seen,
                               "val_loss": val_loss, "val_acc": val_acc})
                window_loss.zero_()
                window_correct.zero_()
                window_seen = 0
            bar.update(1)
        if diverged_at:
            break
    bar.close()

    test_loss, test_acc = evaluate(model, tensors["test_x"], tensors["test_y"], eval_batch)
    summary = {
        "steps": step, "steps_per_epoch": steps_per_epoch, "records": len(curves),
        "diverged_at_step": diverged_at,
        "test_loss": test_loss, "test_acc": test_acc,
        "final_train_acc": curves[-1]["train_acc"] if curves else None,
        "final_val_acc": curves[-1]["val_acc"] if curves else None,
        "parameters": sum(p.numel() for p in model.parameters()),
        "device": device, "threads": torch.get_num_threads(),
        "train_seconds": time.perf_counter() - started,
    }
    arrays = {
        "first_layer": first_layer(model).weight.detach().cpu().numpy(),
        "unit_class_means": unit_class_means(model, tensors["test_x"], tensors["test_y"],
                                             n_classes, eval_batch),
    }
    return curves, summary, arrays, model
