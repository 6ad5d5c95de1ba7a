"""What every run records about where and with what it ran."""
import os
import platform
import sys
from importlib import metadata

import pandas as pd

PACKAGES = ["torch", "torchvision", "numpy", "pandas", "scipy", "matplotlib", "snakemake",
            "jinja2", "weasyprint"]


def package_versions():
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def benchmark_table(study_of):
    """Snakemake's benchmark files ({path: study}) summed per study: jobs, wall and CPU seconds
    (process start-up and data loading included), and the largest resident memory of a job."""
    rows = [pd.read_csv(path, sep="\t").assign(study=study) for path, study in study_of.items()]
    if not rows:
        return pd.DataFrame(columns=["study", "jobs", "job wall (s)", "job CPU time (s)",
                                     "peak job memory (MB)"])
    bench = pd.concat(rows, ignore_index=True)
    def total(values):  # a dash, not 0, where Snakemake could not measure (NaN in the file)
        return values.sum(min_count=1)

    table = bench.groupby("study", sort=False).agg(
        jobs=("s", "size"), wall=("s", total), cpu=("cpu_time", total),
        rss=("max_rss", "max")).reset_index()
    return table.rename(columns={"wall": "job wall (s)", "cpu": "job CPU time (s)",
                                 "rss": "peak job memory (MB)"})


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb():
    """Total memory of the machine in GiB (None where /proc/meminfo is missing)."""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        return round(kib / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        return None


def hardware():
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "memory_gb": memory_gb(),
            "machine": platform.machine(), "system": f"{platform.system()} {platform.release()}"}
    try:
        import torch
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info
