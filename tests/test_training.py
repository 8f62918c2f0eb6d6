import numpy as np
import pytest
import torch
from torch import nn

import helpers
from helpers import evaluate, flat_parameters, mlp, train


def _problem(n=64):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=gen)
    return x, x @ torch.tensor([[1.0], [-2.0], [0.5]])


def test_training_reduces_loss_and_records_history():
    x, y = _problem()
    model = mlp([3, 1], generator=torch.Generator().manual_seed(0))
    result = train(
        model,
        nn.functional.mse_loss,
        x,
        y,
        torch.optim.SGD(model.parameters(), lr=0.1),
        num_steps=50,
    )
    assert len(result.losses) == 50 and not result.diverged
    assert result.final_loss < 0.01 * result.losses[0]


def test_trajectory_recording_and_epochs():
    x, y = _problem(64)
    model = mlp([3, 1], generator=torch.Generator().manual_seed(0))
    start = flat_parameters(model)
    result = train(
        model,
        nn.functional.mse_loss,
        x,
        y,
        torch.optim.SGD(model.parameters(), lr=0.01),
        num_epochs=3,
        batch_size=16,
        record_trajectory=True,
        record_every=2,
    )
    assert len(result.losses) == 12
    assert result.trajectory.shape == (1 + 6, 4) and np.array_equal(
        result.trajectory[0], start
    )
    assert np.array_equal(result.trajectory[-1], flat_parameters(model))


def test_same_seed_same_run_different_seed_different_order():
    x, y = _problem()

    def run(seed):
        model = mlp([3, 1], generator=torch.Generator().manual_seed(0))
        return train(
            model,
            nn.functional.mse_loss,
            x,
            y,
            torch.optim.SGD(model.parameters(), lr=0.05),
            num_steps=10,
            batch_size=8,
            seed=seed,
        ).losses

    assert np.array_equal(run(1), run(1)) and not np.array_equal(run(1), run(2))


def test_divergence_is_reported_not_raised():
    x, y = _problem()
    model = mlp([3, 1], generator=torch.Generator().manual_seed(0))
    result = train(
        model,
        nn.functional.mse_loss,
        1e3 * x,
        y,
        torch.optim.SGD(model.parameters(), lr=10.0),
        num_steps=200,
    )
    assert result.diverged and result.diverged_at < 200
    assert not np.isfinite(result.losses[-1]) and np.isfinite(result.losses[:-1]).all()


def test_before_step_hook_runs_between_backward_and_step():
    x, y = _problem()
    model = mlp([3, 1], generator=torch.Generator().manual_seed(0))
    start = flat_parameters(model)

    def zero_grads(m):
        for p in m.parameters():
            p.grad.zero_()

    train(
        model,
        nn.functional.mse_loss,
        x,
        y,
        torch.optim.SGD(model.parameters(), lr=0.1),
        num_steps=5,
        before_step=zero_grads,
    )
    assert np.array_equal(flat_parameters(model), start)


def test_no_progress_output_by_default(capsys):
    x, y = _problem()
    model = mlp([3, 1])
    train(
        model,
        nn.functional.mse_loss,
        x,
        y,
        torch.optim.SGD(model.parameters(), lr=0.1),
        num_steps=100,
    )
    assert capsys.readouterr().err == ""


def test_evaluate_averages_over_batches():
    x, y = _problem(100)
    model = mlp([3, 1])
    full = nn.functional.mse_loss(model(x), y).item()
    assert evaluate(model, nn.functional.mse_loss, x, y, batch_size=7) == pytest.approx(
        full, rel=1e-5
    )


@pytest.mark.parametrize(
    "kwargs, err, word",
    [
        (dict(num_steps=None), ValueError, "exactly one"),
        (dict(num_steps=5, num_epochs=1), ValueError, "exactly one"),
        (dict(num_steps=0), ValueError, "num_steps"),
        (dict(num_steps=5, batch_size=0), ValueError, "batch_size"),
        (dict(num_steps=5, record_every=0), ValueError, "record_every"),
    ],
)
def test_train_rejects_bad_arguments(kwargs, err, word):
    x, y = _problem()
    model = mlp([3, 1])
    with pytest.raises(err, match=word):
        train(
            model,
            nn.functional.mse_loss,
            x,
            y,
            torch.optim.SGD(model.parameters(), lr=0.1),
            **kwargs,
        )


def test_train_rejects_bad_objects():
    x, y = _problem()
    model = mlp([3, 1])
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="model"):
        train(lambda t: t, nn.functional.mse_loss, x, y, opt, num_steps=1)
    with pytest.raises(TypeError, match="optimizer"):
        train(model, nn.functional.mse_loss, x, y, "sgd", num_steps=1)
    with pytest.raises(ValueError, match="same, non-zero number of samples"):
        train(model, nn.functional.mse_loss, x, y[:10], opt, num_steps=1)


def test_evaluate_and_flat_parameters_reject_bad_input():
    x, y = _problem()
    model = mlp([3, 1])
    with pytest.raises(ValueError, match="batch_size"):
        evaluate(model, nn.functional.mse_loss, x, y, batch_size=0)
    with pytest.raises(ValueError, match="at least one sample"):
        evaluate(model, nn.functional.mse_loss, x[:0], y[:0])
    with pytest.raises(TypeError, match="model"):
        flat_parameters("not a model")
    with pytest.raises(ValueError, match="backward"):
        flat_parameters(model, grad=True)


