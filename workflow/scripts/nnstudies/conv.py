"""Study 2: a convolution layer in NumPy, and the arithmetic around it.

`conv2d` is the fast, vectorised forward pass (an im2col copy per chunk of images, then one
BLAS matmul per image); `conv2d_loops` is the plain nested-loop definition, kept as the slow
baseline and as an independent oracle for tests. The rest is shape arithmetic: output sizes,
receptive fields and closed-form parameter counts for the model zoo declared in config.yaml.

Conventions follow torch.nn.functional.conv2d: x is (N, C, H, W), w is (O, C, kh, kw), the
operation is a cross-correlation (the kernel is not flipped) and output sizes are floored.
"""
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided

from nnstudies.models import output_size, parse_layer, walk  # noqa: F401 (re-exported)

# im2col scratch per chunk of images: about this many bytes. A few images at a time keeps the
# copy and the matmul working in cache; measured on the benchmark cases (bench/bench_conv.py),
# chunks of ~2 MiB beat one copy of the whole batch by 20-25 %.
CHUNK_BYTES = 2 << 20

PARAM_FORMULAS = {
    "mlp": ("P = sum over fc layers l of (n_{l-1} + 1) * n_l   [n_{l-1} * n_l without bias]"
            "  +  (n_L + 1) * K   (n_0 = C*H*W inputs, K classes)"),
    "cnn": ("P = sum over conv layers of (k_h * k_w * C_in + 1) * C_out"
            "   [k_h * k_w * C_in * C_out without bias]  +  sum over batchnorm of 2 * C"
            "  +  fc layers as in the MLP  +  (F + 1) * K   (F = C*H*W of the last feature map"
            " or the last fc width, K classes)"),
}


# ---------------------------------------------------------------------------------------------
# argument checking (shared by both implementations so that they reject the same inputs)

def _pair(value, name):
    """An int or an (h, w) pair -> (h, w), so every argument can be given either way."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                 for v in pair):
        raise ValueError(f"{name} must be an int or an (h, w) pair of ints; got {value!r}")
    return int(pair[0]), int(pair[1])


def _same_padding(kernel, dilation):
    """torch's padding='same': total d*(k-1), the odd pixel goes to the bottom/right."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def _check(x, w, b, stride, padding, dilation):
    """Validate and normalise the arguments; returns everything both implementations need."""
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4:
        raise ValueError(f"x must be 4-D (N, C, H, W); got {x.ndim}-D with shape {x.shape}")
    if w.ndim != 4:
        raise ValueError(f"w must be 4-D (O, C, kh, kw); got {w.ndim}-D with shape {w.shape}")
    _, c, h, wd = x.shape
    o, cw, kh, kw = w.shape
    if c != cw:
        raise ValueError(f"channel mismatch: x has {c} input channels (x.shape[1]) "
                         f"but w expects {cw} (w.shape[1])")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel must be at least 1x1; got {kh}x{kw}")
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    if min(stride) < 1:
        raise ValueError(f"stride must be positive; got {stride}")
    if min(dilation) < 1:
        raise ValueError(f"dilation must be positive; got {dilation}")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(f"padding='same' needs stride 1; got stride {stride}")
            pads = _same_padding(kh, dilation[0]) + _same_padding(kw, dilation[1])
        else:
            raise ValueError(f"padding must be an int, an (h, w) pair, 'valid' or 'same'; "
                             f"got {padding!r}")
    else:
        ph, pw = _pair(padding, "padding")
        if min(ph, pw) < 0:
            raise ValueError(f"padding must be non-negative; got {(ph, pw)}")
        pads = (ph, ph, pw, pw)
    hp, wp = h + pads[0] + pads[1], wd + pads[2] + pads[3]
    eh, ew = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    if eh > hp or ew > wp:
        raise ValueError(f"kernel {kh}x{kw} (dilated extent {eh}x{ew}) is larger than the "
                         f"padded input {hp}x{wp}")
    arrays = [x, w]
    if b is not None:
        b = np.asarray(b)
        if b.shape != (o,):
            raise ValueError(f"b must have shape ({o},), one bias per output channel; "
                             f"got {b.shape}")
        arrays.append(b)
    dtype = np.result_type(*arrays)
    if not np.issubdtype(dtype, np.inexact):
        dtype = np.dtype(np.float64)
    oh, ow = (hp - eh) // stride[0] + 1, (wp - ew) // stride[1] + 1
    return x, w, b, dtype, stride, pads, dilation, (hp, wp), (oh, ow)


