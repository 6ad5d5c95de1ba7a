"""CIFAR-10 (seed 004's data) on small files made here in the real format: the pickled batches of
cifar-10-python.tar.gz as torchvision extracts them, read through torchvision's CIFAR10 class.

The real entry's digests are torchvision's MD5s; the test entry is a DATASETS entry whose loader
is CIFAR10 with the made files' MD5s (torchvision checks them itself), so that production code
runs unchanged on them.
"""
import dataclasses
import hashlib
import pickle

import numpy as np
import pytest
import torchvision

from nnstudies import data
from nnstudies import linear_models as lm
from nnstudies.config import resolve, study_data
from nnstudies.models import build_model, count_parameters
from nnstudies.studies import assignment4 as a4

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
         "truck"]
TRAIN_FILES = [f"data_batch_{i}" for i in range(1, 6)]


def make_batch(path, n, seed):
    """One pickled batch: {'data': (n, 3072) uint8 rows of R, G, B planes, 'labels': [...]}."""
    rng = np.random.default_rng(seed)
    labels = np.tile(np.arange(10), n // 10)
    images = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
    images[:, 0, 0, 0] = labels * 20  # class written into the red top-left pixel
    entry = {"batch_label": f"batch {seed}", "labels": labels.tolist(),
             "data": images.reshape(n, 3072), "filenames": [f"{i}.png" for i in range(n)]}
    path.write_bytes(pickle.dumps(entry, protocol=2))
    return images, labels


@pytest.fixture
def small_cifar(tmp_path, monkeypatch):
    root = tmp_path / "root"
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    train = [make_batch(folder / name, 20, i) for i, name in enumerate(TRAIN_FILES)]
    test = make_batch(folder / "test_batch", 20, 9)
    (folder / "batches.meta").write_bytes(pickle.dumps(
        {"label_names": NAMES, "num_cases_per_batch": 20, "num_vis": 3072}, protocol=2))
    md5 = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    class SmallCIFAR10(torchvision.datasets.CIFAR10):  # the made files' MD5s, checked by torch
        train_list = [[name, md5[name]] for name in TRAIN_FILES]
        test_list = [["test_batch", md5["test_batch"]]]
        meta = {"filename": "batches.meta", "key": "label_names", "md5": md5["batches.meta"]}

    real = data.DATASETS["cifar10"]
    monkeypatch.setitem(data.DATASETS, "cifar10", dataclasses.replace(
        real, loader=SmallCIFAR10, train_counts=(10,) * 10, test_counts=(2,) * 10,
        files={name: ((folder / name).stat().st_size, md5[name]) for name in real.files}))
    train_x = np.concatenate([x for x, _ in train])
    train_y = np.concatenate([y for _, y in train])
    return root, (train_x, train_y), test


def test_real_entry_is_torchvisions():
    entry = data.DATASETS["cifar10"]
    cls = torchvision.datasets.CIFAR10
    published = {name: md5 for name, md5 in cls.train_list + cls.test_list}
    published[cls.meta["filename"]] = cls.meta["md5"]
    assert {name: d for name, (_, d) in entry.files.items()} == published
    assert entry.raw_subdir == cls.base_folder and entry.digest == "md5"
    assert entry.shape == (3, 32, 32) and entry.train_counts == (5000,) * 10
    assert entry.test_counts == (1000,) * 10 and entry.offline is None and entry.get_it
    assert data.split_sizes("cifar10", 0.1) == {"train": 45000, "val": 5000, "test": 10000}


def test_prepare_reads_made_batches_through_torchvision(tmp_path, small_cifar):
    root, (train_x, train_y), (test_x, test_y) = small_cifar
    checksums = data.fetch_raw(root, "cifar10")  # files in place: torchvision fetches nothing
    assert set(checksums) == set(data.DATASETS["cifar10"].files)
    arrays, info = data.prepare({"dataset": "cifar10", "root": str(root), "val_fraction": 0.1,
                                 "split_seed": 0})
    assert info["image_shape"] == [3, 32, 32] and info["class_names"] == NAMES
    assert info["sizes"] == {"train": 90, "val": 10, "test": 20} == data.split_sizes(
        "cifar10", 0.1)
    assert info["raw_digest"] == "md5"
    assert np.array_equal(arrays["test_x"], test_x) and np.array_equal(arrays["test_y"], test_y)
    merged = np.concatenate([arrays["train_x"], arrays["val_x"]])
    labels = np.concatenate([arrays["train_y"], arrays["val_y"]])
    assert merged.dtype == np.uint8 and merged.shape[1:] == (3, 32, 32)  # channels first
    assert np.array_equal(merged[:, 0, 0, 0], labels * 20)  # the red pixel carries the class
    order = np.lexsort(merged.reshape(len(merged), -1).T)
    expected = np.lexsort(train_x.reshape(len(train_x), -1).T)
    assert np.array_equal(merged[order], train_x[expected])


def test_a_changed_batch_is_refused_by_its_md5(small_cifar):
    root, _, _ = small_cifar
    path = root / "cifar-10-batches-py" / "data_batch_3"
    content = bytearray(path.read_bytes())
    content[-100] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(data.DataError, match="is not CIFAR-10's published data_batch_3 "
                                             r"\(md5"):
        data.verify_raw(root, "cifar10")


def test_missing_files_say_how_to_get_them(tmp_path, monkeypatch):
    def offline(root, dataset):
        raise RuntimeError("no network")
    monkeypatch.setattr(data, "download_raw", offline)
    with pytest.raises(data.DataError, match="cifar-10-python.tar.gz"):
        data.fetch_raw(tmp_path, "cifar10")


def test_the_study_runs_on_cifar10_when_its_data_says_so(raw_config):
    raw_config["assignment4"]["data"] = {"dataset": "cifar10"}
    cfg = resolve(raw_config)
    assert study_data(cfg, "assignment4")["dataset"] == "cifar10"
    assert study_data(cfg, "architectures")["dataset"] == "fashion_mnist"
    assert not any("instead of the seed's CIFAR-10" in d for d in a4.departures(cfg))
    layers = a4.runs(cfg)[("cnn", 0)]["layers"]
    assert count_parameters(build_model(layers, (3, 32, 32), 10)) == 122_570


def test_colour_templates_from_made_batches(small_cifar):
    root, _, _ = small_cifar
    arrays, _ = data.prepare({"dataset": "cifar10", "root": str(root), "val_fraction": 0.1,
                              "split_seed": 0})
    run = {"trainer": "linear", "seed": 0, "scaling": "unit", "lr": 1e-3, "lr_decay": 0.999,
           "reg": 5e-6, "batch_size": None, "epochs": 2, "record_every": 1, "init_std": 1e-5,
           "center": True}
    _, summary, out, _ = lm.train_run(run, arrays)
    assert out["first_layer"].shape == (10, 3, 32, 32)
    assert summary["parameters"] == 3072 * 10 + 10
