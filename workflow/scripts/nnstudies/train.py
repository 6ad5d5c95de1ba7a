"""One training function that executes any run of any study.

A run is a plain dict (see `rules/common.smk`): layers, optimizer, lr, momentum, batch_size,
epochs, record_every, seed, scaling. The whole dataset sits in memory as one float tensor and is
indexed with a per-epoch permutation (no DataLoader: at these sizes its per-sample Python work
costs more than the network); validation runs in large chunks under inference mode.
"""
import copy
import math
import time

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .data import SCALINGS
from .lazy import lazy_import
from .models import ACTIVATIONS, build_model, collapse_linear, first_layer, weighted_layers
from .optim import Optimizer
from .runfiles import RunFileError
from .schedule import epoch_end_accuracy, plateau_epoch

pd = lazy_import("pandas")  # a scheduled run's plateaus only: 0.2 s of every other job's start


def pick_device(name):
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config key 'train.device': 'cuda', but torch sees no CUDA device on "
                           "this node: run where one is, or set train.device to auto or cpu")
    return name


LAYER_KINDS = ("conv", "fc", "output")


def layer_decays(run, model):
    """[(position, kind, λ)] per layer with weights (models.weighted_layers): the L2 strength
    run["layer_weight_decay"] gives it, else the run's global weight_decay.

    layer_weight_decay maps a selector to λ: "conv" (every conv layer), "fc" (every fully
    connected layer, the prediction layer included), "output" (the prediction layer) or a
    position "1", "2", ... (1 = the first layer with weights); the most specific selector wins
    (position, then output, then the kind)."""
    chosen = run.get("layer_weight_decay") or {}
    bad = [k for k in chosen if str(k) not in LAYER_KINDS and not str(k).isdigit()]
    layers = weighted_layers(model)
    bad += [k for k in chosen if str(k).isdigit() and not 1 <= int(k) <= len(layers)]
    if bad:
        raise ValueError(f"layer_weight_decay: {bad} select no layer: use conv, fc, output or "
                         f"a position 1-{len(layers)} among the layers with weights")
    chosen = {str(k): float(v) for k, v in chosen.items()}
    default = run.get("weight_decay", 0.0)
    return [(i, kind, next((chosen[k] for k in (str(i), kind, "fc" if kind == "output" else kind)
                            if k in chosen), default))
            for i, kind, _ in layers]


def param_groups(run, model):
    """What the optimiser trains: model.parameters(), or with run["layer_weight_decay"] one
    parameter group per layer with weights (its weight and bias) with that layer's λ, and one
    group of the rest (batch-norm scales and shifts) with the global weight_decay."""
    if not run.get("layer_weight_decay"):
        return model.parameters()
    layers = weighted_layers(model)
    groups = [{"params": list(m.parameters()), "weight_decay": decay, "layer": f"{i} {kind}"}
              for (i, kind, decay), (_, _, m) in zip(layer_decays(run, model), layers)]
    own = {id(p) for g in groups for p in g["params"]}
    rest = [p for p in model.parameters() if id(p) not in own]
    if rest:
        groups.append({"params": rest, "weight_decay": run.get("weight_decay", 0.0),
                       "layer": "rest"})
    return groups


def weight_norms(model):
    """[{layer, kind, norm}] the Frobenius norm of each weighted layer's weight (not its bias)."""
    return [{"layer": i, "kind": kind, "norm": float(m.weight.detach().norm())}
            for i, kind, m in weighted_layers(model)]


def make_optimizer(run, params):
    # weight_decay: L2 on the weights, added to the gradient (coupled, as in the assignments);
    # `params` may be parameter groups with their own weight_decay (param_groups), which
    # override this default. optim.Optimizer: torch.optim's SGD and Adam updates without the
    # 1.1-1.5 s of start-up that torch.optim.Optimizer costs (optim.py)
    decay = run.get("weight_decay", 0.0)
    if run["optimizer"] == "adam":
        return Optimizer("adam", params, lr=run["lr"], weight_decay=decay)
    return Optimizer("sgd", params, lr=run["lr"], momentum=run.get("momentum", 0.0),
                     weight_decay=decay)


