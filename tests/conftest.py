import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def assert_same_on_both_cpu_code_paths(script: str) -> None:
    """Run ``python -c script`` on torch's native CPU kernels and on the generic ones;
    compare stdout.

    ``ATEN_CPU_CAPABILITY=default`` selects the non-vectorised kernels, whose float32
    results can differ in the last bits: the way to check that something does not depend
    on the CPU.
    """
    import os
    import subprocess

    native = {k: v for k, v in os.environ.items() if k != "ATEN_CPU_CAPABILITY"}
    outputs = {}
    for name, env in (
        ("native", native),
        ("generic", {**native, "ATEN_CPU_CAPABILITY": "default"}),
    ):
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        outputs[name] = done.stdout.strip()
    assert outputs["native"] and outputs["native"] == outputs["generic"], outputs


@pytest.fixture(scope="module")
def study():
    """A tiny equivalence study (3-5-1 tanh network, float64, two seeds, 12 full-batch
    steps), shared by the equivalence and rescaling-map tests."""
    import torch

    from helpers import mlp, regression_problem
    from helpers.equivalence import EquivalenceStudy

    X, y = regression_problem(32, num_features=3, noise_std=0.05, seed=0)
    return EquivalenceStudy(
        lambda seed: mlp([3, 5, 1], activation="tanh", seed=seed, dtype=torch.float64),
        X.double(),
        y.double(),
        seeds=(0, 1),
        num_steps=12,
        record_every=3,
    )
