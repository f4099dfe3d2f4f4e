"""Play the forward and the backward pass of a graph one node at a time.

A picture from `viz.draw_dot` shows where a pass ends up. `Player` shows how it gets
there: one step per Value, with Previous / Next / Play buttons, a slider and the
arrow keys.

* Backward (the default): the Values in reverse topological order, the order in
  which ``root.backward()`` completes their gradients. At each step the current
  Value is outlined in red; its gradient is complete, and it passes it down the red
  arrows: each operand's ``grad += this grad * the local derivative on the arrow``,
  written out under the picture. Gradients not known yet are blank. A sum that is
  still waiting for more contributions (a Value used twice gets two) is orange.
* Forward: the Values in topological order, each computed from its operands, with
  the local derivatives on its arrows appearing as it is computed (the engine
  computes and keeps them then, ready for the backward pass).

The page is one HTML file that works offline: the picture is an SVG drawn once by
the same renderer as `draw_dot`, and a small script (``player.js`` next to this
module) changes its texts and colours from the step data embedded as JSON.

>>> from tinygrad_edu import Value
>>> from tinygrad_edu.viz import player
>>> a = Value(3.0, label="a")
>>> y = (a * a).named("y")
>>> page = player(y)            # in Jupyter, the last line of a cell shows it
>>> # page.save("backward.html")   # open it in any browser
"""

from __future__ import annotations

import html
import json
import math
import os
import pathlib
import re
import uuid
from collections.abc import Callable
from importlib import resources
from typing import Any

from ..atomic.files import atomic_write
from ..checks import check_choice, check_value
from ..engine import Value, topological_order
from ..ops import MUL, NEG
from .dot import build_dot, number_formatter
from .renderer import RenderError, render
from .steps import backward_steps, check_drawable, formula, forward_steps, infix_symbol, node_names, operands, visible

__all__ = ["Player", "DIRECTIONS"]

DIRECTIONS = ("backward", "forward")


