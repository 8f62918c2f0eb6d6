"""The batched many-model trainer (helpers.train_batched) against a loop of single runs.

Usage: python benchmarks/batched_trainer.py [--models 8 64 256] [--steps 100]
           [--repeats 3]
Chapter 6's problem: 8-16-16-1 tanh MLPs, 128 samples, full-batch Adam, trajectories
recorded. Both sides start from the same weights; the script checks that they end at the
same parameters (float32: to 1e-5 relative, float64: 1e-12) before it reports a
speed-up. Target (issue 8): >= 5x for 64 models on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from torch import nn

import helpers

TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-12}


def _nets(count: int, dtype: torch.dtype, device: torch.device) -> list[nn.Module]:
    return [
        helpers.mlp(
            [8, 16, 16, 1],
            activation="tanh",
            generator=torch.Generator().manual_seed(seed),
        ).to(device, dtype)
        for seed in range(count)
    ]


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def compare(
    count: int, dtype: torch.dtype, steps: int, device: torch.device
) -> tuple[float, float, float]:
    """(loop seconds, batched seconds, largest relative gap between final
    parameters).
    """
    X, y = helpers.regression_problem(
        128, num_features=8, target_range=(-1.0, 1.0), noise_std=0.05, seed=0
    )
    X, y = X.to(device, dtype), y.to(device, dtype)
    _sync(device)
    start = time.perf_counter()
    finals = []
    for model in _nets(count, dtype, device):
        result = helpers.train(
            model,
            nn.functional.mse_loss,
            X,
            y,
            torch.optim.Adam(model.parameters(), lr=1e-2),
            num_steps=steps,
            record_trajectory=True,
            record_every=10,
        )
        finals.append(result.trajectory[-1])
    _sync(device)
    loop = time.perf_counter() - start
    start = time.perf_counter()
    batched, _ = helpers.train_batched(
        _nets(count, dtype, device),
        nn.functional.mse_loss,
        X,
        y,
        lambda params: torch.optim.Adam(params.values(), lr=1e-2),
        num_steps=steps,
        record_trajectory=True,
        record_every=10,
    )
    _sync(device)
    vectorised = time.perf_counter() - start
    reference = np.stack(finals)
    gap = float(
        np.abs(batched.trajectory[:, -1] - reference).max() / np.abs(reference).max()
    )
    if gap > TOLERANCE[dtype]:
        raise SystemExit(
            f"batched and looped runs differ by {gap:.2g} ({dtype}, {count} models)"
        )
    return loop, vectorised, gap


def measure(
    counts: list[int], steps: int, repeats: int, device: torch.device
) -> list[dict]:
    compare(2, torch.float32, 5, device)  # warm-up: first calls pay one-off costs
    rows = []
    for dtype in (torch.float32, torch.float64):
        for count in counts:
            runs = [
                compare(count, dtype, steps, device)
                for _ in range(repeats if count <= 64 else 1)
            ]
            loop = statistics.median(r[0] for r in runs)
            vectorised = statistics.median(r[1] for r in runs)
            rows.append(
                {
                    "dtype": str(dtype).removeprefix("torch."),
                    "models": count,
                    "loop_s": loop,
                    "batched_s": vectorised,
                    "speedup": loop / vectorised,
                    "gap": max(r[2] for r in runs),
                    "repeats": len(runs),
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, nargs="+", default=[8, 64, 256])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = helpers.pick_device()
    print(helpers.environment_report(device))
    print(
        f"{'dtype':8} {'models':>6} {'loop s':>8} {'batched s':>9} {'speed-up':>8} "
        f"{'gap':>8}"
    )
    for row in measure(args.models, args.steps, args.repeats, device):
        print(
            f"{row['dtype']:8} {row['models']:>6} {row['loop_s']:>8.2f} "
            f"{row['batched_s']:>9.2f} "
            f"{row['speedup']:>7.1f}x {row['gap']:>8.1g}"
        )


if __name__ == "__main__":
    main()
