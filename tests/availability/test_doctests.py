"""Docstring examples are real doctests, run here so they cannot rot."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import availability

MODULES = sorted(
    {"availability"}
    | {info.name for info in pkgutil.walk_packages(availability.__path__, "availability.")}
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_public_module_has_examples() -> None:
    with_examples = {
        name
        for name in MODULES
        if doctest.DocTestFinder().find(importlib.import_module(name))
        and any(t.examples for t in doctest.DocTestFinder().find(importlib.import_module(name)))
    }
    assert with_examples >= {
        "availability",
        "availability.hours",
        "availability.rules",
        "availability.slots",
        "availability.teams",
        "availability.explain",
        "availability.classify.google",
        "availability.classify.microsoft",
        "availability.classify.icalendar",
    }
