"""The model builder: layer grammar, shapes, parameter counts, activation variants."""
import math
from pathlib import Path

import pytest
import torch
import yaml
from torch import nn

from nnstudies import models
from nnstudies.models import ArchitectureError, build_model, layer_shapes, parse_layer

torch.set_num_threads(1)
# torch's note on padding='same' with an even kernel (it pads asymmetrically; shapes are right)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

ZOO = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text())["models"]
IN_SHAPE = (1, 28, 28)


def declared_outputs(model, x):
    """Output shape after every declared layer, by running the Sequential module by module.

    The builder inserts a Flatten before the first fc (not a declared layer) and appends the
    prediction layer (also not declared): skip the former, drop the latter.
    """
    shapes = []
    mods = list(model)
    for m in mods[:-1]:  # the last module is the prediction layer
        x = m(x)
        if not isinstance(m, nn.Flatten):
            shapes.append(tuple(x.shape[1:]))
    return shapes, mods[-1](x)


def test_zoo_is_not_empty():
    assert {"mlp_1", "cnn_3"} <= set(ZOO)


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_maps_batch_to_logits(name):
    torch.manual_seed(0)
    model = build_model(ZOO[name], IN_SHAPE, 10)
    out = model(torch.rand(2, *IN_SHAPE))
    assert out.shape == (2, 10)
    assert torch.isfinite(out).all()
    # the prediction layer is a plain fully connected layer to the classes (no softmax)
    assert isinstance(list(model)[-1], nn.Linear)
    assert list(model)[-1].out_features == 10
    assert not any(isinstance(m, (nn.Softmax, nn.LogSoftmax)) for m in model)


@pytest.mark.parametrize("name", sorted(ZOO))
def test_layer_shapes_match_torch(name):
    layers = ZOO[name]
    model = build_model(layers, IN_SHAPE, 10)
    with torch.no_grad():
        actual, logits = declared_outputs(model, torch.zeros(3, *IN_SHAPE))
    predicted = layer_shapes(layers, IN_SHAPE)
    assert len(predicted) == len(layers)
    assert predicted == actual
    assert logits.shape == (3, 10)


def test_mlp_1_parameter_count():
    model = build_model(ZOO["mlp_1"], IN_SHAPE, 10)
    assert ZOO["mlp_1"] == ["fc 32", "relu"]
    assert models.count_parameters(model) == 784 * 32 + 32 + 32 * 10 + 10 == 25450


def test_mlp_2_parameter_count_without_bias():
    assert ZOO["mlp_2"] == ["fc 32", "relu", "fc 64 nobias"]
    model = build_model(ZOO["mlp_2"], IN_SHAPE, 10)
    expected = (784 * 32 + 32) + (32 * 64) + (64 * 10 + 10)
    assert models.count_parameters(model) == expected == 27818


def test_cnn_parameter_count_by_hand():
    layers = ["conv 3x3x16", "relu", "conv 5x5x8", "relu", "maxpool", "conv 7x7x16", "maxpool"]
    # 28 -conv3-> 26 -conv5-> 22 -pool-> 11 -conv7-> 5 -pool-> 2 ; 16 x 2 x 2 = 64 features
    conv1 = 1 * 16 * 3 * 3 + 16
    conv2 = 16 * 8 * 5 * 5 + 8
    conv3 = 8 * 16 * 7 * 7 + 16
    head = 16 * 2 * 2 * 10 + 10
    assert conv1 + conv2 + conv3 + head == 10306
    model = build_model(layers, IN_SHAPE, 10)
    assert models.count_parameters(model) == 10306
    assert layer_shapes(layers, IN_SHAPE)[-1] == (16, 2, 2)


def test_cnn_parameter_count_follows_class_count():
    layers = ["conv 3x3x4", "maxpool"]  # 28 -> 26 -> 13: 4 * 13 * 13 = 676 features
    model = build_model(layers, IN_SHAPE, 3)
    assert models.count_parameters(model) == (9 * 4 + 4) + (676 * 3 + 3)


