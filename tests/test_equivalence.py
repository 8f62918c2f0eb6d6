"""The equivalence study: exact maps are found, others are not, bad input refused."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from helpers.equivalence import (
    NO_EPS,
    NO_EQUIVALENT,
    EquivalenceStudy,
    OptimizerSpec,
    Setting,
)
from helpers.training import default_dtype

F = 4.0
EXACT = 1e-12
SGD = OptimizerSpec(torch.optim.SGD, lr=0.01)
ADAM = OptimizerSpec(torch.optim.Adam, lr=0.01, eps=1e-6)


def test_loss_scale_is_a_learning_rate_scale_under_sgd(study):
    match = study.find_equivalent(
        SGD,
        Setting(loss=F),
        [("invariant", Setting()), ("lr × f", Setting(lr=F))],
        exact=EXACT,
    )
    assert match.label == "lr × f" and match.distance <= EXACT
    assert match.misses[0] > 1e-6  # "invariant" was tried and missed


def test_loss_scale_is_an_eps_scale_under_adam_and_try_all_measures_every_candidate(
    study,
):
    candidates = [("eps / f", Setting(eps=1 / F)), ("lr × f", Setting(lr=F))]
    first = study.find_equivalent(ADAM, Setting(loss=F), candidates, exact=EXACT)
    every = study.find_equivalent(
        ADAM, Setting(loss=F), candidates, exact=EXACT, try_all=True
    )
    assert first.label == every.label == "eps / f"
    assert list(first.distances) == ["eps / f"]
    assert list(every.distances) == ["eps / f", "lr × f"]
    assert every.distances["lr × f"] > 1e-3


def test_eps_candidates_are_skipped_for_optimizers_without_eps(study):
    match = study.find_equivalent(
        SGD, Setting(loss=F), [("eps / f", Setting(eps=1 / F))], exact=EXACT
    )
    assert match.label == NO_EQUIVALENT and match.distances == {}
    assert study.find_equivalent(SGD, Setting(eps=F), [], exact=EXACT).label == NO_EPS


def test_input_scale_map_with_first_ratio(study):
    match = study.find_equivalent(
        SGD,
        Setting(inputs=F),
        [("layer 1: init × f, lr × f²", Setting(first_init=F, first_lr=F**2))],
        exact=EXACT,
        first_ratio=1 / F,
    )
    assert match.label != NO_EQUIVALENT and match.distance <= EXACT


def test_inputs_rescaled_per_feature_on_another_study(study):
    uniform = dataclasses.replace(study, inputs=F * study.inputs)
    layer_1_map = [("layer 1: init × f, lr × f²", Setting(first_init=F, first_lr=F**2))]
    same = study.find_equivalent(
        SGD,
        Setting(),
        layer_1_map,
        exact=EXACT,
        first_ratio=[1 / F] * 3,
        rescaled_study=uniform,
    )
    assert same.label != NO_EQUIVALENT  # one ratio per column, all equal: the map
    per_feature = torch.tensor([1.0, F, 1.0], dtype=torch.float64)
    mixed = study.find_equivalent(
        SGD,
        Setting(),
        layer_1_map,
        exact=EXACT,
        first_ratio=(1 / per_feature).tolist(),
        rescaled_study=dataclasses.replace(study, inputs=per_feature * study.inputs),
    )
    assert mixed.label == NO_EQUIVALENT and mixed.misses[0] > 1e-6
    with pytest.raises(ValueError, match="one per input column"):
        study.find_equivalent(SGD, Setting(), [], exact=EXACT, first_ratio=[1.0, 2.0])
    with pytest.raises(ValueError, match="num_steps"):
        study.find_equivalent(
            SGD,
            Setting(),
            [],
            exact=EXACT,
            rescaled_study=dataclasses.replace(study, num_steps=3),
        )
    with pytest.raises(TypeError, match="EquivalenceStudy"):
        study.find_equivalent(
            SGD, Setting(), [], exact=EXACT, rescaled_study=study.inputs
        )


def test_asgd_scalars_follow_the_study_dtype(study):
    # ASGD keeps its step size in a tensor of the default dtype: in float32, lr × 10 is
    # rounded differently from lr, and loss × 10 ≡ lr × 10 would hold to 1e-8 only
    asgd = OptimizerSpec(torch.optim.ASGD, lr=0.005, options={"lambd": 0.0})
    match = study.find_equivalent(
        asgd, Setting(loss=10.0), [("lr × f", Setting(lr=10.0))], exact=EXACT
    )
    assert match.label == "lr × f", match.distances
    assert torch.get_default_dtype() == torch.float32  # restored
    with pytest.raises(TypeError, match="floating-point"):
        with default_dtype(torch.int64):
            pass


def test_clipping_map_and_recorded_norms(study):
    norm = float(study.run(SGD, max_grad_norm=1e9).grad_norms[:, 0].min())
    clip = 0.3 * norm
    match = study.find_equivalent(
        SGD,
        Setting(loss=F),
        [("lr × f", Setting(lr=F)), ("lr × f, clip / f", Setting(lr=F, clip=1 / F))],
        exact=EXACT,
        max_grad_norm=clip,
    )
    assert match.label == "lr × f, clip / f"
    result = study.run(SGD, max_grad_norm=clip)
    assert result.grad_norms.shape == (2, 12) and (result.grad_norms[:, 0] > clip).all()


def test_non_elementwise_optimizer_runs_seed_by_seed(study):
    adafactor = OptimizerSpec(
        torch.optim.Adafactor,
        lr=0.01,
        eps=torch.finfo(torch.float64).eps,
        eps_option=lambda e: (e, 1e-3),
    )
    result = study.run(adafactor, max_grad_norm=1e9)
    assert result.trajectory.shape == (2, 5, study.first_weight_slice().stop + 5 + 6)
    assert result.grad_norms.shape == (2, 12)
    match = study.find_equivalent(
        adafactor, Setting(loss=F), [("invariant", Setting())], exact=EXACT
    )
    assert match.label == "invariant"


def test_weight_decay_replaces_the_base_decay(study):
    decayed = OptimizerSpec(torch.optim.AdamW, lr=0.01, eps=1e-6, weight_decay=0.1)
    a = study.run(decayed).trajectory
    b = study.run(decayed, weight_decay=0.0).trajectory
    c = study.run(OptimizerSpec(torch.optim.AdamW, lr=0.01, eps=1e-6, weight_decay=0.0))
    assert (a != b).any() and (b == c.trajectory).all()


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: Setting(loss=0.0), ValueError, "loss"),
        (lambda: Setting(first_lr=float("nan")), ValueError, "first_lr"),
        (lambda: OptimizerSpec(int, lr=1.0), TypeError, "torch.optim.Optimizer"),
        (lambda: OptimizerSpec(torch.optim.SGD, lr=-1.0), ValueError, "lr"),
    ],
)
def test_bad_settings_are_refused(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_bad_study_arguments_are_refused(study):
    with pytest.raises(ValueError, match="exact"):
        study.find_equivalent(SGD, Setting(), [], exact=-1.0)
    with pytest.raises(ValueError, match="seeds"):
        EquivalenceStudy(study.make_model, study.inputs, study.targets, (), 3)
    with pytest.raises(ValueError, match="no parameter"):
        EquivalenceStudy(
            study.make_model, study.inputs, study.targets, (0,), 3, first_layer="9"
        ).first_weight_slice()
