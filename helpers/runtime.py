"""Runtime plumbing: device choice, seeding, determinism and an environment report."""

from __future__ import annotations

import os
import platform

import numpy as np
import torch

#: Environment variable that overrides the automatic device choice ("cpu", "cuda",
#: "cuda:1", ...).
DEVICE_ENV_VAR = "SCALEBOOK_DEVICE"
SEED_OFFSET_ENV_VAR = "SCALEBOOK_SEED_OFFSET"
MIN_SEEDS_ENV_VAR = "SCALEBOOK_MIN_SEEDS"
THREADS_ENV_VAR = "SCALEBOOK_THREADS"
BOOK_THREADS = 2  # the intra-op thread count that produced the stored outputs


ACCEPTED_DEVICES = "'cpu', 'cuda' or 'cuda:N' (N: a CUDA device index)"


def pick_device(preferred: str | None = None) -> torch.device:
    """Return the device chapters compute on.

    Order: ``preferred`` if given, else ``$SCALEBOOK_DEVICE`` if set, else CUDA when
    available, else the CPU. A bad value raises ValueError naming where it came from
    (the argument or the variable) and the accepted values.
    """
    if preferred is not None and not isinstance(preferred, str):
        raise TypeError(
            f"preferred must be a device string such as 'cpu' or 'cuda', "
            f"got {type(preferred).__name__}"
        )
    if preferred:
        choice, source = preferred, "preferred"
    elif os.environ.get(DEVICE_ENV_VAR):
        choice, source = os.environ[DEVICE_ENV_VAR], f"${DEVICE_ENV_VAR}"
    else:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    given = f"{source} is {choice!r}"
    unset = (
        ""
        if source == "preferred"
        else (f" (or unset {DEVICE_ENV_VAR} for the automatic choice)")
    )
    try:
        device = torch.device(choice)
    except RuntimeError as exc:
        raise ValueError(
            f"{given}, which is not a torch device string; accepted: "
            f"{ACCEPTED_DEVICES}{unset}"
        ) from exc
    cpu_with_index = device.type == "cpu" and device.index is not None
    if device.type not in {"cpu", "cuda"} or cpu_with_index:
        raise ValueError(
            f"{given}, a device the book does not support; accepted: "
            f"{ACCEPTED_DEVICES}{unset}"
        )
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"{given}, but CUDA is not available on this machine; "
                f"accepted here: 'cpu'{unset}"
            )
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            raise ValueError(
                f"{given}, but this machine has {count} CUDA device(s); "
                f"accepted here: 'cpu', 'cuda' or 'cuda:0' to "
                f"'cuda:{count - 1}'{unset}"
            )
    return device


def _env_count(name: str) -> int:
    """``$name`` as a non-negative int (0 if unset), else a ValueError naming it."""
    raw = os.environ.get(name, "0")
    if not (raw.isascii() and raw.isdigit()):
        raise ValueError(
            f"${name} must be a non-negative integer written in digits, "
            f"such as 0 or 5 (or unset, meaning 0), got {raw!r}"
        )
    return int(raw)


def seeds(count: int) -> tuple[int, ...]:
    """The seeds a chapter averages over: ``0 .. count-1`` unless the seed-stress run
    moves them.

    ``$SCALEBOOK_SEED_OFFSET`` shifts them (other seeds, same claims) and
    ``$SCALEBOOK_MIN_SEEDS`` raises their number; the stored outputs always come from
    the defaults.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be an int >= 1, got {count!r}")
    offset = _env_count(SEED_OFFSET_ENV_VAR)
    return tuple(range(offset, offset + max(count, _env_count(MIN_SEEDS_ENV_VAR))))


def make_deterministic() -> None:
    """Ask torch for deterministic kernels (and cuBLAS workspaces) so reruns repeat
    exactly.

    On the CPU it also fixes the number of intra-op threads: ``$SCALEBOOK_THREADS`` if
    set, else ``$OMP_NUM_THREADS`` if set (so the one-thread test variant really runs on
    one thread), else ``BOOK_THREADS``, the count that produced the stored outputs.
    """
    name = next(
        (n for n in (THREADS_ENV_VAR, "OMP_NUM_THREADS") if os.environ.get(n)), None
    )
    raw = os.environ[name] if name else str(BOOK_THREADS)
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"${name} must be a positive integer (threads), got {raw!r}")
    torch.set_num_threads(int(raw))
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False
    # TF32 would change float32 matmuls on Ampere+ GPUs; the book's claims are about
    # float32.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what ``platform`` reports."""
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment_report(device: torch.device | None = None) -> str:
    """One line naming the versions and the device, for the top of each chapter."""
    from . import __version__

    device = device or pick_device()
    if device.type == "cuda":
        where = f"cuda ({torch.cuda.get_device_name(device)})"
    else:
        where = f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)"
    return (
        f"helpers {__version__} · torch {torch.__version__} · numpy {np.__version__} · "
        f"python {platform.python_version()} · device {where}"
    )
