"""Comparing whole parameter trajectories, and the rounding-noise floor to compare
against.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def _as_trajectories(a: object, b: object) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, value in (("a", a), ("b", b)):
        if isinstance(value, torch.Tensor):
            value = value.detach().double().cpu().numpy()
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"trajectory {name} must be a numpy array or torch tensor, got "
                f"{type(value).__name__}"
            )
        if value.ndim not in (1, 2) or value.size == 0:
            raise ValueError(
                f"trajectory {name} must be a non-empty (steps, params) or (params,) "
                f"array, got shape {value.shape}"
            )
        arrays.append(np.atleast_2d(value.astype(np.float64)))
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(
            f"trajectories must have the same shape, got {arrays[0].shape} and "
            f"{arrays[1].shape}"
        )
    return arrays[0], arrays[1]


def distance_per_step(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """max_i |a_ti - b_ti| / max_ti |b_ti| for each recorded step t (b is the
    reference).
    """
    a, b = _as_trajectories(a, b)
    scale = np.max(np.abs(b))
    if scale == 0 or not np.isfinite(scale):
        raise ValueError(
            "reference trajectory b must have a finite, non-zero maximum magnitude"
        )
    return np.max(np.abs(a - b), axis=1) / scale


def trajectory_distance(a: np.ndarray, b: np.ndarray) -> float:
    """max_ti |a_ti - b_ti| / max_ti |b_ti|: 0.0 means bitwise-identical
    trajectories.
    """
    return float(distance_per_step(a, b).max())


def run_distance(a: np.ndarray, b: np.ndarray) -> float:
    """``trajectory_distance`` for whole runs, or the largest over a leading axis of
    runs (seeds).

    ``inf`` when a run stopped early (the shapes differ) or left the finite numbers: a
    diverged run is as far from an exact equivalent as a run can be.
    """
    a, b = (
        np.asarray(
            x.detach().double().cpu() if isinstance(x, torch.Tensor) else x,
            dtype=np.float64,
        )
        for x in (a, b)
    )
    if a.shape != b.shape or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")
    if a.ndim == 3:
        return max(trajectory_distance(a[i], b[i]) for i in range(a.shape[0]))
    return trajectory_distance(a, b)


def nudge_parameters_(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Move every parameter of ``model`` by one ulp, up or down at random, in place.

    Training from the nudged state measures how far pure rounding noise carries a run.
    (A loss nudged by one ulp is no floor for Adam-type optimizers: they are invariant
    to the loss scale up to eps, so they absorb it almost entirely.)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            up = torch.rand(p.shape, generator=gen) < 0.5
            target = torch.where(
                up, torch.tensor(float("inf")), torch.tensor(float("-inf"))
            ).to(p.device, p.dtype)
            p.copy_(torch.nextafter(p, target))
    return model


def shown_distance(distance: float, *, exact: float) -> str:
    """A run distance as text: "0" if bitwise equal, "≤ exact" at rounding level, else 2
    digits.

    Rounding-level digits are noise that differs between CPUs, so they are shown as the
    bound they are checked against; a systematic difference (the effect of eps, or of an
    unmapped hyper-parameter) is shown as the number it is.
    """
    if isinstance(exact, bool) or not isinstance(exact, (int, float)) or not 0 < exact:
        raise ValueError(f"exact must be a positive number, got {exact!r}")
    if isinstance(distance, bool) or not isinstance(
        distance, (int, float, np.floating)
    ):
        raise TypeError(
            f"distance must be a real number, got {type(distance).__name__}"
        )
    if distance == 0:
        return "0"
    if not distance >= 0:
        raise ValueError(f"distance must be >= 0 (or inf), got {distance!r}")
    if distance <= exact:
        return f"≤ {exact:.0e}"
    if distance == float("inf"):
        return "diverged"
    # its order of magnitude: a systematic difference's size, whose digits still move
    # between CPU code paths (measured in float64: 0.00023 against 0.00024)
    return f"~{10.0 ** round(math.log10(distance)):g}"


def relative_change(reference: float, perturbed: float) -> float:
    """|perturbed / reference - 1|, the effect of a perturbation (such as a one-ulp
    nudge) on an outcome.

    0 when both runs diverged (both values NaN or infinite); ``inf`` when only one did,
    or when the reference is 0 and the perturbed value is not.
    """
    for name, value in (("reference", reference), ("perturbed", perturbed)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not (np.isfinite(reference) and np.isfinite(perturbed)):
        return (
            0.0
            if not (np.isfinite(reference) or np.isfinite(perturbed))
            else float("inf")
        )
    if reference == perturbed:
        return 0.0
    return float("inf") if reference == 0 else abs(perturbed / reference - 1)
