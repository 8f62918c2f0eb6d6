"""The build for a public repository: its configuration switches the buttons on."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import publish_config  # noqa: E402  (a script, imported from its folder)


def test_default_build_has_no_repository_buttons():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["html"]["use_repository_button"] is False
    assert not config["launch_buttons"]["binderhub_url"]
    assert not config["launch_buttons"]["colab_url"]
    assert "repository" not in config


def test_publish_config_switches_the_buttons_on():
    config = publish_config.publish_config("https://github.com/owner/book/")
    assert config["repository"] == {
        "url": "https://github.com/owner/book",
        "branch": "main",
    }
    assert config["html"]["use_repository_button"] is True
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert (
        config["title"] == yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    )


@pytest.mark.parametrize("bad", ["", "github.com/o/n", "https://gitlab.com/o/n", 3])
def test_publish_config_rejects_other_addresses(bad):
    with pytest.raises(ValueError, match="https://github.com/OWNER/NAME"):
        publish_config.publish_config(bad)
