"""Fashion-MNIST from local IDX files, verified by checksum.

Search order for the files: the ``root`` argument, ``$FASHION_MNIST_DIR``, Debian's
package ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist``), then the user
cache (``$XDG_CACHE_HOME/scalebook/fashion-mnist``). Each file may be gzipped or not;
the checksum (sha256) is taken over the *decompressed* bytes, because Debian
re-compressed the upstream ``.gz`` files. The first copy that verifies wins: a corrupt
copy earlier in the order is skipped with a ``DatasetWarning`` naming it, and so is a
``root`` or ``$FASHION_MNIST_DIR`` that is not a directory.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tempfile
import urllib.request
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ._checks import one_of, positive_int

DATA_DIR_ENV_VAR = "FASHION_MNIST_DIR"
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
SOURCE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

#: sha256 of the decompressed IDX files: the checksum every file is verified against.
#: Computed from Debian's dataset-fashion-mnist once its decompressed bytes had matched
#: UPSTREAM_MD5.
SHA256 = {
    "train-images-idx3-ubyte": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
    ),
    "train-labels-idx1-ubyte": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
    ),
    "t10k-images-idx3-ubyte": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
    ),
    "t10k-labels-idx1-ubyte": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
    ),
}
#: md5 of the decompressed IDX files as published (Xiao, Rasul and Vollgraf, 2017;
#: upstream README): the provenance of SHA256, tested against the real files.
UPSTREAM_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
IDX_MAGIC = {"images": 2051, "labels": 2049}
SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
HOW_TO_GET = (
    "Install Debian's package (apt-get install dataset-fashion-mnist), or put the four "
    "IDX files "
    f"(gzipped or not) in a directory and point ${DATA_DIR_ENV_VAR} at it, or run "
    "'python -m helpers.data --download' on a machine with internet access."
)


class DatasetError(RuntimeError):
    """The data files are missing, truncated or fail their checksum."""


class DatasetWarning(UserWarning):
    """A search location was skipped: not a directory, or a copy there was bad."""


@dataclass(frozen=True)
class FashionMNIST:
    """One split: ``images`` uint8 of shape (N, 28, 28), ``labels`` int64 of shape
    (N,).
    """

    images: torch.Tensor
    labels: torch.Tensor
    source: Path

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def cache_dir() -> Path:
    """The user cache directory for downloaded files."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "scalebook" / "fashion-mnist"


def candidate_dirs(root: str | os.PathLike | None = None) -> list[Path]:
    """Directories searched for the IDX files, in order."""
    dirs = []
    if root is not None:
        dirs.append(Path(root))
    if os.environ.get(DATA_DIR_ENV_VAR):
        dirs.append(Path(os.environ[DATA_DIR_ENV_VAR]))
    dirs += [DEBIAN_DIR, cache_dir()]
    return dirs


def _warn_about_missing_dirs(root: str | os.PathLike | None) -> None:
    """Warn when a directory the reader named (root, $FASHION_MNIST_DIR) is absent."""
    named = [("root", root), (f"${DATA_DIR_ENV_VAR}", os.environ.get(DATA_DIR_ENV_VAR))]
    for what, value in named:
        if value and not Path(value).is_dir():
            warnings.warn(
                f"{what} is {str(value)!r}, which is not a directory (mistyped?); "
                "it is skipped and the other locations are searched",
                DatasetWarning,
                stacklevel=3,
            )


