"""Seconds per epoch per run for Chapter 1's set-up
(784-128-10 ReLU MLP, Keras-style Adam, batch 32).

Usage: python benchmarks/fashion_epoch.py [--repeats R]
Prints the median over R runs of one run's epoch (training only, after a warm-up epoch),
and the seconds per epoch per run over the chapter's 18 main runs trained one after the
other, one epoch each, with the test evaluation the chapter does after every epoch. Not
part of the tests: timings depend on the machine. Target (issue 3): at most 0.8 s on 2
CPU cores. It also times ``helpers.fit_epochs_stacked`` (seconds per epoch per model,
several seeds stacked into one model), the trainer chapter 1 uses. `make benchmark`
uses it.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import helpers


def epoch_timings(device: torch.device, repeats: int = 3) -> tuple[float, float]:
    """(median s/epoch of one run alone, s/epoch/run over the chapter's 18 runs in
    sequence).
    """
    data, test = helpers.load_fashion_mnist("train"), helpers.load_fashion_mnist("test")
    x, x_test = (
        data.images.reshape(-1, 784).float().to(device),
        test.images.reshape(-1, 784).float().to(device),
    )
    y, y_test = data.labels.to(device), test.labels.to(device)

    def one_epoch(divisor: float, seed: int, evaluate: bool = True) -> float:
        model = helpers.mlp(
            [784, 128, 10],
            init="glorot_uniform",
            generator=torch.Generator().manual_seed(seed),
        ).to(device)
        inputs, test_inputs = x / divisor, x_test / divisor
        start = time.perf_counter()
        helpers.train(
            model,
            nn.functional.cross_entropy,
            inputs,
            y,
            helpers.KerasAdam(model.parameters()),
            num_epochs=1,
            batch_size=32,
            seed=seed,
        )
        if evaluate:
            helpers.evaluate(model, nn.functional.cross_entropy, test_inputs, y_test)
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    one_epoch(
        255.0, 0, evaluate=False
    )  # warm-up: the first epoch pays one-off allocation costs
    alone = statistics.median(
        one_epoch(255.0, seed, evaluate=False) for seed in range(repeats)
    )
    runs = [
        (divisor, seed)
        for _loss in range(2)
        for divisor in (255.0, 1.0, 1000.0)
        for seed in range(3)
    ]
    start = time.perf_counter()
    for divisor, seed in runs:
        one_epoch(divisor, seed)
    return alone, (time.perf_counter() - start) / len(runs)


def stacked_epoch(device: torch.device, num_models: int = 5) -> float:
    """Seconds per epoch per model with ``num_models`` seeds trained as one stack
    (``helpers.fit_epochs_stacked``), test evaluation after the epoch included."""
    data, test = helpers.load_fashion_mnist("train"), helpers.load_fashion_mnist("test")
    x = data.images.reshape(-1, 784).float().to(device) / 255
    x_test = test.images.reshape(-1, 784).float().to(device) / 255
    y, y_test = data.labels.to(device), test.labels.to(device)
    seeds = list(range(num_models))
    stack = helpers.StackedMLP(
        [
            helpers.mlp([784, 128, 10], init="glorot_uniform", seed=seed, device=device)
            for seed in seeds
        ]
    )
    start = time.perf_counter()
    helpers.fit_epochs_stacked(
        stack,
        nn.functional.cross_entropy,
        x,
        y,
        helpers.KerasAdam(stack.parameters()),
        num_epochs=1,
        batch_size=32,
        seeds=seeds,
        evaluate=lambda m: {
            "loss": helpers.evaluate(m, nn.functional.cross_entropy, x_test, y_test)
        },
    )
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / num_models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = helpers.pick_device()
    alone, full_set = epoch_timings(device, args.repeats)
    print(helpers.environment_report(device))
    print(f"seconds per epoch, one run alone (median of {args.repeats}): {alone:.3f}")
    print(
        f"seconds per epoch per run, the chapter's 18 runs in sequence: {full_set:.3f}"
    )
    print(f"seconds per epoch per model, 5 seeds stacked: {stacked_epoch(device):.3f}")


if __name__ == "__main__":
    main()
