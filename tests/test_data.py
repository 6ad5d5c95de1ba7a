"""Dataset preparation: the stratified split, class subsets, IDX loading, scaling."""
import gzip
import hashlib
import struct
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from nnstudies import data

REAL_ROOT = Path(__file__).resolve().parents[1] / "data"


def fake_set(n, seed, n_classes=10, shape=(28, 28)):
    """Images whose pixels are unique per image (image i carries i in its first pixels)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
    x[:, 0, 0] = np.arange(n) % 256
    x[:, 0, 1] = np.arange(n) // 256
    y = rng.permutation(np.arange(n) % n_classes).astype(np.int64)
    return x, y


def image_ids(x):
    return (x[:, 0, 0].astype(np.int64) + 256 * x[:, 0, 1].astype(np.int64)).tolist()


@pytest.fixture
def arrays():
    train_x, train_y = fake_set(1000, 1)
    test_x, test_y = fake_set(300, 2)
    return train_x, train_y, test_x, test_y


# ---------------------------------------------------------------------------- the split

def test_validation_split_is_stratified_disjoint_and_complete(arrays):
    train_x, train_y, test_x, test_y = arrays
    out = data.split_dataset(train_x, train_y, test_x, test_y, val_fraction=0.1, seed=0)
    assert np.bincount(out["val_y"], minlength=10).tolist() == [10] * 10
    assert len(out["val_y"]) == 100 and len(out["train_y"]) == 900
    train_ids, val_ids = image_ids(out["train_x"]), image_ids(out["val_x"])
    assert len(set(train_ids)) == 900 and len(set(val_ids)) == 100
    assert not set(train_ids) & set(val_ids)
    # train + val is the original set: same images with the same labels, as a multiset
    labels = np.concatenate([out["train_y"], out["val_y"]]).tolist()
    merged = Counter(zip(train_ids + val_ids, labels))
    original = Counter(zip(image_ids(train_x), train_y.tolist()))
    assert merged == original
    # whole images, not only their ids, come through unchanged
    by_id = dict(zip(image_ids(train_x), train_x))
    for part in ("train", "val"):
        for img in out[f"{part}_x"][:50]:
            assert np.array_equal(img, by_id[image_ids(img[None])[0]])
    # the test set is untouched
    assert np.array_equal(out["test_x"], test_x) and np.array_equal(out["test_y"], test_y)
    for key in ("train_y", "val_y", "test_y"):
        assert out[key].dtype == np.int64
    for key in ("train_x", "val_x", "test_x"):
        assert out[key].dtype == np.uint8


def test_validation_count_rounds_and_divides_by_classes(arrays):
    train_x, train_y, test_x, test_y = arrays
    out = data.split_dataset(train_x, train_y, test_x, test_y, val_fraction=0.25, seed=3)
    # round(0.25 * 1000) = 250 -> 25 per class
    assert np.bincount(out["val_y"]).tolist() == [25] * 10
    assert len(out["train_y"]) == 750


def test_split_is_deterministic_per_seed(arrays):
    a = data.split_dataset(*arrays, val_fraction=0.1, seed=7)
    b = data.split_dataset(*arrays, val_fraction=0.1, seed=7)
    c = data.split_dataset(*arrays, val_fraction=0.1, seed=8)
    for key in a:
        assert np.array_equal(a[key], b[key])
    assert image_ids(a["val_x"]) != image_ids(c["val_x"])
    assert np.bincount(c["val_y"]).tolist() == [10] * 10


def test_split_does_not_modify_inputs(arrays):
    copies = [a.copy() for a in arrays]
    data.split_dataset(*arrays, val_fraction=0.1, seed=0, classes=[3, 1], train_subset=200,
                       test_subset=40)
    for before, after in zip(copies, arrays):
        assert np.array_equal(before, after)


def test_class_subset_relabels_in_the_given_order(arrays):
    train_x, train_y, test_x, test_y = arrays
    classes = [7, 2, 5]
    out = data.split_dataset(train_x, train_y, test_x, test_y, 0.1, 0, classes=classes)
    for part, (x, y) in {"train": (train_x, train_y), "test": (test_x, test_y)}.items():
        labels = sorted(set(out[f"{part}_y"].tolist()))
        assert labels == [0, 1, 2]
    original = dict(zip(image_ids(train_x), train_y.tolist()))
    for part in ("train", "val"):
        for i, label in zip(image_ids(out[f"{part}_x"]), out[f"{part}_y"].tolist()):
            assert classes[label] == original[i]
    test_original = dict(zip(image_ids(test_x), test_y.tolist()))
    for i, label in zip(image_ids(out["test_x"]), out["test_y"].tolist()):
        assert classes[label] == test_original[i]
    # every example of the kept classes survives
    assert len(out["train_y"]) + len(out["val_y"]) == np.isin(train_y, classes).sum() == 300
    assert len(out["test_y"]) == np.isin(test_y, classes).sum() == 90
    # 30 of 300 go to validation: 10 per class
    assert np.bincount(out["val_y"]).tolist() == [10, 10, 10]


def test_train_and_test_subsets_are_stratified(arrays):
    train_x, train_y, test_x, test_y = arrays
    out = data.split_dataset(train_x, train_y, test_x, test_y, 0.2, 0,
                             train_subset=500, test_subset=100)
    # 50 per class kept, round(0.2 * 500) = 100 -> 10 per class to validation
    assert np.bincount(out["val_y"]).tolist() == [10] * 10
    assert np.bincount(out["train_y"]).tolist() == [40] * 10
    assert np.bincount(out["test_y"]).tolist() == [10] * 10
    # subsets are subsets: every kept test image is an original one with its label
    test_original = dict(zip(image_ids(test_x), test_y.tolist()))
    ids = image_ids(out["test_x"])
    assert len(set(ids)) == 100
    assert all(test_original[i] == label for i, label in zip(ids, out["test_y"].tolist()))
    other = data.split_dataset(train_x, train_y, test_x, test_y, 0.2, 1,
                               train_subset=500, test_subset=100)
    assert set(image_ids(other["test_x"])) != set(ids)


def test_subset_with_classes(arrays):
    out = data.split_dataset(*arrays, val_fraction=0.1, seed=0, classes=[0, 9],
                             train_subset=100, test_subset=20)
    assert np.bincount(out["val_y"]).tolist() == [5, 5]
    assert np.bincount(out["train_y"]).tolist() == [45, 45]
    assert np.bincount(out["test_y"]).tolist() == [10, 10]


def test_empty_validation_split_raises(arrays):
    """train_subset 50 with val_fraction 0.1: 5 examples cannot give one per class (the schema
    allows it); an empty split would crash every training job at its first record."""
    with pytest.raises(ValueError, match="no validation example per class"):
        data.split_dataset(*arrays, val_fraction=0.1, seed=0, train_subset=50)
    with pytest.raises(ValueError, match="no validation example per class"):
        data.split_dataset(*arrays, val_fraction=0.001, seed=0)
    out = data.split_dataset(*arrays, val_fraction=0.1, seed=0, train_subset=100)
    assert np.bincount(out["val_y"]).tolist() == [1] * 10


def test_stratified_take_too_few_examples_raises():
    labels = np.array([0] * 5 + [1] * 2)
    with pytest.raises(ValueError, match="class 1"):
        data.stratified_take(labels, 3, np.random.default_rng(0))
    idx = data.stratified_take(labels, 2, np.random.default_rng(0))
    assert np.all(np.diff(idx) > 0) and np.bincount(labels[idx]).tolist() == [2, 2]


# ---------------------------------------------------------------------------- scaling

@pytest.mark.parametrize("scaling,low,high", [("unit", 0, 1), ("symmetric", -1, 1),
                                              ("raw", 0, 255)])
def test_scale_ranges(scaling, low, high):
    images = np.arange(256, dtype=np.uint8).reshape(4, 8, 8)
    x = data.scale(images, scaling)
    assert x.dtype == np.float32 and x.shape == (4, 1, 8, 8)
    assert x.min() == low and x.max() == high
    assert np.all(np.diff(x.ravel()) > 0)  # monotonic, no pixel values merged
    expected = low + (high - low) * images.astype(np.float64) / 255
    np.testing.assert_allclose(x[:, 0], expected, atol=1e-6)


# ---------------------------------------------------------------------------- IDX loading

def write_idx_gz(path, array, magic):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    with gzip.open(path, "wb") as f:
        f.write(raw)
    return raw


@pytest.fixture
def debian_dir(tmp_path):
    """A fake Debian dataset folder with 100 training and 20 test images, gzip'd IDX."""
    folder = tmp_path / "debian"
    folder.mkdir()
    train_x, train_y = fake_set(100, 11)
    test_x, test_y = fake_set(20, 12)
    raw = {
        "train-images-idx3-ubyte":
            write_idx_gz(folder / "train-images-idx3-ubyte.gz", train_x, 2051),
        "train-labels-idx1-ubyte":
            write_idx_gz(folder / "train-labels-idx1-ubyte.gz", train_y, 2049),
        "t10k-images-idx3-ubyte": write_idx_gz(folder / "t10k-images-idx3-ubyte.gz", test_x, 2051),
        "t10k-labels-idx1-ubyte": write_idx_gz(folder / "t10k-labels-idx1-ubyte.gz", test_y, 2049),
    }
    return folder, (train_x, train_y, test_x, test_y), raw


