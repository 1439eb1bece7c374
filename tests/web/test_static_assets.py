"""The stylesheets (static/css: base, components, areas) are appended to by several areas: a lost
brace silently drops every rule after it. `make lint-css` (stylelint) checks more, where node is
installed; this check runs everywhere."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css"
SHEETS = ("base.css", "components.css", "areas.css")


@pytest.mark.parametrize("name", SHEETS)
def test_every_block_of_the_stylesheet_is_closed_before_the_next_section(name):
    sheet = CSS / name
    text = re.sub(r"/\*.*?\*/", "", sheet.read_text(), flags=re.S)  # braces in comments do not count
    depth = 0
    for number, line in enumerate(sheet.read_text().splitlines(), 1):
        if line.startswith("/* ---"):
            assert depth == 0, f"a block is still open where the section at line {number} starts"
        stripped = re.sub(r"/\*.*?\*/", "", line)
        depth += stripped.count("{") - stripped.count("}")
        assert depth >= 0, f"a stray closing brace at line {number}"
    assert text.count("{") == text.count("}")

