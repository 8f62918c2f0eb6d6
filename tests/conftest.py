import sys
from pathlib import Path

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
