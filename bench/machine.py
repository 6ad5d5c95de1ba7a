"""The CPU a benchmark ran on, for the first line of its output (bench/README.md)."""
import os
import platform


def cpu_name():
    """Model name, family/model and the vector extensions that set the matmul limits."""
    info = {}
    try:
        for line in open("/proc/cpuinfo"):
            key, _, value = line.partition(":")
            info.setdefault(key.strip(), value.strip())
    except OSError:
        return platform.processor() or "unknown"
    flags = set(info.get("flags", "").split())
    simd = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return (f"{info.get('model name', 'unknown')} (family {info.get('cpu family', '?')}, model "
            f"{info.get('model', '?')}; {', '.join(simd) or 'no AVX2'}; "
            f"{os.cpu_count()} logical CPUs)")