def _onednn_plan(model):
    """Eval-mode forward of an nn.Sequential CNN as steps on oneDNN (mkldnn) tensors, or None.

    torch's own Conv2d on CPU reorders its input and weights into oneDNN's blocked layout and back
    on every call; keeping the activations blocked from the first conv to the flatten, with the
    weights reordered once per evaluation, computes the same convolutions (bit-identical logits)
    at about half the cost. Only the layers of the zoo's CNNs are taken over (conv with numeric
    zero padding, relu, max-pool); any other module runs as itself on dense tensors.
    """
    if not (isinstance(model, nn.Sequential) and torch.backends.mkldnn.is_available()
            and torch.backends.mkldnn.enabled):
        return None
    steps, convs = [], 0
    for m in model:
        if isinstance(m, nn.Conv2d):
            w = m.weight
            if (isinstance(m.padding, str) or m.padding_mode != "zeros"
                    or w.device.type != "cpu" or w.dtype != torch.float32):
                return None
            args = (m.padding, m.stride, m.dilation, m.groups)
            weight = torch._C._nn.mkldnn_reorder_conv2d_weight(w.detach().to_mkldnn(), *args)
            bias = m.bias.detach().to_mkldnn() if m.bias is not None else None
            steps.append(("conv", (weight, bias) + args))
            convs += 1
        elif isinstance(m, nn.ReLU):
            steps.append(("relu", None))
        elif isinstance(m, nn.MaxPool2d) and not (m.ceil_mode or m.return_indices):
            steps.append(("maxpool", (m.kernel_size, m.stride, m.padding, m.dilation)))
        else:
            steps.append(("module", m))
    return steps if convs else None


# Train CNNs in channels-last layout on the CPU (see train_run).
CHANNELS_LAST_TRAINING = True

# Images per forward pass on the oneDNN path: small enough that a CNN's activations stay in the
# caches (the chunk of `evaluate` still decides how the loss is summed, so results do not change).
ONEDNN_BATCH = 100


def _run_plan(steps, x):
    if len(x) > ONEDNN_BATCH:
        return torch.cat([_run_plan(steps, x[i:i + ONEDNN_BATCH])
                          for i in range(0, len(x), ONEDNN_BATCH)])
    blocked = False
    for kind, arg in steps:
        if kind == "conv":
            if not blocked:
                x, blocked = x.to_mkldnn(), True
            x = torch.mkldnn_convolution(x, *arg)
        elif kind == "relu":
            x = torch.relu_(x) if blocked else torch.relu(x)
        elif kind == "maxpool":
            x = torch.max_pool2d(x, *arg)
        else:
            if blocked:
                x, blocked = x.to_dense(), False
            x = arg(x)
    return x.to_dense() if blocked else x


PRECISIONS = ("fp32", "bf16")


