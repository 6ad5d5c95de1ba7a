"""Study 2: the NumPy convolution against torch, and the shape / receptive-field / parameter
arithmetic against what torch actually builds. (tests/conftest.py puts workflow/scripts on
sys.path.)"""
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnstudies.conv import (conv2d, conv2d_loops, output_size, parameter_count_formula,
                            receptive_fields, zoo_layer_table)
from nnstudies.models import build_model, count_parameters, layer_shapes, with_activation

IN_SHAPE, N_CLASSES = (1, 28, 28), 10


def torch_conv(x, w, b=None, **kw):
    tb = None if b is None else torch.from_numpy(np.asarray(b))
    return F.conv2d(torch.from_numpy(x), torch.from_numpy(w), tb, **kw).numpy()


@st.composite
def conv_case(draw):
    """Random shapes and hyper-parameters for which the dilated kernel fits the padded input."""
    n, c, o = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    assume(dilation[0] * (kh - 1) + 1 <= h + 2 * padding[0])
    assume(dilation[1] * (kw - 1) + 1 <= w + 2 * padding[1])
    as_int = draw(st.booleans())  # pass equal pairs as plain ints half of the time
    if as_int:
        stride, padding, dilation = stride[0], padding[0], dilation[0]
        assume(dilation * (kw - 1) + 1 <= w + 2 * padding)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((o, c, kh, kw))
    b = rng.standard_normal(o) if draw(st.booleans()) else None
    return x, wt, b, dict(stride=stride, padding=padding, dilation=dilation)


# --------------------------------------------------------------------------------------------
# conv2d against torch

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(conv_case())
def test_conv2d_matches_torch_float64(case):
    x, w, b, kw = case
    got, want = conv2d(x, w, b, **kw), torch_conv(x, w, b, **kw)
    assert got.shape == want.shape
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@settings(max_examples=50, deadline=None)
@given(kh=st.integers(1, 5), kw=st.integers(1, 5), d=st.integers(1, 2), seed=st.integers(0, 99))
def test_conv2d_same_padding_matches_torch(kh, kw, d, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2, 3, 11, 10)), rng.standard_normal((4, 3, kh, kw))
    got = conv2d(x, w, padding="same", dilation=d)
    np.testing.assert_allclose(got, torch_conv(x, w, padding="same", dilation=d),
                               rtol=1e-12, atol=1e-12)
    assert got.shape[2:] == x.shape[2:]


@pytest.mark.parametrize("xs, ws", [((5, 1, 28, 28), (8, 1, 4, 4)),
                                    ((4, 16, 28, 28), (32, 16, 3, 3))])
def test_conv2d_float32_keeps_dtype_and_matches_torch(xs, ws):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(xs, dtype=np.float32), rng.standard_normal(ws, dtype=np.float32)
    b = rng.standard_normal(ws[0], dtype=np.float32)
    got = conv2d(x, w, b)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, torch_conv(x, w, b), rtol=1e-4, atol=1e-4)


def test_conv2d_accepts_views_lists_and_mixed_dtypes():
    rng = np.random.default_rng(1)
    base = rng.standard_normal((7, 9, 3, 2))
    x = base.transpose(3, 2, 0, 1)                       # non-contiguous (2, 3, 7, 9)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    got = conv2d(x, w, list(range(4)), stride=(2, 1))
    assert got.dtype == np.float64                      # float64 x float32 -> float64
    want = torch_conv(np.ascontiguousarray(x), w.astype(np.float64),
                      np.arange(4, dtype=np.float64), stride=(2, 1))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    ints = conv2d(np.ones((1, 1, 3, 3), dtype=int), np.ones((1, 1, 2, 2), dtype=int))
    assert ints.dtype == np.float64 and np.all(ints == 4)


def test_conv2d_large_batch_crosses_chunks():
    """More images than one im2col chunk holds, with a bias: every chunk must be written."""
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((150, 8, 20, 20)), rng.standard_normal((6, 8, 3, 3))
    b = rng.standard_normal(6)
    for kw in (dict(), dict(stride=2, padding=1)):
        np.testing.assert_allclose(conv2d(x, w, b, **kw), torch_conv(x, w, b, **kw),
                                   rtol=1e-11, atol=1e-11)


