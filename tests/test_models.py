import pytest
import torch
from torch import nn

from conftest import assert_same_on_both_cpu_code_paths
from helpers import init_weights_, mlp


def test_mlp_structure_and_output_scale():
    model = mlp(
        [3, 5, 1], activation="relu", output_activation="tanh", output_scale=10.0
    )
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "ReLU", "Linear", "Tanh", "Scale"]
    out = model(torch.randn(64, 3))
    assert out.shape == (64, 1) and out.abs().max() <= 10.0


def test_mlp_identity_output_has_no_trailing_activation():
    assert [type(m).__name__ for m in mlp([4, 2])] == ["Linear"]


def test_glorot_uniform_bounds_and_zero_bias():
    gen = torch.Generator().manual_seed(0)
    model = mlp([784, 128, 10], init="glorot_uniform", generator=gen)
    first, last = model[0], model[2]
    assert first.weight.abs().max() <= (6 / (784 + 128)) ** 0.5
    assert torch.count_nonzero(first.bias) == 0 and torch.count_nonzero(last.bias) == 0
    # variance of U(-a, a) is a^2/3 = 2/(fan_in + fan_out)
    assert first.weight.var().item() == pytest.approx(2 / (784 + 128), rel=0.02)


def test_torch_and_kaiming_init_variances():
    gen = torch.Generator().manual_seed(0)
    layer = init_weights_(nn.Sequential(nn.Linear(400, 300)), "torch", gen)[0]
    assert layer.weight.var().item() == pytest.approx(1 / (3 * 400), rel=0.02)
    layer = init_weights_(nn.Sequential(nn.Linear(400, 300)), "kaiming_normal", gen)[0]
    assert layer.weight.var().item() == pytest.approx(2 / 400, rel=0.02)


def test_generator_makes_init_reproducible():
    a = mlp([5, 4, 2], generator=torch.Generator().manual_seed(3))
    b = mlp([5, 4, 2], generator=torch.Generator().manual_seed(3))
    assert all(
        torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


@pytest.mark.parametrize(
    "kwargs, err, word",
    [
        (dict(widths=[3]), TypeError, "widths"),
        (dict(widths="34"), TypeError, "widths"),
        (dict(widths=[3, 0]), ValueError, "widths"),
        (dict(widths=[3, 2.5]), TypeError, "widths"),
        (dict(widths=[3, 2], activation="gelu"), ValueError, "activation"),
        (
            dict(widths=[3, 2], output_activation="softmax"),
            ValueError,
            "output_activation",
        ),
        (dict(widths=[3, 2], output_scale=0), ValueError, "output_scale"),
        (dict(widths=[3, 2], init="xavier"), ValueError, "init"),
    ],
)
def test_mlp_rejects_bad_arguments(kwargs, err, word):
    with pytest.raises(err, match=word):
        mlp(**kwargs)


def test_init_weights_and_scale_reject_bad_input():
    with pytest.raises(ValueError, match="init"):
        init_weights_(nn.Sequential(nn.Linear(2, 2)), "orthogonal")
    from helpers import Scale

    with pytest.raises(ValueError, match="factor"):
        Scale(-1.0)
    assert torch.equal(Scale(2.0)(torch.ones(2)), torch.full((2,), 2.0))


def test_initial_weights_are_the_same_on_the_generic_cpu_code_path():
    """A one-ulp difference in the initial weights changes chaotic runs: the draws must
    not depend on the CPU.
    """
    script = (
        "import hashlib, torch, helpers\n"
        "h = hashlib.sha256()\n"
        "for init in helpers.INITS:\n"
        "    model = helpers.mlp([64, 32, 3], init=init, "
        "generator=torch.Generator().manual_seed(5))\n"
        "    [h.update(p.detach().numpy().tobytes()) for p in model.parameters()]\n"
        "print(h.hexdigest())\n"
    )
    assert_same_on_both_cpu_code_paths(script)


def test_mlp_takes_seed_device_and_dtype():
    from helpers import mlp

    by_seed = mlp([3, 4, 1], seed=5, dtype=torch.float64, device="cpu")
    by_generator = mlp([3, 4, 1], generator=torch.Generator().manual_seed(5))
    assert next(by_seed.parameters()).dtype == torch.float64
    for a, b in zip(by_seed.parameters(), by_generator.parameters(), strict=True):
        assert torch.equal(a, b.double())
    with pytest.raises(ValueError, match="at most one of generator and seed"):
        mlp([3, 1], generator=torch.Generator(), seed=1)
    with pytest.raises(ValueError, match="seed must be an int >= 0"):
        mlp([3, 1], seed=-1)
    with pytest.raises(TypeError, match="dtype must be a floating torch dtype"):
        mlp([3, 1], dtype=torch.int32)
