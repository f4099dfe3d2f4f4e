"""Lesson regions in the source: find them, stub them, rewrite them.

A region is a block of whole statements inside one function, between two comment
lines at the block's indentation::

        # BEGIN LESSON 3
        ...the reference solution...
        # END LESSON 3

A stub keeps both markers and puts one line between them, at the same
indentation, that raises NotImplementedError naming the lesson. Everything
outside the markers stays as it is, so a stubbed file still imports.

Finished code that would answer a lesson if a learner read it beside the stub (a
second copy of the same sweep, say) is marked the same way with
``# BEGIN CUT WITH LESSON 3`` ... ``# END CUT WITH LESSON 3``: the workbook cuts it
while lesson 3 is to do, and puts it back once lesson 3 passes.

Everything here works on the text of one file; lesson_code.py applies it to a
workbook's files.
"""

import ast
import re
import textwrap
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

__all__ = [
    "Region",
    "RegionError",
    "find_regions",
    "check_region_is_a_block",
    "stub_source",
    "stub_line",
    "cut_message",
    "replace_region",
    "region_function_source",
    "is_stub",
    "hide_rule_text",
    "show_rule_text",
    "Stubbed",
]

# The line that stands for an op class's formula while its lesson is to do.
_RULE_NOTE = "# (formula, the derivatives as text for pictures: left out until lesson {lesson} is yours)"
_RULE_NOTE_LINE = re.compile(
    r"^(?P<indent>[ \t]*)# \(formula, the derivatives as text for pictures: "
    r"left out until lesson (?P<number>\d+) is yours\)[ \t]*$"
)
_MARKER = re.compile(r"^(?P<indent>[ \t]*)# (?P<kind>BEGIN|END) (?P<cut>CUT WITH )?LESSON (?P<number>\d+)[ \t]*$")


class RegionError(ValueError):
    """Markers that do not form well-made regions (unclosed, nested, mismatched, outside a function)."""


@dataclass(frozen=True)
class Region:
    lesson: int
    path: str  # as given to find_regions, e.g. "engine.py"
    function: str  # qualified name of the enclosing function, e.g. "Value.__add__"
    begin: int  # line number (1-based) of the BEGIN marker
    end: int  # line number (1-based) of the END marker
    indent: str
    body: str  # the lines between the markers, with their newlines
    cut: bool = False  # finished code cut with the lesson, not code the learner writes

    @property
    def key(self) -> tuple[str, str]:
        return (self.path, self.function)

    @property
    def marker(self) -> str:
        return f"{'CUT WITH ' if self.cut else ''}LESSON {self.lesson}"

    def describe(self) -> str:
        return f"{self.function} in tinygrad_edu/{self.path} (lines {self.begin}-{self.end})"


# Which regions to stub: a set of lesson numbers, or a function of a Region that says.
Stubbed = Collection[int] | Callable[[Region], bool]


