import numpy as np
import pytest
import torch

from helpers import (
    distance_per_step,
    nudge_parameters_,
    relative_change,
    shown_distance,
    trajectory_distance,
)


def test_identical_trajectories_have_zero_distance():
    a = np.arange(12.0).reshape(3, 4)
    assert trajectory_distance(a, a.copy()) == 0.0


def test_distance_is_relative_to_reference_maximum():
    b = np.array([[1.0, -4.0], [2.0, 0.0]])
    a = b + np.array([[0.0, 0.0], [0.0, 0.4]])
    assert trajectory_distance(a, b) == pytest.approx(0.1)
    assert distance_per_step(a, b).tolist() == pytest.approx([0.0, 0.1])


def test_accepts_tensors_and_vectors():
    assert trajectory_distance(torch.ones(3), torch.ones(3)) == 0.0


@pytest.mark.parametrize(
    "a, b, err, word",
    [
        ([1.0], np.ones(1), TypeError, "trajectory a"),
        (np.ones((2, 3)), np.ones((3, 2)), ValueError, "same shape"),
        (np.ones((2, 2, 2)), np.ones((2, 2, 2)), ValueError, "shape"),
        (np.ones(3), np.zeros(3), ValueError, "non-zero"),
    ],
)
def test_rejects_bad_trajectories(a, b, err, word):
    with pytest.raises(err, match=word):
        trajectory_distance(a, b)


def test_nudge_parameters_moves_each_entry_by_one_ulp():
    layer = torch.nn.Linear(50, 20)
    before = [p.detach().clone() for p in layer.parameters()]
    nudge_parameters_(layer, seed=3)
    for old, new in zip(before, layer.parameters(), strict=True):
        step = torch.nextafter(old, torch.full_like(old, float("inf"))) - old
        down = old - torch.nextafter(old, torch.full_like(old, float("-inf")))
        moved = (new.detach() - old).abs()
        assert torch.all((moved == step.abs()) | (moved == down.abs())) and torch.all(
            moved > 0
        )
    with pytest.raises(TypeError, match="model"):
        nudge_parameters_("not a model")


def test_run_distance_over_runs_and_divergence():
    from helpers import run_distance

    a = np.ones((2, 3, 4))
    b = a.copy()
    b[1, 2, 0] = 1.5
    assert run_distance(a, a) == 0.0
    assert run_distance(a, b) == pytest.approx(0.5 / 1.5)
    assert run_distance(a[0], b[0]) == 0.0
    b[0, 0, 0] = np.nan
    assert run_distance(a, b) == float("inf")
    assert run_distance(a[:, :2], a) == float("inf")  # a run that stopped early


@pytest.mark.parametrize(
    "distance, shown",
    [
        (0.0, "0"),
        (3e-15, "≤ 1e-12"),
        (1e-12, "≤ 1e-12"),
        (3.74e-5, "~0.0001"),
        (0.1, "~0.1"),
        (0.994, "~1"),
        (float("inf"), "diverged"),
    ],
)
def test_shown_distance_categories(distance, shown):
    assert shown_distance(distance, exact=1e-12) == shown


@pytest.mark.parametrize(
    "kwargs, err, word",
    [
        (dict(distance="0.1", exact=1e-12), TypeError, "distance"),
        (dict(distance=-1.0, exact=1e-12), ValueError, "distance"),
        (dict(distance=float("nan"), exact=1e-12), ValueError, "distance"),
        (dict(distance=0.5, exact=0.0), ValueError, "exact"),
    ],
)
def test_shown_distance_rejects_bad_input(kwargs, err, word):
    with pytest.raises(err, match=word):
        shown_distance(**kwargs)


@pytest.mark.parametrize(
    "reference, perturbed, change",
    [
        (2.0, 2.0, 0.0),
        (2.0, 2.002, 1e-3),
        (2.0, float("nan"), float("inf")),
        (float("inf"), 1.0, float("inf")),
        (0.0, 1e-9, float("inf")),
        (float("nan"), float("inf"), 0.0),
    ],
)
def test_relative_change(reference, perturbed, change):
    assert relative_change(reference, perturbed) == pytest.approx(change)


def test_relative_change_rejects_non_numbers():
    with pytest.raises(TypeError, match="perturbed"):
        relative_change(1.0, "1")
