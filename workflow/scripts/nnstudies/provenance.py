"""What every run records about where and with what it ran."""
import os
import platform
import sys
from importlib import metadata

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
