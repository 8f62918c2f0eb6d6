"""Synthetic problems the chapters need: regression with a chosen target range,
multi-task targets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ._checks import positive_float, positive_int

# The problems are computed in float64 and rounded to float32 once at the end. In
# float32, tanh, sin and the random normal draws take vectorised code paths whose last
# bits differ between CPUs (and with ATEN_CPU_CAPABILITY); in float64 those differences
# stay below what the final rounding keeps.
_DTYPE = torch.float64


def _check_range(target_range: tuple[float, float]) -> tuple[float, float]:
    if not (isinstance(target_range, (tuple, list)) and len(target_range) == 2):
        raise TypeError(
            f"target_range must be a pair (low, high), got {target_range!r}"
        )
    low, high = (float(v) for v in target_range)
    if not low < high:
        raise ValueError(f"target_range must have low < high, got {target_range!r}")
    return low, high


def regression_problem(
    num_samples: int,
    num_features: int = 8,
    target_range: tuple[float, float] = (-10.0, 10.0),
    noise_std: float = 0.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth nonlinear regression whose (noise-free) targets fill ``target_range``.

    Inputs are standard normal; the target is a tanh of a random projection plus a
    sinusoid, mapped affinely so that it spans the open interval ``target_range``.
    Returns float32 ``(X, y)`` with shapes ``(num_samples, num_features)`` and
    ``(num_samples, 1)``. Computed in float64 and rounded once, so the data are the same
    on every CPU (see ``_DTYPE``).
    """
    num_samples = positive_int("num_samples", num_samples)
    num_features = positive_int("num_features", num_features)
    noise_std = positive_float("noise_std", noise_std, allow_zero=True)
    low, high = _check_range(target_range)
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(num_samples, num_features, generator=gen, dtype=_DTYPE)
    w = torch.randn(num_features, generator=gen, dtype=_DTYPE) / num_features**0.5
    v = torch.randn(num_features, generator=gen, dtype=_DTYPE) / num_features**0.5
    # in (-1, 1)
    unit = torch.tanh(1.5 * inputs @ w + 0.5 * torch.sin(2.0 * inputs @ v))
    targets = low + (high - low) * (unit + 1) / 2
    targets = targets + noise_std * torch.randn(
        num_samples, generator=gen, dtype=_DTYPE
    )
    return inputs.float(), targets.unsqueeze(1).float()


@dataclass(frozen=True)
class MultiTaskData:
    """Inputs, a primary regression target and auxiliary targets (one column per
    task).
    """

    inputs: torch.Tensor
    primary: torch.Tensor
    auxiliary: torch.Tensor
    aux_scales: tuple[float, ...]


def multitask_problem(
    num_samples: int,
    aux_scales: Sequence[float],
    num_features: int = 16,
    latent_dim: int = 8,
    sparse_tasks: Sequence[int] = (),
    noise_std: float = 0.1,
    seed: int = 0,
) -> MultiTaskData:
    """Tasks that share a latent representation, with auxiliary targets at chosen
    scales.

    A latent ``z = tanh(X A)`` drives every task. The primary target is ``z b`` plus
    noise (unit scale); auxiliary task k is
    ``aux_scales[k] * (offset_k + z c_k + noise)``. Tasks listed in ``sparse_tasks`` are
    passed through a ReLU with a high threshold, so most of their entries are 0.
    """
    num_samples = positive_int("num_samples", num_samples)
    num_features = positive_int("num_features", num_features)
    latent_dim = positive_int("latent_dim", latent_dim)
    noise_std = positive_float("noise_std", noise_std, allow_zero=True)
    if (
        isinstance(aux_scales, (str, bytes))
        or not isinstance(aux_scales, Sequence)
        or len(aux_scales) == 0
    ):
        raise TypeError(
            "aux_scales must be a non-empty sequence of positive numbers, got "
            f"{aux_scales!r}"
        )
    scales = tuple(positive_float("aux_scales[i]", s) for s in aux_scales)
    for k in sparse_tasks:
        if not (isinstance(k, int) and 0 <= k < len(scales)):
            raise ValueError(
                f"sparse_tasks must hold task indices in [0, {len(scales)}), got {k!r}"
            )
    gen = torch.Generator().manual_seed(seed)
    draw = lambda *shape: torch.randn(*shape, generator=gen, dtype=_DTYPE)  # noqa: E731
    inputs = draw(num_samples, num_features)
    latent = torch.tanh(inputs @ draw(num_features, latent_dim) / num_features**0.5 * 2)
    primary = latent @ draw(latent_dim, 1) + noise_std * draw(num_samples, 1)
    coeffs = draw(latent_dim, len(scales))
    offsets = 2 * torch.rand(len(scales), generator=gen, dtype=_DTYPE) - 1
    aux = offsets + latent @ coeffs + noise_std * draw(num_samples, len(scales))
    for k in sparse_tasks:
        threshold = torch.quantile(aux[:, k], 0.9)
        aux[:, k] = torch.relu(aux[:, k] - threshold)
    aux = aux * torch.tensor(scales, dtype=_DTYPE)
    return MultiTaskData(inputs.float(), primary.float(), aux.float(), scales)
