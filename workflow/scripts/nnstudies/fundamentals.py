"""Studies 1 and 2, computed on this run's own models and data: calibration, the SGD-step
identity, feature maps of a kernel bank and how alike they are."""
import itertools

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


def calibration(probs, labels, bins=15):
    """Reliability table and expected calibration error of the top-class probability.

    ECE = sum over equal-width confidence bins of (share of samples) * |accuracy - confidence|:
    0 for a classifier whose confidence is the probability of being right.
    """
    confidence = probs.max(1)
    correct = probs.argmax(1) == labels
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    table = pd.DataFrame({"bin": which, "confidence": confidence, "correct": correct})
    table = table.groupby("bin").agg(count=("correct", "size"), confidence=("confidence", "mean"),
                                     accuracy=("correct", "mean")).reindex(range(bins))
    table.insert(0, "bin_low", edges[:-1])
    table.insert(1, "bin_high", edges[1:])
    table["count"] = table["count"].fillna(0).astype(int)
    weight = table["count"] / len(labels)
    ece = float((weight * (table.accuracy - table.confidence).abs()).fillna(0).sum())
    return ece, table.reset_index(drop=True)


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


def _mean_abs_corr(pairs):
    return float(np.mean([abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) for a, b in pairs]))


def amplitude_spectrum(feature_map):
    """log(1 + |FFT|) of a mean-removed map: what kind of pattern it holds (orientation, scale),
    whatever its position, so two maps of one kernel on garments at different places compare."""
    return np.log1p(np.abs(np.fft.fft2(feature_map - feature_map.mean())))


def map_similarity(maps):
    """How alike the maps of one kernel on different images (a column of the figure) and the
    maps of different kernels on one image (a row) are, as mean |Pearson r| of their amplitude
    spectra (kind of pattern) and of their pixels (where the pattern is)."""
    n_images, n_kernels = maps.shape[:2]
    same_kernel = [((i, k), (j, k)) for k in range(n_kernels)
                   for i, j in itertools.combinations(range(n_images), 2)]
    same_image = [((i, k), (i, m)) for i in range(n_images)
                  for k, m in itertools.combinations(range(n_kernels), 2)]
    spectra = {(i, k): amplitude_spectrum(maps[i, k])
               for i in range(n_images) for k in range(n_kernels)}
    def mean_r(arrays, pairs):
        return _mean_abs_corr([(arrays[a], arrays[b]) for a, b in pairs])

    def per_column(arrays):  # one value per kernel: its maps on the different images
        return [mean_r(arrays, [p for p in same_kernel if p[0][1] == k])
                for k in range(n_kernels)]

    def per_row(arrays):  # one value per image: its maps under the different kernels
        return [mean_r(arrays, [p for p in same_image if p[0][0] == i])
                for i in range(n_images)]

    return {"same_kernel_spectrum_r": mean_r(spectra, same_kernel),
            "same_image_spectrum_r": mean_r(spectra, same_image),
            "same_kernel_pixel_r": mean_r(maps, same_kernel),
            "same_image_pixel_r": mean_r(maps, same_image),
            "per_kernel_spectrum_r": per_column(spectra), "per_image_spectrum_r": per_row(spectra),
            "per_kernel_pixel_r": per_column(maps), "per_image_pixel_r": per_row(maps)}


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
