"""Study 1 and 2 computations: calibration, the SGD identity, feature-map similarity."""
import numpy as np
import pytest
import torch

from nnstudies import fundamentals
from nnstudies.models import build_model

torch.set_num_threads(1)


def test_perfectly_calibrated_probabilities_have_zero_ece():
    # confidence 0.8 in every case, right in exactly 80 % of them
    probs = np.tile([0.8, 0.2], (1000, 1))
    labels = np.r_[np.zeros(800, int), np.ones(200, int)]
    ece, table = fundamentals.calibration(probs, labels, bins=10)
    assert ece == pytest.approx(0.0, abs=1e-12)
    assert table["count"].sum() == 1000 and len(table) == 10


def test_overconfident_probabilities_have_the_expected_ece():
    probs = np.tile([0.9, 0.1], (100, 1))  # 90 % sure, right half the time
    labels = np.r_[np.zeros(50, int), np.ones(50, int)]
    ece, table = fundamentals.calibration(probs, labels, bins=5)
    assert ece == pytest.approx(0.4)
    row = table[table["count"] > 0].iloc[0]
    assert row.confidence == pytest.approx(0.9) and row.accuracy == pytest.approx(0.5)


def test_sgd_step_identity_holds_on_a_real_step():
    torch.manual_seed(0)
    model = build_model(["conv 3x3x4", "relu", "maxpool", "fc 16", "relu"], (1, 28, 28), 10)
    x, y = torch.rand(20, 1, 28, 28), torch.randint(0, 10, (20,))
    result = fundamentals.sgd_step_identity(model, x, y, lr=0.1)
    assert result["max_abs_error"] < 1e-5 * max(1.0, result["max_abs_grad"]) / 0.1
    assert result["max_abs_grad"] > 0 and result["weights"] == sum(
        p.numel() for p in model.parameters())


def test_map_similarity_separates_kernels_from_images():
    rng = np.random.default_rng(0)
    images = rng.random((4, 28, 28))
    kernels = np.stack([np.outer([1, 1, -1, -1], [1, 1, 1, 1]),   # horizontal edge
                        np.outer([1, 1, 1, 1], [1, 1, -1, -1])])  # vertical edge
    maps = fundamentals.feature_maps(images, kernels)
    assert maps.shape == (4, 2, 25, 25)
    sim = fundamentals.map_similarity(maps)
    # on noise images, what a map looks like is the kernel's doing
    assert sim["same_kernel_spectrum_r"] > sim["same_image_spectrum_r"]
    same = fundamentals.map_similarity(np.repeat(maps[:1], 4, axis=0))
    assert same["same_kernel_pixel_r"] == pytest.approx(1.0)


def test_torch_agreement_covers_every_case():
    table = fundamentals.torch_agreement(fundamentals.AGREEMENT_CASES)
    assert len(table) == len(fundamentals.AGREEMENT_CASES)
    assert table.max_abs_diff.max() < 1e-10
