"""Dataset preparation: verified raw files, a fixed stratified validation split.

Everything known about a dataset (its raw files and their published digests, its class counts,
its image shape, where an offline copy lives) is one entry of DATASETS (datasets.py); the rest
of the workflow asks this table. The prepared dataset is one .npz of uint8 images and int64
labels; scaling to floats happens in the training job, so one prepared file serves every input
scaling.
"""
import gzip
import hashlib
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .datasets import DATASETS, IDX_FILES, RAW_FILES, Dataset  # noqa: F401 (re-exported)
from .outputs import atomic_write


SCALINGS = {"unit": (1 / 255, 0.0), "symmetric": (2 / 255, -1.0), "raw": (1.0, 0.0)}
SCALING_NAMES = {"unit": "[0, 1]", "symmetric": "[-1, 1]", "raw": "[0, 255]"}  # as the text says


class DataError(RuntimeError):
    """A dataset problem, with a message that names the file and says what to do."""


class SizeError(ValueError):
    """A data setting that the dataset's size cannot satisfy; `key` names the config key."""

    def __init__(self, key, message):
        super().__init__(message)
        self.key = key


def raw_dir(root, dataset):
    return Path(root) / DATASETS[dataset].raw_subdir


def root_of(raw_path, dataset):
    """data.root, from the path of one of the dataset's raw files."""
    return Path(raw_path).parents[len(Path(DATASETS[dataset].raw_subdir).parts)]


def raw_paths(root, dataset):
    return [raw_dir(root, dataset) / name for name in DATASETS[dataset].files]


def offline_source(dataset, offline_dir=None):
    """The folder of gzip'd raw files to restore from: data.offline_dir if set, else the
    dataset's own packaged copy; never another dataset's."""
    return Path(offline_dir) if offline_dir else (
        Path(DATASETS[dataset].offline) if DATASETS[dataset].offline else None)


