import gzip
import hashlib
import shutil
import struct
import warnings
import zlib

import numpy as np
import pytest
import torch

from helpers import DatasetError, load_fashion_mnist
from helpers import data as data_mod


def _idx_images(images: np.ndarray) -> bytes:
    return struct.pack(">IIII", 2051, *images.shape) + images.astype(np.uint8).tobytes()


def _idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 2049, labels.shape[0]) + labels.astype(np.uint8).tobytes()


@pytest.fixture
def fake_dataset(tmp_path, monkeypatch):
    """A tiny valid 'test' split; the checksum table is patched to match it.

    The images take four grey levels, so that deflate compresses them with Huffman codes
    (random bytes would be stored verbatim, and a flipped byte would only fail the CRC).
    """
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 4, (5, 28, 28)) * 60, rng.integers(0, 10, 5)
    files = {
        "t10k-images-idx3-ubyte": _idx_images(images),
        "t10k-labels-idx1-ubyte": _idx_labels(labels),
    }
    sha256 = dict(data_mod.SHA256)
    for stem, payload in files.items():
        (tmp_path / (stem + ".gz")).write_bytes(gzip.compress(payload, mtime=0))
        sha256[stem] = hashlib.sha256(payload).hexdigest()
    monkeypatch.setattr(data_mod, "SHA256", sha256)
    monkeypatch.setattr(data_mod, "DEBIAN_DIR", tmp_path / "absent-debian")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(data_mod.DATA_DIR_ENV_VAR, raising=False)
    return tmp_path, images, labels


def test_loads_and_verifies_gzipped_files(fake_dataset):
    root, images, labels = fake_dataset
    split = load_fashion_mnist("test", root=root)
    assert split.images.shape == (5, 28, 28) and np.array_equal(
        split.images.numpy(), images
    )
    assert split.labels.dtype.is_floating_point is False and np.array_equal(
        split.labels.numpy(), labels
    )


