"""The stylesheet is one file that several areas append to: a lost brace silently drops every rule after it."""
from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "portal.css"


def test_every_block_of_the_stylesheet_is_closed_before_the_next_section():
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)  # braces in comments do not count
    depth = 0
    for number, line in enumerate(CSS.read_text().splitlines(), 1):
        if line.startswith("/* ---"):
            assert depth == 0, f"a block is still open where the section at line {number} starts"
        stripped = re.sub(r"/\*.*?\*/", "", line)
        depth += stripped.count("{") - stripped.count("}")
        assert depth >= 0, f"a stray closing brace at line {number}"
    assert text.count("{") == text.count("}")
