"""equivalent_settings: its answers are the catalog's maps, they reproduce rescaled
runs when trained, and bad input is refused."""

from __future__ import annotations

import pytest

from helpers.equivalence import NO_EPS, NO_EQUIVALENT, Setting
from helpers.optimizer_catalog import optimizer_catalog
from helpers.rescaling_maps import (
    NOT_DERIVED,
    RESCALINGS,
    equivalent_settings,
)

F = 4.0
EXACT = 1e-12


@pytest.mark.parametrize("name", list(optimizer_catalog()))
def test_the_loss_row_is_the_catalog_map(name):
    entry = optimizer_catalog()[name]
    label = equivalent_settings(name, "loss").label(symbol="α")
    assert entry.loss_scale in (label, f"≡ {label}")


@pytest.mark.parametrize(
    "optimizer, rescaling, options, expected",
    [
        ("SGD", "loss", {}, "lr × f"),
        ("SGD", "targets and output (squared error)", {}, "lr × f²"),
        ("Adam", "targets and output (absolute error)", {}, "eps / f"),
        ("Adam", "loss", {"weight_decay": True}, "eps / f, decay / f"),
        (
            "AdamW",
            "loss",
            {"weight_decay": True, "clipping": True},
            "eps / f, clip / f",
        ),
        ("SGD + momentum", "inputs", {}, "layer 1: init × f, lr × f²"),
        (
            "AdamW",
            "inputs",
            {"weight_decay": True},
            "layer 1: init × f, lr × f, eps / f, decay / f",
        ),
        (
            "Adam",
            "first-layer init (normalised first layer)",
            {},
            "layer 1: lr / f, eps × f",
        ),
        ("Adam", "first-layer init", {}, NO_EQUIVALENT),
        ("SGD", "lr", {"clipping": True}, "loss × f, clip × f"),
        ("Adam", "lr", {}, NO_EQUIVALENT),
        ("SGD", "eps", {}, NO_EPS),
        ("RMSprop", "weight decay", {"weight_decay": True}, "loss / f, eps / f"),
        ("SGD", "clip threshold", {"clipping": True}, "loss / f, lr × f"),
        ("RAdam", "loss", {}, NO_EQUIVALENT),
        ("RAdam", "inputs (normalised first layer)", {}, "invariant"),
        ("Rprop", "inputs", {}, NOT_DERIVED),
        (
            "Adagrad, initial accumulator 0.1",
            "loss",
            {},
            "eps / f, initial accumulator / f²",
        ),
    ],
)
def test_labels(optimizer, rescaling, options, expected):
    assert equivalent_settings(optimizer, rescaling, **options).label() == expected


@pytest.mark.parametrize(
    "optimizer, rescaled, rescaling, options",
    [
        ("SGD", Setting(loss=F), "loss", {"weight_decay": True, "clipping": True}),
        ("Adam", Setting(loss=F), "loss", {"weight_decay": True, "clipping": True}),
        ("AdamW", Setting(loss=F), "loss", {"weight_decay": True, "clipping": True}),
        ("Adam", Setting(targets=F), "targets and output (squared error)", {}),
        ("SGD", Setting(lr=F), "lr", {"weight_decay": True, "clipping": True}),
        ("NAdam", Setting(eps=F), "eps", {"weight_decay": True}),
        ("RMSprop", Setting(decay=F), "weight decay", {"weight_decay": True}),
        ("Adagrad", Setting(clip=F), "clip threshold", {"clipping": True}),
        ("SGD + momentum", Setting(inputs=F), "inputs", {}),
        ("AdamW", Setting(inputs=F), "inputs", {"weight_decay": True}),
    ],
)
def test_an_answer_reproduces_the_rescaled_run(
    study, optimizer, rescaled, rescaling, options
):
    spec = optimizer_catalog()[optimizer].spec
    answer = equivalent_settings(optimizer, rescaling, **options)
    match = study.find_equivalent(
        spec,
        rescaled,
        [("answer", answer.setting(F))],
        exact=EXACT,
        first_ratio=1 / F if rescaling == "inputs" else 1.0,
        weight_decay=1e-2 if options.get("weight_decay") else None,
        max_grad_norm=0.05 if options.get("clipping") else None,
    )
    assert match.label == "answer", (answer.label(), match.distances)