def test_sigmoid_variant_replaces_every_relu():
    layers = ZOO["cnn_4"]
    assert layers.count("relu") >= 2
    variant = models.with_activation(layers, "sigmoid")
    assert "relu" not in variant
    assert variant.count("sigmoid") == layers.count("relu")
    assert len(variant) == len(layers)
    assert [a for a in variant if a != "sigmoid"] == [a for a in layers if a != "relu"]
    assert layers.count("relu") >= 2, "the declared list must not be modified"
    model = build_model(variant, IN_SHAPE, 10)
    assert any(isinstance(m, nn.Sigmoid) for m in model)
    assert not any(isinstance(m, nn.ReLU) for m in model)
    assert sum(isinstance(m, nn.Sigmoid) for m in model) == layers.count("relu")


def test_tanh_and_batchnorm_layers():
    model = build_model(["conv 3x3x4", "batchnorm", "tanh", "fc 8", "batchnorm", "relu"],
                        IN_SHAPE, 10)
    kinds = [type(m) for m in model]
    assert nn.BatchNorm2d in kinds and nn.BatchNorm1d in kinds and nn.Tanh in kinds
    bn2 = next(m for m in model if isinstance(m, nn.BatchNorm2d))
    bn1 = next(m for m in model if isinstance(m, nn.BatchNorm1d))
    assert bn2.num_features == 4 and bn1.num_features == 8
    assert model(torch.rand(2, *IN_SHAPE)).shape == (2, 10)


def test_impossible_architecture_names_the_layer():
    layers = ["conv 7x7x8"] * 5  # 28 -> 22 -> 16 -> 10 -> 4 -> -2
    with pytest.raises(ArchitectureError, match=r"conv 7x7x8"):
        layer_shapes(layers, IN_SHAPE)
    with pytest.raises(ArchitectureError, match=r"conv 7x7x8.*below one pixel"):
        build_model(layers, IN_SHAPE, 10)
    # four of them still fit: 4x4 maps
    assert layer_shapes(layers[:4], IN_SHAPE)[-1] == (8, 4, 4)


def test_pooling_below_one_pixel_raises():
    with pytest.raises(ArchitectureError, match="maxpool"):
        layer_shapes(["maxpool"] * 5, IN_SHAPE)  # 28 14 7 3 1 0
    assert layer_shapes(["maxpool"] * 4, IN_SHAPE)[-1] == (1, 1, 1)


@pytest.mark.parametrize("layers", [["fc 16", "conv 3x3x4"], ["fc 16", "maxpool"]])
def test_spatial_layer_after_fc_raises(layers):
    with pytest.raises(ArchitectureError, match=layers[1]):
        build_model(layers, IN_SHAPE, 10)


def test_pad_same_with_stride_raises():
    with pytest.raises(ArchitectureError, match="pad=same"):
        layer_shapes(["conv 3x3x4 stride=2 pad=same"], IN_SHAPE)


@pytest.mark.parametrize("text", [
    "fc", "fc abc", "fc -3", "conv", "conv 3x3", "conv 3x3x", "conv big", "relu 2", "sigmoid x",
    "batchnorm 8", "dropout", "softmax", "fullyconnected 10",
])
def test_parse_errors_raise(text):
    with pytest.raises(ArchitectureError, match="cannot parse"):
        parse_layer(text)
    with pytest.raises(ArchitectureError):
        build_model([text], IN_SHAPE, 10)


