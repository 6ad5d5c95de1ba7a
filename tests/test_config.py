"""Config validation and presets (nnstudies.config.resolve) on the real config.yaml."""
import copy
import re

import pytest
import yaml

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
    assert "'models.mlp_1.1'" in msg and "is not a layer: fc N [nobias] | conv KxKxC" in msg
    assert "^(" not in msg  # the grammar in words, not the schema's regular expression


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


# ---------------------------------------------------------------------------- precedence

def test_preset_overrides_config_yaml(raw_config):
    """Lowest first: config.yaml, the preset, what the user passed (--configfile, --config)."""
    raw_config["preset"] = "quick"
    assert raw_config["architectures"]["epochs"] == 15
    assert resolve(raw_config)["architectures"]["epochs"] == 2  # the preset's


def test_user_values_win_over_the_preset(raw_config):
    raw_config["preset"] = "quick"
    user = {"architectures": {"epochs": 5}, "results_dir": "results/mine",
            "data": {"test_subset": 1000}}
    cfg = resolve(deep_merge(raw_config, user), user=user)  # as Snakemake hands them over
    assert cfg["architectures"]["epochs"] == 5 and cfg["results_dir"] == "results/mine"
    assert cfg["data"]["test_subset"] == 1000
    # what the user did not set still comes from the preset
    assert cfg["architectures"]["seeds"] == [0, 1] and cfg["data"]["train_subset"] == 6000
    assert BY_NAME["architectures"].runs(cfg)[("mlp_1", 0)]["epochs"] == 5


def test_a_user_value_equal_to_config_yaml_still_wins(raw_config):
    raw_config["preset"] = "quick"
    user = {"architectures": {"epochs": 15}}
    assert resolve(deep_merge(raw_config, user), user=user)["architectures"]["epochs"] == 15


def test_user_value_is_checked_after_the_preset(raw_config):
    raw_config["preset"] = "quick"
    user = {"architectures": {"epochs": 0}}
    assert "architectures.epochs" in error_of_user(raw_config, user)


def error_of_user(config, user):
    with pytest.raises(ConfigError) as info:
        resolve(deep_merge(config, user), user=user)
    return str(info.value)


# ---------------------------------------------------------------------------- numbers as text

def test_numbers_from_the_command_line(raw_config):
    """--config 'architectures={epochs: 5, seeds: [0, 3]}' arrives as text: '5', ['0', '3']."""
    raw_config["preset"] = "quick"
    user = {"architectures": {"epochs": "5", "seeds": ["0", "3"], "lr": "0.01"},
            "data": {"train_subset": "null", "val_fraction": "0.2"},
            "learning_rates": {"lrs": ["0.1", "1e-2"], "schedule": {"lrs": ["0.1", "1e-2"]}}}
    cfg = resolve(deep_merge(raw_config, user), user=user)
    assert cfg["architectures"]["epochs"] == 5 and isinstance(cfg["architectures"]["epochs"], int)
    assert cfg["architectures"]["seeds"] == [0, 3] and cfg["architectures"]["lr"] == 0.01
    assert cfg["data"]["train_subset"] is None and cfg["data"]["val_fraction"] == 0.2
    assert cfg["learning_rates"]["lrs"] == [0.1, 0.01]


def test_yaml_short_exponent(raw_config):
    """YAML reads 1e6 (no dot) as the text '1e6': accepted where a number is wanted."""
    text = yaml.safe_load("architectures:\n  lr: 1e-3\nconcepts:\n  identity_lr: 1e6\n")
    assert text["architectures"]["lr"] == "1e-3"
    cfg = resolve(deep_merge(raw_config, text), user=text)
    assert cfg["architectures"]["lr"] == 0.001 and cfg["concepts"]["identity_lr"] == 1e6
    raw_config["architectures"]["epochs"] = "1e1"  # an integer written as an exponent
    assert resolve(raw_config)["architectures"]["epochs"] == 10


@pytest.mark.parametrize("key,value", [("epochs", "fifteen"), ("epochs", "2.5"),
                                       ("lr", "nan"), ("lr", "fast")])
def test_text_that_is_no_number_is_refused_with_how_to_write_it(raw_config, key, value):
    raw_config["architectures"][key] = value
    msg = error_of(raw_config)
    assert f"'architectures.{key}'" in msg and value in msg and "write numbers as" in msg