def _function_spans(text: str, path: str) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of every function, innermost last."""
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        raise RegionError(f"{path}: not valid Python (line {error.lineno}: {error.msg})") from None
    spans: list[tuple[int, int, str]] = []
    stack: list[tuple[ast.AST, str]] = [(tree, "")]  # (node, qualified-name prefix): a loop, not recursion
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    spans.append((child.lineno, child.end_lineno or child.lineno, name))
                stack.append((child, name + "."))
            else:
                stack.append((child, prefix))
    spans.sort(key=lambda span: (span[0], -span[1]))  # file order, outer before inner
    return spans


def find_regions(text: str, path: str) -> list[Region]:
    """Every lesson region in `text` (the source of tinygrad_edu/`path`), in file order.

    Raises RegionError for markers that are unclosed, nested, mismatched (BEGIN 3 ...
    END 4, or different indentation), empty, or not inside a function.
    """
    lines = text.splitlines(keepends=True)
    regions = []
    spans = None
    for number, cut, indent, begin_line, index in _marker_pairs(lines, path):
        body = "".join(lines[begin_line : index - 1])
        if not body.strip():
            raise RegionError(f"{path}, lines {begin_line}-{index}: the region of lesson {number} is empty")
        if spans is None:
            spans = _function_spans(text, path)
        # The END marker, and comments before it, may follow the function's last statement,
        # so the body's last line of code decides.
        code_lines = [
            n
            for n in range(begin_line + 1, index)
            if lines[n - 1].strip() and not lines[n - 1].lstrip().startswith("#")
        ]
        last_code = code_lines[-1] if code_lines else begin_line
        enclosing = [name for first, last, name in spans if first < begin_line and last_code <= last]
        if not enclosing:
            raise RegionError(f"{path}, line {begin_line}: the region of lesson {number} is not inside a function")
        regions.append(Region(number, path, enclosing[-1], begin_line, index, indent, body, cut))
    return regions


def _marker_pairs(lines: list[str], path: str) -> Iterator[tuple[int, bool, str, int, int]]:
    """(lesson, cut?, indentation, BEGIN line, END line) of each pair of markers, as each
    closes; RegionError for markers that do not pair up."""
    open_marker = None
    for index, line in enumerate(lines, start=1):
        match = _MARKER.match(line.rstrip("\r\n"))
        if not match:
            continue
        number, kind, indent, cut = int(match["number"]), match["kind"], match["indent"], bool(match["cut"])
        name = f"{'CUT WITH ' if cut else ''}LESSON {number}"
        if kind == "BEGIN":
            if open_marker is not None:
                raise RegionError(
                    f"{path}, line {index}: BEGIN {name} inside the region of lesson "
                    f"{open_marker[0]} that starts on line {open_marker[1]} (regions cannot nest)"
                )
            open_marker = (number, index, indent, cut)
            continue
        if open_marker is None:
            raise RegionError(f"{path}, line {index}: END {name} without a BEGIN {name} above it")
        begin_number, begin_line, begin_indent, begin_cut = open_marker
        if number != begin_number or cut != begin_cut:
            opened = f"{'CUT WITH ' if begin_cut else ''}LESSON {begin_number}"
            raise RegionError(
                f"{path}, line {index}: END {name} closes the region that line {begin_line} opened as BEGIN {opened}"
            )
        if indent != begin_indent:
            raise RegionError(
                f"{path}, lines {begin_line} and {index}: the BEGIN and END markers of lesson {number} "
                "must have the same indentation"
            )
        yield number, cut, indent, begin_line, index
        open_marker = None
    if open_marker is not None:
        raise RegionError(f"{path}, line {open_marker[1]}: BEGIN LESSON {open_marker[0]} is never closed")


def check_region_is_a_block(region: Region) -> None:
    """Raise RegionError unless the region's body is whole statements on its own."""
    source = "def _region():\n" + textwrap.indent(textwrap.dedent(region.body), "    ")
    try:
        compile(source, f"{region.path} ({region.function})", "exec")
    except SyntaxError as error:
        raise RegionError(
            f"{region.describe()}: the region of lesson {region.lesson} is not a block of whole "
            f"statements ({error.msg})"
        ) from None


def stub_line(region: Region, message: str) -> str:
    return f"{region.indent}raise NotImplementedError({message!r})\n"


def cut_message(number: int) -> str:
    """The NotImplementedError text of finished code cut with lesson `number`."""
    return (
        f"cut from your workbook until lesson {number} passes (it would give that lesson away); "
        "`tinygrad-edu learn status` puts it back then"
    )


def stub_source(text: str, path: str, lessons: Stubbed, message_for: Callable[[int], str]) -> str:
    """`text` with the body of every region of a lesson in `lessons` replaced by a stub
    (regions cut with the lesson too, with `cut_message`).

    `lessons` is a set of lesson numbers, or a function that takes a Region and says
    whether to stub it. `message_for(number)` gives the NotImplementedError text for
    lesson `number`.
    """
    wanted = lessons if callable(lessons) else (lambda region: region.lesson in lessons)
    lines = text.splitlines(keepends=True)
    for region in reversed(find_regions(text, path)):
        if wanted(region):
            message = cut_message(region.lesson) if region.cut else message_for(region.lesson)
            lines[region.begin : region.end - 1] = [stub_line(region, message)]
    return "".join(lines)