def test_parse_layer_fields():
    assert parse_layer("fc 32") == {"kind": "fc", "out": 32, "bias": True}
    assert parse_layer("fc 64 nobias") == {"kind": "fc", "out": 64, "bias": False}
    assert parse_layer("conv 3x5x16 stride=2 pad=1 dilation=2 nobias") == {
        "kind": "conv", "kh": 3, "kw": 5, "out": 16, "stride": 2, "dilation": 2, "pad": 1,
        "bias": False}
    assert parse_layer("conv 3x3x8 pad=same")["pad"] == "same"
    assert parse_layer("maxpool") == {"kind": "maxpool", "size": 2, "stride": 2}
    assert parse_layer("maxpool 3") == {"kind": "maxpool", "size": 3, "stride": 3}
    assert parse_layer("maxpool 3 stride=1") == {"kind": "maxpool", "size": 3, "stride": 1}
    assert parse_layer("maxpool stride=1") == {"kind": "maxpool", "size": 2, "stride": 1}
    assert parse_layer("relu") == {"kind": "relu"}


@pytest.mark.parametrize("text", ["conv 3x3x6 pad=same", "conv 5x5x6 pad=same",
                                  "conv 4x4x6 pad=same", "conv 3x3x6 pad=same dilation=3"])
def test_pad_same_keeps_the_size(text):
    assert layer_shapes([text], IN_SHAPE) == [(6, 28, 28)]
    model = build_model([text], IN_SHAPE, 10)
    with torch.no_grad():
        assert model[0](torch.zeros(2, *IN_SHAPE)).shape == (2, 6, 28, 28)
    # without padding the same kernel shrinks the image
    assert layer_shapes([text.replace(" pad=same", "")], IN_SHAPE)[0][1] < 28


@pytest.mark.parametrize("text,size", [
    ("conv 3x3x4 pad=1", 28), ("conv 3x3x4 stride=2", 13), ("conv 3x3x4 stride=2 pad=1", 14),
    ("conv 3x3x4 dilation=2", 24), ("conv 1x1x4", 28), ("conv 5x3x4", None),
    ("maxpool 3", 9), ("maxpool 3 stride=1", 26), ("maxpool 2 stride=3", 9),
])
def test_conv_and_pool_options_match_torch(text, size):
    model = build_model([text], IN_SHAPE, 10)
    with torch.no_grad():
        actual = tuple(model[0](torch.zeros(1, *IN_SHAPE)).shape[1:])
    assert layer_shapes([text], IN_SHAPE) == [actual]
    if size is not None:
        assert actual[1:] == (size, size)
    assert model(torch.zeros(2, *IN_SHAPE)).shape == (2, 10)


def test_nobias():
    with_bias = build_model(["conv 3x3x4", "fc 8"], IN_SHAPE, 10)
    without = build_model(["conv 3x3x4 nobias", "fc 8 nobias"], IN_SHAPE, 10)
    conv_b, conv_n = with_bias[0], without[0]
    assert conv_b.bias is not None and conv_n.bias is None
    fc_b = [m for m in with_bias if isinstance(m, nn.Linear)]
    fc_n = [m for m in without if isinstance(m, nn.Linear)]
    assert fc_b[0].bias is not None and fc_n[0].bias is None
    # the prediction layer always keeps its bias
    assert fc_n[-1].bias is not None
    assert models.count_parameters(with_bias) - models.count_parameters(without) == 4 + 8


def test_first_layer_and_helpers():
    model = build_model(ZOO["mlp_1"], IN_SHAPE, 10)
    assert models.first_layer(model).weight.shape == (32, 784)
    model = build_model(["maxpool", "conv 3x3x5", "relu"], IN_SHAPE, 10)
    assert models.first_layer(model).weight.shape == (5, 1, 3, 3)
    assert models.is_convolutional(ZOO["cnn_3"]) and not models.is_convolutional(ZOO["mlp_2"])
    assert models.weight_layer_count(ZOO["mlp_1"]) == 2
    assert models.weight_layer_count(ZOO["mlp_2"]) == 3
    assert models.weight_layer_count(ZOO["cnn_5"]) == 7


@pytest.mark.parametrize("size,kernel,stride,pad,dilation", [
    (28, 3, 1, 0, 1), (28, 5, 2, 2, 1), (13, 3, 2, 0, 2), (7, 2, 2, 0, 1), (9, 4, 3, 1, 1)])