class Player:
    """The step-by-step forward and backward pass of the graph that ends at `root`.

    direction: "backward" or "forward", the pass shown first (the page has a switch
        for the other).
    rankdir, number_format, edge_labels, stacked: as for `viz.to_dot`.
    timeout: seconds allowed to the renderer (see `viz.draw_dot`).

    `.html()` is the whole page as a str, `.save(path)` writes it, and Jupyter shows
    the player inline. `.backward_steps` and `.forward_steps` hold the steps as data
    (see `viz.backward_steps`). Building a Player does not change any ``.grad``.
    Rendering happens on first use.
    """

    def __init__(
        self,
        root: Value,
        direction: str = "backward",
        rankdir: str = "LR",
        number_format: str | Callable[[float], Any] = "{:.4g}",
        edge_labels: bool | str = True,
        stacked: bool = True,
        timeout: float = 60,
    ) -> None:
        check_value(root, "player")
        check_choice(direction, DIRECTIONS, "player: direction")
        self.root = root
        self.direction = direction
        self.timeout = timeout
        fmt = number_formatter(number_format)
        self._fmt = lambda x: visible(fmt(x))  # the same text as the picture shows
        self._order = topological_order(root)  # sorted once; the steps and the picture reuse it
        check_drawable(self._order, "player")
        self._index = {node: i for i, node in enumerate(self._order)}
        self._names = list(node_names(self._order).values())
        self.backward_steps = backward_steps(root, self._order)
        self.forward_steps = forward_steps(root, self._order)
        self._modes = {"backward": self._backward_mode(), "forward": self._forward_mode()}
        # Each field of a box is drawn with the widest text it will ever show, so that
        # the numbers the script writes in later fit in the box.
        widths: dict[tuple[int, str], int] = {}
        for mode in self._modes.values():
            for i, fields in enumerate(mode["fields"]):
                for key in ("data", "grad"):
                    for _, text, _ in fields[key]:
                        widths[i, key] = max(widths.get((i, key), 0), len(text))
        self.source = build_dot(
            root,
            edge_labels,
            rankdir,
            number_format,
            None,
            stacked,
            stacklevel=3,
            order=self._order,
            fields=lambda i, node: [
                self._names[i],
                "data " + "0" * max(1, widths[i, "data"] - 5),  # "0" is as wide as any digit
                "grad " + "0" * max(1, widths[i, "grad"] - 5),
            ],
        )
        # Closer ranks than draw_dot's: a pass is easier to follow when the whole graph
        # fits on the screen at a readable size.
        self.source = self.source.replace("graph [", "graph [ranksep=0.35 ", 1)
        # A different id for every player, and for every time it is shown, so that two
        # players in one notebook, or one player shown twice, do not clash.
        self.id = "tge-player-" + uuid.uuid4().hex[:12]
        self._shown = 0
        self._svg: str | None = None

    # ----- the steps as data for the page --------------------------------------------------

    def _name(self, node):
        return self._names[self._index[node]]

    def _factor(self, x):
        """A number as a factor in a product: negative numbers in parentheses."""
        text = self._fmt(x)
        return f"({text})" if text.startswith("-") else text

    def _backward_mode(self) -> dict[str, Any]:
        """The backward pass as the page's data: each box's texts by step, and the steps."""
        position = [0] * len(self._order)  # the step at which each Value is the current one
        for k, step in enumerate(self.backward_steps, start=1):
            position[self._index[step.node]] = k
        fields = [
            {"data": [[0, f"data {self._fmt(node.data)}", ""]], "grad": [[0, "grad", "tge-unknown"]]}
            for node in self._order
        ]
        tally = _Contributions(self._order, self._index)
        steps = [self._backward_step(k, step, fields, tally) for k, step in enumerate(self.backward_steps, start=1)]
        root_name = self._name(self.root)
        return {
            "name": "backward",
            "heading": f"Backward pass of {root_name}",
            "start": [
                "Before the backward pass. The forward pass has computed every value (data); "
                "no gradient is known yet, so every grad is blank.",
                f"Press Next (or →) to start from {root_name}. Each step completes one gradient "
                "and passes it down to the operands.",
            ],
            "legend": [
                ["tge-key-current", "red: the Value whose gradient is complete at this step"],
                ["tge-key-edge", "red arrows: the local derivatives being multiplied"],
                ["tge-key-target", "yellow: the operands receiving a contribution"],
                ["tge-key-partial", "orange grad: a sum still waiting for more contributions"],
                ["tge-key-done", "green: gradient passed on"],
            ],
            "position": position,
            "hideFutureLabels": False,
            "fields": fields,
            "steps": steps,
        }

    def _backward_step(self, k: int, step: Any, fields: list[dict[str, list]], tally: _Contributions) -> dict[str, Any]:
        """Step `k` of the backward pass: its Value's gradient is complete, and passes down."""
        node, grad = step.node, step.grad
        i = self._index[node]
        me = self._name(node)
        if node is self.root:
            fields[i]["grad"].append([k, f"grad {self._fmt(grad)}", ""])
        intro = self._backward_intro(step, tally.received[i])
        lines = [
            self._pass_down(k, node, grad, position_in_op, update, fields, tally)
            for position_in_op, update in enumerate(step.updates)
        ]
        return {
            "node": i,
            "id": f"v{i}",
            "value": _number(grad),
            "title": f"{me}.grad = {self._fmt(grad)} is complete",
            "intro": intro,
            "lines": lines,
            "targets": sorted({self._index[u.child] for u in step.updates}),
        }

    def _backward_intro(self, step: Any, received: list[tuple[str, float]]) -> list[str]:
        """Why the step's gradient is complete (the contributions it `received`), and what comes next."""
        fmt, node, grad = self._fmt, step.node, step.grad
        me = self._name(node)
        if node is self.root:
            intro = [f"Start at the output: {me}.grad = d({me})/d({me}) = 1."]
        elif len(received) == 1:
            intro = [
                f"{me} is used once (by {received[0][0]}), and that use has passed its contribution down, "
                f"so {me}.grad = {fmt(grad)} is complete."
            ]
        else:
            terms = " + ".join(self._factor(value) for _, value in received)
            intro = [
                f"{me} is used {len(received)} times, so it received {len(received)} contributions, "
                f"one per use: {me}.grad = {terms} = {fmt(grad)}."
            ]
        if not step.updates:
            intro.append(
                f"{me} is a leaf (an input or a parameter): nothing made it, so the gradient stops "
                f"here. d({self._name(self.root)})/d({me}) = {fmt(grad)}."
            )
        else:
            symbolic, _ = self._expression(node)
            intro.append(
                f"{me} = {symbolic}. Pass {me}.grad down to each operand, times the local derivative on its arrow:"
            )
        return intro

    def _pass_down(
        self,
        k: int,
        node: Value,
        grad: float,
        position_in_op: int,
        update: Any,
        fields: list[dict[str, list]],
        tally: _Contributions,
    ) -> dict[str, Any]:
        """One line of a backward step: child.grad += node.grad × d(node)/d(child)."""
        fmt, me = self._fmt, self._name(node)
        child, local_grad, contribution = update
        j = self._index[child]
        cn = self._name(child)
        total, count, uses = tally.add(j, me, contribution)
        after = f"→ {cn}.grad = {fmt(total)}"
        if count == uses:
            after += " (complete)" if uses == 1 else f" (complete: all {uses} contributions are in)"
        else:
            after += f" so far ({count} of {uses} contributions)"
        fields[j]["grad"].append([k, f"grad {fmt(total)}", "" if count == uses else "tge-partial"])
        return {
            "text": (
                f"{cn}.grad += {me}.grad × d({me})/d({cn}) = {self._factor(grad)} × "
                f"{self._factor(local_grad)} = {fmt(contribution)}"
            ),
            "why": self._why(node, position_in_op, child, local_grad),
            "after": after,
            "child": f"v{j}",
            "position": position_in_op,
            "local": _number(local_grad),
            "contribution": _number(contribution),
            "sum": _number(total),
        }

    def _forward_mode(self) -> dict[str, Any]:
        """The forward pass as the page's data: each box's texts by step, and the steps."""
        fields = [{"data": [[0, "data", "tge-unknown"]], "grad": [[0, "grad", "tge-unknown"]]} for _ in self._order]
        position = [0] * len(self._order)
        steps = []
        for k, step in enumerate(self.forward_steps, start=1):
            i = self._index[step.node]
            position[i] = k
            fields[i]["data"].append([k, f"data {self._fmt(step.data)}", ""])
            steps.append(self._forward_step(step))
        root_name = self._name(self.root)
        return {
            "name": "forward",
            "heading": f"Forward pass of {root_name}",
            "start": [
                "Before the forward pass: no value is known yet.",
                "Press Next (or →). Leaves (inputs and parameters) are given; every other Value is "
                "computed from its operands, so it comes after them.",
            ],
            "legend": [
                ["tge-key-current", "red: the Value computed at this step"],
                ["tge-key-target", "yellow: the operands it is computed from"],
                ["tge-key-done", "green: computed"],
            ],
            "position": position,
            "hideFutureLabels": True,
            "fields": fields,
            "steps": steps,
        }

    def _forward_step(self, step: Any) -> dict[str, Any]:
        """A step of the forward pass: its Value computed from its operands, with its local derivatives."""
        fmt, node = self._fmt, step.node
        i = self._index[node]
        me = self._name(node)
        lines = []
        if not step.children:
            intro = [f"{me} is a leaf (an input or a parameter): its value {fmt(step.data)} is given."]
        else:
            symbolic, numeric = self._expression(node)
            intro = [
                f"{me} = {symbolic} = {numeric} = {fmt(step.data)}",
                "Its local derivatives are computed now as well, and kept on its arrows for the backward pass:",
            ]
            for position_in_op, (child, local_grad) in enumerate(zip(node.children, node.local_grads)):
                formula = self._formula(node, position_in_op, child, local_grad)
                cn = self._name(child)
                lines.append(
                    {
                        "text": f"d({me})/d({cn}) = {formula + ' = ' if formula else ''}{fmt(local_grad)}",
                        "why": "",
                        "after": "",
                        "child": f"v{self._index[child]}",
                        "position": position_in_op,
                        "local": _number(local_grad),
                    }
                )
        return {
            "node": i,
            "id": f"v{i}",
            "value": _number(step.data),
            "title": f"{me} = {fmt(step.data)}",
            "intro": intro,
            "lines": lines,
            "targets": sorted({self._index[child] for child in step.children}),
        }

    def _expression(self, node):
        """How `node` was computed, as (names, numbers): ("w_l × i_l", "0.8 × 1.5")."""
        names, values = [], []
        for operand in operands(node):
            if isinstance(operand, Value):
                names.append(self._name(operand))
                values.append(self._factor(operand.data))
            else:  # a number operand, such as the 2 in x * 2
                names.append(self._factor(operand))
                values.append(self._factor(operand))
        symbol = infix_symbol(node.op)
        if symbol is not None and len(names) == 2:
            return f"{names[0]} {symbol} {names[1]}", f"{values[0]} {symbol} {values[1]}"
        if node.origin.op is NEG:
            return f"-{names[0]}", f"-{values[0]}"
        op = visible(node.op)
        return f"{op}({', '.join(names)})", f"{op}({', '.join(values)})"

    def _formula(self, node, position, child, local_grad):
        """Where the local derivative d(node)/d(child) comes from, from the op's rule:
        "o_l(1 - o_l)" for a sigmoid, "w_l" for the product w_l × i_l; "" when the op
        has no formula or the number says it all (as for + and -)."""
        text = formula(node, self._operand_position(node, position), self._name_or_number)
        if text == self._fmt(local_grad) or text in ("1", "-1"):
            return ""
        if node.origin.op is MUL and len(node.children) == 2 and node.children[0] is node.children[1]:
            return f"the other operand, {text} itself (one arrow per use)"
        return text

    def _name_or_number(self, x):
        return self._name(x) if isinstance(x, Value) else self._fmt(x)

    @staticmethod
    def _operand_position(node, child_position):
        """The operand number of the `child_position`-th child (a number operand has no child)."""
        children_seen = -1
        for position, operand in enumerate(operands(node)):
            if isinstance(operand, Value):
                children_seen += 1
                if children_seen == child_position:
                    return position
        return child_position

    def _why(self, node, position, child, local_grad):
        """The line under an update that says where its local derivative comes from."""
        formula = self._formula(node, position, child, local_grad)
        if not formula:
            return ""
        me, cn = self._name(node), self._name(child)
        return f"{infix_symbol(node.op) or node.op}: d({me})/d({cn}) = {formula} = {self._fmt(local_grad)}"

    def _data(self):
        return {
            "direction": self.direction,
            "root": f"v{self._index[self.root]}",
            "names": self._names,
            "modes": self._modes,
        }

    # ----- rendering -----------------------------------------------------------------------

    def svg(self) -> str:
        """The picture the page re-colours, as SVG text (rendered once, then kept)."""
        if self._svg is None:
            self._svg = render(self.source, "svg", self.timeout).decode("utf-8")
        return self._svg

    def _inline_svg(self, prefix):
        """The SVG made fit to sit inside HTML: no XML prolog or comments, and every id
        starting with `prefix`."""
        text = self.svg()
        text = text[text.index("<svg") :]
        text = re.sub(r"<!--.*?-->\s*", "", text, flags=re.S)
        text = _fill_in_numbers(text, self._final_texts())
        return re.sub(r'\bid="([^"]*)"', lambda m: f'id="{prefix}-{m.group(1)}"', text)

    def _final_texts(self):
        """What each box shows once the backward pass is over: {"v3": ("data 0.6457", "grad -0.1234")}.

        The page is written with these numbers in the picture, so that it reads right
        where its script does not run (GitHub, nbviewer, an untrusted notebook); the
        script then replaces them with the step it shows."""
        fields = self._modes["backward"]["fields"]
        return {f"v{i}": (box["data"][-1][1], box["grad"][-1][1]) for i, box in enumerate(fields)}

    def fragment(self) -> str:
        """The player as an HTML fragment (what Jupyter shows): markup, style, data and
        script, all inline. Raises `viz.RenderError` when the picture cannot be drawn."""
        self._shown += 1
        element_id = f"{self.id}-{self._shown}"
        steps = len(self._order)
        data = json.dumps(self._data(), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        # Inside <script>, "</" could end the element early: write the characters that
        # matter in HTML as JSON escapes.
        data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return _TEMPLATE.format(
            id=element_id,
            css=_asset("player.css"),
            svg=self._inline_svg(element_id),
            steps=steps,
            data=data,
            js=_asset("player.js"),
            title=html.escape(f"{self._modes[self.direction]['heading']}"),
        )

    def html(self) -> str:
        """The whole page: one HTML file with nothing to fetch."""
        title = html.escape(f"{self._modes[self.direction]['heading']}: step by step")
        body = self.fragment().replace('class="tge-player"', 'class="tge-player" data-autofocus="1"', 1)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Write the page to `path` (usually ending in .html); returns it as a pathlib.Path.

        The page is built first and written atomically (`atomic.files.atomic_write`): a failed
        drawing or a full disk leaves an existing file as it was, with its permissions. A
        symlink is followed (its target is replaced); a hard-linked file gets a new file
        under `path`."""
        path = pathlib.Path(path)
        atomic_write(path, self.html())
        return path

    def _repr_html_(self):
        """Jupyter's hook: the player inline or, when the picture cannot be drawn, why
        (as text: a display never shows a traceback)."""
        try:
            return self.fragment()
        except Exception as error:
            reason = str(error) if isinstance(error, RenderError) else f"{type(error).__name__}: {error}"
            return f"<pre>{html.escape(reason.encode('utf-8', 'backslashreplace').decode('utf-8'))}</pre>"

    def __repr__(self):
        return f"<Player: {self.direction} pass of {len(self._order)} Values>"


class _Contributions:
    """What each Value's grad has received so far in the backward pass (from which Value,
    and the running sum), and how many contributions it will receive: one per use."""

    def __init__(self, order: list[Value], index: dict[Value, int]) -> None:
        self.uses = [0] * len(order)
        for node in order:
            for child in node.children:
                self.uses[index[child]] += 1
        self.received: list[list[tuple[str, float]]] = [[] for _ in order]
        self.sums = [0.0] * len(order)

    def add(self, j: int, giver: str, contribution: float) -> tuple[float, int, int]:
        """Add a contribution to Value `j`'s grad; returns (the sum so far, how many are in, how many will be)."""
        self.sums[j] = self.sums[j] + contribution if self.received[j] else contribution
        self.received[j].append((giver, contribution))
        return self.sums[j], len(self.received[j]), self.uses[j]


