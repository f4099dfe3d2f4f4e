"""A Griffe extension for the API reference: docstring examples (``>>>`` lines and the
output under them) are shown as Python console code blocks, not read as Markdown,
where ``[1.0, 2.0]`` would look like a link."""

from __future__ import annotations

import griffe


def fence_doctests(text: str) -> str:
    """`text` with every run of ``>>>`` / ``...`` lines and their output inside a pycon fence."""
    lines, out, inside, indent = text.splitlines(), [], False, ""
    for line in lines:
        stripped = line.lstrip()
        if not inside and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            inside = True
        elif inside and not stripped:
            out.append(f"{indent}```")
            inside = False
        out.append(line)
    if inside:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: object) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