def test_conv_output_size_agrees_with_torch(size, kernel, stride, pad, dilation):
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=pad, dilation=dilation)
    expected = conv(torch.zeros(1, 1, size, size)).shape[-1]
    assert models.output_size(size, kernel, stride, pad, dilation) == expected
    formula = math.floor((size + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1)
    assert expected == formula


# ---------------------------------------------------------------------------- random layer lists
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

conv_layer = st.builds(
    lambda k1, k2, c, s, p, d, b: (f"conv {k1}x{k2}x{c}" + (f" stride={s}" if s > 1 else "")
                                   + (f" pad={p}" if p != "0" else "")
                                   + (f" dilation={d}" if d > 1 else "")
                                   + (" nobias" if b else "")),
    st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.integers(1, 3),
    st.sampled_from(["0", "1", "2", "same"]), st.integers(1, 3), st.booleans())
pool_layer = st.builds(lambda k, s: f"maxpool {k}" + (f" stride={s}" if s else ""),
                       st.integers(1, 4), st.one_of(st.none(), st.integers(1, 3)))
simple_layer = st.sampled_from(["relu", "sigmoid", "tanh", "batchnorm"])
fc_layer = st.builds(lambda n, b: f"fc {n}" + (" nobias" if b else ""), st.integers(1, 12),
                     st.booleans())
spatial = st.lists(st.one_of(conv_layer, pool_layer, simple_layer), min_size=1, max_size=7)
# mostly fc layers at the end; sometimes a conv or pool after an fc (must be rejected)
tail = st.lists(st.one_of(fc_layer, simple_layer, fc_layer, conv_layer, pool_layer), max_size=3)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spatial, tail, st.integers(2, 5))
def test_random_layer_lists_agree_with_torch(convs, fcs, n_classes):
    """layer_shapes either predicts every torch output shape or names a layer that cannot fit;
    in the latter case torch cannot run the list either."""
    layers = convs + fcs
    try:
        predicted = layer_shapes(layers, IN_SHAPE)
    except ArchitectureError as err:
        event("rejected")
        assert any(repr(layer) in str(err) for layer in layers)
        assert_torch_rejects_first_bad_layer(layers)
        return
    event("accepted")
    model = build_model(layers, IN_SHAPE, n_classes).eval()
    with torch.no_grad():
        actual, logits = declared_outputs(model, torch.rand(2, *IN_SHAPE))
    assert actual == predicted
    assert logits.shape == (2, n_classes)


def assert_torch_rejects_first_bad_layer(layers):
    """Run the longest prefix that fits in torch, then the offending layer as a torch module."""
    bad = next(i for i in range(len(layers)) if not fits(layers[:i + 1]))
    prefix, spec = layers[:bad], parse_layer(layers[bad])
    mods = list(build_model(prefix, IN_SHAPE, 3))[:-1]  # without the prediction layer
    if mods and isinstance(mods[-1], nn.Flatten):
        mods = mods[:-1]  # the flatten the builder added for the prediction layer
    x = torch.rand(2, *IN_SHAPE)
    with torch.no_grad():
        for m in mods:
            x = m(x)
        with pytest.raises((RuntimeError, ValueError)):
            if spec["kind"] == "conv":
                layer = nn.Conv2d(x.shape[1], spec["out"], (spec["kh"], spec["kw"]),
                                  stride=spec["stride"], padding=spec["pad"],
                                  dilation=spec["dilation"])
            else:
                layer = nn.MaxPool2d(spec["size"], spec["stride"])
            out = layer(x)
            if out.ndim != 4 or 0 in out.shape:
                raise RuntimeError(f"torch gave shape {tuple(out.shape)}")


def fits(layers):
    try:
        layer_shapes(layers, IN_SHAPE)
        return True
    except ArchitectureError:
        return False


# ---------------------------------------------------------------------------- dropout, identity