def _fill_in_numbers(svg: str, texts: dict[str, tuple[str, str]]) -> str:
    """`svg` with the data and grad fields of every Value's box (its last two texts)
    set to `texts[title]`; the boxes were drawn wide enough for them."""

    def fill(box: re.Match[str]) -> str:
        found = re.search(r"<title>([^<]*)</title>", box.group(0))
        title = found.group(1).strip() if found else ""
        if title not in texts:
            return box.group(0)
        # [before, <text ...>, content, </text>, between, <text ...>, content, </text>, ..., after]
        parts = re.split(r"(<text\b[^>]*>)([^<]*)(</text>)", box.group(0))
        count = len(parts) // 4
        if count >= 2:
            parts[4 * (count - 2) + 2] = html.escape(texts[title][0], quote=False)
            parts[4 * (count - 1) + 2] = html.escape(texts[title][1], quote=False)
        return "".join(parts)

    return re.sub(r'<g id="[^"]*" class="node">.*?</g>', fill, svg, flags=re.S)


def _number(x):
    """A float for the JSON data; JSON has no infinity (a gradient can overflow)."""
    return x if math.isfinite(x) else None


def _asset(name):
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


# The layout of the player. Everything the script needs to find has a class; ids appear
# only on the outer element (unique per player).
_TEMPLATE = """<div class="tge-player" id="{id}" tabindex="0">
<style>
{css}
</style>
<div class="tge-heading">{title}</div>
<div class="tge-toolbar">
<span class="tge-modes" role="group" aria-label="Which pass">
<button type="button" class="tge-mode" data-mode="forward">Forward pass</button>\
<button type="button" class="tge-mode" data-mode="backward">Backward pass</button>
</span>
<button type="button" class="tge-first" title="Back to the start (Home)">Start</button>
<button type="button" class="tge-prev" title="Previous step (←)">◀ Previous</button>
<button type="button" class="tge-play" title="Play or pause">▶ Play</button>
<button type="button" class="tge-next" title="Next step (→)">Next ▶</button>
<input type="range" class="tge-slider" min="0" max="{steps}" value="{steps}" aria-label="Step">
<span class="tge-counter">Step {steps} of {steps}</span>
<label class="tge-fit-label"><input type="checkbox" class="tge-fit"> fit to width</label>
</div>
<div class="tge-graph">
{svg}
</div>
<div class="tge-writeup" aria-live="polite">
<p class="tge-step-title">After the whole backward pass: every data and grad filled in.</p>
<p>To step through the passes, run this page's script: open the page in a browser, or run (and trust) the notebook.</p>
</div>
<div class="tge-legend"></div>
<script type="application/json" class="tge-data">{data}</script>
<script>
(function () {{
{js}
setUpPlayer(document.getElementById("{id}"));
}})();
</script>
</div>"""
