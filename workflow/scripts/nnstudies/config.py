"""Config validation, presets and the run tables: a study is data, not code."""
import copy
import difflib
import functools
import hashlib
import json
import math
import os
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
    validator = jsonschema.Draft202012Validator(schema())
    for _ in range(1000):  # one value per pass; a config has far fewer
        for error in validator.iter_errors(config):
            if not isinstance(error.instance, str):
                continue
            if error.validator == "type":
                wanted = error.validator_value
            elif error.validator == "pattern":  # a number or a word, e.g. record_every
                wanted = error.schema.get("type", "string")
            else:
                continue
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


@functools.cache
def schema():
    """The config schema, read once per process (every check validates against it): the
    top-level schema with each study's own fragment (schemas/studies/<study>.yaml) as the
    required property of that name."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    full = yaml.load(SCHEMA.read_text(), Loader=loader)
    for fragment in sorted((SCHEMA.parent / "studies").glob("*.yaml")):
        full["properties"][fragment.stem] = yaml.load(fragment.read_text(), Loader=loader)
        full["required"].append(fragment.stem)
    return full


def check_schema(config, where="config"):
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(config),
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
    check_results_dir(resolved["results_dir"])
    from .studies import REGISTRY  # the studies import this module: import them late
    for study in REGISTRY:
        study.check(resolved)
        runs = study.runs(resolved)
        check_run_shapes(resolved, study.NAME, runs)
        check_run_protocols(resolved, study.NAME, runs)
    return resolved


# Folders a results_dir must not be: the file system root and the system's own folders (or,
# for these trees, anything inside them). Anywhere else is the user's choice.
SYSTEM_DIRS = {"/", "/home", "/var", "/opt", "/srv", "/mnt", "/media", "/root"}
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32",
                "/proc", "/run", "/sbin", "/sys", "/usr")


def check_results_dir(results_dir):
    where = os.path.normpath(os.path.abspath(results_dir))
    if where in SYSTEM_DIRS or any(where == t or where.startswith(t + "/")
                                   for t in SYSTEM_TREES):
        raise ConfigError(f"config key 'results_dir': {results_dir!r} is {where}, a system "
                          "folder; the workflow writes data/, runs/, tables/ and more there. "
                          "Choose a folder of your own (relative paths are inside the "
                          "workflow's folder).")


def _key_path(section, key, value, prefix):
    """The config path of `key` holding `value` in a study's (nested) section, for messages."""
    if isinstance(section, dict):
        for k, v in section.items():
            if k == key and v == value:
                return f"{prefix}.{k}"
            found = _key_path(v, key, value, f"{prefix}.{k}")
            if found:
                return found
    return None


def check_run_protocols(config, study, runs):
    """A run that could not train as asked is refused before any job: a batch larger than its
    training split, records further apart than the whole run (it would record nothing), or a
    momentum that its optimizer (Adam) would silently ignore."""
    train = sizes_of(study_data(config, study))["train"]

    def where(key, value):
        return _key_path(config[study], key, value, study) or f"{study}.{key}"

    for (name, _), run in runs.items():
        batch, every = run.get("batch_size"), run.get("record_every")
        if run.get("optimizer") == "adam" and run.get("momentum"):  # Adam has no such setting
            raise ConfigError(
                f"config key '{where('momentum', run['momentum'])}': momentum "
                f"{run['momentum']:g} is an SGD setting, but run {name} trains with adam, which "
                "would ignore it; set it to 0, or set the optimizer to sgd")
        if batch and batch > train:
            raise ConfigError(
                f"config key '{where('batch_size', batch)}': batch size {batch:,} is larger "
                f"than the {train:,} training images of this split (run {name}), so every "
                "epoch would be one partial batch; lower it or train on more images")
        if run.get("trainer", "torch") != "torch" or not isinstance(every, int):
            continue  # NumPy trainers record their first step too; "epoch" records each epoch
        epochs = run["schedule"]["epochs"] if run.get("schedule") else run["epochs"]
        steps = epochs * math.ceil(train / (batch or train))
        if every > steps:
            raise ConfigError(
                f"config key '{where('record_every', every)}': one record every {every:,} "
                f"steps, but run {name} takes {epochs} epoch(s) × ceil({train:,} / {batch}) = "
                f"{steps:,} steps, so it would record nothing; record more often")


