"""Model builders: a plain MLP with optional output activation, output scale and
Keras-style init.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._checks import one_of, positive_float, positive_int

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "identity": nn.Identity,
}
INITS = ("torch", "glorot_uniform", "kaiming_normal")


class Scale(nn.Module):
    """Multiply by a fixed constant (an output scale, not a trainable parameter)."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = positive_float("factor", factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor:g}"


def init_weights_(
    model: nn.Module, init: str, generator: torch.Generator | None = None
) -> nn.Module:
    """Re-initialise every ``nn.Linear`` of ``model`` in place.

    "torch" keeps PyTorch's default (uniform, Var W = 1/(3 fan_in), uniform bias);
    "glorot_uniform" is Keras' default Dense init (U(±sqrt(6/(fan_in+fan_out))), zero
        bias);
    "kaiming_normal" is He et al.'s N(0, 2/fan_in) with zero bias.

    The draws are made in float64 and rounded once to the parameter's dtype: torch's
    float32 ``uniform_``/``normal_`` take vectorised code paths whose last bits differ
    between CPUs, and a one-ulp difference in the initial weights is enough to change a
    chaotic run.
    """
    one_of("init", init, INITS)

    def draw(param: torch.Tensor, fill) -> None:
        param.copy_(fill(torch.empty(param.shape, dtype=torch.float64)))

    for layer in model.modules():
        if not isinstance(layer, nn.Linear):
            continue
        fan_out, fan_in = layer.weight.shape
        with torch.no_grad():
            # "torch": same distribution as nn.Linear.reset_parameters, our generator
            if init == "torch":
                bound = fan_in**-0.5
                draw(
                    layer.weight,
                    lambda t, b=bound: t.uniform_(-b, b, generator=generator),
                )
                if layer.bias is not None:
                    draw(
                        layer.bias,
                        lambda t, b=bound: t.uniform_(-b, b, generator=generator),
                    )
                continue
            if init == "glorot_uniform":
                limit = (6.0 / (fan_in + fan_out)) ** 0.5
                draw(
                    layer.weight,
                    lambda t, b=limit: t.uniform_(-b, b, generator=generator),
                )
            else:
                std = (2.0 / fan_in) ** 0.5
                draw(
                    layer.weight,
                    lambda t, s=std: t.normal_(0.0, s, generator=generator),
                )
            if layer.bias is not None:
                layer.bias.zero_()
    return model


def mlp(
    widths: Sequence[int],
    activation: str = "relu",
    output_activation: str = "identity",
    output_scale: float = 1.0,
    init: str = "torch",
    generator: torch.Generator | None = None,
    *,
    seed: int | None = None,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    bias: bool = True,
) -> nn.Sequential:
    """A fully connected network ``widths[0] -> ... -> widths[-1]``.

    Hidden layers use ``activation``; the last layer is followed by
    ``output_activation`` and then multiplied by ``output_scale`` (omitted when 1).
    ``init`` is one of ``INITS``. The initial weights are drawn from ``generator``, or
    from a fresh generator seeded with ``seed`` (give at most one of the two); the
    model is then moved to ``device`` and ``dtype`` when given. ``bias=False`` leaves
    out every bias (all parameters are then matrices, as Muon requires).
    """
    if generator is not None and seed is not None:
        raise ValueError("give at most one of generator and seed")
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be an int >= 0, got {seed!r}")
        generator = torch.Generator().manual_seed(seed)
    if dtype is not None and not (
        isinstance(dtype, torch.dtype) and dtype.is_floating_point
    ):
        raise TypeError(f"dtype must be a floating torch dtype, got {dtype!r}")
    if (
        isinstance(widths, (str, bytes))
        or not isinstance(widths, Sequence)
        or len(widths) < 2
    ):
        raise TypeError(
            f"widths must be a sequence of at least two layer sizes, got {widths!r}"
        )
    widths = [positive_int("widths[i]", w) for w in widths]
    one_of("activation", activation, ACTIVATIONS)
    one_of("output_activation", output_activation, ACTIVATIONS)
    output_scale = positive_float("output_scale", output_scale)
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be True or False, got {bias!r}")
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(nn.Linear(fan_in, fan_out, bias=bias))
        last = i == len(widths) - 2
        layers.append(ACTIVATIONS[output_activation if last else activation]())
    if output_activation == "identity":
        layers.pop()
    if output_scale != 1.0:
        layers.append(Scale(output_scale))
    model = nn.Sequential(*layers)
    if init != "torch" or generator is not None:
        init_weights_(model, init, generator)
    if device is not None or dtype is not None:
        model = model.to(device=device, dtype=dtype)
    return model