@torch.inference_mode()
def evaluate(model, x, y, chunk, precision="fp32"):
    """(mean cross-entropy, accuracy) over the whole of x, in eval mode.

    precision "bf16": the forward pass under torch.autocast(bfloat16) (convolutions and linear
    layers on bf16 inputs and weights; loss and argmax on the logits cast back to float32).
    Fast only where the hardware has bf16 arithmetic (AVX512-BF16/AMX CPUs, GPUs); see
    bench/README.md for its measured speed and its bound on the accuracies.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    was_training = model.training
    model.eval()
    forward = model
    if precision == "bf16":
        def forward(inputs):
            with torch.autocast(inputs.device.type, dtype=torch.bfloat16):
                return model(inputs).float()
    elif x.device.type == "cpu" and x.dtype == torch.float32:
        steps = _onednn_plan(model)
        if steps is not None:
            def forward(inputs):
                return _run_plan(steps, inputs)
    loss, correct = 0.0, 0
    for i in range(0, len(x), chunk):
        logits = forward(x[i:i + chunk])
        loss += nn.functional.cross_entropy(logits, y[i:i + chunk], reduction="sum").item()
        correct += (logits.argmax(1) == y[i:i + chunk]).sum().item()
    model.train(was_training)
    return loss / len(x), correct / len(x)


@torch.inference_mode()
def linear_map_check(model, x, y, chunk):
    """For a model without nonlinearity (models.collapse_linear): the network's eval-mode logits
    on x against those of its one linear map W x + b (float64): the number of weight matrices
    multiplied, the largest absolute difference and the largest absolute logit, the share of
    images whose predicted class is the same, and both accuracies. None for any other model."""
    collapsed = collapse_linear(model)
    if collapsed is None:
        return None
    w, b = (t.to(x.device) for t in collapsed)
    was_training = model.training
    model.eval()
    diff = top = 0.0
    same = right_net = right_map = 0
    for i in range(0, len(x), chunk):
        xs, ys = x[i:i + chunk], y[i:i + chunk]
        net = model(xs).to(torch.float64)
        lin = xs.flatten(1).to(torch.float64) @ w.T + b
        diff = max(diff, (net - lin).abs().max().item())
        top = max(top, lin.abs().max().item())
        same += (net.argmax(1) == lin.argmax(1)).sum().item()
        right_net += (net.argmax(1) == ys).sum().item()
        right_map += (lin.argmax(1) == ys).sum().item()
    model.train(was_training)
    return {"matrices": sum(isinstance(m, nn.Linear) for m in model),
            "max_abs_diff": diff, "max_abs_logit": top, "same_class": same / len(x),
            "net_acc": right_net / len(x), "map_acc": right_map / len(x)}


MEANS_CHUNK_BYTES = 4 << 20  # first-layer maps per chunk in unit_class_means (see there)


@torch.inference_mode()
def unit_class_means(model, x, y, n_classes, chunk):
    """Mean response of each first-layer unit (after its activation) per class: (units, classes).

    Conv maps are averaged over space. Used to ask whether units are specialised to classes.
    """
    modules = list(model)
    end = modules.index(first_layer(model)) + 1
    activations = tuple(getattr(nn, name) for name in ACTIVATIONS.values())
    if end < len(modules) and isinstance(modules[end], activations):
        end += 1
    head = nn.Sequential(*modules[:end]).eval()
    steps = _onednn_plan(head) if x.device.type == "cpu" and x.dtype == torch.float32 else None

    def forward(inputs):
        return head(inputs) if steps is None else _run_plan(steps, inputs)
    # The maps are reduced chunk by chunk, each at most MEANS_CHUNK_BYTES: whole eval batches
    # of a conv layer's maps (87 MB for 1000 images of hw5's CNN) were concatenated and
    # converted in fresh buffers, and their page faults took 1.1 s of a 1.2 s call on the
    # test set; small chunks reuse memory the allocator already holds. The means do not
    # depend on the chunk: each image's maps are its own.
    per_image = max(1, forward(x[:1]).numel() * x.element_size())
    chunk = max(1, min(chunk, MEANS_CHUNK_BYTES // per_image))
    sums = torch.zeros(n_classes, first_layer(model).weight.shape[0], device=x.device)
    for i in range(0, len(x), chunk):
        out = forward(x[i:i + chunk])
        out = out.mean(dim=(2, 3)) if out.ndim == 4 else out
        sums.index_add_(0, y[i:i + chunk], out)
    counts = torch.bincount(y, minlength=n_classes).clamp(min=1)
    return (sums / counts[:, None]).T.cpu().numpy()


def to_tensors(data, scaling, device):
    """Arrays from the prepared .npz -> float images and int64 labels on the device."""
    out = {}
    factor, offset = (float(np.float32(v)) for v in SCALINGS[scaling])
    for part in ("train", "val", "test"):
        # The float32 operations of data.scale (uint8 -> float32, * factor, + offset), done by
        # torch in place: the same values, without numpy's temporaries.
        images = torch.from_numpy(data[f"{part}_x"]).to(torch.float32).mul_(factor)
        if offset:
            images.add_(offset)
        out[f"{part}_x"] = images.to(device)
        out[f"{part}_y"] = torch.from_numpy(data[f"{part}_y"]).to(device)
    return out


def record_interval(run, steps_per_epoch):
    """Steps between records: run["record_every"] steps, or "epoch" for one at each epoch's end
    (steps are counted across epochs, so step % steps_per_epoch == 0 ends an epoch)."""
    every = run["record_every"]
    return steps_per_epoch if every == "epoch" else every


def curve_columns(run):
    """The columns of a run's curves.csv (written even when a run diverges before any record)."""
    return (["step", "epoch", "lr", "train_loss", "train_acc"]
            + (["grad_norm"] if run.get("record_grad") else [])
            + (["val_loss", "val_acc"] if run.get("validate", True) else []))