def _verify(path: Path, stem: str, gzipped: bool | None = None) -> bytes:
    """The decompressed bytes of ``path``; DatasetError naming the file if bad."""
    gzipped = path.suffix == ".gz" if gzipped is None else gzipped
    try:
        raw = path.read_bytes()
        data = gzip.decompress(raw) if gzipped else raw
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise DatasetError(
            f"{path} is unreadable, truncated or corrupt ({type(exc).__name__}: {exc})"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[stem]:
        raise DatasetError(
            f"{path} fails its checksum: sha256 of the decompressed bytes is {digest}, "
            f"expected {SHA256[stem]} (corrupt, or not Fashion-MNIST)"
        )
    return data


def _read_verified(path: Path, stem: str, gzipped: bool | None = None) -> bytes:
    """Decompress (if needed) and checksum one file; DatasetError with advice if bad."""
    try:
        return _verify(path, stem, gzipped)
    except DatasetError as exc:
        raise DatasetError(f"{exc}. Delete it and get it again. {HOW_TO_GET}") from exc


def _candidates(stem: str, dirs: list[Path]) -> list[Path]:
    """Every file that could hold ``stem``, in search order."""
    names = (stem + ".gz", stem)
    return [d / name for d in dirs for name in names if (d / name).is_file()]


def _parse_idx(data: bytes, expected_magic: int, path: Path) -> np.ndarray:
    try:
        magic = struct.unpack(">I", data[:4])[0]
        if magic != expected_magic:
            raise DatasetError(
                f"{path}: IDX magic number {magic}, expected {expected_magic}"
            )
        ndim = magic & 0xFF
        shape = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
        return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    except (struct.error, ValueError) as exc:
        raise DatasetError(f"{path}: not a valid IDX file ({exc})") from exc


def _load_first_verified(
    stem: str,
    magic: int,
    dirs: list[Path],
) -> tuple[Path | None, np.ndarray | None, list[str]]:
    """The first copy of ``stem`` that verifies (or None), and bad ones before it."""
    bad = []
    for path in _candidates(stem, dirs):
        try:
            return path, _parse_idx(_verify(path, stem), magic, path), bad
        except DatasetError as exc:
            bad.append(str(exc))
    return None, None, bad


def download(stem: str, directory: Path | None = None, timeout: float = 20.0) -> Path:
    """Download one file from the official source into ``directory`` (default: the user
    cache).

    The file is written under a temporary name, verified, and only then renamed, so a
    failed or corrupt download never leaves a file that looks valid.
    """
    one_of("stem", stem, SHA256)
    directory = Path(directory) if directory is not None else cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / (stem + ".gz")
    with tempfile.NamedTemporaryFile(
        dir=directory, prefix=stem, suffix=".part", delete=False
    ) as tmp:
        tmp_path = Path(tmp.name)
    try:
        with urllib.request.urlopen(
            SOURCE_URL + stem + ".gz", timeout=timeout
        ) as response:
            tmp_path.write_bytes(response.read())
        _read_verified(tmp_path, stem, gzipped=True)
        tmp_path.replace(target)
    finally:
        tmp_path.unlink(missing_ok=True)
    return target


def load_fashion_mnist(
    split: str = "train",
    root: str | os.PathLike | None = None,
    allow_download: bool = False,
) -> FashionMNIST:
    """Load one split of Fashion-MNIST (60,000 train or 10,000 test images) as torch
    tensors.

    Parameters
    ----------
    split : "train" or "test".
    root : a directory to search first (see the module docstring for the rest).
    allow_download : if the files are nowhere to be found, try the official source into
        the user cache (the book itself never does this: it runs offline).
    """
    one_of("split", split, SPLITS)
    if root is not None and not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a path or None, got {type(root).__name__}")
    _warn_about_missing_dirs(root)
    dirs = candidate_dirs(root)
    arrays = []
    for stem, kind in zip(SPLITS[split], ("images", "labels"), strict=True):
        path, array, bad = _load_first_verified(stem, IDX_MAGIC[kind], dirs)
        if path is None and not allow_download:
            if bad:
                raise DatasetError(
                    f"no valid copy of Fashion-MNIST file {stem}: "
                    + "; ".join(bad)
                    + f". Delete the bad copies and get the file again. {HOW_TO_GET}"
                )
            searched = ", ".join(str(d) for d in dirs)
            raise DatasetError(
                f"Fashion-MNIST file {stem} not found in: {searched}. {HOW_TO_GET}"
            )
        if path is None:
            try:
                path = download(stem)
            except OSError as exc:
                raise DatasetError(
                    f"could not download {stem} ({exc}). {HOW_TO_GET}"
                ) from exc
            array = _parse_idx(_read_verified(path, stem), IDX_MAGIC[kind], path)
        if bad:
            warnings.warn(
                f"skipped a bad copy of {stem} and used {path} instead: "
                + "; ".join(bad)
                + ". Delete the bad copy.",
                DatasetWarning,
                stacklevel=2,
            )
        arrays.append(array)
    images, labels = arrays
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(
            f"{split}: {images.shape[0]} images but {labels.shape[0]} labels"
        )
    return FashionMNIST(
        torch.from_numpy(images.copy()),
        torch.from_numpy(labels.astype(np.int64)),
        path.parent,
    )


def fashion_mnist_subset(
    split: str,
    size: int,
    *,
    pool: int = 1,
    seed: int = 0,
    root: str | os.PathLike | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``size`` images of one split, drawn at random without replacement (``seed``), as
    float32 inputs in [0, 1] (pixels / 255), average-pooled over ``pool`` × ``pool``
    blocks and flattened, and their int64 labels.

    ``pool=2`` gives 14 × 14 = 196 inputs: the small problem the Part II chapters sweep
    hundreds of times on two CPU cores.
    """
    size = positive_int("size", size)
    pool = positive_int("pool", pool)
    if 28 % pool:
        raise ValueError(f"pool must divide 28 (1, 2, 4, 7, 14 or 28), got {pool}")
    seed = positive_int("seed", seed, allow_zero=True)
    data = load_fashion_mnist(split, root)
    if size > len(data):
        raise ValueError(
            f"size must be at most {len(data)} (the {split} split), got {size}"
        )
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    index = order[:size]
    images = data.images[index].to(torch.float32).div(255).unsqueeze(1)
    if pool > 1:
        images = torch.nn.functional.avg_pool2d(images, pool)
    return images.flatten(1), data.labels[index]


def _main() -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description="Check (or download) the Fashion-MNIST files."
    )
    parser.add_argument(
        "--download",
        action="store_true",
        help="download missing files into the user cache",
    )
    args = parser.parse_args()
    try:
        for split in SPLITS:
            data = load_fashion_mnist(split, allow_download=args.download)
            print(
                f"Fashion-MNIST {split}: {len(data)} images, verified, from "
                f"{data.source}"
            )
    except DatasetError as exc:
        raise SystemExit(f"error: {exc}") from None


if __name__ == "__main__":
    _main()
