"""Markdown prose wrapped to a readable line length (tables, headings, figures and code kept).

A Markdown paragraph may span lines without changing how it renders, so long generated
sentences are wrapped for readers of the raw file and of diffs.
"""

from __future__ import annotations

import re
import textwrap

#: Characters per wrapped line.
WIDTH = 100
_LIST_ITEM = re.compile(r"(\s*)([-*]|\d+\.)\s+")
_KEPT = ("|", "#", "![", "```")


def wrap_prose(markdown: str, width: int = WIDTH) -> str:
    """``markdown`` with every prose line longer than ``width`` wrapped; continuation lines
    of a list item are indented under its text. Tables, headings, images and fenced code
    stay as they are, and no word, link or path is broken."""
    out, fenced = [], False
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if stripped.startswith("```"):
            fenced = not fenced
        if fenced or len(line) <= width or stripped.startswith(_KEPT):
            out.append(line)
            continue
        item = _LIST_ITEM.match(line)
        indent = " " * (item.end() if item else len(line) - len(stripped))
        out.append(textwrap.fill(line, width, subsequent_indent=indent,
                                 break_long_words=False, break_on_hyphens=False))
    return "\n".join(out)