def test_apply_gives_the_equivalent_hyper_parameters():
    answer = equivalent_settings("AdamW", "loss", weight_decay=True, clipping=True)
    values = answer.apply(1000, lr=1e-3, eps=1e-8, weight_decay=0.01, max_grad_norm=1.0)
    assert values == pytest.approx(
        {"lr": 1e-3, "eps": 1e-11, "weight_decay": 0.01, "max_grad_norm": 1e-3}
    )
    asgd = equivalent_settings("ASGD", "loss").apply(2.0, lr=1e-4, lambd=1e-4)
    assert asgd == pytest.approx({"lr": 2e-4, "lambd": 5e-5})


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        equivalent_settings("Adamm", "loss")
    with pytest.raises(ValueError, match="rescaling must be one of"):
        equivalent_settings("Adam", "loss × f")
    with pytest.raises(TypeError, match="clipping must be True or False"):
        equivalent_settings("Adam", "loss", clipping=1)
    with pytest.raises(ValueError, match="needs weight_decay=True"):
        equivalent_settings("Adam", "weight decay")
    with pytest.raises(ValueError, match="Rprop has no weight decay"):
        equivalent_settings("Rprop", "loss", weight_decay=True)
    with pytest.raises(ValueError, match="no simple equivalent"):
        equivalent_settings("RAdam", "loss").apply(2.0, lr=1e-3)
    with pytest.raises(ValueError, match="give its value"):
        equivalent_settings("Adam", "loss").apply(2.0, lr=1e-3)
    with pytest.raises(TypeError, match="unknown hyper-parameters"):
        equivalent_settings("Adam", "loss").apply(2.0, eps=1e-8, betas=0.9)
    with pytest.raises(ValueError, match="changes the loss or the first layer"):
        equivalent_settings("SGD", "lr").apply(2.0, lr=1e-3)
    assert len(RESCALINGS) == len(set(RESCALINGS))


@pytest.mark.parametrize("optimizer", list(optimizer_catalog()))
def test_inputs_scaled_per_feature_have_no_optimizer_equivalent(optimizer):
    answer = equivalent_settings(optimizer, "inputs (per feature)")
    assert not answer.exists and answer.label() == "no simple equivalent"
    assert "column by column" in answer.why


FAMILY_RESCALINGS = {  # rescaling: (the rescaled set-up, weight decay, clipping)
    "loss": (Setting(loss=F), True, True),
    "lr": (Setting(lr=F), True, True),
    "eps": (Setting(eps=F), True, True),
    "weight decay": (Setting(decay=F), True, False),
    "clip threshold": (Setting(clip=F), False, True),
    "inputs": (Setting(inputs=F), True, False),
}
FAMILY_MEMBERS = [
    name
    for name, entry in optimizer_catalog().items()
    if entry.model == "dense" and entry.loss_scale in ("≡ lr × α", "≡ eps / α")
]


FAMILY_CASES = [  # every member and rescaling for which the family rule gives an answer
    (optimizer, rescaling)
    for optimizer in FAMILY_MEMBERS
    for rescaling, (_, decays, clips) in FAMILY_RESCALINGS.items()
    if equivalent_settings(
        optimizer, rescaling, weight_decay=decays, clipping=clips
    ).exists
]


def test_the_family_cases_cover_both_families_and_every_rescaling():
    assert {rescaling for _, rescaling in FAMILY_CASES} == set(FAMILY_RESCALINGS)
    assert {"SGD", "Adam", "AdamW"} <= {optimizer for optimizer, _ in FAMILY_CASES}


@pytest.mark.parametrize("optimizer, rescaling", FAMILY_CASES)
def test_every_family_rule_reproduces_the_rescaled_run_for_every_member(
    study, optimizer, rescaling
):
    rescaled, decays, clips = FAMILY_RESCALINGS[rescaling]
    answer = equivalent_settings(
        optimizer, rescaling, weight_decay=decays, clipping=clips
    )
    match = study.find_equivalent(
        optimizer_catalog()[optimizer].spec,
        rescaled,
        [("answer", answer.setting(F))],
        exact=EXACT,
        first_ratio=1 / F if rescaling == "inputs" else 1.0,
        weight_decay=1e-2 if decays else None,
        max_grad_norm=0.05 if clips else None,
    )
    assert match.label == "answer", (answer.label(), match.distances)
