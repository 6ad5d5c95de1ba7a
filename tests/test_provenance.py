"""The methods section names the CPU (issue 21): model string, family/model numbers, vector
extensions, and the microarchitecture derived from family/model where the string is generic."""
import pytest

from nnstudies import provenance


def cpuinfo(name, family, model, flags, vendor="AuthenticAMD", stepping=1):
    block = (f"processor\t: 0\nvendor_id\t: {vendor}\ncpu family\t: {family}\n"
             f"model\t\t: {model}\nmodel name\t: {name}\nstepping\t: {stepping}\n"
             f"flags\t\t: fpu sse2 {flags}\n")
    return block + "\n" + block.replace("processor\t: 0", "processor\t: 1")


@pytest.mark.parametrize("family, model, expected", [
    (25, 0x01, "Zen 3"), (25, 0x30, "Zen 3"), (25, 0x21, "Zen 3"),
    (25, 0x11, "Zen 4"), (25, 0xA0, "Zen 4"), (25, 0x61, "Zen 4"),
    (26, 0x02, "Zen 5"), (23, 0x31, "Zen 2"), (23, 0x01, "Zen or Zen+"), (24, 0x00, None)])
def test_microarchitecture_from_family_and_model(family, model, expected):
    assert provenance.microarchitecture("AuthenticAMD", family, model) == expected


def test_a_generic_model_string_gets_its_derived_microarchitecture():
    info = provenance.cpu_info(cpuinfo("AMD EPYC", 25, 17, "avx2 avx512f avx512_bf16"))
    assert info["microarchitecture"] == "Zen 4"
    assert info["extensions"] == {"AVX2": True, "AVX-512": True, "AVX512-BF16": True,
                                  "AMX": False}
    text = provenance.describe_cpu(info)
    assert text.startswith("AMD EPYC (family 25, model 17 = 0x11, stepping 1: "
                           "microarchitecture Zen 4, derived from family and model")
    assert "AVX2, AVX-512, AVX512-BF16: yes; AMX: no" in text


def test_a_named_model_is_not_second_guessed():
    info = provenance.cpu_info(cpuinfo("AMD EPYC 7763 64-Core Processor", 25, 1, "avx2"))
    assert "microarchitecture" not in info
    text = provenance.describe_cpu(info)
    assert "derived" not in text and "AVX2: yes; AVX-512, AVX512-BF16, AMX: no" in text
    intel = provenance.cpu_info(cpuinfo("Intel Xeon Processor", 6, 143,
                                        "avx2 avx512f avx512_bf16 amx_bf16 amx_tile",
                                        vendor="GenuineIntel"))
    assert intel["microarchitecture"] is None and all(intel["extensions"].values())


def test_this_machine_is_described():
    text = provenance.hardware()["cpu"]
    assert text and "(" in text or text == provenance.cpu_info()["model_name"]
