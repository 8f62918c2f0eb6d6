"""helpers.optimizer_catalog: every torch.optim optimizer, with its loss-scale map."""

import pytest
import torch
from torch import nn

import helpers
from helpers import EquivalenceStudy, Setting
from helpers.optimizer_catalog import (
    EPS_MAP,
    INVARIANT,
    LR_MAP,
    CatalogEntry,
    optimizer_catalog,
    torch_optimizers,
)


def test_every_torch_optimizer_has_an_entry():
    covered = {entry.spec.cls for entry in optimizer_catalog().values()}
    missing = [cls.__name__ for cls in torch_optimizers() if cls not in covered]
    assert missing == []
    assert torch.optim.Optimizer not in torch_optimizers()
    assert torch.optim.SGD in torch_optimizers()


def test_candidates_list_the_simple_maps_and_the_composite_one():
    catalog = optimizer_catalog()
    labels = [c[0] for c in catalog["Adam"].candidates(4.0)]
    assert labels == [INVARIANT, LR_MAP, EPS_MAP]
    composite = catalog["Adagrad, initial accumulator 0.1"].candidates(4.0)[-1]
    label, setting, spec = composite
    assert setting == Setting(eps=0.25)
    assert spec.options["initial_accumulator_value"] == pytest.approx(0.1 / 16)


def test_bad_entries_and_alpha_are_refused():
    entry = optimizer_catalog()["SGD"]
    with pytest.raises(ValueError, match="model"):
        CatalogEntry("x", entry.spec, LR_MAP, "why", model="conv")
    with pytest.raises(ValueError, match="alpha"):
        entry.candidates(0.0)


@pytest.mark.parametrize(
    "name",
    [
        "SGD",
        "Rprop",
        "Adam",
        "Adagrad, initial accumulator 0.1",
        "LBFGS (one iteration per step)",
        "ASGD",
    ],
)
def test_the_derived_map_is_what_a_study_finds(name):
    torch.manual_seed(0)
    x = torch.randn(64, 3, dtype=torch.float64)
    y = torch.tanh(x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64))
    study = EquivalenceStudy(
        lambda seed: helpers.mlp([3, 8, 1], "tanh", seed=seed, dtype=torch.float64),
        x,
        y,
        seeds=(0,),
        num_steps=30,
        record_every=10,
    )
    entry = optimizer_catalog()[name]
    alpha = 2.0**10
    match = study.find_equivalent(
        entry.spec, Setting(loss=alpha), entry.candidates(alpha), exact=1e-12
    )
    assert match.label == entry.loss_scale


def test_lbfgs_takes_one_group_only():
    spec = optimizer_catalog()["LBFGS (one iteration per step)"].spec
    p = [nn.Parameter(torch.zeros(2))]
    assert len(spec.build(p, [], Setting(), 0.0).param_groups) == 1
    with pytest.raises(ValueError, match="one parameter group"):
        spec.build(p, [], Setting(first_lr=2.0), 0.0)


def test_mlp_without_biases_has_matrices_only():
    model = helpers.mlp([3, 4, 1], bias=False, seed=0)
    assert all(p.ndim == 2 for p in model.parameters())
    with pytest.raises(TypeError, match="bias"):
        helpers.mlp([3, 4, 1], bias=1)
