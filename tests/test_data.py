"""Dataset preparation: the stratified split, class subsets, IDX loading, scaling."""
import dataclasses
import gzip
import hashlib
import json
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
    first = x.reshape(n, -1)  # a view: the first two pixels of each image, whatever its shape
    first[:, 0] = np.arange(n) % 256
    first[:, 1] = np.arange(n) // 256
    y = rng.permutation(np.arange(n) % n_classes).astype(np.int64)
    return x, y


def image_ids(x):
    first = x.reshape(len(x), -1).astype(np.int64)
    return (first[:, 0] + 256 * first[:, 1]).tolist()


@pytest.fixture
def arrays():
    train_x, train_y = fake_set(1000, 1, shape=(1, 28, 28))  # as prepared: (N, C, H, W)
    test_x, test_y = fake_set(300, 2, shape=(1, 28, 28))
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
    images = np.arange(256, dtype=np.uint8).reshape(4, 1, 8, 8)
    x = data.scale(images, scaling)
    assert x.dtype == np.float32 and x.shape == (4, 1, 8, 8)
    assert x.min() == low and x.max() == high
    assert np.all(np.diff(x.ravel()) > 0)  # monotonic, no pixel values merged
    expected = low + (high - low) * images.astype(np.float64) / 255
    np.testing.assert_allclose(x, expected, atol=1e-6)


# ---------------------------------------------------------------------------- IDX loading

def write_idx_gz(path, array, magic):
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    raw = header + array.astype(np.uint8).tobytes()
    with gzip.open(path, "wb") as f:
        f.write(raw)
    return raw


