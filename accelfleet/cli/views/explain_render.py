"""The ``accelfleet explain`` picture: an ``Explanation`` in, a rich tree out."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from accelfleet.cli.views.explain import Explanation, Mark, Step

_MARKS = {Mark.OK: ("✓ ", "green"), Mark.BLOCKED: ("✗ ", "bold red"), Mark.INFO: ("• ", "dim")}


def _label(step: Step) -> Text:
    symbol, style = _MARKS[step.mark]
    text = Text(symbol, style=style)
    text.append(step.text, style="red" if step.mark == Mark.BLOCKED else "")
    return text


def _grow(tree: Tree, step: Step) -> None:
    branch = tree.add(_label(step))
    for child in step.children:
        _grow(branch, child)


def explain_picture(explanation: Explanation) -> RenderableType:
    title = Text()
    title.append(f"AIJob {explanation.job}", style="bold")
    title.append(f"  {explanation.phase}\n", style="cyan")
    title.append(explanation.headline)
    parts: list[RenderableType] = [title]
    if explanation.request:
        asks = Tree(Text("asks for", style="bold"))
        for line in explanation.request:
            asks.add(line)
        parts.append(asks)
    if explanation.steps:
        levels = Tree(Text("level by level", style="bold"))
        for step in explanation.steps:
            _grow(levels, step)
        parts.append(levels)
    return Group(*parts)
