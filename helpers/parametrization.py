"""Width-dependent parametrisations of an MLP: standard (PyTorch's) and muP for Adam.

A network ``in_features -> width -> ... -> width -> out_features`` is grown by its
width ``n``; ``m = n / base_width`` is the width multiplier. Under the *standard*
parametrisation (SP) every layer keeps PyTorch's initialisation and one learning rate.
Under the *maximal-update* parametrisation for Adam (muP; Yang et al., 2021, as the
``mup`` package implements it with ``MuReadout`` and ``MuAdam``):

- input layer: PyTorch's initialisation, learning rate ``lr``;
- hidden ``width × width`` weights: PyTorch's initialisation (variance ∝ 1/n),
  learning rate ``lr / m``; their biases are multiplied by ``sqrt(m)`` at
  initialisation (so their scale does not shrink with n) and keep ``lr``;
- output layer: weights and bias multiplied by ``sqrt(m)`` at initialisation, the
  layer's input divided by ``m`` in the forward pass, learning rate ``lr``.

At ``width == base_width`` both parametrisations are the same network.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._checks import one_of, positive_int
from .models import Scale, mlp

PARAMETRIZATIONS = ("standard", "mup")


def mlp_at_width(
    width: int,
    parametrization: str,
    *,
    base_width: int,
    in_features: int,
    out_features: int,
    hidden_layers: int = 2,
    seed: int = 0,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
) -> nn.Sequential:
    """A ReLU MLP with ``hidden_layers`` hidden layers of ``width`` units, initialised
    with PyTorch's default distributions drawn from ``seed`` and, for ``"mup"``,
    rescaled as the module docstring says.
    """
    one_of("parametrization", parametrization, PARAMETRIZATIONS)
    width = positive_int("width", width)
    base_width = positive_int("base_width", base_width)
    hidden_layers = positive_int("hidden_layers", hidden_layers)
    if width in (in_features, out_features):
        raise ValueError(
            "width must differ from in_features and out_features, so that the "
            f"width-sized dimensions are unambiguous; got width={width}"
        )
    sizes = [in_features] + [width] * hidden_layers + [out_features]
    model = mlp(sizes, seed=seed, device=device, dtype=dtype)  # rescaled in dtype
    if parametrization == "mup":
        multiplier = width / base_width
        linears = [layer for layer in model if isinstance(layer, nn.Linear)]
        with torch.no_grad():
            for layer in linears[1:-1]:
                layer.bias.mul_(math.sqrt(multiplier))
            linears[-1].weight.mul_(math.sqrt(multiplier))
            linears[-1].bias.mul_(math.sqrt(multiplier))
        model = nn.Sequential(*model[:-1], Scale(1 / multiplier), model[-1])
    return model


def lr_multipliers(
    model: nn.Module, parametrization: str, *, width: int, base_width: int
) -> dict[str, float]:
    """Per parameter name, the factor on Adam's learning rate: 1 everywhere under
    ``"standard"``; ``base_width / width`` for the hidden ``width × width`` weights
    under ``"mup"``.
    """
    one_of("parametrization", parametrization, PARAMETRIZATIONS)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    width = positive_int("width", width)
    base_width = positive_int("base_width", base_width)
    factors = {}
    for name, param in model.named_parameters():
        hidden = param.ndim == 2 and tuple(param.shape) == (width, width)
        mup_hidden = parametrization == "mup" and hidden
        factors[name] = base_width / width if mup_hidden else 1.0
    return factors


def param_groups(
    params: dict[str, torch.Tensor], multipliers: dict[str, float], lr: float
) -> list[dict]:
    """Optimizer parameter groups, one per distinct multiplier: ``lr × multiplier``.

    ``params`` maps names to tensors (``model.named_parameters()`` as a dict, or the
    stacked parameters ``train_batched`` passes to its optimizer factory).
    """
    missing = set(params) - set(multipliers)
    if missing:
        raise ValueError(f"multipliers lacks parameters: {sorted(missing)}")
    groups: dict[float, list[torch.Tensor]] = {}
    for name, tensor in params.items():
        groups.setdefault(multipliers[name], []).append(tensor)
    return [{"params": p, "lr": lr * factor} for factor, p in groups.items()]


__all__ = [
    "PARAMETRIZATIONS",
    "lr_multipliers",
    "mlp_at_width",
    "param_groups",
]


def mup_reference(
    width: int,
    *,
    base_width: int,
    in_features: int,
    out_features: int,
    seed: int = 0,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> nn.Sequential:
    """The network of ``mlp_at_width`` built the way the ``mup`` package documents, for
    comparison: the same raw weights (``mlp(..., seed=seed)``), a ``mup.MuReadout``
    output layer, and ``mup.set_base_shapes`` against ``base_width`` (and twice it, for
    the dimensions that scale). Train it with ``mup.MuAdam``.
    """
    import mup  # installed without its dependencies; see requirements-nodeps.txt

    width = positive_int("width", width)
    base_width = positive_int("base_width", base_width)

    def build(n: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Linear(in_features, n),
            nn.ReLU(),
            nn.Linear(n, n),
            nn.ReLU(),
            mup.MuReadout(n, out_features),
        ).to(device, dtype)

    model = build(width)
    raw = mlp([in_features, width, width, out_features], seed=seed)
    model.load_state_dict(raw.to(device, dtype).state_dict())
    mup.set_base_shapes(model, build(base_width), delta=build(2 * base_width))
    return model