# --------------------------------------------------------------------------------------------
# the loop reference (an independent oracle) against torch

@pytest.mark.parametrize("xs, ws, kw", [
    ((2, 3, 7, 6), (4, 3, 3, 3), dict()),
    ((1, 2, 9, 8), (3, 2, 2, 3), dict(stride=(2, 3), padding=(1, 0))),
    ((2, 1, 10, 10), (2, 1, 3, 2), dict(dilation=(2, 3), padding=2, stride=2)),
    ((1, 2, 5, 5), (2, 2, 3, 3), dict(padding="same", dilation=2)),
    ((1, 1, 4, 4), (1, 1, 4, 4), dict()),
])
@pytest.mark.parametrize("bias", [False, True])
def test_conv2d_loops_matches_torch(xs, ws, kw, bias):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    b = rng.standard_normal(ws[0]) if bias else None
    want = torch_conv(x, w, b, **kw)
    np.testing.assert_allclose(conv2d_loops(x, w, b, **kw), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv2d(x, w, b, **kw), want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# errors

X, W = np.zeros((2, 3, 8, 8)), np.zeros((4, 3, 3, 3))


@pytest.mark.parametrize("fn", [conv2d, conv2d_loops])
@pytest.mark.parametrize("args, kw, pattern", [
    ((np.zeros((3, 8, 8)), W), {}, r"x must be 4-D.*3-D"),
    ((X, np.zeros((3, 3, 3))), {}, r"w must be 4-D.*3-D"),
    ((X, np.zeros((4, 2, 3, 3))), {}, r"channel mismatch: x has 3 .* w expects 2"),
    ((X, np.zeros((4, 3, 9, 3))), {}, r"kernel 9x3 .* larger than the padded input 8x8"),
    ((X, W), dict(dilation=4), r"dilated extent 9x9\) is larger than the padded input 8x8"),
    ((X, np.zeros((4, 3, 11, 1))), dict(padding=(1, 0)),
     r"larger than the padded input 10x8"),
    ((X, W), dict(stride=0), r"stride must be positive"),
    ((X, W), dict(stride=(1, -2)), r"stride must be positive"),
    ((X, W), dict(dilation=(0, 1)), r"dilation must be positive"),
    ((X, W), dict(padding=-1), r"padding must be non-negative"),
    ((X, W), dict(padding=(0, -1)), r"padding must be non-negative"),
    ((X, W), dict(stride=(1, 2, 3)), r"stride must be an int or an \(h, w\) pair"),
    ((X, W), dict(padding="full"), r"padding must be"),
    ((X, W), dict(padding="same", stride=2), r"padding='same' needs stride 1"),
    ((X, W, np.zeros(3)), {}, r"b must have shape \(4,\)"),
])
def test_errors_name_the_problem(fn, args, kw, pattern):
    with pytest.raises(ValueError, match=pattern):
        fn(*args, **kw)


# --------------------------------------------------------------------------------------------
# output sizes

GRID = [(size, k, s, p, d) for size in range(1, 10) for k in range(1, 5) for s in (1, 2, 3)
        for p in (0, 1, 2) for d in (1, 2)]


def test_output_size_matches_torch_conv_shapes():
    fitted = 0
    for size, k, s, p, d in GRID:
        x, w = torch.zeros(1, 1, size, size + 1), torch.zeros(1, 1, k, k)
        if d * (k - 1) + 1 > size + 2 * p:
            with pytest.raises(ValueError, match="larger than the padded input"):
                output_size(size, k, s, p, d)
            with pytest.raises(RuntimeError):
                F.conv2d(x, w, stride=s, padding=p, dilation=d)
            continue
        shape = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape
        assert (output_size(size, k, s, p, d), output_size(size + 1, k, s, p, d)) == shape[2:]
        fitted += 1
    assert fitted > 300


def test_output_size_matches_torch_maxpool_shapes():
    checked = 0
    for size, k, s, p, d in GRID:
        if 2 * p > k or d * (k - 1) + 1 > size + 2 * p:   # torch's own limits on pooling
            continue
        shape = F.max_pool2d(torch.zeros(1, 1, size, size), k, s, p, d).shape
        assert output_size(size, k, s, p, d) == shape[-1]
        checked += 1
    assert checked > 100


def test_output_size_same_and_errors():
    assert output_size(13, 4, padding="same", dilation=3) == 13
    assert output_size(13, 3, padding="valid") == 11
    with pytest.raises(ValueError, match="stride 1"):
        output_size(13, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="positive"):
        output_size(13, 3, stride=0)
    with pytest.raises(ValueError, match="non-negative"):
        output_size(13, 3, padding=-1)


# --------------------------------------------------------------------------------------------
# receptive fields

@pytest.mark.parametrize("layers, rfs, jumps", [
    ([dict(kernel=3), dict(kernel=3)], [3, 5], [1, 1]),                      # two 3x3 -> 5x5
    ([dict(kernel=3)] * 3, [3, 5, 7], [1, 1, 1]),                            # three 3x3 -> 7x7
    ([dict(kernel=3, stride=2), dict(kernel=3)], [3, 7], [2, 2]),
    ([dict(kernel=3, padding=1), dict(kernel=3, padding=1), dict(kernel=2, stride=2),
      dict(kernel=3, padding=1)], [3, 5, 6, 10], [1, 1, 2, 2]),               # VGG block
    ([dict(kernel=3, dilation=2), dict(kernel=3, dilation=4)], [5, 13], [1, 1]),
    ([dict(kernel=7, stride=2, padding=3), dict(kernel=3, stride=2, padding=1)],
     [7, 11], [2, 4]),                                                       # ResNet stem
])
def test_receptive_fields_textbook(layers, rfs, jumps):
    rows = receptive_fields(layers)
    assert [r["rf"] for r in rows] == rfs
    assert [r["jump"] for r in rows] == jumps
    assert all(r["size"] is None for r in rows)


def test_receptive_fields_sizes():
    rows = receptive_fields([dict(kernel=7, stride=2, padding=3),
                             dict(kernel=3, stride=2, padding=1)], in_size=224)
    assert [r["size"] for r in rows] == [112, 56]


def _empirical_rf(layers, size=48):
    """Receptive field and jump of a torch conv stack along one axis, from input gradients."""
    grads = []
    for pixel in (0, 1):
        x = torch.zeros(1, 1, size, 3, dtype=torch.float64, requires_grad=True)
        y = x
        for layer in layers:
            k = layer["kernel"]
            y = F.conv2d(y, torch.ones(1, 1, k, 1, dtype=torch.float64),
                         stride=(layer.get("stride", 1), 1),
                         dilation=(layer.get("dilation", 1), 1))
        y[0, 0, pixel, 0].backward()
        grads.append(np.flatnonzero(x.grad[0, 0, :, 0].numpy()))
    return grads[0][-1] - grads[0][0] + 1, grads[1][0] - grads[0][0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.fixed_dictionaries({"kernel": st.integers(1, 4), "stride": st.integers(1, 2),
                                       "dilation": st.integers(1, 2)}), min_size=1, max_size=4))
