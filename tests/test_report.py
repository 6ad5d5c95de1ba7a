"""The methods section's protocol lines: the bf16 bound is printed exactly when validation and
test ran in bf16 (issue 13, item 3)."""
from nnstudies.config import resolve
from nnstudies.report import BF16_BOUND, protocol_lines


def test_protocol_prints_the_bf16_bound_only_when_bf16_is_used(raw_config):
    fp32 = resolve(raw_config)
    bf16 = resolve(raw_config, user={"train": {"precision": "bf16"}})
    assert bf16["train"]["precision"] == "bf16"
    assert BF16_BOUND not in protocol_lines(fp32, ["cpu"])
    lines = protocol_lines(bf16, ["cpu", "cpu"])
    assert BF16_BOUND in lines and "device: cpu." in lines[0]
    assert [line for line in lines if line != BF16_BOUND] == protocol_lines(fp32, ["cpu"])
