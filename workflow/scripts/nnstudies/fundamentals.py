"""Studies 1 and 2, computed on this run's own models and data: calibration, the SGD-step
identity, feature maps of a kernel bank and how alike they are."""
import numpy as np

from .conv import conv2d
from .lazy import lazy_import

pd = lazy_import("pandas")
torch = lazy_import("torch")


def probabilities(model, x, chunk=100):
    """Softmax class probabilities of a model on images x, in eval mode: (N, classes).

    100 images at a time: a CNN's activations then stay in cache (half the time of 1000 at a
    time, in fresh buffers); each image's probabilities are the same either way."""
    model.eval()
    with torch.inference_mode():
        return torch.cat([model(x[i:i + chunk]).softmax(1)
                          for i in range(0, len(x), chunk)]).numpy()


def _confidence_bins(confidence, bins):
    """Each top-class confidence's equal-width bin (0 .. bins - 1) and the bins' edges."""
    edges = np.linspace(0, 1, bins + 1)
    return np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1), edges


def calibration(probs, labels, bins=15):
    """Reliability table and expected calibration error of the top-class probability.

    ECE = sum over equal-width confidence bins of (share of samples) * |accuracy - confidence|:
    0 for a classifier whose confidence is the probability of being right, on infinitely many
    samples (on a finite test set see calibrated_ece).
    """
    confidence = probs.max(1)
    correct = probs.argmax(1) == labels
    which, edges = _confidence_bins(confidence, bins)
    table = pd.DataFrame({"bin": which, "confidence": confidence, "correct": correct})
    table = table.groupby("bin").agg(count=("correct", "size"), confidence=("confidence", "mean"),
                                     accuracy=("correct", "mean")).reindex(range(bins))
    table.insert(0, "bin_low", edges[:-1])
    table.insert(1, "bin_high", edges[1:])
    table["count"] = table["count"].fillna(0).astype(int)
    weight = table["count"] / len(labels)
    ece = float((weight * (table.accuracy - table.confidence).abs()).fillna(0).sum())
    return ece, table.reset_index(drop=True)


def calibrated_ece(probs, bins=15, draws=1000, seed=0):
    """The ECEs a perfectly calibrated model with these confidences scores on this many test
    images, from sampling alone (consistency resampling): in each draw every image is right
    with probability its top-class confidence, as calibration means, and the ECE is binned as
    `calibration` bins it. Returns the `draws` ECEs; a measured ECE above most of them is more
    miscalibration than the test set's size explains."""
    confidence = probs.max(1)
    which, _ = _confidence_bins(confidence, bins)
    rng = np.random.default_rng(seed)  # fixed: the same reference on every rerun
    in_bin = np.eye(bins)[which]  # (images, bins)
    eces = np.empty(draws)
    for start in range(0, draws, 100):  # 100 draws at a time: 100 x images floats in memory
        right = rng.random((min(100, draws - start), len(confidence))) < confidence
        eces[start:start + len(right)] = np.abs((right - confidence) @ in_bin).sum(1)
    return eces / len(confidence)


def sgd_step_identity(model, x, y, lr):
    """One real plain-SGD step, the optimizer every study trains with (optim.py): the largest
    |grad - (w_k - w_(k+1)) / lr| over all weights, the largest |grad| for scale, and the number
    of weights compared."""
    from .optim import Optimizer  # imports torch: not at planning (lazy.py)

    model.train()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = Optimizer("sgd", model.parameters(), lr=lr, momentum=0.0)
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(x), y).backward()
    grads = [p.grad.detach().clone() for p in model.parameters()]
    optimizer.step()
    errors = [((w0 - w1) / lr - g).abs().max().item()
              for w0, w1, g in zip(before, model.parameters(), grads)]
    return {"max_abs_error": max(errors), "max_abs_grad": max(g.abs().max().item() for g in grads),
            "weights": sum(g.numel() for g in grads)}


def feature_maps(images, kernels):
    """The NumPy convolution of every image with every kernel: (images, kernels, H', W')."""
    x = np.asarray(images, dtype=np.float64)[:, None]
    w = np.asarray(kernels, dtype=np.float64)[:, None]
    return np.ascontiguousarray(conv2d(x, w))


def amplitude_spectrum(feature_map):
    """log(1 + |FFT|) of a mean-removed map: what kind of pattern it holds (orientation, scale),
    whatever its position, so two maps of one kernel on garments at different places compare.
    Works on the last two axes, so a stack of maps gives a stack of spectra."""
    centred = feature_map - feature_map.mean(axis=(-2, -1), keepdims=True)
    return np.log1p(np.abs(np.fft.fft2(centred)))