def test_dropout_layer_parses_and_builds():
    assert parse_layer("dropout 0.5") == {"kind": "dropout", "p": 0.5}
    assert parse_layer("dropout .25") == {"kind": "dropout", "p": 0.25}
    assert parse_layer("dropout 0") == {"kind": "dropout", "p": 0.0}
    model = build_model(["conv 3x3x4", "relu", "maxpool", "fc 8", "relu", "dropout 0.3"],
                        IN_SHAPE, 10)
    drops = [m for m in model if isinstance(m, nn.Dropout)]
    assert len(drops) == 1 and drops[0].p == 0.3
    assert list(model).index(drops[0]) == len(model) - 2  # just before the prediction layer
    # no weights, no change of shape: the same count as without it
    plain = build_model(["conv 3x3x4", "relu", "maxpool", "fc 8", "relu"], IN_SHAPE, 10)
    assert models.count_parameters(model) == models.count_parameters(plain)
    assert layer_shapes(["conv 3x3x4", "dropout 0.5"], IN_SHAPE) == [(4, 26, 26)] * 2


@pytest.mark.parametrize("text", ["dropout 1", "dropout 1.5", "dropout -0.1", "dropout x",
                                  "dropout 0.5 0.2"])
def test_bad_dropout_raises(text):
    with pytest.raises(ArchitectureError, match="cannot parse"):
        parse_layer(text)


def test_dropout_is_active_in_training_mode_only():
    torch.manual_seed(0)
    model = build_model(["fc 64", "dropout 0.5"], IN_SHAPE, 10)
    x = torch.rand(4, *IN_SHAPE)
    with torch.no_grad():
        model.train()
        a, b = model(x), model(x)
        assert not torch.equal(a, b)  # a new mask each call
        model.eval()
        c, d = model(x), model(x)
    assert torch.equal(c, d)
    no_dropout = build_model(["fc 64", "identity"], IN_SHAPE, 10)  # same module positions
    no_dropout.load_state_dict(model.state_dict())
    with torch.no_grad():
        assert torch.equal(c, no_dropout.eval()(x))  # eval mode: the identity


def test_identity_activation_and_the_linear_map():
    assert parse_layer("identity") == {"kind": "identity"}
    layers = models.with_activation(["fc 16", "relu", "fc 8 nobias", "relu"], "identity")
    assert layers == ["fc 16", "identity", "fc 8 nobias", "identity"]
    torch.manual_seed(0)
    model = build_model(layers, IN_SHAPE, 10)
    w, b = models.collapse_linear(model)
    assert w.shape == (10, 28 * 28) and b.shape == (10,) and w.dtype == torch.float64
    x = torch.rand(5, *IN_SHAPE)
    with torch.no_grad():
        net = model(x).double()
    assert torch.allclose(net, x.flatten(1).double() @ w.T + b, atol=1e-5)
    # by hand: W = W3 W2 W1, b = W3 (W2 b1) + b3 (the second layer has no bias)
    l1, l2, l3 = [m for m in model if isinstance(m, nn.Linear)]
    w1, w2, w3 = (m.weight.detach().double() for m in (l1, l2, l3))
    assert torch.allclose(w, w3 @ w2 @ w1)
    assert torch.allclose(b, w3 @ (w2 @ l1.bias.detach().double()) + l3.bias.detach().double())
    # a nonlinearity or a conv: no single linear map
    assert models.collapse_linear(build_model(["fc 16", "relu"], IN_SHAPE, 10)) is None
    assert models.collapse_linear(build_model(["conv 3x3x2"], IN_SHAPE, 10)) is None
    # no hidden layer: the prediction layer itself
    lin = build_model([], IN_SHAPE, 10)
    w, b = models.collapse_linear(lin)
    assert torch.equal(w, list(lin)[-1].weight.detach().double())


def test_weighted_layers_name_conv_fc_and_output():
    model = build_model(["conv 3x3x4", "relu", "maxpool", "fc 8", "relu"], IN_SHAPE, 10)
    assert [(i, kind) for i, kind, _ in models.weighted_layers(model)] == [
        (1, "conv"), (2, "fc"), (3, "output")]
