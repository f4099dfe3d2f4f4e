"""The notebooks as reading for after a lesson: which ones a learner may open, and where.

A notebook derives what the lessons that link it ask for, so it states their answers.
It is shown only once every lesson of the path that links it passes (the optional
challenge holds none back: the path is complete without it), and never while one of
them is open. Notebook 06, linked by lessons 7 and 12, comes after lesson 12.
"""

from collections.abc import Iterable
from pathlib import Path

from .lessons import LESSONS, Lesson
from .terminal import shown_path

__all__ = [
    "GET_NOTEBOOKS",
    "checkout_notebooks",
    "notebook_list",
    "notebook_location",
    "notebooks_after",
    "notebooks_folder",
    "readable",
    "shown_after",
]

# Where the notebooks are when this install has none (a plain `pip install` copies none).
GET_NOTEBOOKS = "in the notebooks/ folder of a checkout of the tinygrad_edu repository"


def _answered_by(name: str) -> list[int]:
    """The lessons of the path (the challenge aside) that link notebook `name`; for a
    notebook that only the challenge links, the challenge."""
    linking = [lesson for lesson in LESSONS if name in lesson.notebooks]
    return [lesson.number for lesson in linking if not lesson.challenge] or [lesson.number for lesson in linking]


def readable(passed: Iterable[int]) -> list[str]:
    """The linked notebooks whose lessons all pass, in the order the lessons name them."""
    done = set(passed)
    names = dict.fromkeys(name for lesson in LESSONS for name in lesson.notebooks)
    return [name for name in names if set(_answered_by(name)) <= done]


def notebooks_after(before: Iterable[int], now: Iterable[int]) -> list[str]:
    """The notebooks that the lessons passing `now`, and not `before`, make readable."""
    already = set(readable(before))
    return sorted(name for name in readable(now) if name not in already)  # 01, 02, ...: the reading order


def shown_after(lesson: Lesson) -> list[str]:
    """The notebooks that become readable when `lesson` passes, its earlier lessons passing
    (for the challenge: the ones it links, already readable)."""
    if lesson.challenge:
        return list(lesson.notebooks)
    return notebooks_after(range(1, lesson.number), range(1, lesson.number + 1))


def checkout_notebooks() -> Path:
    """The notebooks/ folder next to the package that runs this code (it exists in a
    checkout, with `pip install -e .`; a workbook's copy of the package has no learn/)."""
    return Path(__file__).resolve().parent.parent.parent / "notebooks"


def notebooks_folder() -> Path | None:
    """The folder that holds the notebooks in this install, or None when it has none."""
    folder = checkout_notebooks()
    return folder if any(folder.glob("*.ipynb")) else None


def notebook_list(names: Iterable[str]) -> str:
    """`names` as the learner can open them: paths when this install has the notebooks,
    else the file names and where to get them."""
    names = list(names)
    if notebooks_folder() is None:
        return ", ".join(f"{name}.ipynb" for name in names) + f" ({GET_NOTEBOOKS})"
    return ", ".join(notebook_location(name) for name in names)


def notebook_location(name: str) -> str:
    """Where the learner can open notebook `name`: its path in the checkout that learn
    runs from (relative to the current folder when that is shorter), else where to get it."""
    path = checkout_notebooks() / f"{name}.ipynb"
    if not path.is_file():
        return f"{name}.ipynb ({GET_NOTEBOOKS})"
    return shown_path(path)