def test_receptive_fields_match_torch_gradients(layers):
    """The field a unit sees is where its gradient reaches in the input (kernels of ones)."""
    try:
        receptive_fields(layers, in_size=48)  # must fit (and the pixel-1 unit must exist)
        assume(receptive_fields(layers, in_size=48)[-1]["size"] >= 2)
    except ValueError:
        assume(False)
    last = receptive_fields(layers)[-1]
    assert (last["rf"], last["jump"]) == _empirical_rf(layers)


# --------------------------------------------------------------------------------------------
# the zoo: layer tables and parameter counts

EXTRA_STACKS = {
    "same_bn": ["conv 3x3x4 pad=same", "batchnorm", "relu", "conv 5x5x6 pad=same nobias",
                "maxpool", "fc 20"],
    "stride_dilation": ["conv 3x3x8 stride=2", "relu", "conv 3x3x8 dilation=2 pad=1",
                        "maxpool 3 stride=2", "fc 16 nobias", "batchnorm", "tanh"],
    "rect_nobias": ["conv 2x4x5 nobias", "sigmoid", "conv 4x2x3 stride=3 pad=2"],
    "mlp_bn": ["fc 40 nobias", "batchnorm", "relu", "fc 30", "sigmoid", "fc 20 nobias"],
    "even_same": ["conv 4x4x3 pad=same dilation=2", "maxpool 3", "conv 2x2x2 pad=same"],
    "empty": [],
}


