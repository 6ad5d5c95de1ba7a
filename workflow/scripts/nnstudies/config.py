"""Config validation, presets and the run tables: a study is data, not code."""
import copy
import difflib
from pathlib import Path

import jsonschema
import yaml

from .models import ArchitectureError, layer_shapes

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
# Input shape (C, H, W) of each dataset, to check declared architectures before anything runs.
INPUT_SHAPES = {"fashion_mnist": (1, 28, 28), "mnist": (1, 28, 28)}
# Studies implemented so far, in report order; each is a config section with a protocol.
STUDIES = ["architectures"]


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
    for study in STUDIES:
        for i, model in enumerate(resolved[study]["models"]):
            if model not in resolved["models"]:
                raise ConfigError(
                    f"config key '{study}.models[{i}]': unknown model {model!r}; "
                    f"declared models are {sorted(resolved['models'])}")
    return resolved


def study_runs(config, study):
    """Every run of a study as {(name, seed): run dict}; the dict is all a training job needs."""
    protocol = config[study]
    runs = {}
    for model in protocol["models"]:
        for seed in protocol["seeds"]:
            runs[(model, seed)] = {
                "study": study, "name": model, "model": model, "seed": seed,
                "layers": config["models"][model],
                "optimizer": protocol["optimizer"], "lr": protocol["lr"],
                "momentum": protocol.get("momentum", 0.0),
                "batch_size": protocol["batch_size"], "epochs": protocol["epochs"],
                "record_every": protocol["record_every"], "scaling": config["data"]["scaling"],
            }
    return runs