def test_numbers_are_not_made_of_other_text(raw_config):
    raw_config["results_dir"] = "1e3"  # a string where a string is wanted stays a string
    raw_config["models"]["mlp_1"] = ["fc 32", "relu"]
    assert resolve(raw_config)["results_dir"] == "1e3"


# ---------------------------------------------------------------------------- sizes, early

@pytest.mark.parametrize("section,values,key", [
    ("data", {"train_subset": 70000}, "data.train_subset"),
    ("data", {"test_subset": 20000}, "data.test_subset"),
    ("data", {"train_subset": 100, "val_fraction": 0.05}, "data.val_fraction"),
    ("data", {"dataset": "mnist", "train_subset": 55000}, "data.train_subset"),
    ("convolution", {"images": [0, 1, 9999, 10000]}, "convolution.images[3]"),
])
def test_checks_that_need_the_dataset_size_come_before_any_job(raw_config, section, values,
                                                               key):
    raw_config[section].update(values)
    msg = error_of(raw_config)
    assert f"config key '{key}'" in msg


def test_test_subset_limits_the_convolution_images(raw_config):
    raw_config["preset"] = "quick"  # 2,000 test images
    raw_config["convolution"]["images"] = [1999]
    resolve(raw_config)
    raw_config["convolution"]["images"] = [0, 2000]
    msg = error_of(raw_config)
    assert "'convolution.images[1]'" in msg and "2000 images" in msg


def test_mnist_sizes_are_its_own(raw_config):
    raw_config["data"].update(dataset="mnist", train_subset=54000)  # 5,400 a class: fits
    assert resolve(raw_config)["data"]["dataset"] == "mnist"


# ---------------------------------------------------------------------------- per-study data

def test_study_data_overrides_the_global_block(raw_config):
    from nnstudies.config import prepared_name, study_data
    c = copy.deepcopy(raw_config)
    c["architectures"]["data"] = {"dataset": "mnist", "scaling": "symmetric"}
    cfg = resolve(c)
    d = study_data(cfg, "architectures")
    assert d["dataset"] == "mnist" and d["scaling"] == "symmetric"
    assert d["val_fraction"] == cfg["data"]["val_fraction"]  # the rest from the global block
    assert study_data(cfg, "activations") == cfg["data"]
    # runs take the study's scaling; the prepared file is named after the dataset
    run = next(iter(BY_NAME["architectures"].runs(cfg).values()))
    assert run["scaling"] == "symmetric"
    assert prepared_name(cfg, "architectures") == "mnist"
    assert prepared_name(cfg, "activations") == prepared_name(cfg) == "fashion_mnist"


def test_prepared_name_separates_splits_and_shares_equal_ones(raw_config):
    from nnstudies.config import prepared_name
    c = copy.deepcopy(raw_config)
    c["architectures"]["data"] = {"train_subset": 1000}
    c["activations"]["data"] = {"train_subset": 1000, "scaling": "raw"}  # same split
    c["learning_rates"]["data"] = {"train_subset": 2000}
    cfg = resolve(c)
    a, b, lr = (prepared_name(cfg, s) for s in ("architectures", "activations", "learning_rates"))
    assert a == b != lr and a.startswith("fashion_mnist-") and a != prepared_name(cfg)


def test_study_data_errors_name_the_studys_key(raw_config):
    c = copy.deepcopy(raw_config)
    c["architectures"]["data"] = {"train_subset": 10 ** 6}
    with pytest.raises(ConfigError, match=r"architectures\.data\.train_subset"):
        resolve(c)
    c["architectures"]["data"] = {"datset": "mnist"}
    with pytest.raises(ConfigError, match=r"architectures\.data\.datset.*dataset"):
        resolve(c)


def test_record_every_takes_steps_or_epoch(raw_config):
    c = copy.deepcopy(raw_config)
    c["architectures"]["record_every"] = "epoch"
    assert resolve(c)["architectures"]["record_every"] == "epoch"
    assert resolve(raw_config, user={"architectures": {"record_every": "7"}}
                   )["architectures"]["record_every"] == 7
    c["architectures"]["record_every"] = "epochs"
    with pytest.raises(ConfigError, match=r"architectures\.record_every.*epoch"):
        resolve(c)


@pytest.mark.parametrize("where", ["/", "/usr", "/etc/nnstudies", "/home", "/proc/x",
                                   "../../../../../../../../.."])
