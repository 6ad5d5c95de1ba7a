"""SGD and Adam for train.py: torch.optim's own update functions (torch.optim.sgd.sgd and
torch.optim.adam.adam, the kernels torch.optim.SGD and Adam call), so the same numbers, without
torch.optim.Optimizer.

Why not torch.optim.SGD itself: every Optimizer method (the constructor's add_param_group,
zero_grad, step, state_dict) first imports torch's compiler, torch._dynamo, to mark itself as not
compilable. Nothing here compiles, and that import costs 1.1-1.5 s, a quarter of a quick
training job (bench/README.md, "Start-up of a training job"). The state dict has torch.optim's
layout ({"state": {index: ...}, "param_groups": [...]}), so epoch states saved by either load
in this one.
"""
import torch
from torch.optim.adam import adam
from torch.optim.sgd import sgd

# The hyperparameters each rule reads, with torch.optim's defaults.
DEFAULTS = {
    "sgd": {"lr": 0.01, "momentum": 0.0, "weight_decay": 0.0},
    "adam": {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0},
}


class Optimizer:
    """torch.optim.SGD(params, lr, momentum, weight_decay) or torch.optim.Adam(params, lr,
    weight_decay) with their other settings at torch's defaults (no dampening, Nesterov,
    AMSGrad, maximize; coupled L2). `params`: tensors, or parameter groups (dicts with
    "params") that override the hyperparameters."""

    def __init__(self, rule, params, **hyper):
        if rule not in DEFAULTS:
            raise ValueError(f"optimizer {rule!r}: choose one of {sorted(DEFAULTS)}")
        unknown = set(hyper) - set(DEFAULTS[rule])
        if unknown:
            raise ValueError(f"{rule} takes {sorted(DEFAULTS[rule])}, not {sorted(unknown)}")
        self.rule = rule
        params = list(params)
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = [{**DEFAULTS[rule], **hyper, **g, "params": list(g["params"])}
                             for g in groups]
        self.state = {}  # parameter -> its buffers, created at its first step (as torch's)

    def zero_grad(self):
        """As torch.optim's default (set_to_none=True): the gradients go."""
        for p in self._params():
            p.grad = None

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            grads = [p.grad for p in params]
            if self.rule == "sgd":
                self._sgd(group, params, grads)
            else:
                self._adam(group, params, grads)

    def _sgd(self, group, params, grads):
        # no buffers without momentum, as torch.optim.SGD passes them (its foreach path on
        # the GPU groups them with the parameters)
        buffers = ([self.state.get(p, {}).get("momentum_buffer") for p in params]
                   if group["momentum"] != 0 else [])
        sgd(params, grads, buffers, weight_decay=group["weight_decay"],
            momentum=group["momentum"], lr=group["lr"], dampening=0.0, nesterov=False,
            maximize=False, foreach=None)
        if group["momentum"] != 0:  # sgd() creates the buffers at the first step
            for p, buffer in zip(params, buffers):
                self.state[p] = {"momentum_buffer": buffer}

    def _adam(self, group, params, grads):
        for p in params:  # as torch.optim.Adam._init_group: a float32 step count on the CPU
            self.state.setdefault(p, {
                "step": torch.tensor(0.0, dtype=torch.float32),
                "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)})
        states = [self.state[p] for p in params]
        beta1, beta2 = group["betas"]
        adam(params, grads, [s["exp_avg"] for s in states], [s["exp_avg_sq"] for s in states],
             [], [s["step"] for s in states], amsgrad=False, beta1=beta1, beta2=beta2,
             lr=group["lr"], weight_decay=group["weight_decay"], eps=group["eps"],
             maximize=False, foreach=None)

    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self):
        """torch.optim's layout: buffers by parameter index, groups with indices for params."""
        index = {p: i for i, p in enumerate(self._params())}
        return {"state": {index[p]: dict(s) for p, s in self.state.items()},
                "param_groups": [{**g, "params": [index[p] for p in g["params"]]}
                                 for g in self.param_groups]}

    def load_state_dict(self, saved):
        """A state dict of this class or of torch.optim's SGD or Adam for the same parameters:
        their buffers and hyperparameters (this rule's) replace the current ones."""
        params = self._params()
        sizes = [len(g["params"]) for g in saved["param_groups"]]
        if sizes != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(f"the saved optimizer state has parameter groups of {sizes} "
                             f"tensors, this model {[len(g['params']) for g in self.param_groups]}")
        for group, old in zip(self.param_groups, saved["param_groups"]):
            group.update({k: old[k] for k in DEFAULTS[self.rule] if k in old})
        self.state = {params[int(i)]: {k: v.to(params[int(i)].device)
                                       if torch.is_tensor(v) and k != "step" else v
                                       for k, v in s.items()}
                      for i, s in saved["state"].items()}
