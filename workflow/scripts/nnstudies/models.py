"""Build torch models from the layer lists declared in config.yaml.

Grammar of one layer (also enforced by the config schema):
    fc N [nobias] | conv KxKxC [stride=S] [pad=P|same] [dilation=D] [nobias]
    maxpool [K] [stride=S] | relu | sigmoid | tanh | batchnorm
A flatten is inserted before the first fc; the prediction layer (fc to the number of classes,
no softmax) is appended.
"""
import math
import re

from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


class ArchitectureError(ValueError):
    """A declared model that cannot be built (bad layer or an image shrunk below one pixel)."""


def parse_layer(text):
    """'conv 3x3x16 pad=1' -> {'kind': 'conv', 'kh': 3, 'kw': 3, 'out': 16, 'pad': 1, ...}."""
    words = text.split()
    kind, args = words[0], words[1:]
    opts = dict(a.split("=", 1) for a in args if "=" in a)
    flags = {a for a in args if "=" not in a}
    if kind == "fc" and args and re.fullmatch(r"\d+", args[0]):
        return {"kind": "fc", "out": int(args[0]), "bias": "nobias" not in flags}
    if kind == "conv" and args and re.fullmatch(r"\d+x\d+x\d+", args[0]):
        kh, kw, out = map(int, args[0].split("x"))
        pad = opts.get("pad", "0")
        return {"kind": "conv", "kh": kh, "kw": kw, "out": out,
                "stride": int(opts.get("stride", 1)), "dilation": int(opts.get("dilation", 1)),
                "pad": pad if pad == "same" else int(pad), "bias": "nobias" not in flags}
    if kind == "maxpool":
        size = int(args[0]) if args and "=" not in args[0] else 2
        return {"kind": "maxpool", "size": size, "stride": int(opts.get("stride", size))}
    if kind in ACTIVATIONS or kind == "batchnorm":
        if not args:
            return {"kind": kind}
    raise ArchitectureError(f"cannot parse layer {text!r}")


def with_activation(layers, activation):
    """The variant of a declared layer list with every relu replaced (e.g. the sigmoid variant)."""
    return [activation if layer == "relu" else layer for layer in layers]


def conv_output_size(size, kernel, stride=1, pad=0, dilation=1):
    """Output length of a convolution or pooling along one axis (floor mode, as torch)."""
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def layer_shapes(layers, in_shape):
    """Shape (C, H, W) or (F,) after every layer; raises ArchitectureError if one cannot fit."""
    shape, shapes = tuple(in_shape), []
    for text in layers:
        spec = parse_layer(text)
        kind = spec["kind"]
        if kind == "conv":
            if len(shape) != 3:
                raise ArchitectureError(f"layer {text!r} follows a fully connected layer")
            c, h, w = shape
            if spec["pad"] == "same":
                if spec["stride"] != 1:
                    raise ArchitectureError(f"layer {text!r}: pad=same needs stride=1")
                oh, ow = h, w
            else:
                oh = conv_output_size(h, spec["kh"], spec["stride"], spec["pad"], spec["dilation"])
                ow = conv_output_size(w, spec["kw"], spec["stride"], spec["pad"], spec["dilation"])
            shape = (spec["out"], oh, ow)
        elif kind == "maxpool":
            if len(shape) != 3:
                raise ArchitectureError(f"layer {text!r} follows a fully connected layer")
            c, h, w = shape
            shape = (c, conv_output_size(h, spec["size"], spec["stride"]),
                     conv_output_size(w, spec["size"], spec["stride"]))
        elif kind == "fc":
            shape = (spec["out"],)
        if min(shape) < 1:
            raise ArchitectureError(
                f"layer {text!r} shrinks the {in_shape[1]}x{in_shape[2]} input to {shape}: "
                "below one pixel")
        shapes.append(shape)
    return shapes


def build_model(layers, in_shape, num_classes):
    """nn.Sequential from a declared layer list, with the prediction layer appended."""
    layer_shapes(layers, in_shape)  # fail early with a message naming the layer
    modules, shape = [], tuple(in_shape)
    for text in layers:
        spec = parse_layer(text)
        kind = spec["kind"]
        if kind == "fc":
            if len(shape) == 3:
                modules.append(nn.Flatten())
            modules.append(nn.Linear(math.prod(shape), spec["out"], bias=spec["bias"]))
            shape = (spec["out"],)
        elif kind == "conv":
            modules.append(nn.Conv2d(shape[0], spec["out"], (spec["kh"], spec["kw"]),
                                     stride=spec["stride"], padding=spec["pad"],
                                     dilation=spec["dilation"], bias=spec["bias"]))
        elif kind == "maxpool":
            modules.append(nn.MaxPool2d(spec["size"], spec["stride"]))
        elif kind == "batchnorm":
            norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
            modules.append(norm(shape[0]))
        else:
            modules.append(ACTIVATIONS[kind]())
        if kind in ("conv", "maxpool"):
            shape = layer_shapes([text], shape)[0]
    if len(shape) == 3:
        modules.append(nn.Flatten())
    modules.append(nn.Linear(math.prod(shape), num_classes))
    return nn.Sequential(*modules)


def first_layer(model):
    """The first layer with weights (its weights are the pictures of the architecture study)."""
    return next(m for m in model if isinstance(m, (nn.Linear, nn.Conv2d)))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def is_convolutional(layers):
    return any(layer.startswith("conv") for layer in layers)


def weight_layer_count(layers):
    """Depth = layers with weights, the prediction layer included."""
    return sum(layer.split()[0] in ("fc", "conv") for layer in layers) + 1
