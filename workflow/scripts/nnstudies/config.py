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
    from .studies import REGISTRY  # the studies import this module: import them late
    for study in REGISTRY:
        study.check(resolved)
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