def test_flat_parameters_can_return_the_gradients():
    x, y = _problem()
    model = mlp([3, 1])
    nn.functional.mse_loss(model(x), y).backward()
    expected = torch.cat([model[0].weight.grad.flatten(), model[0].bias.grad])
    assert np.array_equal(flat_parameters(model, grad=True), expected.double().numpy())


def _classification(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(100, 4, generator=gen)
    return x, (x[:, 0] > 0).long()


def test_fit_epochs_records_per_epoch_and_continues_as_if_uninterrupted():
    x, labels = _classification()
    model = helpers.mlp([4, 8, 2], seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def fit(num_epochs: int, **kwargs) -> helpers.EpochHistory:
        return helpers.fit_epochs(
            model,
            nn.functional.cross_entropy,
            x,
            labels,
            optimizer,
            num_epochs=num_epochs,
            batch_size=16,
            seed=3,
            evaluate=lambda m: {
                "acc": float((m(x).argmax(1) == labels).float().mean())
            },
            **kwargs,
        )

    whole = fit(4)
    assert whole.epochs == 4 and len(whole["acc"]) == 4 and whole.diverged_at is None
    assert whole["train_loss"][-1] < whole["train_loss"][0]
    model = helpers.mlp([4, 8, 2], seed=0)  # the same start again, in two halves
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    part = fit(2, history=fit(2))
    assert part.train_loss == whole.train_loss and part["acc"] == whole["acc"]
    with pytest.raises(KeyError, match="recorded: train_loss, acc"):
        whole["loss"]


def test_fit_epochs_reports_the_global_step_of_a_divergence():
    x, labels = _classification()
    model = helpers.mlp([4, 8, 2], seed=0)
    calls = []

    def loss(out, target):  # finite for 10 steps (one epoch of 7 and 3 more), then NaN
        calls.append(1)
        value = nn.functional.cross_entropy(out, target)
        return value if len(calls) <= 10 else value * float("nan")

    history = helpers.fit_epochs(
        model,
        loss,
        x,
        labels,
        torch.optim.SGD(model.parameters(), lr=0.1),
        num_epochs=3,
        batch_size=16,
    )
    assert history.epochs == 1 and history.diverged_at == 10


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"num_epochs": 0}, ValueError, "num_epochs"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"seed": -1}, ValueError, "seed"),
        ({"evaluate": 3}, TypeError, "evaluate"),
        ({"history": {}}, TypeError, "EpochHistory"),
    ],
)
def test_fit_epochs_rejects_bad_arguments(kwargs, error, words):
    x, labels = _classification()
    model = helpers.mlp([4, 8, 2], seed=0)
    arguments = {"num_epochs": 1, "batch_size": 16} | kwargs
    with pytest.raises(error, match=words):
        helpers.fit_epochs(
            model,
            nn.functional.cross_entropy,
            x,
            labels,
            torch.optim.SGD(model.parameters(), lr=0.1),
            **arguments,
        )


def test_lbfgs_runs_before_step_once_per_evaluation():
    """LBFGS gets a closure; the hook runs inside it, not also before it."""
    torch.manual_seed(0)
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    model = nn.Linear(3, 1)
    calls = []
    opt = torch.optim.LBFGS(model.parameters(), lr=0.1, max_iter=1)
    train(
        model,
        nn.functional.mse_loss,
        x,
        y,
        opt,
        num_steps=4,
        before_step=lambda m: calls.append(1),
    )
    assert len(calls) == 4


def _asgd_runs(run) -> tuple[np.ndarray, np.ndarray]:
    """Loss × 10 and lr × 10 under ASGD (lambd 0), whose step size is a tensor of the
    default dtype: the two runs agree to float64 rounding only if training makes the
    model's dtype the default."""
    x = torch.randn(
        32, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    y = x.sum(dim=1, keepdim=True)
    out = []
    for loss_factor, lr in [(10.0, 0.005), (1.0, 0.05)]:

        def loss(pred, target, f=loss_factor):
            return f * nn.functional.mse_loss(pred, target)

        out.append(run(loss, lr, x, y))
    return out


def test_train_runs_under_the_models_dtype():
    def run(loss, lr, x, y):
        model = mlp([3, 4, 1], seed=0, dtype=torch.float64)
        opt = torch.optim.ASGD(model.parameters(), lr=lr, lambd=0.0)
        train(model, loss, x, y, opt, num_steps=20)
        return flat_parameters(model)

    scaled_loss, scaled_lr = _asgd_runs(run)
    assert np.abs(scaled_loss - scaled_lr).max() < 1e-14
    assert torch.get_default_dtype() == torch.float32  # restored


def test_train_batched_runs_under_the_models_dtype():
    def run(loss, lr, x, y):
        models = [mlp([3, 4, 1], seed=s, dtype=torch.float64) for s in (0, 1)]
        _, trained = helpers.train_batched(
            models,
            loss,
            x,
            y,
            lambda p: torch.optim.ASGD(p.values(), lr=lr, lambd=0.0),
            num_steps=20,
        )
        return np.concatenate([flat_parameters(m) for m in trained])

    scaled_loss, scaled_lr = _asgd_runs(run)
    assert np.abs(scaled_loss - scaled_lr).max() < 1e-14
    assert torch.get_default_dtype() == torch.float32


def test_default_dtype_rejects_non_floating_dtypes():
    with pytest.raises(TypeError, match="floating-point"):
        with helpers.training.default_dtype(torch.int64):
            pass
