"""What the workflow knows about each dataset before reading any of its files (see data.py)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    """What the workflow knows about one dataset before reading any of its files."""
    title: str              # as people write it, in messages and the report
    loader: str | type      # torchvision.datasets class (or its name) that reads (and downloads)
                            # the raw files
    raw_subdir: str         # the raw folder under data.root, where that class looks
    files: dict             # raw file -> (bytes or None if not published, digest of its
                            # published, decompressed content)
    train_counts: tuple     # examples per class in the official training set
    test_counts: tuple      # examples per class in the official test set
    shape: tuple            # (channels, height, width) of one image
    offline: str = None     # a folder of the gzip'd raw files that a package installs, or None
    get_it: str = ""        # how to get the files by hand where there is no network
    digest: str = "sha256"  # the hashlib algorithm of the digests in `files`

    @property
    def n_classes(self):
        return len(self.train_counts)


IDX_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

DATASETS = {
    # Digests: SHA-256 of the four files decompressed from Debian's dataset-fashion-mnist
    # (0.0~git20200523, whose decompressed IDX files are the upstream ones; computed here).
    "fashion_mnist": Dataset(
        title="Fashion-MNIST", loader="FashionMNIST", raw_subdir="FashionMNIST/raw",
        files={
            "train-images-idx3-ubyte":
                (47040016, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
            "train-labels-idx1-ubyte":
                (60008, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
            "t10k-images-idx3-ubyte":
                (7840016, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
            "t10k-labels-idx1-ubyte":
                (10008, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
        },
        train_counts=(6000,) * 10, test_counts=(1000,) * 10, shape=(1, 28, 28),
        offline="/usr/share/datasets/fashion-mnist",
        get_it="install Debian's dataset-fashion-mnist (./setup.sh does it when apt is usable)"),
    # Digests: SHA-256 of the decompressed upstream files (the .gz files torchvision downloads
    # and checks by MD5), as published alongside MNIST mirrors by several independent projects;
    # no offline copy exists here to recompute them.
    "mnist": Dataset(
        title="MNIST", loader="MNIST", raw_subdir="MNIST/raw",
        files={
            "train-images-idx3-ubyte":
                (47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            "train-labels-idx1-ubyte":
                (60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            "t10k-images-idx3-ubyte":
                (7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            "t10k-labels-idx1-ubyte":
                (10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
        },
        train_counts=(5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
        test_counts=(980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009), shape=(1, 28, 28),
        offline=None,
        get_it="download the four .gz files from https://ossci-datasets.s3.amazonaws.com/mnist/ "
               "and set data.offline_dir to their folder"),
    # The python version of CIFAR-10 as torchvision extracts it (cifar-10-python.tar.gz ->
    # cifar-10-batches-py/): digests are the MD5s torchvision's CIFAR10 class publishes and checks
    # (train_list, test_list, meta); no offline copy exists here to compute SHA-256 or sizes.
    "cifar10": Dataset(
        title="CIFAR-10", loader="CIFAR10", raw_subdir="cifar-10-batches-py",
        files={
            "data_batch_1": (None, "c99cafc152244af753f735de768cd75f"),
            "data_batch_2": (None, "d4bba439e000b95fd0a9bffe97cbabec"),
            "data_batch_3": (None, "54ebc095f3ab1f0389bbae665268c751"),
            "data_batch_4": (None, "634d18415352ddfa80567beed471001a"),
            "data_batch_5": (None, "482c414d41f54cd18b22e5b47cb7c3cb"),
            "test_batch": (None, "40351d587109b95175f43aff81a1287e"),
            "batches.meta": (None, "5ff9c542aee3614f3951f8cda6e48888"),
        },
        train_counts=(5000,) * 10, test_counts=(1000,) * 10, shape=(3, 32, 32),
        offline=None, digest="md5",
        get_it="download cifar-10-python.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html) "
               "and extract it under data.root (it makes cifar-10-batches-py/), or run where "
               "torchvision can download it"),
}
RAW_FILES = IDX_FILES  # the raw files of the IDX datasets (fashion_mnist, mnist)
