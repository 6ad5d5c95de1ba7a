"""What every run records about where and with what it ran."""
import os
import platform
import sys
from importlib import metadata

from .lazy import lazy_import

pd = lazy_import("pandas")  # the benchmark table only (the training jobs record versions)

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


# AMD's x86 family/model numbers -> microarchitecture, as Linux sorts them
# (arch/x86/kernel/cpu/amd.c, bsp_init_amd): for a model string that names no model (a virtual
# machine's "AMD EPYC"), the microarchitecture is derived from these numbers and said to be.
AMD_MICROARCHITECTURES = [
    (23, [(0x00, 0x2F), (0x50, 0x5F)], "Zen or Zen+"),
    (23, [(0x30, 0x4F), (0x60, 0x7F), (0x90, 0x91), (0xA0, 0xAF)], "Zen 2"),
    (25, [(0x00, 0x0F), (0x20, 0x5F)], "Zen 3"),
    (25, [(0x10, 0x1F), (0x60, 0xAF)], "Zen 4"),
    (26, [(0x00, 0xFF)], "Zen 5"),
]
# The vector extensions that bound this machine's matmul speed (bench/README.md), by the flag
# /proc/cpuinfo gives them.
VECTOR_EXTENSIONS = {"AVX2": ("avx2",), "AVX-512": ("avx512f",),
                     "AVX512-BF16": ("avx512_bf16",), "AMX": ("amx_bf16", "amx_tile")}


def _cpuinfo(text=None):
    """The first processor's fields of /proc/cpuinfo ({} where there is none)."""
    if text is None:
        try:
            with open("/proc/cpuinfo") as f:
                text = f.read()
        except OSError:
            return {}
    info = {}
    for line in text.split("\n\n")[0].splitlines():
        key, _, value = line.partition(":")
        info.setdefault(key.strip(), value.strip())
    return info


def microarchitecture(vendor, family, model):
    """The microarchitecture of an AMD family/model from AMD_MICROARCHITECTURES, else None."""
    if vendor != "AuthenticAMD":
        return None
    for fam, ranges, name in AMD_MICROARCHITECTURES:
        if fam == family and any(lo <= model <= hi for lo, hi in ranges):
            return name
    return None


def cpu_info(text=None):
    """Model string, vendor, family/model/stepping numbers, the vector extensions present and,
    where the model string names no model (no digit in it), the microarchitecture derived from
    family and model. `text`: /proc/cpuinfo's content (default: this machine's)."""
    info = _cpuinfo(text)
    if not info:
        return {"model_name": platform.processor() or platform.machine()}
    flags = set(info.get("flags", "").split())

    def number(key):
        try:
            return int(info[key])
        except (KeyError, ValueError):
            return None
    out = {"model_name": info.get("model name", "unknown"), "vendor": info.get("vendor_id"),
           "family": number("cpu family"), "model": number("model"),
           "stepping": number("stepping"),
           "extensions": {name: any(f in flags for f in names)
                          for name, names in VECTOR_EXTENSIONS.items()}}
    generic = not any(ch.isdigit() for ch in out["model_name"])
    if generic and out["family"] is not None and out["model"] is not None:
        out["microarchitecture"] = microarchitecture(out["vendor"], out["family"], out["model"])
    return out


def describe_cpu(info):
    """One line: 'AMD EPYC (family 25, model 17 = 0x11, stepping 1: Zen 4, derived from family
    and model; AVX2, AVX-512, AVX512-BF16: yes; AMX: no)'."""
    if "family" not in info:
        return info["model_name"]
    numbers = [f"family {info['family']}"]
    if info["model"] is not None:
        numbers.append(f"model {info['model']} = {info['model']:#04x}")
    if info["stepping"] is not None:
        numbers.append(f"stepping {info['stepping']}")
    text = f"{info['model_name']} ({', '.join(numbers)}"
    if info.get("microarchitecture"):
        text += (f": microarchitecture {info['microarchitecture']}, derived from family "
                 "and model, which the model string does not name")
    has = [n for n, present in info["extensions"].items() if present]
    lacks = [n for n, present in info["extensions"].items() if not present]
    text += "; " + "; ".join(part for part in (", ".join(has) + ": yes" if has else "",
                                               ", ".join(lacks) + ": no" if lacks else "")
                             if part)
    return text + ")"


def cpu_model():
    """The CPU as the methods section names it (see describe_cpu)."""
    return describe_cpu(cpu_info())


def memory_gb():
    """Total memory of the machine in GiB (None where /proc/meminfo is missing)."""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        return round(kib / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        return None


# hardware()'s keys as the report's methods table names them
HARDWARE_WORDS = {"cpu": "CPU", "cores": "cores", "memory_gb": "memory (GiB)",
                  "machine": "architecture", "system": "operating system", "gpu": "GPU"}


def hardware():
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "memory_gb": memory_gb(),
            "machine": platform.machine(), "system": f"{platform.system()} {platform.release()}"}
    torch = sys.modules.get("torch")  # only where the job loaded it (a NumPy run never does)
    if torch is not None and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info