@pytest.mark.parametrize("dataset,folder_name", [("fashion_mnist", "FashionMNIST"),
                                                 ("mnist", "MNIST")])
def test_prepare_round_trips_idx_files(tmp_path, debian_dir, dataset, folder_name):
    folder, (train_x, train_y, test_x, test_y), raw = debian_dir
    root = tmp_path / "root"
    cfg = {"dataset": dataset, "root": str(root), "debian_dir": str(folder),
           "val_fraction": 0.1, "split_seed": 0}
    arrays, info = data.prepare(cfg)
    target = root / folder_name / "raw"
    assert sorted(p.name for p in target.iterdir()) == sorted(data.RAW_FILES)  # no .partial
    for name, content in raw.items():
        assert (target / name).read_bytes() == content
        assert info["raw_sha256"][name] == hashlib.sha256(content).hexdigest()
    # train + val round-trip exactly to the written training set, test unchanged
    assert np.array_equal(arrays["test_x"], test_x)
    assert np.array_equal(arrays["test_y"], test_y)
    merged_x = np.concatenate([arrays["train_x"], arrays["val_x"]])
    merged_y = np.concatenate([arrays["train_y"], arrays["val_y"]])
    order = np.argsort(image_ids(merged_x))
    assert np.array_equal(merged_x[order], train_x)
    assert np.array_equal(merged_y[order], train_y)
    assert info["dataset"] == dataset
    assert info["sizes"] == {"train": 90, "val": 10, "test": 20}
    assert info["val_per_class"] == [1] * 10
    assert info["image_shape"] == [28, 28]
    assert len(info["class_names"]) == 10
    if dataset == "fashion_mnist":
        assert info["class_names"][0] == "T-shirt/top" and info["class_names"][9] == "Ankle boot"
    # the same call again reuses the raw files and gives the same arrays
    again, info2 = data.prepare(cfg)
    assert info2 == info
    for key in arrays:
        assert np.array_equal(arrays[key], again[key])