def idx_gz(folder, train, test):
    """gzip'd IDX files of (train_x, train_y), (test_x, test_y) in `folder`; their raw bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    (train_x, train_y), (test_x, test_y) = train, test
    return {
        "train-images-idx3-ubyte": write_idx_gz(folder / "train-images-idx3-ubyte.gz", train_x,
                                                2051),
        "train-labels-idx1-ubyte": write_idx_gz(folder / "train-labels-idx1-ubyte.gz", train_y,
                                                2049),
        "t10k-images-idx3-ubyte": write_idx_gz(folder / "t10k-images-idx3-ubyte.gz", test_x,
                                               2051),
        "t10k-labels-idx1-ubyte": write_idx_gz(folder / "t10k-labels-idx1-ubyte.gz", test_y, 2049),
    }


def fake_entry(real, raw, train_y, test_y, offline):
    """A DATASETS entry like `real` whose published files are `raw` (small files made here)."""
    return dataclasses.replace(
        real, files={name: (len(b), hashlib.sha256(b).hexdigest()) for name, b in raw.items()},
        train_counts=tuple(np.bincount(train_y, minlength=10)),
        test_counts=tuple(np.bincount(test_y, minlength=10)), offline=offline)


@pytest.fixture
def debian_dir(tmp_path, monkeypatch):
    """Two small datasets in the real formats: a fake Fashion-MNIST whose packaged offline copy
    is a folder of gzip'd IDX files (100 training, 20 test images), and a fake MNIST with other
    content and no offline copy. DATASETS holds their digests, as it holds the real ones."""
    folder = tmp_path / "debian"
    train_x, train_y = fake_set(100, 11)
    test_x, test_y = fake_set(20, 12)
    raw = idx_gz(folder, (train_x, train_y), (test_x, test_y))
    mnist_train, mnist_test = fake_set(100, 21), fake_set(20, 22)
    mnist_raw = idx_gz(tmp_path / "mnist_gz", mnist_train, mnist_test)
    monkeypatch.setitem(data.DATASETS, "fashion_mnist", fake_entry(
        data.DATASETS["fashion_mnist"], raw, train_y, test_y, str(folder)))
    monkeypatch.setitem(data.DATASETS, "mnist", fake_entry(
        data.DATASETS["mnist"], mnist_raw, mnist_train[1], mnist_test[1], None))
    return folder, (train_x, train_y, test_x, test_y), raw


@pytest.mark.parametrize("dataset,folder_name", [("fashion_mnist", "FashionMNIST"),
                                                 ("mnist", "MNIST")])
def test_prepare_round_trips_idx_files(tmp_path, debian_dir, dataset, folder_name):
    folder, (train_x, train_y, test_x, test_y), raw = debian_dir
    if dataset == "mnist":  # its own copy of the same small files, named by data.offline_dir
        mnist = data.DATASETS["fashion_mnist"]
        data.DATASETS["mnist"] = dataclasses.replace(data.DATASETS["mnist"], files=mnist.files,
                                                     train_counts=mnist.train_counts,
                                                     test_counts=mnist.test_counts)
    root = tmp_path / "root"
    cfg = {"dataset": dataset, "root": str(root), "offline_dir": str(folder),
           "val_fraction": 0.1, "split_seed": 0}
    data.fetch_raw(root, dataset, cfg["offline_dir"])
    arrays, info = data.prepare(cfg)
    target = root / folder_name / "raw"
    assert sorted(p.name for p in target.iterdir()) == sorted(data.RAW_FILES)  # no temp file
    for name, content in raw.items():
        assert (target / name).read_bytes() == content
        assert info["raw_sha256"][name] == hashlib.sha256(content).hexdigest()
    # train + val round-trip exactly to the written training set, test unchanged; every
    # dataset's images as (N, C, H, W), grey ones with their one channel
    assert arrays["train_x"].shape[1:] == (1, 28, 28) and info["image_shape"] == [1, 28, 28]
    train_x, test_x = train_x[:, None], test_x[:, None]
    assert np.array_equal(arrays["test_x"], test_x)
    assert np.array_equal(arrays["test_y"], test_y)
    merged_x = np.concatenate([arrays["train_x"], arrays["val_x"]])
    merged_y = np.concatenate([arrays["train_y"], arrays["val_y"]])
    order = np.argsort(image_ids(merged_x))
    assert np.array_equal(merged_x[order], train_x)
    assert np.array_equal(merged_y[order], train_y)
    assert info["dataset"] == dataset
    assert info["sizes"] == {"train": 90, "val": 10, "test": 20}
    assert info["sizes"] == data.split_sizes(dataset, 0.1)  # known before any file is read
    assert info["val_per_class"] == [1] * 10
    assert info["image_shape"] == [1, 28, 28]
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
           "val_fraction": 0.2, "split_seed": 1, "classes": [9, 0]}
    data.fetch_raw(cfg["root"], "fashion_mnist")  # from the dataset's own offline copy
    arrays, info = data.prepare(cfg)
    assert info["class_names"] == ["Ankle boot", "T-shirt/top"]
    assert info["val_per_class"] == [2, 2]
    assert info["sizes"] == {"train": 16, "val": 4, "test": int(np.isin(test_y, [9, 0]).sum())}
    assert info["sizes"] == data.split_sizes("fashion_mnist", 0.2, [9, 0])


# ---------------------------------------------------------------------------- the right dataset

def test_a_dataset_never_gets_another_datasets_files(tmp_path, debian_dir, monkeypatch):
    """mnist has no offline copy: it never falls back to Fashion-MNIST's; without a network it
    stops naming the dataset and how to get it, and leaves nothing in its raw folder."""
    root = tmp_path / "root"
    asked = []

    def no_network(root_, dataset):
        asked.append(dataset)
        raise OSError("<urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setattr(data, "download_raw", no_network)
    with pytest.raises(data.DataError) as info:
        data.fetch_raw(root, "mnist")
    msg = str(info.value)
    assert asked == ["mnist"]
    assert "MNIST" in msg and "Fashion" not in msg and "name resolution" in msg
    assert "ossci-datasets" in msg and "data.offline_dir" in msg  # how to get it
    assert not any(p.is_file() for p in root.rglob("*"))
    # pointed at Fashion-MNIST's folder on purpose: the digests refuse every file
    with pytest.raises(data.DataError) as info:
        data.fetch_raw(root, "mnist", debian_dir[0])
    msg = str(info.value)
    assert "does not decompress to MNIST's published train-images-idx3-ubyte" in msg
    assert f"is {debian_dir[0]} a copy of MNIST?" in msg
    assert not any(p.is_file() for p in root.rglob("*"))  # no file, no temporary file
    with pytest.raises(data.DataError, match="is missing"):
        data.prepare({"dataset": "mnist", "root": str(root), "val_fraction": 0.1,
                      "split_seed": 0})


def test_fashion_mnist_files_in_the_mnist_folder_are_refused(tmp_path, debian_dir):
    root = tmp_path / "root"
    data.fetch_raw(root, "fashion_mnist")
    (root / "MNIST").mkdir()
    (root / "FashionMNIST" / "raw").rename(root / "MNIST" / "raw")
    with pytest.raises(data.DataError, match="is not MNIST's published train-images"):
        data.verify_raw(root, "mnist")


def test_download_that_does_not_verify_is_removed(tmp_path, debian_dir, monkeypatch):
    def download(root, dataset):
        folder = data.raw_dir(root, dataset)
        folder.mkdir(parents=True)
        for name in data.RAW_FILES:
            (folder / name).write_bytes(b"not the published file")

    monkeypatch.setattr(data, "download_raw", download)
    with pytest.raises(data.DataError, match="delete it and rerun"):
        data.fetch_raw(tmp_path / "root", "mnist")
    assert not list((tmp_path / "root").rglob("*ubyte"))


def test_real_datasets_table():
    digests = set()
    for name, entry in data.DATASETS.items():
        if name == "cifar10":  # tests/test_cifar10.py
            continue
        assert sum(entry.train_counts) == 60000 and sum(entry.test_counts) == 10000, name
        assert entry.n_classes == 10 and entry.shape == (1, 28, 28)
        for size, digest in entry.files.values():
            assert len(digest) == 64 and int(digest, 16) >= 0 and size > 0
            digests.add(digest)
        assert entry.get_it
    assert len(digests) == 8  # no file is shared between datasets
    assert data.DATASETS["fashion_mnist"].offline == "/usr/share/datasets/fashion-mnist"
    assert data.DATASETS["mnist"].offline is None
    assert data.offline_source("mnist") is None
    assert data.raw_dir("d", "mnist") != data.raw_dir("d", "fashion_mnist")


@pytest.mark.skipif(not Path(data.DATASETS["fashion_mnist"].offline).is_dir(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_debian_copy_matches_the_digests_in_the_code(tmp_path):
    checksums = data.fetch_raw(tmp_path, "fashion_mnist")
    assert checksums == {n: d for n, (_, d) in data.DATASETS["fashion_mnist"].files.items()}


# ---------------------------------------------------------------------------- verified raw files

def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


@pytest.fixture
def restored(tmp_path, debian_dir):
    root = tmp_path / "root"
    data.fetch_raw(root, "fashion_mnist")
    return root, data.raw_dir(root, "fashion_mnist")


def test_flipped_pixel_bytes_are_refused(restored):
    root, folder = restored
    flip_byte(folder / "train-images-idx3-ubyte", 500)
    cfg = {"dataset": "fashion_mnist", "root": str(root), "val_fraction": 0.1, "split_seed": 0}
    with pytest.raises(data.DataError) as info:
        data.prepare(cfg)
    msg = str(info.value)
    assert str(folder / "train-images-idx3-ubyte") in msg
    assert "is not Fashion-MNIST's published train-images-idx3-ubyte" in msg
    assert "delete it and rerun" in msg and "restored from" in msg


def test_truncated_raw_file_is_named_as_truncated(restored):
    root, folder = restored
    path = folder / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(data.DataError) as info:
        data.verify_raw(root, "fashion_mnist")
    msg = str(info.value)
    assert str(path) in msg and "(truncated)" in msg and "delete it and rerun" in msg
    path.unlink()  # deleting it and rerunning restores it from the offline copy
    data.fetch_raw(root, "fashion_mnist")
    assert data.verify_raw(root, "fashion_mnist")


def test_missing_raw_file_is_restored(restored, debian_dir):
    root, folder = restored
    (folder / "t10k-labels-idx1-ubyte").unlink()
    data.fetch_raw(root, "fashion_mnist")
    restored = (folder / "t10k-labels-idx1-ubyte").read_bytes()
    assert restored == debian_dir[2]["t10k-labels-idx1-ubyte"]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_truncated_gzip_leaves_no_raw_file(tmp_path, debian_dir):
    folder, _, _ = debian_dir
    gz = folder / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:-100])
    with pytest.raises(data.DataError) as info:
        data.fetch_raw(tmp_path / "root", "fashion_mnist")
    assert str(gz) in str(info.value) and "truncated or corrupt" in str(info.value)
    target = data.raw_dir(tmp_path / "root", "fashion_mnist")
    assert not (target / "train-images-idx3-ubyte").exists()
    assert not [p for p in target.iterdir() if p.name.startswith(".")]  # no temporary file


def test_incomplete_offline_copy_falls_back_to_download(tmp_path, debian_dir, monkeypatch):
    folder, _, _ = debian_dir
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    monkeypatch.setattr(data, "download_raw", lambda root, dataset: (_ for _ in ()).throw(
        OSError("offline")))
    with pytest.raises(data.DataError) as info:
        data.fetch_raw(tmp_path / "root", "fashion_mnist")
    assert f"{folder} lacks them" in str(info.value) and "dataset-fashion-mnist" in str(info.value)


# ---------------------------------------------------------------------------- sizes known early

def test_split_sizes_agree_with_the_split(arrays):
    train_x, train_y, test_x, test_y = arrays
    train_counts, test_counts = np.bincount(train_y), np.bincount(test_y)
    for kwargs in ({}, {"classes": [3, 1, 7]}, {"train_subset": 500, "test_subset": 100},
                   {"classes": [0, 9], "train_subset": 100, "test_subset": 20},
                   {"val_fraction": 0.25}):
        vf = kwargs.pop("val_fraction", 0.1)
        out = data.split_dataset(*arrays, val_fraction=vf, seed=0, **kwargs)
        sizes = data.split_counts(train_counts, test_counts, vf, **kwargs)
        assert sizes == {part: len(out[f"{part}_y"]) for part in ("train", "val", "test")}


@pytest.mark.parametrize("dataset,kwargs,key", [
    ("fashion_mnist", {"train_subset": 70000}, "data.train_subset"),
    ("mnist", {"train_subset": 55000}, "data.train_subset"),  # its smallest class has 5421
    ("fashion_mnist", {"test_subset": 10010}, "data.test_subset"),
    ("fashion_mnist", {"train_subset": 100, "val_fraction": 0.05}, "data.val_fraction"),
    ("fashion_mnist", {"val_fraction": 0.00001}, "data.val_fraction"),
    ("fashion_mnist", {"train_subset": 20, "val_fraction": 0.98}, "data.val_fraction"),
    ("fashion_mnist", {"classes": [0, 10]}, "data.classes"),
])
def test_split_sizes_refuse_what_the_dataset_cannot_give(dataset, kwargs, key):
    vf = kwargs.pop("val_fraction", 0.1)
    with pytest.raises(data.SizeError) as info:
        data.split_sizes(dataset, vf, **kwargs)
    assert info.value.key == key


def test_real_split_sizes():
    assert data.split_sizes("fashion_mnist", 0.1) == {"train": 54000, "val": 6000, "test": 10000}
    assert data.split_sizes("fashion_mnist", 0.1, train_subset=6000, test_subset=2000) == {
        "train": 5400, "val": 600, "test": 2000}
    assert data.split_sizes("mnist", 0.1, train_subset=54000)["val"] == 5400


# ---------------------------------------------------------------------------- the prepared file

@pytest.fixture
def prepared(tmp_path, arrays):
    out = data.split_dataset(*arrays, val_fraction=0.1, seed=0)
    npz, info = tmp_path / "d.npz", tmp_path / "d.json"
    recorded = data.save_prepared(out, npz)
    info.write_text(json.dumps(recorded))
    return npz, info, out


def test_prepared_file_checksum_is_recorded_and_checked(prepared):
    npz, info, out = prepared
    recorded = json.loads(info.read_text())
    assert recorded["prepared_sha256"] == hashlib.sha256(npz.read_bytes()).hexdigest()
    data.check_prepared(npz, info)  # intact: no error
    loaded = data.load_prepared(npz)
    assert all(np.array_equal(loaded[k], out[k]) for k in out)
    assert not [p for p in npz.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_corrupt_prepared_file_is_reported(prepared, damage):
    npz, info, _ = prepared
    if damage == "truncate":
        npz.write_bytes(npz.read_bytes()[:1000])
    else:
        flip_byte(npz, npz.stat().st_size // 2)
    with pytest.raises(data.DataError, match=f"{npz} is corrupt .*: delete it and rerun"):
        data.check_prepared(npz, info)
    if damage == "truncate":
        with pytest.raises(data.DataError, match="is corrupt"):
            data.load_prepared(npz)


def test_corrupt_prepared_file_without_recorded_checksum(prepared):
    npz, info, _ = prepared
    info.write_text("{}")  # written before checksums were recorded: the zip's CRCs decide
    data.check_prepared(npz, info)
    npz.write_bytes(npz.read_bytes()[:-500])
    with pytest.raises(data.DataError, match="is corrupt"):
        data.check_prepared(npz, info)


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
    assert arrays["train_x"].shape == (54000, 1, 28, 28)
    assert np.bincount(arrays["test_y"]).tolist() == [1000] * 10


def test_root_of_a_raw_path():
    for name in data.DATASETS:
        assert data.root_of(data.raw_paths("some/root", name)[0], name) == Path("some/root")