def sha256(path, algorithm="sha256"):
    """The file's digest (SHA-256 unless another hashlib algorithm is named)."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def how_to_restore(dataset, offline_dir=None):
    source = offline_source(dataset, offline_dir)
    if source is not None:
        return f"it is restored from {source}"
    return f"torchvision downloads it again (offline: {DATASETS[dataset].get_it})"


def verify_raw(root, dataset, offline_dir=None):
    """Digest of every raw file (SHA-256, or the dataset's `digest`), checked against the
    published content (and its size, where published); {name: digest}.

    Raises DataError naming the first file that is missing, truncated or different.
    """
    info, checksums = DATASETS[dataset], {}
    for name, (size, expected) in info.files.items():
        path = raw_dir(root, dataset) / name
        fix = f"delete it and rerun: {how_to_restore(dataset, offline_dir)}"
        if not path.is_file():
            raise DataError(f"{path} is missing: rerun the workflow, "
                            f"{how_to_restore(dataset, offline_dir)}")
        actual_size = path.stat().st_size
        if size is not None and actual_size != size:
            raise DataError(f"{path} has {actual_size} bytes, the published {info.title} file "
                            f"{size} ({'truncated' if actual_size < size else 'too long'}): {fix}")
        digest = sha256(path, info.digest)
        if digest != expected:
            raise DataError(f"{path} is not {info.title}'s published {name} ({info.digest} "
                            f"{digest[:16]}..., expected {expected[:16]}...): the file is corrupt "
                            f"or from another dataset; {fix}")
        checksums[name] = digest
    return checksums


def restore_raw(root, dataset, source):
    """Decompress the dataset's gzip'd raw files from `source` into its raw folder.

    Each file is decompressed to a temporary name and checked against its published SHA-256
    before it takes its real name, so a corrupt, truncated or foreign copy never lands there.
    """
    info, target = DATASETS[dataset], raw_dir(root, dataset)
    target.mkdir(parents=True, exist_ok=True)
    for name, (size, expected) in info.files.items():
        gz = Path(source) / f"{name}.gz"
        digest, n = hashlib.new(info.digest), 0
        try:
            with gzip.open(gz, "rb") as src, atomic_write(target / name, "wb") as dst:
                for block in iter(lambda: src.read(1 << 20), b""):
                    digest.update(block)
                    n += len(block)
                    dst.write(block)
                if (size not in (None, n)) or digest.hexdigest() != expected:
                    raise DataError(
                        f"{gz} does not decompress to {info.title}'s published {name} ({n} bytes, "
                        f"{info.digest} {digest.hexdigest()[:16]}...; expected {size} bytes, "
                        f"{expected[:16]}...): is {source} a copy of {info.title}? Point "
                        f"data.offline_dir at one, or {info.get_it}")
        except (EOFError, gzip.BadGzipFile, zlib.error) as err:
            raise DataError(f"{gz} is truncated or corrupt ({err}): replace it ({info.get_it})"
                            ) from None


def loader_class(dataset):
    """The torchvision dataset class that reads (and downloads) the dataset's raw files."""
    loader = DATASETS[dataset].loader
    if isinstance(loader, type):
        return loader
    import torchvision

    return getattr(torchvision.datasets, loader)


def download_raw(root, dataset):
    """Let torchvision download the raw files (it checks the MD5 of each file it fetches)."""
    cls = loader_class(dataset)
    cls(root, train=True, download=True)
    cls(root, train=False, download=True)


def fetch_raw(root, dataset, offline_dir=None):
    """Put the dataset's raw files in place and verify them: from its offline source when it
    has one, else through torchvision's download. Returns {name: SHA-256}."""
    info = DATASETS[dataset]
    source = offline_source(dataset, offline_dir)
    if source is not None and all((source / f"{n}.gz").is_file() for n in info.files):
        restore_raw(root, dataset, source)
    else:
        try:
            download_raw(root, dataset)
        except Exception as err:  # no network, or a download that did not verify
            where = (f"{source} lacks them" if source is not None
                     else f"{info.title} has no offline copy here (data.offline_dir is unset)")
            raise DataError(
                f"cannot get the {info.title} raw files: {where}, and torchvision's download "
                f"failed ({' '.join(str(err).split())[:300] or type(err).__name__}). To "
                f"get them: {info.get_it}; or put its raw files ({', '.join(info.files)}) "
                f"into {raw_dir(root, dataset)}/ yourself.") from None
    try:
        return verify_raw(root, dataset, offline_dir)
    except DataError:
        for path in raw_paths(root, dataset):  # never leave a download that did not verify
            path.unlink(missing_ok=True)
        raise


def load_raw(root, dataset, offline_dir=None):
    """(train_x, train_y, test_x, test_y, class_names, checksums) of verified raw files, read by
    torchvision's loader (no download: the files are in place and checked first). Images of
    every dataset come as (N, C, H, W) uint8: grey ones get their one channel, colour ones are
    transposed (torchvision's CIFAR10 holds them as (N, H, W, C)) - one convention downstream."""
    checksums = verify_raw(root, dataset, offline_dir)
    cls = loader_class(dataset)
    train = cls(root, train=True, download=False)
    test = cls(root, train=False, download=False)

    def arrays(part):
        x, y = np.asarray(part.data), np.asarray(part.targets, dtype=np.int64)
        return (x.transpose(0, 3, 1, 2).copy() if x.ndim == 4 else x[:, None].copy()), y

    (train_x, train_y), (test_x, test_y) = arrays(train), arrays(test)
    return train_x, train_y, test_x, test_y, list(train.classes), checksums


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


def split_counts(train_counts, test_counts, val_fraction, classes=None, train_subset=None,
                 test_subset=None):
    """Sizes {train, val, test} that split_dataset gives on sets with these per-class counts,
    computed without any file; raises SizeError naming the data setting that cannot be met."""
    n = len(train_counts)
    kept = list(classes) if classes else list(range(n))
    for c in kept:
        if not 0 <= c < n:
            raise SizeError("data.classes", f"class {c} does not exist: the dataset has {n} "
                                            f"classes, 0 to {n - 1}")
    k = len(kept)
    train = [train_counts[c] for c in kept]
    test = [test_counts[c] for c in kept]
    for key, subset, counts, part in (("data.train_subset", train_subset, train, "training"),
                                      ("data.test_subset", test_subset, test, "test")):
        if subset:
            per_class = subset // k
            if per_class < 1:
                raise SizeError(key, f"{subset} examples over {k} classes is less than one "
                                     "per class")
            if per_class > min(counts):
                raise SizeError(key, f"{subset} examples over {k} classes is {per_class} per "
                                     f"class, but a class of the {part} set has only "
                                     f"{min(counts)}")
            counts[:] = [per_class] * k
    val_per_class = int(round(val_fraction * sum(train))) // k
    if val_per_class < 1:
        raise SizeError("data.val_fraction",
                        f"{val_fraction} of {sum(train)} training examples leaves no validation "
                        f"example per class ({k} classes)")
    if val_per_class >= min(train):
        raise SizeError("data.val_fraction",
                        f"{val_fraction} of {sum(train)} training examples takes "
                        f"{val_per_class} of every class for validation, leaving no training "
                        f"example of a class with {min(train)}")
    return {"train": sum(train) - val_per_class * k, "val": val_per_class * k, "test": sum(test)}


def split_sizes(dataset, val_fraction, classes=None, train_subset=None, test_subset=None):
    """split_counts for a dataset of DATASETS, from its known class counts."""
    info = DATASETS[dataset]
    return split_counts(info.train_counts, info.test_counts, val_fraction, classes,
                        train_subset, test_subset)


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
        cfg["root"], cfg["dataset"], cfg.get("offline_dir"))
    classes = cfg.get("classes")
    arrays = split_dataset(train_x, train_y, test_x, test_y, cfg["val_fraction"],
                           cfg["split_seed"], classes, cfg.get("train_subset"),
                           cfg.get("test_subset"))
    info = {
        "dataset": cfg["dataset"],
        "title": DATASETS[cfg["dataset"]].title,
        "class_names": [names[c] for c in classes] if classes else names,
        "image_shape": list(arrays["train_x"].shape[1:]),
        "sizes": {part: int(len(arrays[f"{part}_y"])) for part in ("train", "val", "test")},
        "val_per_class": np.bincount(arrays["val_y"]).tolist(),
        "split_seed": cfg["split_seed"],
        "raw_sha256": checksums,  # the dataset's digest (raw_digest names it)
        "raw_digest": DATASETS[cfg["dataset"]].digest,
    }
    return arrays, info