def test_results_dir_is_refused_in_system_folders(raw_config, where):
    raw_config["results_dir"] = where
    with pytest.raises(ConfigError, match="config key 'results_dir': .* a system folder"):
        resolve(raw_config)


@pytest.mark.parametrize("where", ["results/mine", "../elsewhere", "/tmp/nnstudies-results"])
def test_results_dir_may_be_anywhere_else(raw_config, where):
    raw_config["results_dir"] = where
    assert resolve(raw_config)["results_dir"] == where


@pytest.mark.parametrize("user, key", [
    ({"architectures": {"batch_size": 60000}}, "architectures.batch_size"),
    ({"ece421": {"cnn": {"batch_size": 60000}}}, "ece421.cnn.batch_size"),
    ({"architectures": {"record_every": 20000}}, "architectures.record_every"),
    ({"preset": "quick", "hw5": {"epochs": 1, "batch_size": 5000, "record_every": "epoch"}},
     None),
])
def test_a_protocol_that_cannot_train_is_refused_naming_the_key(raw_config, user, key):
    if key is None:  # one partial batch is not refused when the batch fits: records each epoch
        assert resolve(raw_config, user=user)
        return
    with pytest.raises(ConfigError, match=f"config key '{re.escape(key)}'"):
        resolve(raw_config, user=user)


def test_the_notice_gives_the_data_as_run_a_class_subset_its_chance_and_the_scaling(raw_config):
    from nnstudies.studies.common import data_departures

    raw_config["data"].update(classes=[0, 1, 2, 3, 4, 5, 6], scaling="symmetric",
                              train_subset=6000, test_subset=2000)
    lines = data_departures(resolve(raw_config))
    # 6000 over 7 classes is 857 a class: 5,999 images of the 42,000 of these classes
    assert lines == [
        "data: 7 of the 10 classes (0, 1, 2, 3, 4, 5, 6), so chance is 1/7 = 14.29 % and a "
        "uniform guess's loss ln 7 = 1.946 (all 10: 10 % and 2.303)",
        "data: 5,999 of the 42,000 training images of these classes (14 %, split into 5,404 "
        "for training and 595 for validation)",
        "data: 1,995 of the 7,000 test images of these classes (28 %)",
        "data: inputs scaled to [−1, 1] (the default: [0, 1])"]
    quick = data_departures(resolve(raw_config | {"preset": "quick", "data": {
        **raw_config["data"], "classes": None, "scaling": "unit"}}))
    assert quick == ["data: 6,000 of the 60,000 training images (10 %, split into 5,400 for "
                     "training and 600 for validation)", "data: 2,000 of the 10,000 test "
                     "images (20 %)"]


def test_a_list_setting_with_nothing_in_common_is_given_against_the_assignments():
    from nnstudies.studies.common import departures

    assert departures("learning_rates", {"lrs": [0.3, 0.03]}, {"lrs": [0.1, 0.01]}) == [
        "learning_rates: lrs 0.3, 0.03 (assignment: 0.1, 0.01)"]
    assert departures("learning_rates", {"lrs": [0.1, 1000]}, {"lrs": [0.1, 0.01]}) == [
        "learning_rates: lrs 0.1, 1000 (0.01 left out; 1000 added)"]


def test_a_momentum_adam_would_ignore_is_refused_and_an_sgd_one_is_a_departure(raw_config):
    bad = copy.deepcopy(raw_config)
    bad["architectures"]["momentum"] = 0.9  # with the default optimizer, adam
    with pytest.raises(ConfigError, match=r"'architectures.momentum': momentum 0.9 is an SGD "
                                          r"setting, but run mlp_1 trains with adam"):
        resolve(bad)
    raw_config["architectures"].update(optimizer="sgd", lr=0.05, momentum=0.9)
    lines = BY_NAME["architectures"].departures(resolve(raw_config))
    assert ("architectures: optimiser SGD, lr 0.05, momentum 0.9 (assignment: Adam, lr 0.001, "
            "whose β1 = 0.9 plays momentum's part)") in lines
    assert not [line for line in lines if "momentum 0.9 (assignment: 0.0)" in line]


def test_a_subset_as_large_as_its_classes_is_no_departure(raw_config):
    from nnstudies.studies.common import data_departures

    raw_config["data"].update(classes=[3, 8], test_subset=2000)  # both classes' 1,000 each
    raw_config["ece421"]["data"]["train_subset"] = 10000  # its 16,000 exceed two classes
    assert not any("test images" in line for line in data_departures(resolve(raw_config)))
