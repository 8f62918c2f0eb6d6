"""The one call that sets a chapter up."""

from __future__ import annotations

import torch

from .plotting import use_book_style
from .runtime import make_deterministic, pick_device


def start_chapter(preferred_device: str | None = None) -> torch.device:
    """Book figure style, deterministic kernels and threads; return the device to use.

    The device is ``preferred_device``, else ``$SCALEBOOK_DEVICE``, else CUDA when
    available, else the CPU (``pick_device``).
    """
    use_book_style()
    make_deterministic()
    return pick_device(preferred_device)
