"""Config validation, presets and the run tables: a study is data, not code."""
import copy
import difflib
from pathlib import Path

import jsonschema
import yaml

from .models import ArchitectureError, layer_shapes, with_activation

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
# Input shape (C, H, W) of each dataset, to check declared architectures before anything runs.
INPUT_SHAPES = {"fashion_mnist": (1, 28, 28), "mnist": (1, 28, 28)}
# Studies implemented so far, in report order; each is a config section with a protocol.
STUDIES = ["architectures", "activations", "learning_rates"]


class ConfigError(ValueError):
    """Raised with a message that names the offending key."""


def deep_merge(base, override):
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def describe(error):
    """'path.to.key': what is wrong, naming the misspelt key itself and a likely intended one."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        lines = []
        for key in sorted(set(error.instance) - set(known)):
            guess = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{guess[0]}'?" if guess else f"; known keys: {known}"
            lines.append(f"'{path + '.' if path else ''}{key}': unknown key{hint}")
        if lines:
            return "\n  ".join(lines)
    if error.validator == "not" and "description" in error.schema:
        return f"'{path}': {error.instance!r} is not allowed: {error.schema['description']}"
    return f"'{path or '(top level)'}': {error.message}"


def check_schema(config, where="config"):
    schema = yaml.safe_load(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(config),
                    key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {where} key {describe(e)}" for e in errors]
        raise ConfigError("invalid configuration:\n" + "\n".join(lines))


def check_model_name(config, key, model):
    if model not in config["models"]:
        raise ConfigError(f"config key '{key}': unknown model {model!r}; "
                          f"declared models are {sorted(config['models'])}")


def resolve(config):
    """Validate the raw config, apply the chosen preset, validate the result; returns a new dict."""
    check_schema(config)
    name = config["preset"]
    if name not in config["presets"]:
        raise ConfigError(f"config key 'preset': unknown preset {name!r}; "
                          f"choose one of {sorted(config['presets'])}")
    resolved = deep_merge(config, config["presets"][name])
    check_schema(resolved, where=f"preset '{name}' sets")
    in_shape = INPUT_SHAPES[resolved["data"]["dataset"]]
    for model, layers in resolved["models"].items():
        try:
            layer_shapes(layers, in_shape)
        except ArchitectureError as err:
            raise ConfigError(f"config key 'models.{model}': {err}") from None
    for study in ("architectures", "activations"):
        for i, model in enumerate(resolved[study]["models"]):
            check_model_name(resolved, f"{study}.models[{i}]", model)
    check_model_name(resolved, "concepts.identity_model", resolved["concepts"]["identity_model"])
    kernels = resolved["convolution"]["kernels"]
    shapes = {name: (len(k), len(k[0])) for name, k in kernels.items()}
    for name, k in kernels.items():
        if len({len(row) for row in k}) != 1:
            raise ConfigError(f"config key 'convolution.kernels.{name}': rows of unequal length")
        if shapes[name] != next(iter(shapes.values())):
            raise ConfigError(f"config key 'convolution.kernels.{name}': {shapes[name]} differs "
                              f"from the bank's first kernel {next(iter(shapes.values()))}")
        if max(shapes[name]) > min(in_shape[1:]):
            raise ConfigError(f"config key 'convolution.kernels.{name}': a {shapes[name]} "
                              f"kernel is larger than the {in_shape[1]}x{in_shape[2]} image")
    lr_study = resolved["learning_rates"]
    check_model_name(resolved, "learning_rates.model", lr_study["model"])
    if lr_study["schedule"]["lrs"][0] not in lr_study["lrs"]:
        raise ConfigError(
            "config key 'learning_rates.schedule.lrs[0]': the schedule starts at "
            f"{lr_study['schedule']['lrs'][0]}, which must be one of learning_rates.lrs "
            f"{lr_study['lrs']} (the plateau of that run sets the first switch)")
    return resolved


def make_run(config, study, name, model, seed, protocol, **overrides):
    """A run dict: everything one training job needs, nothing else (it is the job's params)."""
    run = {
        "study": study, "name": name, "model": model, "seed": seed, "activation": "relu",
        "layers": config["models"][model],
        "optimizer": protocol["optimizer"], "lr": protocol.get("lr"),
        "momentum": protocol.get("momentum", 0.0),
        "batch_size": protocol["batch_size"], "epochs": protocol["epochs"],
        "record_every": protocol["record_every"], "scaling": config["data"]["scaling"],
        "validate": True, "record_grad": False, "schedule": None,
    }
    run.update(overrides)
    if run["activation"] != "relu":
        run["layers"] = with_activation(run["layers"], run["activation"])
    return run


def architecture_runs(config):
    p = config["architectures"]
    return {(m, s): make_run(config, "architectures", m, m, s, p)
            for m in p["models"] for s in p["seeds"]}


def activation_runs(config):
    """Every model with each activation and input scaling; loss and gradient norm only."""
    p = config["activations"]
    return {(f"{m}-{a}-{sc}", s): make_run(config, "activations", f"{m}-{a}-{sc}", m, s, p,
                                           activation=a, scaling=sc, validate=False,
                                           record_grad=True)
            for m in p["models"] for a in p["activations"] for sc in p["scalings"]
            for s in p["seeds"]}


def lr_name(lr):
    return f"lr{lr:g}"


def learning_rate_runs(config):
    """One model at each constant learning rate, plus the plateau-scheduled run."""
    p = config["learning_rates"]
    runs = {(lr_name(lr), s): make_run(config, "learning_rates", lr_name(lr), p["model"], s, p,
                                       lr=lr)
            for lr in p["lrs"] for s in p["seeds"]}
    schedule = p["schedule"]
    for s in p["seeds"]:
        runs[("schedule", s)] = make_run(
            config, "learning_rates", "schedule", p["model"], s, p, lr=schedule["lrs"][0],
            epochs=schedule["epochs"], schedule=schedule,
            reference=lr_name(schedule["lrs"][0]))  # its plateau sets the first switch
    return runs


STUDY_RUNS = {"architectures": architecture_runs, "activations": activation_runs,
              "learning_rates": learning_rate_runs}


def study_runs(config, study):
    """Every run of a study as {(name, seed): run dict}."""
    return STUDY_RUNS[study](config)
