"""Optimizers that reproduce other frameworks' conventions on top of torch.optim."""

from __future__ import annotations

import math

import torch


class KerasAdam(torch.optim.Adam):
    """Adam as Keras computes it:
    ``lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)``.

    Keras adds ``eps`` to the *un-corrected* ``sqrt(v)`` (the "epsilon hat" of Kingma
    and Ba's efficient form), torch to the bias-corrected one. The two agree exactly
    when torch's eps at step t is ``eps / sqrt(1 - b2^t)``, which is what this class
    sets before each step. Defaults are Keras': lr 1e-3, eps 1e-7. Each parameter group
    keeps its own Keras eps. torch's fused implementation is used unless ``fused=False``
    or ``foreach=True`` is passed (it is the fastest).
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-7,
        **kwargs,
    ) -> None:
        if not kwargs.get("foreach"):
            kwargs.setdefault("fused", True)
        super().__init__(params, lr=lr, betas=betas, eps=eps, **kwargs)
        self.keras_step = 0

    def add_param_group(self, param_group: dict) -> None:
        super().add_param_group(param_group)
        self.param_groups[-1].setdefault("keras_eps", self.param_groups[-1]["eps"])

    @torch.no_grad()
    def step(self, closure=None):
        self.keras_step += 1
        for group in self.param_groups:
            group["eps"] = group["keras_eps"] / math.sqrt(
                1.0 - group["betas"][1] ** self.keras_step
            )
        return super().step(closure)
