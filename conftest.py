"""pytest plugin: nbval compares statistical outcomes within their stated uncertainty.

Strict nbval compares every printed character, which is right for derivations,
identities and data facts, and wrong for the outcomes of training: their last digits
move between CPUs, thread counts and GPUs. Before nbval compares a cell, each freshly
computed text output that differs from the stored one only in its "mean ± sd" outcomes,
each within the uncertainty the stored one states (``helpers.outcomes.consistent``), is
replaced by the stored text. Everything else, the outcomes' seed counts and divergence
notes included, stays strict.
"""

from __future__ import annotations

import copy

from nbval.plugin import IPyNbCell

from helpers.outcomes import consistent

pytest_plugins = ["pytester"]  # tests/test_outcomes.py runs nbval on planted notebooks

_compare_outputs = IPyNbCell.compare_outputs


def _accept_consistent_outcomes(test: list, ref: list) -> list:
    """A copy of ``test`` in which texts consistent with ``ref`` are replaced by
    ``ref``'s.
    """
    if len(test) != len(ref):
        return test
    reconciled = []
    for new, stored in zip(test, ref, strict=True):
        new = copy.deepcopy(new)
        if new.get("output_type") != stored.get("output_type"):
            reconciled.append(new)
            continue
        if new.get("output_type") == "stream":
            same_stream = new.get("name") == stored.get("name")
            if same_stream and consistent(stored.get("text", ""), new.get("text", "")):
                new["text"] = stored["text"]
        for mime, text in new.get("data", {}).items():
            stored_text = stored.get("data", {}).get(mime)
            both_text = isinstance(text, str) and isinstance(stored_text, str)
            if both_text and consistent(stored_text, text):
                new["data"][mime] = stored_text
        reconciled.append(new)
    return reconciled


def _compare_statistically(self, test, ref, skip_compare=None):
    return _compare_outputs(
        self, _accept_consistent_outcomes(test, ref), ref, skip_compare
    )


IPyNbCell.compare_outputs = _compare_statistically


def _recorded_seconds() -> dict[str, float]:
    """Each chapter's last execution time (book/status.json), by notebook stem."""
    import json
    from pathlib import Path

    status = Path(__file__).resolve().parent / "book" / "status.json"
    if not status.is_file():
        return {}
    return {
        stem: rec.get("seconds", 0.0)
        for stem, rec in json.loads(status.read_text()).items()
    }


def pytest_collection_modifyitems(session, config, items) -> None:
    """Run the slowest chapter first, then the unit tests, then the other chapters.

    With one worker per CPU (``make test``: ``--dist loadscope --no-loadscope-reorder``)
    each worker holds two pending modules; the slowest chapter then starts at once and
    shares its worker with a short test module, while the other worker takes the rest.
    Without workers the order changes nothing but the order.
    """
    seconds = _recorded_seconds()
    notebooks = {item.path.stem for item in items if item.path.suffix == ".ipynb"}
    slowest = max(notebooks, key=lambda stem: seconds.get(stem, 0.0), default=None)

    def rank(item) -> int:
        if item.path.suffix != ".ipynb":
            return 1
        return 0 if item.path.stem == slowest else 2

    items.sort(key=rank)  # stable: the order within each group is kept
