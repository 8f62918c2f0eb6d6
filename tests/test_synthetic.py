import pytest
import torch

from conftest import assert_same_on_both_cpu_code_paths
from helpers import multitask_problem, regression_problem


def test_regression_targets_fill_the_range():
    x, y = regression_problem(2000, target_range=(-10, 10), seed=1)
    assert x.shape == (2000, 8) and y.shape == (2000, 1)
    assert -10 < y.min() < -7 and 7 < y.max() < 10


def test_regression_is_seeded():
    assert torch.equal(
        regression_problem(10, seed=3)[1], regression_problem(10, seed=3)[1]
    )


def test_multitask_scales_and_sparsity():
    data = multitask_problem(
        4000, aux_scales=[1.0, 1000.0, 10.0], sparse_tasks=[2], seed=0
    )
    assert data.auxiliary.shape == (4000, 3) and data.primary.shape == (4000, 1)
    ratio = (data.auxiliary[:, 1].std() / data.auxiliary[:, 0].std()).item()
    assert 100 < ratio < 10_000
    assert (data.auxiliary[:, 2] == 0).float().mean() > 0.85


@pytest.mark.parametrize(
    "kwargs, err, word",
    [
        (dict(num_samples=0), ValueError, "num_samples"),
        (dict(num_samples=10, target_range=(5, 5)), ValueError, "target_range"),
        (dict(num_samples=10, target_range=3), TypeError, "target_range"),
        (dict(num_samples=10, noise_std=-1), ValueError, "noise_std"),
    ],
)
def test_regression_rejects_bad_input(kwargs, err, word):
    with pytest.raises(err, match=word):
        regression_problem(**kwargs)


@pytest.mark.parametrize(
    "kwargs, err, word",
    [
        (dict(aux_scales=[]), TypeError, "aux_scales"),
        (dict(aux_scales=[1.0, -2.0]), ValueError, "aux_scales"),
        (dict(aux_scales=[1.0], sparse_tasks=[1]), ValueError, "sparse_tasks"),
    ],
)
def test_multitask_rejects_bad_input(kwargs, err, word):
    with pytest.raises(err, match=word):
        multitask_problem(100, **kwargs)


def test_problems_are_the_same_on_the_generic_cpu_code_path():
    """The data must not depend on the CPU's vectorised kernels."""
    script = (
        "import hashlib, helpers\n"
        "x, y = helpers.regression_problem(512, noise_std=0.3, seed=3)\n"
        "d = helpers.multitask_problem(512, aux_scales=[30.0, 1000.0], "
        "sparse_tasks=[1], seed=3)\n"
        "h = hashlib.sha256()\n"
        "[h.update(t.numpy().tobytes()) for t in (x, y, d.inputs, d.primary, "
        "d.auxiliary)]\n"
        "print(h.hexdigest())\n"
    )
    assert_same_on_both_cpu_code_paths(script)