def study_data(config, study):
    """The data settings of one study: the global `data` block with the study's own `data:`
    keys (dataset, scaling, split and subsets) over it."""
    return {**config["data"], **(config.get(study) or {}).get("data", {})}


SPLIT_KEYS = ("dataset", "classes", "val_fraction", "split_seed", "train_subset", "test_subset")


def split_settings(data_settings):
    """What defines a prepared file (scaling is applied later, in the training job)."""
    return {k: data_settings.get(k) for k in SPLIT_KEYS}


def prepared_name(config, study=None):
    """The prepared file's name (without .npz) for a study's data, or the global data's: the
    dataset's name when the split is the global block's, else the name and a short digest of
    the split, so that every distinct split is prepared once and studies sharing one share it."""
    split = split_settings(study_data(config, study) if study else config["data"])
    if split == {**split_settings(config["data"]), "dataset": split["dataset"]}:
        return split["dataset"]
    digest = hashlib.sha256(json.dumps(split, sort_keys=True).encode()).hexdigest()[:8]
    return f"{split['dataset']}-{digest}"


def check_run_shapes(config, study, runs):
    """Every run's layers fit its study's dataset (a study may run on other data)."""
    d = study_data(config, study)
    if d is config["data"] or d == config["data"]:
        return  # the zoo was checked on the global data
    for (name, _), run in runs.items():
        if "layers" not in run:
            continue
        try:
            layer_shapes(run["layers"], INPUT_SHAPES[d["dataset"]])
        except ArchitectureError as err:
            raise ConfigError(f"config key '{study}': run {name} on "
                              f"{DATASETS[d['dataset']].title}: {err}") from None


def check_data(config):
    """What the dataset's known size decides, checked before any job starts: the subsets and
    validation fraction can be drawn, and the convolution study's images exist."""
    from .studies import STUDIES  # the studies import this module: import them late
    sizes = sizes_of(config["data"])  # first: a study's data inherits the global block's keys
    for study in STUDIES:  # a study's own data settings
        own = (config.get(study) or {}).get("data")
        if own:
            sizes_of(study_data(config, study), where=f"{study}.data.", own=own)
    for i, index in enumerate(config["convolution"]["images"]):
        if index >= sizes["test"]:
            raise ConfigError(f"config key 'convolution.images[{i}]': image {index} does not "
                              f"exist: the test split has {sizes['test']} images (0 to "
                              f"{sizes['test'] - 1}) with these data settings")
    return sizes


def sizes_of(d, where="data.", own=None):
    """Image counts of the prepared splits; ConfigError naming the key if they cannot be drawn
    (`where` + key when `own`, a study's data keys, sets it, else the global data's key)."""
    try:
        return split_sizes(d["dataset"], d["val_fraction"], d.get("classes"),
                           d.get("train_subset"), d.get("test_subset"))
    except SizeError as err:
        name = err.key.split(".", 1)[-1]
        key = (where if own is None or name in own else "data.") + name
        raise ConfigError(f"config key '{key}': {err} "
                          f"({DATASETS[d['dataset']].title})") from None


def make_run(config, study, name, model, seed, protocol, **overrides):
    """A run dict: everything one training job needs, nothing else (it is the job's params)."""
    run = {
        "study": study, "name": name, "model": model, "seed": seed, "activation": "relu",
        "layers": config["models"][model],
        "optimizer": protocol["optimizer"], "lr": protocol.get("lr"),
        "momentum": protocol.get("momentum", 0.0),
        "batch_size": protocol["batch_size"], "epochs": protocol["epochs"],
        "record_every": protocol["record_every"], "scaling": study_data(config, study)["scaling"],
        "validate": True, "record_grad": False, "schedule": None,
    }
    run.update(overrides)
    if run["activation"] != "relu":
        run["layers"] = with_activation(run["layers"], run["activation"])
    return run


def check_local_device(config):
    """Under the local executor every job runs on this machine: a train.device that torch does
    not see here is refused before any job starts (a cluster's nodes check it in the job)."""
    if config["train"]["device"] != "cuda":
        return  # cpu, or auto (which falls back to the CPU)
    import torch  # only here: planning does not import torch otherwise
    if not torch.cuda.is_available():
        raise ConfigError("config key 'train.device': 'cuda', but torch sees no CUDA device on "
                          "this machine, where the local executor runs every job; set it to "
                          "auto or cpu, or run on a cluster with GPUs (profiles/slurm). No job "
                          "was started and no result was touched.")