# ---------------------------------------------------------------------------------------------
# the convolution

def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Forward 2-D convolution (cross-correlation) as torch.nn.functional.conv2d computes it.

    x (N, C, H, W), w (O, C, kh, kw), b (O,) or None; stride, padding and dilation are ints or
    (h, w) pairs, padding may also be 'valid' or 'same'. Returns (N, O, H', W') in the common
    floating dtype of the inputs.

    Why this formulation: every output pixel is a dot product of the flattened kernel with one
    window of the input, so copying the windows into a matrix (im2col) turns the whole layer
    into matrix products that BLAS runs near peak. The copy is done a few images at a time
    (CHUNK_BYTES) so that it stays in cache. For stride 1 the windows are taken along whole
    padded rows ("full width"): each copied run is then one long contiguous slice instead of
    W' short ones, at the price of computing kw-1 junk columns per row that are never shown -
    the result is a view that hides them (not C-contiguous; np.ascontiguousarray it if needed).
    Loops over kernel offsets, einsum and tensordot on sliding_window_view were slower
    (bench/bench_conv.py --variants).
    """
    x, w, b, dtype, (sh, sw), (pt, pb, pl, pr), (dh, dw), (hp, wp), (oh, ow) = _check(
        x, w, b, stride, padding, dilation)
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    if pt or pb or pl or pr:
        xp = np.zeros((n, c, hp, wp), dtype)
        xp[:, :, pt:pt + h, pl:pl + wd] = x
    else:
        xp = np.ascontiguousarray(x, dtype=dtype)
    wm = np.ascontiguousarray(w, dtype=dtype).reshape(o, c * kh * kw)
    k = c * kh * kw
    s_n, s_c, s_h, s_w = xp.strides

    full_width = sh == 1 and sw == 1
    if full_width:
        # output pixel p = i*wp + j of one image starts at input element p (+ kernel offset):
        # a window row of the im2col matrix is one contiguous run of length (oh-1)*wp + ow.
        run = (oh - 1) * wp + ow
        window_shape = (c, kh, kw, run)
        window_strides = (s_c, dh * s_h, dw * s_w, s_w)
        out = np.empty((n, o, oh * wp), dtype)
    else:
        run = oh * ow
        window_shape = (c, kh, kw, oh, ow)
        window_strides = (s_c, dh * s_h, dw * s_w, sh * s_h, sw * s_w)
        out = np.empty((n, o, run), dtype)

    chunk = max(1, min(n, CHUNK_BYTES // max(1, k * run * dtype.itemsize)))
    cols = np.empty((chunk,) + window_shape, dtype)
    for n0 in range(0, n, chunk):
        m = min(chunk, n - n0)
        windows = as_strided(xp[n0:], (m,) + window_shape, (s_n,) + window_strides,
                             writeable=False)
        np.copyto(cols[:m], windows)
        np.matmul(wm, cols[:m].reshape(m, k, run), out=out[n0:n0 + m, :, :run])

    if full_width:
        result = out.reshape(n, o, oh, wp)[:, :, :, :ow]
    else:
        result = out.reshape(n, o, oh, ow)
    if b is not None:
        result += b.astype(dtype)[:, None, None]
    return result


def conv2d_loops(x, w, b=None, stride=1, padding=0, dilation=1):
    """The definition, one output pixel at a time: the slow baseline and the test oracle.

    out[n, o, i, j] = b[o] + sum over (c, u, v) of w[o, c, u, v] * xpad[n, c, i*sh + u*dh,
    j*sw + v*dw]. Same arguments and checks as conv2d; padding is done independently (np.pad).
    """
    x, w, b, dtype, (sh, sw), (pt, pb, pl, pr), (dh, dw), _, (oh, ow) = _check(
        x, w, b, stride, padding, dilation)
    n_img, _, _, _ = x.shape
    n_out, _, kh, kw = w.shape
    xp = np.pad(x.astype(dtype), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    w = w.astype(dtype)
    out = np.zeros((n_img, n_out, oh, ow), dtype)
    for n in range(n_img):
        for o in range(n_out):
            for i in range(oh):
                for j in range(ow):
                    window = xp[n, :, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                                j * sw:j * sw + dw * (kw - 1) + 1:dw]
                    out[n, o, i, j] = np.sum(window * w[o])
            if b is not None:
                out[n, o] += b[o]
    return out


# ---------------------------------------------------------------------------------------------
# output sizes and receptive fields

def receptive_fields(layers, in_size=None):
    """Per layer of a stack: output size, receptive field and jump along one axis.

    layers: dicts with 'kernel' and optional 'stride', 'padding', 'dilation' (a pooling layer is
    a kernel too). With k_eff = d(k-1)+1 the receptive field grows by (k_eff-1) input steps of
    the current jump: r_out = r_in + (k_eff - 1) * j_in, and the jump (distance in input pixels
    between neighbouring outputs) multiplies by the stride: j_out = j_in * s. Returns a list of
    {'size', 'rf', 'jump'}; 'size' is None unless in_size is given.
    """
    rf, jump, size, rows = 1, 1, in_size, []
    for layer in layers:
        kernel = layer["kernel"]
        stride, padding = layer.get("stride", 1), layer.get("padding", 0)
        dilation = layer.get("dilation", 1)
        if size is not None:
            size = output_size(size, kernel, stride, padding, dilation)
        elif kernel < 1 or stride < 1 or dilation < 1:
            raise ValueError(f"kernel, stride and dilation must be positive in {layer!r}")
        rf += (dilation * (kernel - 1)) * jump
        jump *= stride
        rows.append({"size": size, "rf": rf, "jump": jump})
    return rows


def zoo_layer_table(layers, in_shape):
    """Rows (layer text, output shape, receptive field (h, w), jump (h, w)) for a declared stack.

    Convolutions and max-pools grow the receptive field (a pool is a kernel); activations and
    batchnorm pass it through. From the first fc layer on (after the flatten) every unit sees
    the whole image: the receptive field is the input (H, W) and the jump is None.
    """
    rf, jump, rows = (1, 1), (1, 1), []
    for text, spec, _, out, window in walk(layers, in_shape):
        if window is not None:
            rf = tuple(r + d * (k - 1) * j
                       for r, j, (k, s, d) in zip(rf, jump, window, strict=True))
            jump = tuple(j * s for j, (k, s, d) in zip(jump, window, strict=True))
        elif spec["kind"] == "fc":
            rf, jump = tuple(in_shape[1:]), None
        rows.append((text, out, rf, jump))
    return rows


def parameter_count_formula(layers, in_shape, n_classes):
    """Parameters of build_model(layers, in_shape, n_classes) by closed-form formulas.

    fc: (in+1)*out, in*out without bias; conv: (kh*kw*C_in+1)*C_out, kh*kw*C_in*C_out without
    bias; batchnorm: 2*C (scale and shift; running statistics are buffers, not parameters);
    the appended prediction layer: (in+1)*n_classes. Written out so a report can print the
    formula and its instance next to the framework's count. Returns a dict:
    total, kind ('mlp' or 'cnn'), formula (PARAM_FORMULAS[kind]), expression (the instance,
    e.g. '(784+1)*32 + (32+1)*10'), terms [(layer text, expression, count)].
    """
    terms, last = [], tuple(in_shape)
    for text, spec, shape_in, shape_out, _ in walk(layers, in_shape):
        last = shape_out
        kind = spec["kind"]
        if kind == "fc":
            fan_in = math.prod(shape_in)
            if spec["bias"]:
                terms.append((text, f"({fan_in}+1)*{spec['out']}", (fan_in + 1) * spec["out"]))
            else:
                terms.append((text, f"{fan_in}*{spec['out']}", fan_in * spec["out"]))
        elif kind == "conv":
            kh, kw, c_in, c_out = spec["kh"], spec["kw"], shape_in[0], spec["out"]
            if spec["bias"]:
                terms.append((text, f"({kh}*{kw}*{c_in}+1)*{c_out}",
                              (kh * kw * c_in + 1) * c_out))
            else:
                terms.append((text, f"{kh}*{kw}*{c_in}*{c_out}", kh * kw * c_in * c_out))
        elif kind == "batchnorm":
            terms.append((text, f"2*{shape_in[0]}", 2 * shape_in[0]))
    fan_in = math.prod(last)  # the shape after the last declared layer
    terms.append((f"fc {n_classes} (prediction)", f"({fan_in}+1)*{n_classes}",
                  (fan_in + 1) * n_classes))
    kind = "cnn" if any(parse_layer(t)["kind"] == "conv" for t in layers) else "mlp"
    return {"total": sum(t[2] for t in terms), "kind": kind, "formula": PARAM_FORMULAS[kind],
            "expression": " + ".join(t[1] for t in terms), "terms": terms}
