"""Every template works under the Content-Security-Policy (web.headers): no inline script,
no inline event handler, no style attribute, since the browser would refuse them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).parents[2] / "web" / "templates").rglob("*.html"))
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_needs_nothing_the_policy_forbids(template: Path) -> None:
    text = re.sub(r"{#.*?#}", "", template.read_text(), flags=re.DOTALL)  # Jinja comments
    found = {name for name, pattern in FORBIDDEN.items() if pattern.search(text)}
    assert not found, f"{template.name} uses {found}"
