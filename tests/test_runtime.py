import pytest
import torch

from helpers import environment_report, pick_device, seeds
from helpers.runtime import DEVICE_ENV_VAR, MIN_SEEDS_ENV_VAR, SEED_OFFSET_ENV_VAR


def test_pick_device_defaults_to_cpu_without_cuda(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV_VAR, raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert pick_device().type == expected


def test_pick_device_env_override(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    assert pick_device() == torch.device("cpu")


@pytest.mark.parametrize("bad", ["gpu", "tpu", "nonsense:0"])
def test_pick_device_rejects_unknown_device(bad):
    with pytest.raises(ValueError, match="device"):
        pick_device(bad)


@pytest.mark.parametrize(
    "bad", ["gpu", "CUDA", "tpu", "mps", "cpu:1", "cuda:x", " cpu"]
)
def test_pick_device_env_rejects_unknown_value_naming_the_variable(monkeypatch, bad):
    monkeypatch.setenv(DEVICE_ENV_VAR, bad)
    with pytest.raises(ValueError) as info:
        pick_device()
    message = str(info.value)
    assert f"${DEVICE_ENV_VAR} is {bad!r}" in message
    assert "'cpu', 'cuda' or 'cuda:N'" in message
    assert f"unset {DEVICE_ENV_VAR}" in message


def test_pick_device_argument_error_names_the_argument(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "cpu")
    with pytest.raises(ValueError, match=r"^preferred is 'gpu'.*accepted: 'cpu'"):
        pick_device("gpu")


def test_pick_device_env_cuda_without_cuda_names_the_variable(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for value in ("cuda", "cuda:0"):
        monkeypatch.setenv(DEVICE_ENV_VAR, value)
        expected = (
            rf"\${DEVICE_ENV_VAR} is '{value}', but CUDA is not available"
            r".*accepted here: 'cpu'"
        )
        with pytest.raises(ValueError, match=expected):
            pick_device()


def test_pick_device_cuda_index_beyond_the_devices(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda:2")
    expected = r"has 2 CUDA device\(s\).*'cuda:0' to 'cuda:1'"
    with pytest.raises(ValueError, match=expected):
        pick_device()
    monkeypatch.setenv(DEVICE_ENV_VAR, "cuda:1")
    assert pick_device() == torch.device("cuda:1")


def test_pick_device_empty_env_means_automatic(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV_VAR, "")
    assert pick_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_pick_device_rejects_non_string():
    with pytest.raises(TypeError, match="preferred"):
        pick_device(3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_pick_device_cuda_unavailable_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        pick_device("cuda")


def test_environment_report_names_versions_and_device():
    line = environment_report(torch.device("cpu"))
    assert (
        "torch " + torch.__version__ in line
        and "device cpu" in line
        and "\n" not in line
    )


def test_seeds_default_and_stress_settings(monkeypatch):
    monkeypatch.delenv("SCALEBOOK_SEED_OFFSET", raising=False)
    monkeypatch.delenv("SCALEBOOK_MIN_SEEDS", raising=False)
    assert seeds(3) == (0, 1, 2)
    monkeypatch.setenv("SCALEBOOK_SEED_OFFSET", "100")
    monkeypatch.setenv("SCALEBOOK_MIN_SEEDS", "5")
    assert seeds(3) == (100, 101, 102, 103, 104) and seeds(7) == tuple(range(100, 107))


@pytest.mark.parametrize("count", [0, -1, 2.5, True, "3"])
def test_seeds_rejects_bad_counts(count):
    with pytest.raises(ValueError, match="count"):
        seeds(count)


@pytest.mark.parametrize("name", [SEED_OFFSET_ENV_VAR, MIN_SEEDS_ENV_VAR])
@pytest.mark.parametrize("bad", ["-3", "2.5", "five", "", " 4", "\u00b2", "1e3"])
def test_seeds_rejects_bad_environment(monkeypatch, name, bad):
    monkeypatch.delenv(SEED_OFFSET_ENV_VAR, raising=False)
    monkeypatch.delenv(MIN_SEEDS_ENV_VAR, raising=False)
    monkeypatch.setenv(name, bad)
    with pytest.raises(ValueError) as info:
        seeds(2)
    message = str(info.value)
    assert f"${name} must be a non-negative integer" in message and repr(bad) in message
    assert "such as 0 or 5" in message


def test_make_deterministic_fixes_the_thread_count(monkeypatch):
    from helpers import make_deterministic

    before = torch.get_num_threads()
    try:
        monkeypatch.delenv("SCALEBOOK_THREADS", raising=False)
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        make_deterministic()
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the one-thread variant's setting
        make_deterministic()
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("SCALEBOOK_THREADS", "2")  # the book's own variable wins
        make_deterministic()
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("SCALEBOOK_THREADS", "1")
        make_deterministic()
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("SCALEBOOK_THREADS", "zero")
        with pytest.raises(ValueError, match="SCALEBOOK_THREADS"):
            make_deterministic()
    finally:
        torch.set_num_threads(before)


def test_cpu_model_names_something():
    from helpers import cpu_model

    assert isinstance(cpu_model(), str) and cpu_model()


def test_start_chapter_sets_style_and_threads_and_returns_the_device(monkeypatch):
    import matplotlib.pyplot as plt

    from helpers import start_chapter

    before = torch.get_num_threads()
    monkeypatch.delenv("SCALEBOOK_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    try:
        plt.rcdefaults()
        assert start_chapter("cpu") == torch.device("cpu")
        assert torch.get_num_threads() == 2
        assert plt.rcParams["axes.spines.top"] is False  # the book's style is on
    finally:
        torch.set_num_threads(before)
