"""Dataset preparation: raw files through torchvision, a fixed stratified validation split.

The prepared dataset is one .npz of uint8 images and int64 labels; scaling to floats happens in
the training job, so one prepared file serves every input scaling.
"""
import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np

# torchvision's dataset class per config name; imported only where raw files are read, so that
# training jobs do not pay for importing torchvision.
DATASETS = {"fashion_mnist": "FashionMNIST", "mnist": "MNIST"}
RAW_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
SCALINGS = {"unit": (1 / 255, 0.0), "symmetric": (2 / 255, -1.0), "raw": (1.0, 0.0)}


def raw_dir(root, dataset):
    return Path(root) / DATASETS[dataset] / "raw"


def ensure_raw_files(root, dataset, debian_dir=None):
    """Decompress Debian's IDX files into torchvision's raw folder if they are not there yet.

    Debian's .gz bytes differ from upstream (torchvision's MD5 check of the .gz fails), but the
    decompressed IDX files are the upstream ones, which torchvision loads without a network.
    Returns True when the raw files are in place, False when torchvision must download them.
    """
    target = raw_dir(root, dataset)
    if all((target / name).exists() for name in RAW_FILES):
        return True
    source = Path(debian_dir) if debian_dir else None
    if source is None or not all((source / f"{name}.gz").exists() for name in RAW_FILES):
        return False
    target.mkdir(parents=True, exist_ok=True)
    for name in RAW_FILES:
        partial = target / f"{name}.partial"  # never leave a truncated file behind
        with gzip.open(source / f"{name}.gz", "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst)
        partial.rename(target / name)
    return True


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_raw(root, dataset, debian_dir=None):
    """(train_x, train_y, test_x, test_y, class_names, checksums) via torchvision's loader."""
    import torchvision

    have_files = ensure_raw_files(root, dataset, debian_dir)
    cls = getattr(torchvision.datasets, DATASETS[dataset])
    try:
        train = cls(root, train=True, download=not have_files)
    except Exception as err:  # no network, or a download that did not verify
        raise RuntimeError(
            f"the {dataset} raw files are not under {raw_dir(root, dataset)}, Debian's copy is "
            f"not in {debian_dir or '(data.debian_dir unset)'}, and torchvision's download "
            f"failed ({err}). Install Debian's dataset-fashion-mnist (./setup.sh does it when "
            "apt is usable), or put the four IDX files there yourself.") from err
    test = cls(root, train=False, download=False)
    checksums = {name: sha256(raw_dir(root, dataset) / name) for name in RAW_FILES}
    return (train.data.numpy(), train.targets.numpy(), test.data.numpy(), test.targets.numpy(),
            list(train.classes), checksums)


def stratified_take(labels, per_class, rng, what="subset"):
    """Indices of `per_class` random examples of every class (sorted within the result);
    `what` names the setting that asked for them in the error message."""
    chosen = []
    for c in np.unique(labels):
        members = np.flatnonzero(labels == c)
        if len(members) < per_class:
            raise ValueError(f"{what} asks for {per_class} examples of every class, but class "
                             f"{c} has only {len(members)}")
        chosen.append(rng.permutation(members)[:per_class])
    return np.sort(np.concatenate(chosen))


def keep_classes(x, y, classes):
    """Restrict to `classes` (a list of original indices) and relabel them 0..k-1."""
    mask = np.isin(y, classes)
    relabel = {c: i for i, c in enumerate(classes)}
    return x[mask], np.array([relabel[c] for c in y[mask]], dtype=np.int64)


def split_dataset(train_x, train_y, test_x, test_y, val_fraction, seed,
                  classes=None, train_subset=None, test_subset=None):
    """Class filter, stratified subsets, then a stratified validation split; deterministic."""
    if classes:
        train_x, train_y = keep_classes(train_x, train_y, classes)
        test_x, test_y = keep_classes(test_x, test_y, classes)
    n_classes = len(np.unique(train_y))
    rng = np.random.default_rng(seed)
    if train_subset:
        keep = stratified_take(train_y, train_subset // n_classes, rng, "data.train_subset")
        train_x, train_y = train_x[keep], train_y[keep]
    if test_subset:
        keep = stratified_take(test_y, test_subset // n_classes, rng, "data.test_subset")
        test_x, test_y = test_x[keep], test_y[keep]
    val_per_class = int(round(val_fraction * len(train_y))) // n_classes
    if val_per_class < 1:  # an empty validation split would fail every run at its first record
        raise ValueError(f"val_fraction {val_fraction} of {len(train_y)} training examples leaves "
                         f"no validation example per class ({n_classes} classes)")
    val = stratified_take(train_y, val_per_class, rng, "data.val_fraction")
    is_train = np.ones(len(train_y), dtype=bool)
    is_train[val] = False
    return {"train_x": train_x[is_train], "train_y": train_y[is_train].astype(np.int64),
            "val_x": train_x[val], "val_y": train_y[val].astype(np.int64),
            "test_x": test_x, "test_y": test_y.astype(np.int64)}


def prepare(cfg):
    """Everything the prepare rule writes: the arrays and a description with checksums."""
    train_x, train_y, test_x, test_y, names, checksums = load_raw(
        cfg["root"], cfg["dataset"], cfg.get("debian_dir"))
    classes = cfg.get("classes")
    arrays = split_dataset(train_x, train_y, test_x, test_y, cfg["val_fraction"],
                           cfg["split_seed"], classes, cfg.get("train_subset"),
                           cfg.get("test_subset"))
    info = {
        "dataset": cfg["dataset"],
        "class_names": [names[c] for c in classes] if classes else names,
        "image_shape": list(arrays["train_x"].shape[1:]),
        "sizes": {part: int(len(arrays[f"{part}_y"])) for part in ("train", "val", "test")},
        "val_per_class": np.bincount(arrays["val_y"]).tolist(),
        "split_seed": cfg["split_seed"],
        "raw_sha256": checksums,
    }
    return arrays, info


def load_prepared(path):
    with np.load(path) as f:
        return {key: f[key] for key in f.files}


def scale(images_uint8, scaling):
    """uint8 images -> float tensor data in the configured range, with a channel axis."""
    factor, offset = SCALINGS[scaling]
    x = images_uint8.astype(np.float32) * np.float32(factor) + np.float32(offset)
    return x[:, None] if x.ndim == 3 else x
