"""equivalent_settings: its answers are the catalog's maps, they reproduce rescaled
runs when trained, and bad input is refused."""

from __future__ import annotations

import inspect

import pytest

from helpers.equivalence import NO_EPS, NO_EQUIVALENT, Setting
from helpers.optimizer_catalog import optimizer_catalog
from helpers.rescaling_maps import (
    NO_DECAY,
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
        ("Rprop", "inputs", {}, "layer 1: init × f, lr × f, step sizes × f"),
        ("Rprop", "loss", {"weight_decay": True}, NO_DECAY),
        ("Rprop", "clip threshold", {"clipping": True}, "invariant"),
        ("ASGD", "inputs", {}, "layer 1: init × f, lr × f², lambd / f²"),
        ("ASGD", "lr", {}, "loss × f, lambd × f"),
        ("Adadelta", "eps", {}, "loss / √f, lr × √f"),
        (
            "Adadelta",
            "weight decay",
            {"weight_decay": True},
            "loss / f, lr × f, eps / f²",
        ),
        (
            "Adagrad, initial accumulator 0.1",
            "eps",
            {},
            "loss / f, initial accumulator / f²",
        ),
        ("Adafactor", "inputs", {"weight_decay": True}, "layer 1: init × f"),
        ("Adafactor", "clip threshold", {"clipping": True}, "loss / f"),
        ("Adafactor", "eps", {}, "invariant"),
        ("Muon (matrices only)", "inputs", {}, NOT_DERIVED),
        ("LBFGS (one iteration per step)", "lr", {}, NOT_DERIVED),
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


def _has_decay(optimizer: str) -> bool:
    spec = optimizer_catalog()[optimizer].spec
    return "weight_decay" in inspect.signature(spec.cls).parameters


DERIVED_FOR = [  # every dense configuration with per-layer settings
    name
    for name, entry in optimizer_catalog().items()
    if entry.model == "dense" and not name.startswith("LBFGS")
]
DERIVED_CASES = [  # every configuration and rescaling with a derived answer
    (optimizer, rescaling)
    for optimizer in DERIVED_FOR
    for rescaling, (_, decays, clips) in FAMILY_RESCALINGS.items()
    if (rescaling != "weight decay" or _has_decay(optimizer))
    and equivalent_settings(
        optimizer,
        rescaling,
        weight_decay=decays and _has_decay(optimizer),
        clipping=clips,
    ).exists
]


def test_the_derived_cases_cover_every_optimizer_and_rescaling():
    assert {rescaling for _, rescaling in DERIVED_CASES} == set(FAMILY_RESCALINGS)
    # RAdam's answers in these rows are "no simple equivalent" (its early and late
    # steps need different maps); every other configuration has answers to test
    assert {optimizer for optimizer, _ in DERIVED_CASES} == set(DERIVED_FOR) - {"RAdam"}


@pytest.mark.parametrize("optimizer, rescaling", DERIVED_CASES)
def test_every_derived_rule_reproduces_the_rescaled_run(study, optimizer, rescaling):
    rescaled, decays, clips = FAMILY_RESCALINGS[rescaling]
    decays = decays and _has_decay(optimizer)
    answer = equivalent_settings(
        optimizer, rescaling, weight_decay=decays, clipping=clips
    )
    spec = optimizer_catalog()[optimizer].spec
    match = study.find_equivalent(
        spec,
        rescaled,
        [("answer", *answer.candidate(F, spec))],
        exact=EXACT,
        first_ratio=1 / F if rescaling == "inputs" else 1.0,
        weight_decay=1e-2 if decays else None,
        max_grad_norm=0.05 if clips else None,
    )
    assert match.label == "answer", (answer.label(), match.distances)
