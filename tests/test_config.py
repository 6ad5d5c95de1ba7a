"""Config validation and presets (nnstudies.config.resolve) on the real config.yaml."""
import copy

import pytest

from nnstudies.config import ConfigError, deep_merge, resolve
from nnstudies.studies import BY_NAME


def test_real_config_resolves(raw_config):
    before = copy.deepcopy(raw_config)
    cfg = resolve(raw_config)
    assert raw_config == before, "resolve must not modify its argument"
    assert cfg["preset"] == "full"
    assert cfg["results_dir"] == "results"
    assert cfg["architectures"]["epochs"] == 15
    assert cfg["architectures"]["models"] == ["mlp_1", "mlp_2", "cnn_3", "cnn_4", "cnn_5"]
    assert len(cfg["architectures"]["seeds"]) == 10


def test_quick_preset(raw_config):
    raw_config["preset"] = "quick"
    cfg = resolve(raw_config)
    assert cfg["results_dir"] == "results/quick"
    assert cfg["architectures"]["epochs"] == 2
    assert cfg["architectures"]["seeds"] == [0, 1]
    assert cfg["data"]["train_subset"] == 6000 and cfg["data"]["test_subset"] == 2000
    # deep merge: untouched keys of a merged section survive
    assert cfg["architectures"]["lr"] == 0.001
    assert cfg["architectures"]["models"] == raw_config["architectures"]["models"]
    assert cfg["data"]["dataset"] == "fashion_mnist" and cfg["data"]["val_fraction"] == 0.1


def test_deep_merge_does_not_alias():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    merged = deep_merge(base, {"a": {"b": 2}, "e": {"f": 3}})
    assert merged == {"a": {"b": 2, "c": [1, 2]}, "d": 1, "e": {"f": 3}}
    merged["a"]["c"].append(3)
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}


def test_study_runs(raw_config):
    raw_config["preset"] = "quick"
    cfg = resolve(raw_config)
    runs = BY_NAME["architectures"].runs(cfg)
    assert len(runs) == 5 * 2
    run = runs[("cnn_3", 1)]
    assert run["layers"] == cfg["models"]["cnn_3"]
    assert run["epochs"] == 2 and run["seed"] == 1 and run["scaling"] == "unit"
    assert run["optimizer"] == "adam" and run["batch_size"] == 50 and run["record_every"] == 10


def error_of(config):
    with pytest.raises(ConfigError) as info:
        resolve(config)
    return str(info.value)


def test_misspelt_protocol_key(raw_config):
    raw_config["architectures"]["epoch"] = raw_config["architectures"].pop("epochs")
    msg = error_of(raw_config)
    assert "'architectures.epoch'" in msg
    assert "did you mean 'epochs'" in msg


def test_misspelt_top_level_key(raw_config):
    raw_config["result_dir"] = raw_config.pop("results_dir")
    msg = error_of(raw_config)
    assert "'result_dir'" in msg and "did you mean 'results_dir'" in msg


def test_unknown_top_level_key(raw_config):
    raw_config["archtectures"] = {"epochs": 3}
    assert "archtectures" in error_of(raw_config)


def test_misspelt_data_key(raw_config):
    raw_config["data"]["val_fractoin"] = 0.2
    msg = error_of(raw_config)
    assert "'data.val_fractoin'" in msg and "did you mean 'val_fraction'" in msg


def test_wrong_type(raw_config):
    raw_config["architectures"]["epochs"] = "fifteen"
    msg = error_of(raw_config)
    assert "architectures.epochs" in msg and "fifteen" in msg


@pytest.mark.parametrize("section,key,value", [
    ("architectures", "lr", 0), ("architectures", "batch_size", 0.5),
    ("architectures", "optimizer", "rmsprop"), ("architectures", "seeds", []),
    ("data", "scaling", "zscore"), ("data", "val_fraction", 1.5), ("data", "classes", [3]),
    ("data", "dataset", "cifar100"), ("train", "device", "tpu"),
])
def test_bad_values_name_their_key(raw_config, section, key, value):
    raw_config[section][key] = value
    assert f"'{section}.{key}'" in error_of(raw_config)


def test_unknown_model_name(raw_config):
    raw_config["architectures"]["models"] = ["mlp_1", "cnn_9"]
    msg = error_of(raw_config)
    assert "architectures.models[1]" in msg and "cnn_9" in msg


def test_impossible_architecture(raw_config):
    raw_config["models"]["deep_cnn"] = ["conv 7x7x8"] * 5
    msg = error_of(raw_config)
    assert "models.deep_cnn" in msg and "conv 7x7x8" in msg


def test_impossible_architecture_even_if_unused(raw_config):
    """Every declared model is checked, not only those a study uses."""
    raw_config["models"]["bad"] = ["fc 10", "conv 3x3x4"]
    assert "models.bad" in error_of(raw_config)


def test_unknown_preset(raw_config):
    raw_config["preset"] = "quik"
    msg = error_of(raw_config)
    assert "'preset'" in msg and "quik" in msg and "quick" in msg


@pytest.mark.parametrize("layer", ["conv 3x3", "fc", "fc 32 bias", "dropout", "relu 2",
                                   "conv 3x3x8 pad=valid", "maxpool 0"])
def test_bad_layer_string(raw_config, layer):
    raw_config["models"]["mlp_1"] = ["fc 32", layer]
    msg = error_of(raw_config)
    assert "models.mlp_1" in msg


def test_errors_inside_a_preset_name_the_preset(raw_config):
    raw_config["preset"] = "quick"
    raw_config["presets"]["quick"]["architectures"]["epochs"] = "two"
    msg = error_of(raw_config)
    assert "preset 'quick'" in msg and "architectures.epochs" in msg
    raw_config["presets"]["quick"]["architectures"]["epochs"] = 2
    raw_config["presets"]["quick"]["architectures"]["epoch"] = 2
    msg = error_of(raw_config)
    assert "preset 'quick' sets key 'architectures.epoch'" in msg


def test_preset_can_break_a_model(raw_config):
    raw_config["preset"] = "quick"
    raw_config["presets"]["quick"]["models"] = {"cnn_3": ["conv 9x9x4"] * 4}
    assert "models.cnn_3" in error_of(raw_config)
    # the same preset is not checked while another one is selected
    raw_config["preset"] = "full"
    assert resolve(raw_config)["models"]["cnn_3"] == raw_config["models"]["cnn_3"]


def test_preset_adds_a_model(raw_config):
    raw_config["preset"] = "quick"
    raw_config["presets"]["quick"]["models"] = {"tiny": ["fc 8", "relu"]}
    raw_config["presets"]["quick"]["architectures"]["models"] = ["tiny"]
    cfg = resolve(raw_config)
    assert cfg["models"]["tiny"] == ["fc 8", "relu"] and "mlp_1" in cfg["models"]
    assert cfg["architectures"]["models"] == ["tiny"]


def test_a_new_model_is_accepted(raw_config):
    raw_config["models"]["cnn_same"] = ["conv 5x5x4 pad=same", "relu", "maxpool 2 stride=2",
                                        "conv 3x3x4 stride=2 dilation=2 nobias", "batchnorm",
                                        "tanh", "fc 16 nobias", "sigmoid"]
    raw_config["architectures"]["models"].append("cnn_same")
    assert "cnn_same" in resolve(raw_config)["architectures"]["models"]
