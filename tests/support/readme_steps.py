"""The shell steps of a README section, so a test can follow them exactly as a reader would."""

from __future__ import annotations

import re
from pathlib import Path

FENCE = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def section(markdown: str, title: str) -> str:
    """The text under ``## title`` up to the next heading of the same level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.MULTILINE | re.DOTALL)
    if match is None:
        raise AssertionError(f"no section '## {title}'")
    return match.group(1)


def commands(markdown: str) -> list[str]:
    """Every command of the text's ``sh`` blocks in order, continuation lines joined."""
    found: list[str] = []
    for block in FENCE.findall(markdown):
        joined = re.sub(r"\\\n\s*", "", block)
        found += [
            line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
        ]
    return found


def readme_commands(path: Path, title: str) -> list[str]:
    return commands(section(path.read_text(), title))
