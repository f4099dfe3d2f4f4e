"""`tinygrad-edu learn ...`: the parser of the learning path's commands, and the dispatch.

init DIR         make a workbook: your copy of the package, lesson regions stubbed
status [DIR]     run the lessons in order, stop at the first failing one, say what next
hint [N]         the next hint for lesson N (default: the current lesson)
check N          run lesson N alone and show every test
watch [DIR]      re-run the lessons whenever a file of the workbook is saved
solution N       the reference solution, once lesson N passes (or with --reveal)
skip N           copy the reference solution of lesson N into the workbook
reset N          put lesson N's stubs back (your code is kept in a copy)
restore N        bring the newest kept copy of lesson N back (what it replaces is kept too)
list             the lessons
verify           the maintainers' check of the whole path

Each command is a function of commands.py.
"""

import argparse
import os
import shlex
import sys
from collections.abc import Callable
from typing import Any, TextIO

from . import commands
from .errors import WorkbookError
from .lessons import LESSONS, lesson_by_number
from .runner import pytest_available
from .terminal import COMMAND

__all__ = ["add_parser", "run"]

_COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "init": commands.init,
    "status": commands.status,
    "hint": commands.hint,
    "check": commands.check,
    "watch": commands.watch,
    "solution": commands.solution,
    "skip": commands.skip,
    "reset": commands.reset,
    "restore": commands.restore,
    "list": commands.list_lessons,
    "verify": commands.verify,
}
# Every command but these runs the lesson tests, with pytest.
_WITHOUT_PYTEST = ("init", "list")


# ----- the parser ------------------------------------------------------------------------------


def add_parser(subcommands: Any) -> argparse.ArgumentParser:
    """Add the `learn` command and its subcommands to `subcommands` (what an argparse
    parser's add_subparsers() returned)."""
    learn = subcommands.add_parser(
        "learn",
        help="rebuild the engine yourself, lesson by lesson, checked by tests",
        description="The learning path: rebuild tinygrad_edu lesson by lesson. Start with "
        "`tinygrad-edu learn init mywork`, then `cd mywork` and `tinygrad-edu learn status`.",
    )
    # learn_parser: so that `tinygrad-edu learn` alone can print this help; usage_parser:
    # the parser whose usage a wrong argument gets (each subcommand sets its own).
    learn.set_defaults(learn_parser=learn, usage_parser=learn)
    sub = learn.add_subparsers(dest="learn_command", metavar="SUBCOMMAND")

    p = _subcommand(
        sub,
        "init",
        "make a workbook: your own copy of the package with the lessons to write",
        f"Then `cd DIR` and run `{COMMAND} status`.",
    )
    p.add_argument("dir", metavar="DIR", help="a new (or empty) folder for the workbook")

    p = _subcommand(
        sub,
        "status",
        "run the lessons in order and show what to do next",
        "It stops at the first lesson that fails and shows its failing test and the function to write.",
    )
    p.add_argument("dir", metavar="DIR", nargs="?", help="the workbook (default: the current folder)")

    p = _subcommand(
        sub,
        "hint",
        "show the next hint for a lesson, from gentle to explicit",
        "Each call shows one more hint of the lesson (the current one, or lesson N).",
    )
    p.add_argument(
        "number", metavar="N", nargs="?", type=_lesson_number("hint"), help="the lesson (default: the current one)"
    )
    p.add_argument("--level", type=int, help="show the hints up to this level, whatever you have seen")
    _workbook_option(p)

    p = _subcommand(sub, "check", "run one lesson and show each of its tests")
    p.add_argument("number", metavar="N", type=_lesson_number("check"), help="the lesson")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's own output too")
    _workbook_option(p)

    _add_later_commands(sub)
    return learn


def _add_later_commands(sub: Any) -> None:
    """watch, solution, skip, reset, restore, list and verify (in the order `learn --help` lists them)."""
    p = _subcommand(sub, "watch", "re-run the lessons each time you save a file of the workbook (Ctrl-C stops)")
    p.add_argument("dir", metavar="DIR", nargs="?", help="the workbook (default: the current folder)")
    p.add_argument(
        "--poll",
        action="store_true",
        help="look at the files every 0.3 s instead of waiting for the system's change events "
        "(for network drives and containers where saves go unnoticed)",
    )

    p = _subcommand(sub, "solution", "show the reference solution of a lesson (once it passes, or with --reveal)")
    p.add_argument("number", metavar="N", type=_lesson_number("solution"), help="the lesson")
    p.add_argument("--reveal", action="store_true", help="show it even though the lesson does not pass yet")
    _workbook_option(p)

    p = _subcommand(sub, "skip", "copy the reference solution of a lesson into your workbook")
    p.add_argument("number", metavar="N", type=_lesson_number("skip"), help="the lesson")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask, even when the lesson passes already")
    _workbook_option(p)

    p = _subcommand(sub, "reset", "put a lesson's stubs back (a copy of your code is kept)")
    p.add_argument("number", metavar="N", type=_lesson_number("reset"), help="the lesson")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask, even when the lesson passes")
    _workbook_option(p)

    p = _subcommand(sub, "restore", "bring back the newest copy of your code that skip or reset kept")
    p.add_argument("number", metavar="N", type=_lesson_number("restore"), help="the lesson")
    _workbook_option(p)

    _subcommand(sub, "list", "list the lessons, their ideas and the functions you write")

    p = _subcommand(sub, "verify", "maintainers: check that every solution passes and every stub fails")
    p.add_argument("--quick", action="store_true", help="skip the check that every single region is tested")


def _subcommand(sub: Any, name: str, summary: str, details: str = "") -> argparse.ArgumentParser:
    """A learn subcommand whose --help starts with what it does (`summary`, which is also
    its line in `learn --help`) and whose wrong arguments get its own usage."""
    description = summary[0].upper() + summary[1:] + "." + (" " + details if details else "")
    parser: argparse.ArgumentParser = sub.add_parser(name, help=summary, description=description)
    parser.set_defaults(usage_parser=parser)
    return parser


def _workbook_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-w", "--workbook", metavar="DIR", help="the workbook (default: the current folder)")


def _lesson_number(command: str) -> Callable[[str], int]:
    """The argument type of `command`'s lesson number N: an int from 1 to the number of
    lessons; a folder given instead is answered with how to name a workbook (-w)."""

    def lesson_number(text: str) -> int:
        try:
            number = int(text)
            lesson_by_number(number)
        except ValueError:
            message = f"expected a lesson number from 1 to {len(LESSONS)}, got {text!r}"
            if os.path.isdir(text):  # `learn hint mywork`: a workbook is named with -w
                example = f"{COMMAND} {command}{'' if command == 'hint' else ' N'} -w {shlex.quote(text)}"
                message += f"; {text!r} is a folder: name a workbook with -w DIR, as in `{example}`"
            raise argparse.ArgumentTypeError(message) from None
        return number

    return lesson_number


# ----- running a command -----------------------------------------------------------------------


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run the `learn` subcommand in `args` (parsed by a parser that `add_parser` extended);
    returns the exit code."""
    out = out if out is not None else sys.stdout
    command = getattr(args, "learn_command", None)
    if command is None:
        args.learn_parser.print_help(out)
        return 2
    if command not in _WITHOUT_PYTEST and not pytest_available():
        print(
            f"{COMMAND}: error: the lessons are checked by pytest, which is not installed (pip install pytest)",
            file=sys.stderr,
        )
        return 2
    try:
        return _COMMANDS[command](args, out)
    except WorkbookError as error:
        print(f"{COMMAND} {command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 1
