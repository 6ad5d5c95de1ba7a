"""Build torch models from the layer lists declared in config.yaml.

Grammar of one layer (also enforced by the config schema):
    fc N [nobias] | conv KxKxC [stride=S] [pad=P|same] [dilation=D] [nobias]
    maxpool [K] [stride=S] | relu | sigmoid | tanh | identity | batchnorm | dropout P
identity is no nonlinearity (nn.Identity); dropout P zeroes each input with probability P and
scales the rest by 1/(1 - P) in training mode only (nn.Dropout: the identity in eval mode).
A flatten is inserted before the first fc; the prediction layer (fc to the number of classes,
no softmax) is appended.
"""
import math
import re

from .lazy import lazy_import

torch = lazy_import("torch")

ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh",
               "identity": "Identity"}  # torch.nn class names


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
    if kind == "dropout" and len(args) == 1 and re.fullmatch(r"\d*\.?\d+", args[0]):
        p = float(args[0])
        if p < 1:
            return {"kind": "dropout", "p": p}
        raise ArchitectureError(f"cannot parse layer {text!r}: a dropout probability is "
                                "below 1")
    if kind in ACTIVATIONS or kind == "batchnorm":
        if not args:
            return {"kind": kind}
    raise ArchitectureError(f"cannot parse layer {text!r}")


def with_activation(layers, activation):
    """The variant of a declared layer list with every relu replaced (e.g. the sigmoid variant)."""
    return [activation if layer == "relu" else layer for layer in layers]


def output_size(size, kernel, stride=1, padding=0, dilation=1):
    """Output length along one axis: floor((size + 2p - d(k-1) - 1) / s) + 1, as torch.

    padding may be 'same' (stride 1 only: the output keeps the input size) or 'valid' (0).
    Raises ValueError when the dilated kernel does not fit, instead of returning a size < 1.
    """
    if stride < 1 or dilation < 1 or kernel < 1:
        raise ValueError(f"kernel, stride and dilation must be positive; got kernel {kernel}, "
                         f"stride {stride}, dilation {dilation}")
    if padding == "same":
        if stride != 1:
            raise ValueError(f"padding='same' needs stride 1; got stride {stride}")
        return size
    if padding == "valid":
        padding = 0
    if padding < 0:
        raise ValueError(f"padding must be non-negative; got {padding}")
    extent = dilation * (kernel - 1) + 1
    if extent > size + 2 * padding:
        raise ValueError(f"kernel {kernel} (dilated extent {extent}) is larger than the padded "
                         f"input {size + 2 * padding}: the output would be below one pixel")
    return (size + 2 * padding - extent) // stride + 1


def walk(layers, in_shape):
    """(text, spec, shape_in, shape_out, window) for every declared layer; window is a per-axis
    (kernel, stride, dilation) pair for conv/maxpool, None for layers without one."""
    shape = tuple(in_shape)
    for text in layers:
        spec = parse_layer(text)
        kind, window = spec["kind"], None
        if kind in ("conv", "maxpool"):
            if len(shape) != 3:
                raise ValueError(f"layer {text!r} needs a (C, H, W) input; got {shape}")
            if kind == "conv":
                window = [(spec["kh"], spec["stride"], spec["dilation"]),
                          (spec["kw"], spec["stride"], spec["dilation"])]
                pad, channels = spec["pad"], spec["out"]
            else:
                window = [(spec["size"], spec["stride"], 1)] * 2
                pad, channels = 0, shape[0]
            try:
                size = [output_size(n, k, s, pad, d)
                        for n, (k, s, d) in zip(shape[1:], window, strict=True)]
            except ValueError as err:
                raise ValueError(f"layer {text!r} on input {shape}: {err}") from None
            out = (channels, *size)
        elif kind == "fc":
            out = (spec["out"],)
        else:
            out = shape
        yield text, spec, shape, out, window
        shape = out


def layer_shapes(layers, in_shape):
    """Shape (C, H, W) or (F,) after every layer; raises ArchitectureError if one cannot fit."""
    try:
        return [out for _, _, _, out, _ in walk(layers, in_shape)]
    except ValueError as err:
        raise ArchitectureError(str(err)) from None


def build_model(layers, in_shape, num_classes):
    """nn.Sequential from a declared layer list, with the prediction layer appended."""
    layer_shapes(layers, in_shape)  # fail early with a message naming the layer
    nn = torch.nn
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
        elif kind == "dropout":
            modules.append(nn.Dropout(spec["p"]))
        else:
            modules.append(getattr(nn, ACTIVATIONS[kind])())
        if kind in ("conv", "maxpool"):
            shape = layer_shapes([text], shape)[0]
    if len(shape) == 3:
        modules.append(nn.Flatten())
    modules.append(nn.Linear(math.prod(shape), num_classes))
    return nn.Sequential(*modules)


def first_layer(model):
    """The first layer with weights (its weights are the pictures of the architecture study)."""
    return next(m for m in model if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)))


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def is_convolutional(layers):
    return any(layer.startswith("conv") for layer in layers)


def weight_layer_count(layers):
    """Depth = layers with weights, the prediction layer included."""
    return sum(layer.split()[0] in ("fc", "conv") for layer in layers) + 1


def weighted_layers(model):
    """[(position, kind, module)] of every layer with weights, in order: position counts them
    from 1 (the prediction layer last), kind is "conv", "fc" or "output" (the prediction
    layer, which build_model appends). The names of `layer_weight_decay` and weight norms."""
    found = [m for m in model if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]
    return [(i, "output" if i == len(found) else
             "conv" if isinstance(m, torch.nn.Conv2d) else "fc", m)
            for i, m in enumerate(found, start=1)]


def collapse_linear(model):
    """(W, b) of the one linear map x -> W x + b that `model` computes in eval mode, in float64
    from its weights (b = 0 where no layer has a bias), or None when the model has anything
    but flatten, fully connected, identity and dropout layers (a nonlinearity or a conv).

    A stack of affine maps is affine: W = W_k ... W_1, b = W_k (... (W_2 b_1 + b_2) ...) + b_k.
    """
    nn = torch.nn
    if not all(isinstance(m, (nn.Linear, nn.Flatten, nn.Identity, nn.Dropout)) for m in model):
        return None
    w, b = None, None
    for m in model:
        if not isinstance(m, nn.Linear):
            continue
        wm = m.weight.detach().to(torch.float64).cpu()
        bm = (m.bias.detach().to(torch.float64).cpu() if m.bias is not None
              else torch.zeros(wm.shape[0], dtype=torch.float64))
        w, b = (wm, bm) if w is None else (wm @ w, wm @ b + bm)
    return w, b
