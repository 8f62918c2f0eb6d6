import gzip
import hashlib
import struct

import numpy as np
import pytest

from helpers import DatasetError, load_fashion_mnist
from helpers import data as data_mod


def _idx_images(images: np.ndarray) -> bytes:
    return struct.pack(">IIII", 2051, *images.shape) + images.astype(np.uint8).tobytes()


def _idx_labels(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 2049, labels.shape[0]) + labels.astype(np.uint8).tobytes()


@pytest.fixture
def fake_dataset(tmp_path, monkeypatch):
    """A tiny valid 'test' split; the checksum table is patched to match it."""
    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (5, 28, 28)), rng.integers(0, 10, 5)
    files = {"t10k-images-idx3-ubyte": _idx_images(images), "t10k-labels-idx1-ubyte": _idx_labels(labels)}
    md5 = dict(data_mod.MD5)
    for stem, payload in files.items():
        (tmp_path / (stem + ".gz")).write_bytes(gzip.compress(payload))
        md5[stem] = hashlib.md5(payload).hexdigest()
    monkeypatch.setattr(data_mod, "MD5", md5)
    monkeypatch.setattr(data_mod, "DEBIAN_DIR", tmp_path / "absent-debian")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(data_mod.DATA_DIR_ENV_VAR, raising=False)
    return tmp_path, images, labels


def test_loads_and_verifies_gzipped_files(fake_dataset):
    root, images, labels = fake_dataset
    split = load_fashion_mnist("test", root=root)
    assert split.images.shape == (5, 28, 28) and np.array_equal(split.images.numpy(), images)
    assert split.labels.dtype.is_floating_point is False and np.array_equal(split.labels.numpy(), labels)


def test_reads_uncompressed_files_and_env_override(fake_dataset, monkeypatch):
    root, images, _ = fake_dataset
    for gz in root.glob("*.gz"):
        gz.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    monkeypatch.setenv(data_mod.DATA_DIR_ENV_VAR, str(root))
    assert np.array_equal(load_fashion_mnist("test").images.numpy(), images)


def test_missing_files_give_advice(fake_dataset, tmp_path):
    with pytest.raises(DatasetError, match="not found.*apt-get install dataset-fashion-mnist"):
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
    with pytest.raises(DatasetError, match="could not download"):
        load_fashion_mnist("test", root=tmp_path / "empty", allow_download=True)


@pytest.mark.parametrize("bad, err", [("validation", ValueError), (1, TypeError)])
def test_rejects_bad_split(bad, err):
    with pytest.raises(err, match="split"):
        load_fashion_mnist(bad)


def test_rejects_bad_root_type():
    with pytest.raises(TypeError, match="root"):
        load_fashion_mnist("test", root=3)


@pytest.mark.skipif(not data_mod.DEBIAN_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_files_have_the_documented_sizes():
    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    assert (len(train), len(test)) == (60_000, 10_000)
    assert train.images.dtype == test.images.dtype and int(train.images.max()) == 255
    assert sorted(train.labels.unique().tolist()) == list(range(10))