def _standardised(maps):
    """Each map (the last two axes) flattened, mean removed and scaled to unit length, so that
    the dot product of two is their Pearson r (a constant map: NaN, it has no r)."""
    flat = maps.reshape(*maps.shape[:-2], -1)
    flat = flat - flat.mean(-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return flat / np.linalg.norm(flat, axis=-1, keepdims=True)


def _row_and_column_r(maps, reference):
    """Per image: its row, the mean |r| between its maps under different kernels; and its
    column, the mean |r| between each of its maps and the same kernel's maps on the reference
    images (the other images of `maps` where `reference` is None)."""
    z = _standardised(maps)
    ref = z if reference is None else _standardised(reference)
    pairs = np.triu_indices(z.shape[1], 1)
    row = np.abs(np.einsum("ikp,imp->ikm", z, z)[:, pairs[0], pairs[1]]).mean(1)
    across = np.abs(np.einsum("ikp,jkp->ijk", z, ref))  # (images, reference images, kernels)
    if reference is None:  # an image is not its own reference
        keep = ~np.eye(len(z), dtype=bool)
        column = np.array([across[i, keep[i]].mean() for i in range(len(z))])
    else:
        column = across.mean((1, 2))
    return row, column


def map_similarity(maps, reference=None):
    """How alike the maps of one image are (a row of the figure) and how alike each of its maps
    is to the same kernel's maps on other images (a column), one pair of values per image, so
    the two can be compared image by image: the mean |Pearson r| of the maps' amplitude spectra
    (kind of pattern) and of their pixels (where the pattern is). `reference`: the maps of
    other images (images, kernels, H, W) that the columns compare with; None, the other images
    of `maps`. The `same_*` keys are the means over the images."""
    spectra = amplitude_spectrum(maps)
    ref_spectra = None if reference is None else amplitude_spectrum(reference)
    row_s, column_s = _row_and_column_r(spectra, ref_spectra)
    row_p, column_p = _row_and_column_r(maps, reference)
    return {"same_kernel_spectrum_r": float(column_s.mean()),
            "same_image_spectrum_r": float(row_s.mean()),
            "same_kernel_pixel_r": float(column_p.mean()),
            "same_image_pixel_r": float(row_p.mean()),
            "column_spectrum_r": column_s.tolist(), "row_spectrum_r": row_s.tolist(),
            "column_pixel_r": column_p.tolist(), "row_pixel_r": row_p.tolist()}


def image_similarity(images, reference=None):
    """Mean |Pearson r| between each image and each reference image (None: each other image),
    pixel by pixel: how far the images put their content in the same places."""
    z = _standardised(images)
    r = np.abs(z @ (z if reference is None else _standardised(reference)).T)
    if reference is None:  # an image against itself is not a pair
        r = r[~np.eye(len(z), dtype=bool)]
    return float(r.mean())


def torch_agreement(cases, seed=0):
    """conv2d against torch.nn.functional.conv2d on a grid of (shape, settings) cases, float64:
    one row per case with the largest absolute difference."""
    rng = np.random.default_rng(seed)
    rows = []
    for (n, c, h, w_), (o, kh, kw), stride, padding, dilation in cases:
        x = rng.standard_normal((n, c, h, w_))
        w = rng.standard_normal((o, c, kh, kw))
        b = rng.standard_normal(o)
        ours = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation)
        ref = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w),
                                         torch.from_numpy(b), stride=stride, padding=padding,
                                         dilation=dilation).numpy()
        rows.append({"input": f"{n}x{c}x{h}x{w_}", "kernels": f"{o}x{c}x{kh}x{kw}",
                     "stride": stride, "padding": padding, "dilation": dilation,
                     "output": "x".join(map(str, ours.shape)),
                     "max_abs_diff": float(np.abs(ours - ref).max())})
    return pd.DataFrame(rows)


AGREEMENT_CASES = [
    ((5, 1, 28, 28), (8, 4, 4), 1, 0, 1),    # the assignment's setting
    ((4, 3, 32, 32), (6, 3, 3), 1, 1, 1),
    ((4, 3, 32, 32), (6, 5, 5), 2, 2, 1),
    ((2, 8, 28, 28), (16, 3, 3), 1, 0, 2),
    ((2, 8, 27, 31), (4, 3, 5), (2, 1), (1, 2), (1, 2)),
    ((3, 16, 14, 14), (32, 1, 1), 1, 0, 1),
    ((1, 4, 9, 9), (2, 9, 9), 1, 0, 1),     # kernel as large as the input
]
