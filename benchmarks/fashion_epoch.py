"""Seconds per epoch per run for Chapter 1's set-up (784-128-10 ReLU MLP, Keras-style Adam, batch 32).

Usage: python benchmarks/fashion_epoch.py [--epochs N] [--repeats R]
Prints the median over R repeats of one run's epoch time, on the device the book would use.
Not part of the tests: timings depend on the machine. Target (issue 3): at most 0.8 s on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
from torch import nn

import helpers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = helpers.pick_device()
    data = helpers.load_fashion_mnist("train")
    x = (data.images.reshape(-1, 784).float() / 255).to(device)
    y = data.labels.to(device)
    times = []
    for repeat in range(args.repeats):
        model = helpers.mlp([784, 128, 10], init="glorot_uniform", generator=torch.Generator().manual_seed(repeat)).to(device)
        opt = helpers.KerasAdam(model.parameters())
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        helpers.train(model, nn.functional.cross_entropy, x, y, opt, num_epochs=args.epochs, batch_size=32, seed=repeat)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) / args.epochs)
    print(f"{helpers.environment_report(device)}")
    print(f"cpu: {platform.processor() or platform.machine()}; torch threads: {torch.get_num_threads()}")
    print(f"seconds per epoch per run (median of {args.repeats}): {statistics.median(times):.3f} "
          f"(all: {', '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()