def replace_region(
    text: str,
    path: str,
    lesson: int,
    function: str,
    new_body: str,
    new_indent: str | None = None,
    cut: bool = False,
) -> str:
    """`text` with the body of lesson `lesson`'s region in `function` replaced by `new_body`
    (with `cut`, the region cut with that lesson).

    `new_body` is re-indented from `new_indent` (its original indentation) to the
    indentation of the markers found in `text`. Raises RegionError when `text` has no
    such region (for example when its markers were deleted).
    """
    matches = [r for r in find_regions(text, path) if r.lesson == lesson and r.function == function and r.cut == cut]
    if not matches:
        name = f"{'CUT WITH ' if cut else ''}LESSON {lesson}"
        raise RegionError(
            f"tinygrad_edu/{path}: no '# BEGIN {name}' ... '# END {name}' markers "
            f"in {function} (were they deleted? put them back around the code)"
        )
    region = matches[0]
    if new_indent is not None and new_indent != region.indent:
        new_body = textwrap.indent(textwrap.dedent(new_body), region.indent)
    lines = text.splitlines(keepends=True)
    if not new_body.endswith("\n"):
        new_body += "\n"
    lines[region.begin : region.end - 1] = [new_body]
    return "".join(lines)


def region_function_source(text: str, region: Region) -> str:
    """The whole function that holds `region`, from its `def` line to its end, dedented."""
    for first, last, name in _function_spans(text, region.path):
        if name == region.function and first < region.begin <= last:
            lines = text.splitlines(keepends=True)
            return textwrap.dedent("".join(lines[first - 1 : last]))
    raise RegionError(f"{region.describe()}: the enclosing function was not found")


def is_stub(region: Region) -> bool:
    """Whether the region's body is still the one line a stub raises."""
    return region.body.strip().startswith("raise NotImplementedError(") and len(region.body.strip().splitlines()) == 1


def hide_rule_text(text: str, path: str, stubbed: Stubbed) -> str:
    """`text` without the answer an op class states beside its stubbed rule: its `formula`
    (the derivatives as text for pictures). `stubbed` as for write_package."""
    wanted = stubbed if callable(stubbed) else (lambda region: region.lesson in stubbed)
    classes: dict[str, int] = {}
    for region in find_regions(text, path):
        if "." in region.function and wanted(region):  # a rule to write, or one cut with a lesson
            classes.setdefault(region.function.split(".")[0], region.lesson)
    lines = text.splitlines(keepends=True)
    formulas = [
        (statement, classes[node.name])
        for node in (ast.parse(text).body if classes else [])
        if isinstance(node, ast.ClassDef) and node.name in classes
        for statement in node.body
        if isinstance(statement, ast.Assign) and any(getattr(t, "id", "") == "formula" for t in statement.targets)
    ]
    for statement, lesson in sorted(formulas, key=lambda found: -found[0].lineno):
        line = lines[statement.lineno - 1]
        indent = line[: len(line) - len(line.lstrip())]
        note = f"{indent}{_RULE_NOTE.format(lesson=lesson)}\n"
        lines[statement.lineno - 1 : statement.end_lineno] = [note]
    return "".join(lines)


def _formula_lines(text: str) -> dict[str, str]:
    """{class name: the source lines of its `formula = ...` statement} of a module's classes."""
    lines = text.splitlines(keepends=True)
    return {
        node.name: "".join(lines[statement.lineno - 1 : statement.end_lineno])
        for node in ast.parse(text).body
        if isinstance(node, ast.ClassDef)
        for statement in node.body
        if isinstance(statement, ast.Assign) and any(getattr(t, "id", "") == "formula" for t in statement.targets)
    }


def show_rule_text(text: str, reference_text: str, lessons: Collection[int]) -> str:
    """`text` with the formulas that hide_rule_text left out for the lessons in `lessons`
    (lessons that pass) put back, as `reference_text` has them. `text` unchanged when it is
    not valid Python."""
    lines = text.splitlines(keepends=True)
    notes = [
        (index, match)
        for index, line in enumerate(lines)
        if (match := _RULE_NOTE_LINE.match(line.rstrip("\r\n"))) and int(match["number"]) in lessons
    ]
    if not notes:
        return text
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    classes = [
        (node.lineno, node.end_lineno or node.lineno, node.name) for node in tree.body if isinstance(node, ast.ClassDef)
    ]
    formulas = _formula_lines(reference_text)
    for index, match in reversed(notes):
        name = next((name for first, last, name in classes if first <= index + 1 <= last), None)
        if name in formulas:
            lines[index : index + 1] = [textwrap.indent(textwrap.dedent(formulas[name]), match["indent"])]
    return "".join(lines)