# Epoch states (issue 24): a constant run that a scheduled run starts from (its run dict has
# "keep_epoch_states", set by learning_rates.runs()) keeps its full training state at the end
# of every epoch, since which epoch the schedule needs (the plateau) is known only once the
# whole curve is. The scheduled run then continues from the state at the plateau instead of
# recomputing its first phase: the same computation, so the same numbers. Only such a run
# writes epoch_states.pt (trainers.RUN_EXTRA_FILES, its own training rule). Full preset:
# cnn_4's 20 epochs, about 1.5 MB (weights, SGD state, generators, the curve's records).
EPOCH_STATES_FORMAT = 1
NO_EPOCH_STATES = {"format": EPOCH_STATES_FORMAT, "epochs": {}}
EPOCH_STATE_KEYS = ("model", "optimizer", "shuffle", "rng", "step", "epoch", "trained",
                    "records", "window_finite")
# Run keys that do not change what the first phase computes: the rest must be equal between
# the reference run that saved the states and the scheduled run that continues from them.
NOT_FIRST_PHASE_KEYS = ("name", "epochs", "schedule", "reference", "keep_epoch_states")


def first_phase_spec(run):
    return {k: v for k, v in run.items() if k not in NOT_FIRST_PHASE_KEYS}


def read_epoch_states(path, curves=None):
    """A run's epoch_states.pt, loaded with torch.load(weights_only=True) and checked: the
    format, every epoch's fields, and, given the run's curves (DataFrame of its curves.csv),
    the same records (by step) as those curves."""
    try:
        states = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated, not a torch file, or holding other than plain data
        raise RunFileError(path, f"is not a readable epoch-states file "
                                 f"({err.__class__.__name__})") from None
    if not isinstance(states, dict) or states.get("format") != EPOCH_STATES_FORMAT \
            or not isinstance(states.get("epochs"), dict):
        raise RunFileError(path, f"is not an epoch-states file of format {EPOCH_STATES_FORMAT}")
    if not states["epochs"]:
        return states
    if not (isinstance(states.get("run"), dict) and isinstance(states.get("curves"), list)):
        raise RunFileError(path, "lacks its run or its curves")
    for epoch, saved in states["epochs"].items():
        missing = [k for k in EPOCH_STATE_KEYS if not isinstance(saved, dict) or k not in saved]
        if missing:
            raise RunFileError(path, f"lacks {', '.join(missing)} at epoch {epoch}")
        if saved["epoch"] != epoch or not 0 <= saved["records"] <= len(states["curves"]):
            raise RunFileError(path, f"has an inconsistent state at epoch {epoch}")
    if curves is not None:
        steps = [r["step"] for r in states["curves"]]
        if steps != [int(s) for s in curves["step"]]:
            raise RunFileError(path, f"holds {len(steps)} records that are not those of its "
                                     f"curves.csv ({len(curves)}): written by another training")
    return states