def test_prepare_with_classes_names_the_kept_classes(tmp_path, debian_dir):
    folder, (train_x, train_y, _, test_y), _ = debian_dir
    cfg = {"dataset": "fashion_mnist", "root": str(tmp_path / "root"),
           "debian_dir": str(folder), "val_fraction": 0.2, "split_seed": 1,
           "classes": [9, 0]}
    arrays, info = data.prepare(cfg)
    assert info["class_names"] == ["Ankle boot", "T-shirt/top"]
    assert info["val_per_class"] == [2, 2]
    assert info["sizes"] == {"train": 16, "val": 4, "test": int(np.isin(test_y, [9, 0]).sum())}


def test_ensure_raw_files(tmp_path, debian_dir):
    folder, _, raw = debian_dir
    root = tmp_path / "root"
    # no Debian folder and nothing in place: torchvision would have to download
    assert data.ensure_raw_files(root, "mnist", None) is False
    assert data.ensure_raw_files(root, "mnist", tmp_path / "missing") is False
    assert not (root / "MNIST").exists()
    assert data.ensure_raw_files(root, "mnist", folder) is True
    target = data.raw_dir(root, "mnist")
    assert sorted(p.name for p in target.iterdir()) == sorted(data.RAW_FILES)
    assert not list(root.rglob("*.partial"))
    # once in place, the Debian folder is not needed any more
    assert data.ensure_raw_files(root, "mnist", None) is True
    # a missing raw file is restored
    (target / "t10k-labels-idx1-ubyte").unlink()
    assert data.ensure_raw_files(root, "mnist", folder) is True
    assert (target / "t10k-labels-idx1-ubyte").read_bytes() == raw["t10k-labels-idx1-ubyte"]
    assert not list(root.rglob("*.partial"))


def test_ensure_raw_files_needs_every_debian_file(tmp_path, debian_dir):
    folder, _, _ = debian_dir
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    assert data.ensure_raw_files(tmp_path / "root", "fashion_mnist", folder) is False
    assert not (tmp_path / "root" / "FashionMNIST" / "raw").exists()


def test_truncated_gzip_leaves_no_raw_file(tmp_path, debian_dir):
    folder, _, _ = debian_dir
    gz = folder / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:-100])
    with pytest.raises(EOFError):
        data.ensure_raw_files(tmp_path / "root", "mnist", folder)
    assert not (data.raw_dir(tmp_path / "root", "mnist") / "train-images-idx3-ubyte").exists()


def test_sha256_matches_hashlib(tmp_path):
    payload = np.random.default_rng(0).bytes(3 << 20)  # more than one read block
    path = tmp_path / "blob"
    path.write_bytes(payload)
    assert data.sha256(path) == hashlib.sha256(payload).hexdigest()


@pytest.mark.skipif(not (REAL_ROOT / "FashionMNIST" / "raw" / "train-labels-idx1-ubyte").exists(),
                    reason="real Fashion-MNIST raw files not present")
def test_real_fashion_mnist_full_split():
    arrays, info = data.prepare({"dataset": "fashion_mnist", "root": str(REAL_ROOT),
                                 "val_fraction": 0.1, "split_seed": 0})
    assert info["sizes"] == {"train": 54000, "val": 6000, "test": 10000}
    assert info["val_per_class"] == [600] * 10
    assert arrays["train_x"].shape == (54000, 28, 28)
    assert np.bincount(arrays["test_y"]).tolist() == [1000] * 10