def save_prepared(arrays, path):
    """Write the arrays (complete or not at all) and return the file's SHA-256 and size."""
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)
    return {"prepared_sha256": sha256(path), "prepared_bytes": os.path.getsize(path)}


def corrupt(path, why):
    return DataError(f"{path} is corrupt ({why}): delete it and rerun")


def check_prepared(path, info_path):
    """Raise DataError if the prepared file differs from what was written: its size and SHA-256
    against those recorded in its description (or, for a description without them, the zip's
    own CRCs). Nothing to check while either file is missing."""
    import json

    path, info_path = Path(path), Path(info_path)
    if not (path.is_file() and info_path.is_file()):
        return
    try:
        info = json.loads(info_path.read_text())
    except ValueError as err:
        raise corrupt(info_path, f"not JSON: {err}") from None
    if "prepared_sha256" in info:
        size = path.stat().st_size
        if size != info["prepared_bytes"]:
            raise corrupt(path, f"{size} bytes, {info['prepared_bytes']} when written")
        if sha256(path) != info["prepared_sha256"]:
            raise corrupt(path, f"its SHA-256 differs from the one recorded in {info_path}")
        return
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise corrupt(path, str(err)) from None
    if bad is not None:
        raise corrupt(path, f"member {bad} fails its CRC check")


def load_prepared(path):
    try:
        with np.load(path) as f:
            arrays = {key: f[key] for key in f.files}
    except (zipfile.BadZipFile, EOFError, ValueError, zlib.error) as err:
        raise corrupt(path, str(err) or type(err).__name__) from None
    for key in ("train_x", "val_x", "test_x"):
        if key in arrays and arrays[key].ndim != 4:
            raise corrupt(path, f"{key} has shape {arrays[key].shape}, not (N, C, H, W) (a file "
                                "prepared by an older version)")
    return arrays


def scale(images_uint8, scaling):
    """uint8 images (N, C, H, W) -> float32 in the configured range."""
    factor, offset = SCALINGS[scaling]
    return images_uint8.astype(np.float32) * np.float32(factor) + np.float32(offset)
