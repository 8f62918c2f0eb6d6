import math

import pytest
import torch

from helpers import KerasAdam


def keras_reference(w0: float, grads, lr=1e-3, b1=0.9, b2=0.999, eps=1e-7):
    """Keras' update written out: lr_t = lr sqrt(1-b2^t)/(1-b1^t); w -= lr_t m /
    (sqrt(v) + eps).
    """
    w, m, v = w0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w -= lr * math.sqrt(1 - b2**t) / (1 - b1**t) * m / (math.sqrt(v) + eps)
    return w


@pytest.mark.parametrize("grad_scale", [1.0, 1e-6])
def test_matches_keras_formula(grad_scale):
    w = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    opt = KerasAdam([w], lr=0.01)
    grads = []
    for _ in range(30):
        opt.zero_grad()
        loss = grad_scale * (w - 2.0).pow(2).sum()
        loss.backward()
        grads.append(w.grad.item())
        opt.step()
    assert w.item() == pytest.approx(keras_reference(0.5, grads, lr=0.01), rel=1e-12)


def test_param_groups_keep_their_own_eps():
    a, b = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    opt = KerasAdam([{"params": [a], "eps": 1e-3}, {"params": [b]}])
    (a + b).sum().backward()
    opt.step()
    assert (
        opt.param_groups[0]["keras_eps"] == 1e-3
        and opt.param_groups[1]["keras_eps"] == 1e-7
    )
    assert opt.param_groups[0]["eps"] == pytest.approx(1e-3 / math.sqrt(1 - 0.999))


def test_rejects_bad_lr():
    with pytest.raises(ValueError, match="learning rate"):
        KerasAdam([torch.zeros(1, requires_grad=True)], lr=-1)