def _zoo(raw_config):
    stacks = dict(raw_config["models"])
    stacks.update({f"{k}_sigmoid": with_activation(v, "sigmoid")
                   for k, v in raw_config["models"].items()})
    return {**stacks, **EXTRA_STACKS}


def test_parameter_count_formula_matches_torch_for_every_model(raw_config):
    zoo = _zoo(raw_config)
    assert set(raw_config["models"]) <= set(zoo)
    for name, layers in zoo.items():
        for in_shape, n_classes in ((IN_SHAPE, N_CLASSES), ((3, 32, 32), 7)):
            torch.manual_seed(0)
            model = build_model(layers, in_shape, n_classes)
            got = parameter_count_formula(layers, in_shape, n_classes)
            assert got["total"] == count_parameters(model), (name, in_shape)
            assert sum(t[2] for t in got["terms"]) == got["total"]
            # the printed expression is the count: digits, +, * and parentheses only
            assert re.fullmatch(r"[\d+*() ]+", got["expression"])
            assert eval(got["expression"]) == got["total"]   # only arithmetic, checked above
            assert got["kind"] == ("cnn" if any(t.startswith("conv") for t in layers)
                                   else "mlp")
            assert got["formula"].startswith("P = ")


def test_parameter_count_formula_known_values():
    got = parameter_count_formula(["fc 32", "relu"], IN_SHAPE, N_CLASSES)
    assert got["expression"] == "(784+1)*32 + (32+1)*10" and got["total"] == 25450
    got = parameter_count_formula(["conv 3x3x16 nobias", "batchnorm"], IN_SHAPE, N_CLASSES)
    assert got["expression"] == "3*3*1*16 + 2*16 + (10816+1)*10"


def test_zoo_layer_table_shapes_match_models(raw_config):
    for name, layers in _zoo(raw_config).items():
        rows = zoo_layer_table(layers, IN_SHAPE)
        assert [r[0] for r in rows] == list(layers)
        assert [r[1] for r in rows] == layer_shapes(layers, IN_SHAPE), name


def test_zoo_layer_table_cnn_3():
    rows = zoo_layer_table(["conv 3x3x16", "relu", "conv 5x5x8", "relu", "maxpool",
                            "conv 7x7x16", "maxpool", "fc 32"], IN_SHAPE)
    assert rows == [
        ("conv 3x3x16", (16, 26, 26), (3, 3), (1, 1)),
        ("relu", (16, 26, 26), (3, 3), (1, 1)),
        ("conv 5x5x8", (8, 22, 22), (7, 7), (1, 1)),
        ("relu", (8, 22, 22), (7, 7), (1, 1)),
        ("maxpool", (8, 11, 11), (8, 8), (2, 2)),
        ("conv 7x7x16", (16, 5, 5), (20, 20), (2, 2)),
        ("maxpool", (16, 2, 2), (22, 22), (4, 4)),
        ("fc 32", (32,), (28, 28), None),                 # whole image after the flatten
    ]


def test_zoo_layer_table_rect_and_dilated():
    rows = zoo_layer_table(["conv 3x5x4 dilation=2 stride=2", "maxpool 3 stride=1"], (2, 20, 30))
    assert rows[0][1:] == ((4, 8, 11), (5, 9), (2, 2))
    assert rows[1][1:] == ((4, 6, 9), (9, 13), (2, 2))


def test_zoo_layer_table_rejects_conv_after_fc_and_tiny_inputs():
    with pytest.raises(ValueError, match="needs a \\(C, H, W\\) input"):
        zoo_layer_table(["fc 10", "conv 3x3x4"], IN_SHAPE)
    with pytest.raises(ValueError, match="conv 7x7x4"):
        zoo_layer_table(["conv 7x7x4", "maxpool", "conv 7x7x4"], (1, 12, 12))
    assert math.prod(zoo_layer_table(["conv 3x3x4"], (1, 3, 3))[0][1]) == 4