def train_run(run, data, device="cpu", eval_batch=1000, log=None, reference=None,
              precision="fp32", reference_states=None):
    """Train one run; returns curves (list of dicts), a summary dict, arrays to save, the model.

    Every `record_every` steps a record holds the training loss and accuracy (means over the
    steps since the previous record), the learning rate, and, as the run asks, the validation
    loss and accuracy on the whole split and the Frobenius norm of the loss gradient with
    respect to the first layer's weights at that step. A run whose training loss becomes
    non-finite stops there: `diverged_at_step` says where, and the job still succeeds.
    A scheduled run (run["schedule"]) needs `reference`: the curves of its first rate's
    constant run, whose plateau sets the first switch; with `reference_states` (that run's
    epoch states, read_epoch_states) it continues from that run's state at the plateau instead
    of training its first phase again. A run with run["keep_epoch_states"] returns its epoch
    states as arrays["epoch_states"].
    precision ("fp32" | "bf16") applies to the validation and test evaluations only (see
    evaluate); training is float32 either way.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    started, wall_start = time.perf_counter(), time.time()
    device = pick_device(device)
    tensors = to_tensors(data, run["scaling"], device)
    x, y = tensors["train_x"], tensors["train_y"]
    n_classes = int(max(data["train_y"].max(), data["test_y"].max())) + 1

    torch.manual_seed(run["seed"])  # weight initialisation
    shuffle = torch.Generator().manual_seed(run["seed"])  # epoch order, on the CPU for all devices
    model = build_model(run["layers"], tuple(x.shape[1:]), n_classes).to(device)
    first = first_layer(model)
    loss_fn = nn.CrossEntropyLoss()

    batch = run["batch_size"]
    validate, record_grad = run.get("validate", True), run.get("record_grad", False)
    steps_per_epoch = math.ceil(len(x) / batch)
    every = record_interval(run, steps_per_epoch)
    total_epochs = run["schedule"]["epochs"] if run.get("schedule") else run["epochs"]
    # "trained" counts every step computed, also those a scheduled run discards when it goes
    # back to a plateau epoch's weights; "step" is the position of the weights it keeps
    state = {"step": 0, "epoch": 0, "curves": [], "diverged_at": None, "trained": 0}
    bar = tqdm(total=steps_per_epoch * total_epochs, file=log, mininterval=10, ascii=True,
               desc=f"{run.get('name', 'run')} seed {run['seed']}")
    # CNNs train on the CPU in channels-last (NHWC) layout: oneDNN's convolutions, backward
    # included, are much faster in it; the model is handed back in the usual contiguous layout.
    # Still float32 and deterministic, but other kernels: curves differ from the NCHW layout's in
    # the last bits (set CHANNELS_LAST_TRAINING = False to get those back).
    channels_last = (CHANNELS_LAST_TRAINING and device == "cpu" and x.ndim == 4
                     and any(isinstance(m, nn.Conv2d) for m in model.modules()))
    if channels_last:
        model.to(memory_format=torch.channels_last)

    def fit(optimizer, last_epoch, snapshots=None, kept=None):
        """Train from the current epoch to `last_epoch`; False if the run diverged. Each
        epoch's end goes into `snapshots` (weights, order, position) and `kept` (the full
        state, epoch states) where given."""
        window_loss = torch.zeros((), device=device)
        window_correct = torch.zeros((), dtype=torch.long, device=device)
        window_seen = 0
        model.train()
        while state["epoch"] < last_epoch:
            state["epoch"] += 1
            order = torch.randperm(len(x), generator=shuffle).to(device)
            for start in range(0, len(x), batch):
                idx = order[start:start + batch]
                logits = model(x[idx])
                loss = loss_fn(logits, y[idx])
                optimizer.zero_grad()
                loss.backward()
                state["step"] += 1
                state["trained"] += 1
                recording = state["step"] % every == 0
                if recording and record_grad:  # this step's gradient, before the update
                    grad_norm = first.weight.grad.norm().item()
                optimizer.step()
                # Windowed sums stay on the device: one host sync per record, not per step.
                window_loss += loss.detach() * len(idx)
                window_correct += (logits.argmax(1) == y[idx]).sum()
                window_seen += len(idx)
                if recording:
                    train_loss = window_loss.item() / window_seen
                    if not math.isfinite(train_loss):
                        state["diverged_at"] = state["step"]
                        return False
                    record = {"step": state["step"], "epoch": state["epoch"],
                              "lr": optimizer.param_groups[0]["lr"], "train_loss": train_loss,
                              "train_acc": window_correct.item() / window_seen}
                    if record_grad:
                        record["grad_norm"] = grad_norm
                    if validate:  # after the update: the model as it now stands
                        record["val_loss"], record["val_acc"] = evaluate(
                            model, tensors["val_x"], tensors["val_y"], eval_batch, precision)
                    state["curves"].append(record)
                    bar.set_postfix(epoch=state["epoch"], loss=f"{train_loss:.3f}",
                                    **({"val_acc": f"{record['val_acc']:.4f}"} if validate else {}),
                                    refresh=False)
                    window_loss.zero_()
                    window_correct.zero_()
                    window_seen = 0
                bar.update(1)
            if snapshots is not None:
                snapshots[state["epoch"]] = snapshot()
            if kept is not None:  # with the fate of the steps since the last record
                kept[state["epoch"]] = snapshot(
                    optimizer, not window_seen or math.isfinite(window_loss.item()))
        if window_seen and not math.isfinite(window_loss.item()):  # steps after the last record
            state["diverged_at"] = state["step"]
            return False
        return True

    def snapshot(optimizer=None, window_finite=True):
        saved = {"model": copy.deepcopy(model.state_dict()), "shuffle": shuffle.get_state(),
                 "step": state["step"], "epoch": state["epoch"],
                 "records": len(state["curves"])}
        if optimizer is not None:  # all that a continuation in another process needs
            saved.update(optimizer=copy.deepcopy(optimizer.state_dict()),
                         rng=torch.get_rng_state(), trained=state["trained"],
                         window_finite=window_finite)
        return saved

    def restore(saved):
        model.load_state_dict(saved["model"])
        shuffle.set_state(saved["shuffle"])
        state.update(step=saved["step"], epoch=saved["epoch"])
        del state["curves"][saved["records"]:]

    def resume(saved, optimizer, records):
        """Take over a reference run's epoch state (and its records up to it) as if this run
        had trained there; False if that run's steps since its last record had diverged."""
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        shuffle.set_state(saved["shuffle"])
        torch.set_rng_state(saved["rng"])  # the global generator (initialisation; no dropout)
        state.update(step=saved["step"], epoch=saved["epoch"], trained=saved["trained"])
        state["curves"][:] = [dict(r) for r in records[:saved["records"]]]
        bar.update(saved["step"])
        if not saved["window_finite"]:
            state["diverged_at"] = state["step"]
        return saved["window_finite"]

    switches, first_from_reference, resumed_at, epoch_states = [], False, None, None
    if not run.get("schedule"):
        kept = {} if run.get("keep_epoch_states") else None
        fit(make_optimizer(run, param_groups(run, model)), run["epochs"], kept=kept)
        if kept is not None:
            epoch_states = {**NO_EPOCH_STATES, "run": run, "precision": precision,
                            "device": device, "threads": torch.get_num_threads(),
                            "curves": state["curves"], "epochs": kept}
    else:
        # Train from scratch at the first rate up to the plateau of its constant-rate run (when
        # that shorter run has none, the first rate is treated like every later one), or take
        # over that run's state at its plateau (reference_states): the same computation; for every
        # later rate, a new optimiser on the same weights: train on to the end, find this
        # phase's plateau on the run's own curve, and go back to the weights of that epoch.
        sch = run["schedule"]
        plateau = plateau_epoch(epoch_end_accuracy(reference), sch["min_delta"], sch["patience"])
        first_from_reference = bool(plateau and plateau < total_epochs)
        for i, lr in enumerate(sch["lrs"]):
            optimizer = make_optimizer({**run, "lr": lr}, param_groups(run, model))
            if i == 0 and first_from_reference:
                saved, why_not = _state_to_resume(reference_states, {**run, "lr": lr}, plateau,
                                                  precision, device, steps_per_epoch)
                if saved is None:
                    print(f"first phase trained here: {why_not}", file=log)
                    ok = fit(optimizer, plateau)
                else:
                    print(f"first phase: continued from {run.get('reference', 'the reference')}"
                          f"'s state at epoch {plateau}", file=log)
                    ok, resumed_at = resume(saved, optimizer, reference_states["curves"]), plateau
            elif i == len(sch["lrs"]) - 1:
                ok = fit(optimizer, total_epochs)
            else:
                started_at, snapshots = state["epoch"], {}
                ok = fit(optimizer, total_epochs, snapshots)
                plateau = plateau_epoch(epoch_end_accuracy(pd.DataFrame(state["curves"])),
                                        sch["min_delta"], sch["patience"], after=started_at)
                if ok and plateau and plateau < total_epochs:
                    restore(snapshots[plateau])
            if not ok or state["epoch"] >= total_epochs:
                break
            switches.append(state["epoch"])
    bar.close()
    if channels_last:
        model.to(memory_format=torch.contiguous_format)

    curves, diverged_at = state["curves"], state["diverged_at"]
    test_loss, test_acc = (evaluate(model, tensors["test_x"], tensors["test_y"], eval_batch,
                                    precision)
                           if diverged_at is None else (None, None))
    summary = {
        "steps": state["step"], "steps_trained": state["trained"],
        "steps_per_epoch": steps_per_epoch, "records": len(curves),
        "diverged_at_step": diverged_at, "switch_epochs": switches,
        "first_switch_from": (None if not switches else "reference run" if first_from_reference
                              else "own curve"),
        # the epoch of the reference run's state this run continued from (None: trained all
        # it kept itself); steps_trained still counts the first phase, as if trained here
        "resumed_at_epoch": resumed_at,
        "test_loss": test_loss, "test_acc": test_acc,
        "final_train_acc": curves[-1]["train_acc"] if curves else None,
        "final_val_acc": curves[-1].get("val_acc") if curves else None,
        "parameters": sum(p.numel() for p in model.parameters()),
        "weight_norms": weight_norms(model),
        "layer_weight_decay": [{"layer": i, "kind": kind, "weight_decay": decay}
                               for i, kind, decay in layer_decays(run, model)],
        # a model without nonlinearity: the one linear map it equals, checked on the test set
        "linear_map": (linear_map_check(model, tensors["test_x"], tensors["test_y"],
                                        eval_batch) if diverged_at is None else None),
        "device": device, "threads": torch.get_num_threads(), "precision": precision,
        "train_seconds": time.perf_counter() - started,
        "started_at": wall_start, "finished_at": time.time(),  # wall clock, for the report
    }
    arrays = {
        "first_layer": first.weight.detach().cpu().numpy(),
        "unit_class_means": unit_class_means(model, tensors["test_x"], tensors["test_y"],
                                             n_classes, eval_batch),
    }
    if epoch_states is not None:
        arrays["epoch_states"] = epoch_states
    return curves, summary, arrays, model


def _state_to_resume(states, run, plateau, precision, device, steps_per_epoch):
    """(the reference run's state at `plateau`, None), or (None, why it cannot stand for this
    run's first phase: then the run trains that phase itself, which gives the same numbers)."""
    if not states or not states["epochs"]:
        return None, "its reference run kept no epoch states"
    saved = states["epochs"].get(plateau)
    if saved is None:
        return None, f"its reference run kept no state at epoch {plateau}"
    differ = sorted(k for k in set(first_phase_spec(run)) | set(first_phase_spec(states["run"]))
                    if run.get(k) != states["run"].get(k))
    if differ:
        return None, f"its reference run differs in {', '.join(differ)}"
    here = {"precision": precision, "device": device, "threads": torch.get_num_threads()}
    other = [k for k, v in here.items() if states.get(k) != v]
    if other:
        return None, f"its reference run ran with another {', '.join(other)}"
    if saved["step"] != plateau * steps_per_epoch:
        return None, "its reference run has another number of steps per epoch"
    return saved, None
