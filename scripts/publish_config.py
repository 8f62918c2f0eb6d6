"""Write the configuration of a build for a public repository.

Usage: python scripts/publish_config.py https://github.com/OWNER/NAME OUT.yml

The default build (_config.yml) has no repository, Binder or Colab buttons: they
would be dead links. A build for the public repository (make book REPOSITORY_URL=...)
passes this file to jupyter-book with --config: _config.yml with the repository's
address and the buttons switched on.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GITHUB = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+")


def publish_config(url: str) -> dict:
    """_config.yml with ``url`` as the repository and the launch buttons on."""
    if not isinstance(url, str) or not GITHUB.fullmatch(url.rstrip("/")):
        raise ValueError(
            "the repository URL must look like https://github.com/OWNER/NAME, "
            f"got {url!r}"
        )
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"] = {"url": url.rstrip("/"), "branch": "main"}
    config.setdefault("html", {})["use_repository_button"] = True
    config["launch_buttons"] = {
        "notebook_interface": "classic",
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
    }
    return config


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__.splitlines()[2])
    url, out = sys.argv[1], Path(sys.argv[2])
    try:
        config = publish_config(url)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    print(f"wrote {out} (repository {config['repository']['url']})")


if __name__ == "__main__":
    main()
