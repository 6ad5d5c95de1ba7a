"""Config validation, presets and the run tables: a study is data, not code."""
import copy
import difflib
import math
import re
from pathlib import Path

import jsonschema
import yaml

from .data import DATASETS, SizeError, split_sizes
from .models import ArchitectureError, layer_shapes, with_activation

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"
# Input shape (C, H, W) of each dataset, to check declared architectures before anything runs.
INPUT_SHAPES = {name: dataset.shape for name, dataset in DATASETS.items()}


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
    if error.validator == "type" and {"integer", "number"} & set(
            [error.validator_value] if isinstance(error.validator_value, str)
            else error.validator_value):
        return f"'{path or '(top level)'}': {error.message}; {NUMBER_HINT}"
    if error.validator == "pattern" and "description" in error.schema:
        return f"'{path}': {error.instance!r} is not {error.schema['description']}"
    if error.validator == "not" and "description" in error.schema:
        return f"'{path}': {error.instance!r} is not allowed: {error.schema['description']}"
    return f"'{path or '(top level)'}': {error.message}"


NUMBER_HINT = ("write numbers as digits, e.g. 5, 0.001 or 1.0e-3 (YAML reads 1e-3 without the "
               "dot as text; either form is accepted)")


def as_number(text, integer):
    """The number a string spells (from --config or YAML's short exponent '1e6'), or None."""
    try:
        value = float(text.strip().replace("_", ""))
    except (AttributeError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    if integer:
        return int(value) if value.is_integer() else None
    return int(text) if re.fullmatch(r"\s*[+-]?\d+\s*", text) else value


def set_at(config, path, value):
    node = config
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def coerce(config):
    """A copy of config with the strings the schema wants as numbers or null turned into them.

    Snakemake's --config reads nested values as text ('architectures={epochs: 5}' gives '5',
    'data={train_subset: null}' gives 'null') and YAML reads '1e6' as text; both are accepted
    where the schema asks for a number (or null). Anything else is left for check_schema.
    """
    config = copy.deepcopy(config)
    validator = jsonschema.Draft202012Validator(yaml.safe_load(SCHEMA.read_text()))
    for _ in range(1000):  # one value per pass; a config has far fewer
        for error in validator.iter_errors(config):
            if error.validator != "type" or not isinstance(error.instance, str):
                continue
            wanted = error.validator_value
            wanted = [wanted] if isinstance(wanted, str) else wanted
            numeric = "integer" in wanted or "number" in wanted
            value = as_number(error.instance, "number" not in wanted) if numeric else None
            if value is None:
                if "null" not in wanted or error.instance.strip() not in ("null", "~", ""):
                    continue  # not a spelling of what the schema wants: reported as it is
            set_at(config, list(error.absolute_path), value)
            break
        else:
            return config
    return config


def check_schema(config, where="config"):
    schema = yaml.safe_load(SCHEMA.read_text())
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(config),
                    key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  {where} key {describe(e)}" for e in errors]
        raise ConfigError("invalid configuration:\n" + "\n".join(lines))


def resolve(config, user=None):
    """Validate the raw config, apply the chosen preset, validate the result; returns a new dict.

    Precedence, lowest first: config.yaml, the selected preset, then `user`: what the user set
    with --configfile and --config (Snakemake has already merged it into `config` too). So a
    preset changes config.yaml's values, and a value given on the command line wins over it.
    """
    config = coerce(config)
    check_schema(config)
    name = config["preset"]
    if name not in config["presets"]:
        raise ConfigError(f"config key 'preset': unknown preset {name!r}; "
                          f"choose one of {sorted(config['presets'])}")
    resolved = deep_merge(config, config["presets"][name])
    resolved = coerce(deep_merge(resolved, user or {}))
    check_schema(resolved, where=f"preset '{name}' sets")
    check_data(resolved)
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


def check_data(config):
    """What the dataset's known size decides, checked before any job starts: the subsets and
    validation fraction can be drawn, and the convolution study's images exist."""
    d = config["data"]
    try:
        sizes = split_sizes(d["dataset"], d["val_fraction"], d.get("classes"),
                            d.get("train_subset"), d.get("test_subset"))
    except SizeError as err:
        raise ConfigError(f"config key '{err.key}': {err} "
                          f"({DATASETS[d['dataset']].title})") from None
    for i, index in enumerate(config["convolution"]["images"]):
        if index >= sizes["test"]:
            raise ConfigError(f"config key 'convolution.images[{i}]': image {index} does not "
                              f"exist: the test split has {sizes['test']} images (0 to "
                              f"{sizes['test'] - 1}) with these data settings")
    return sizes


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
