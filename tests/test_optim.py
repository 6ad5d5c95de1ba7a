"""optim.Optimizer computes what torch.optim.SGD and Adam compute, bit for bit, and its state
dict continues a training saved by either."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from nnstudies.optim import Optimizer

SETTINGS = [("sgd", {"lr": 0.1}), ("sgd", {"lr": 0.05, "momentum": 0.9}),
            ("sgd", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01}),
            ("adam", {"lr": 0.01}), ("adam", {"lr": 0.002, "weight_decay": 0.1})]
SCRIPTS = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
TORCH = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


def model_and_batches(seed=0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    batches = [(torch.randn(8, 1, 8, 8), torch.randint(0, 3, (8,))) for _ in range(6)]
    return model, batches


def train(model, optimizer, batches):
    for x, y in batches:
        optimizer.zero_grad()  # torch.optim: set_to_none=True by default
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return [p.detach().clone() for p in model.parameters()]


def groups(model, decay_first):
    """Two parameter groups, the first with its own weight decay (train.param_groups' shape)."""
    first, rest = list(model[0].parameters()), list(model[3].parameters())
    return [{"params": first, "weight_decay": decay_first, "layer": "1 conv"}, {"params": rest}]


@pytest.mark.parametrize("rule,hyper", SETTINGS, ids=[f"{r}-{h}" for r, h in SETTINGS])
def test_same_numbers_as_torch_optim(rule, hyper):
    ours, batches = model_and_batches()
    theirs, _ = model_and_batches()
    for a, b in zip(train(ours, Optimizer(rule, ours.parameters(), **hyper), batches),
                    train(theirs, TORCH[rule](theirs.parameters(), **hyper), batches)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("rule", ["sgd", "adam"])
def test_parameter_groups_override_the_defaults(rule):
    hyper = {"lr": 0.05, "weight_decay": 0.001, **({"momentum": 0.9} if rule == "sgd" else {})}
    ours, batches = model_and_batches()
    theirs, _ = model_and_batches()
    ours_opt = Optimizer(rule, groups(ours, 0.5), **hyper)
    for a, b in zip(train(ours, ours_opt, batches),
                    train(theirs, TORCH[rule](groups(theirs, 0.5), **hyper), batches)):
        assert torch.equal(a, b)
    assert [g["weight_decay"] for g in ours_opt.param_groups] == [0.5, 0.001]
    assert ours_opt.param_groups[0]["layer"] == "1 conv"


@pytest.mark.parametrize("saved_by", ["ours", "torch"])
@pytest.mark.parametrize("rule,hyper", [SETTINGS[1], SETTINGS[4]], ids=["sgd", "adam"])
def test_a_saved_state_continues_as_one_training(rule, hyper, saved_by, tmp_path):
    """Three steps, state dict through torch.save (as epoch_states.pt), a new optimizer on a
    new model loads both and takes three more: the same weights as six steps in one go."""
    whole, batches = model_and_batches()
    expected = train(whole, Optimizer(rule, whole.parameters(), **hyper), batches)

    first, _ = model_and_batches()
    make = Optimizer if saved_by == "ours" else lambda r, p, **h: TORCH[r](p, **h)
    optimizer = make(rule, first.parameters(), **hyper)
    train(first, optimizer, batches[:3])
    path = tmp_path / "state.pt"
    torch.save({"model": first.state_dict(), "optimizer": optimizer.state_dict()}, path)

    saved = torch.load(path, weights_only=True)
    second, _ = model_and_batches(seed=1)  # other weights, overwritten by the saved ones
    second.load_state_dict(saved["model"])
    resumed = Optimizer(rule, second.parameters(), **{**hyper, "lr": 99.0})
    resumed.load_state_dict(saved["optimizer"])  # the saved lr wins, as in torch.optim
    for a, b in zip(train(second, resumed, batches[3:]), expected):
        assert torch.equal(a, b)


def test_a_state_for_other_parameters_is_refused():
    model, _ = model_and_batches()
    saved = Optimizer("sgd", model.parameters(), lr=0.1).state_dict()
    with pytest.raises(ValueError, match="parameter groups"):
        Optimizer("sgd", groups(model, 0.1), lr=0.1).load_state_dict(saved)


def test_unknown_rule_or_setting_is_named():
    with pytest.raises(ValueError, match="rmsprop"):
        Optimizer("rmsprop", [nn.Parameter(torch.zeros(1))])
    with pytest.raises(ValueError, match="nesterov"):
        Optimizer("sgd", [nn.Parameter(torch.zeros(1))], nesterov=True)


def test_training_does_not_import_the_compiler():
    """The point of the class: a training step with it leaves torch._dynamo unimported."""
    code = ("import sys, torch; from torch import nn; from nnstudies.optim import Optimizer\n"
            "m = nn.Linear(3, 2)\n"
            "for rule in ('sgd', 'adam'):\n"
            "    o = Optimizer(rule, m.parameters(), lr=0.1)\n"
            "    o.zero_grad(); m(torch.ones(1, 3)).sum().backward(); o.step(); o.state_dict()\n"
            "print(sorted(k for k in sys.modules\n"
            "             if k.startswith(('torch._dynamo', 'torch._inductor'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(SCRIPTS)})
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("rule,hyper", SETTINGS, ids=[f"{r}-{h}" for r, h in SETTINGS])
def test_the_gpus_foreach_path_gives_torch_optims_numbers(rule, hyper, monkeypatch):
    """On the GPU both take torch's foreach kernels by default (foreach=None); forced here on
    the CPU, against torch.optim with foreach=True."""
    import nnstudies.optim as optim

    for name in ("sgd", "adam"):
        kernel = getattr(optim, name)
        monkeypatch.setattr(optim, name,
                            lambda *a, _kernel=kernel, **k: _kernel(*a, **{**k, "foreach": True}))
    ours, batches = model_and_batches()
    theirs, _ = model_and_batches()
    for a, b in zip(train(ours, Optimizer(rule, ours.parameters(), **hyper), batches),
                    train(theirs, TORCH[rule](theirs.parameters(), foreach=True, **hyper),
                          batches)):
        assert torch.equal(a, b)