def test_reads_uncompressed_files_and_env_override(fake_dataset, monkeypatch):
    root, images, _ = fake_dataset
    for gz in root.glob("*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    monkeypatch.setenv(data_mod.DATA_DIR_ENV_VAR, str(root))
    assert np.array_equal(load_fashion_mnist("test").images.numpy(), images)


def test_missing_files_give_advice(fake_dataset, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(
        DatasetError, match="not found.*apt-get install dataset-fashion-mnist"
    ):
        load_fashion_mnist("test", root=tmp_path / "empty")


def test_truncated_file_is_reported(fake_dataset):
    root, _, _ = fake_dataset
    path = root / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(DatasetError, match="truncated"):
        load_fashion_mnist("test", root=root)


def test_corrupted_file_fails_checksum(fake_dataset):
    root, images, _ = fake_dataset
    images[0, 0, 0] ^= 1
    (root / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx_images(images)))
    with pytest.raises(DatasetError, match="checksum"):
        load_fashion_mnist("test", root=root)


def _flip(path, position: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[position] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_flipped_byte_in_gz_body_is_a_dataset_error(fake_dataset):
    """Planted fault: a byte of the deflate stream flipped, so zlib itself fails."""
    root, _, _ = fake_dataset
    path = root / "t10k-images-idx3-ubyte.gz"
    good = path.read_bytes()
    for position in range(len(good) // 2, len(good) - 8):  # the first that breaks zlib
        _flip(path, position)
        try:
            gzip.decompress(path.read_bytes())
        except zlib.error:
            break
        except (OSError, EOFError):
            pass
        path.write_bytes(good)
    else:
        pytest.fail("no flipped byte made zlib fail")
    with pytest.raises(DatasetError, match=r"corrupt \(error: .*Delete the bad copies"):
        load_fashion_mnist("test", root=root)


@pytest.mark.parametrize("where", [0.25, 0.5, 0.75])
def test_any_flipped_byte_in_gz_body_is_a_dataset_error(fake_dataset, where):
    root, _, _ = fake_dataset
    path = root / "t10k-images-idx3-ubyte.gz"
    _flip(path, int(where * path.stat().st_size))
    with pytest.raises(DatasetError, match="t10k-images-idx3-ubyte.gz"):
        load_fashion_mnist("test", root=root)


@pytest.mark.parametrize("fault", ["flipped byte", "wrong content"])
@pytest.mark.parametrize("first, later", [("root", "env"), ("env", "cache")])
def test_corrupt_copy_does_not_shadow_a_valid_one(
    fake_dataset, tmp_path, monkeypatch, fault, first, later
):
    """Planted fault: a bad copy in an earlier location, a valid one in a later one."""
    root, images, _ = fake_dataset
    where = {"root": root, "env": tmp_path / "env", "cache": data_mod.cache_dir()}
    for name in {first, later} - {"root"}:
        where[name].mkdir(parents=True)
    if first != "root":
        for gz in root.glob("*.gz"):
            gz.rename(where[first] / gz.name)
    for gz in where[first].glob("*.gz"):
        shutil.copy(gz, where[later] / gz.name)
    monkeypatch.setenv(data_mod.DATA_DIR_ENV_VAR, str(where["env"]))
    bad = where[first] / "t10k-images-idx3-ubyte.gz"
    if fault == "flipped byte":
        _flip(bad, bad.stat().st_size // 2)
    else:
        bad.write_bytes(gzip.compress(b"not Fashion-MNIST"))
    with pytest.warns(data_mod.DatasetWarning, match="bad copy") as record:
        split = load_fashion_mnist("test", root=root if first == "root" else None)
    assert np.array_equal(split.images.numpy(), images)
    message = str(record[0].message)
    assert str(bad) in message and str(where[later] / bad.name) in message


def test_every_bad_copy_is_named(fake_dataset, tmp_path, monkeypatch):
    root, _, _ = fake_dataset
    later = tmp_path / "later"
    later.mkdir()
    first = root / "t10k-images-idx3-ubyte.gz"
    second = later / "t10k-images-idx3-ubyte"
    first.write_bytes(first.read_bytes()[:50])
    second.write_bytes(b"\x00" * 100)
    monkeypatch.setenv(data_mod.DATA_DIR_ENV_VAR, str(later))
    with pytest.raises(DatasetError, match="no valid copy") as info:
        load_fashion_mnist("test", root=root)
    assert str(first) in str(info.value) and str(second) in str(info.value)


def test_mistyped_data_dir_is_a_warning_naming_it(fake_dataset, monkeypatch):
    root, images, _ = fake_dataset
    typo = root.parent / "fashoin-mnist"
    monkeypatch.setenv(data_mod.DATA_DIR_ENV_VAR, str(typo))
    with pytest.warns(data_mod.DatasetWarning, match="FASHION_MNIST_DIR") as record:
        split = load_fashion_mnist("test", root=root)
    message = str(record[0].message)
    assert str(typo) in message and "not a directory" in message
    assert np.array_equal(split.images.numpy(), images)


def test_mistyped_root_is_a_warning_naming_it(fake_dataset, tmp_path):
    typo = tmp_path / "no-such-dir"
    with pytest.warns(data_mod.DatasetWarning, match="root is .*no-such-dir"):
        with pytest.raises(DatasetError, match="not found"):
            load_fashion_mnist("test", root=typo)


def test_existing_locations_give_no_warning(fake_dataset, monkeypatch):
    root, _, _ = fake_dataset
    monkeypatch.setenv(data_mod.DATA_DIR_ENV_VAR, str(root))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_fashion_mnist("test", root=root)


def test_failed_download_leaves_no_file(fake_dataset, monkeypatch, tmp_path):
    def fake_urlopen(url, timeout):
        class Response:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def read(self):
                return gzip.compress(b"not the real file")

        return Response()

    monkeypatch.setattr(data_mod.urllib.request, "urlopen", fake_urlopen)
    target = tmp_path / "dl"
    with pytest.raises(DatasetError, match="checksum"):
        data_mod.download("t10k-labels-idx1-ubyte", target)
    assert list(target.iterdir()) == []


def test_unreachable_network_is_a_clear_error(fake_dataset, monkeypatch, tmp_path):
    def refuse(url, timeout):
        raise OSError("network unreachable")

    monkeypatch.setattr(data_mod.urllib.request, "urlopen", refuse)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="could not download"):
        load_fashion_mnist("test", root=tmp_path / "empty", allow_download=True)


@pytest.mark.parametrize("bad, err", [("validation", ValueError), (1, TypeError)])
def test_rejects_bad_split(bad, err):
    with pytest.raises(err, match="split"):
        load_fashion_mnist(bad)


def test_rejects_bad_root_type():
    with pytest.raises(TypeError, match="root"):
        load_fashion_mnist("test", root=3)


NO_DEBIAN = pytest.mark.skipif(
    not data_mod.DEBIAN_DIR.is_dir(),
    reason="Debian's dataset-fashion-mnist is not installed",
)


@NO_DEBIAN
@pytest.mark.parametrize("stem", sorted(data_mod.SHA256))
def test_sha256_table_matches_the_upstream_md5(stem):
    """The sha256 values describe the same bytes as the md5 values published."""
    data = gzip.decompress((data_mod.DEBIAN_DIR / (stem + ".gz")).read_bytes())
    assert hashlib.md5(data).hexdigest() == data_mod.UPSTREAM_MD5[stem]
    assert hashlib.sha256(data).hexdigest() == data_mod.SHA256[stem]


@NO_DEBIAN
def test_real_files_have_the_documented_sizes():
    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    assert (len(train), len(test)) == (60_000, 10_000)
    assert train.images.dtype == test.images.dtype and int(train.images.max()) == 255
    assert sorted(train.labels.unique().tolist()) == list(range(10))


def test_subset_pools_and_scales(fake_dataset):
    root, images, labels = fake_dataset
    inputs, targets = data_mod.fashion_mnist_subset(
        "test", 3, pool=2, seed=1, root=root
    )
    assert inputs.shape == (3, 196) and inputs.dtype == torch.float32
    assert targets.dtype == torch.int64
    order = torch.randperm(5, generator=torch.Generator().manual_seed(1))[:3]
    expected = images[order.numpy()] / 255
    assert np.allclose(inputs.sum(1).numpy() * 4, expected.sum((1, 2)), rtol=1e-5)
    assert targets.tolist() == labels[order.numpy()].tolist()
    again, _ = data_mod.fashion_mnist_subset("test", 3, pool=2, seed=1, root=root)
    assert torch.equal(inputs, again)


@pytest.mark.parametrize(
    "kwargs, word",
    [({"size": 6}, "size"), ({"size": 0}, "size"), ({"pool": 3}, "pool")],
)
def test_subset_rejects_bad_input(fake_dataset, kwargs, word):
    arguments = {"size": 2, "root": fake_dataset[0], **kwargs}
    with pytest.raises(ValueError, match=word):
        data_mod.fashion_mnist_subset("test", **arguments)
