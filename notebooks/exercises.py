"""The exercises' checks, shared by every notebook.

Each exercise has a key ("1", "2a", ...). Its hidden check cell calls ``check`` (for a
number, a list of numbers or a word) or ``check_function`` (for code the learner writes).
The check says right or not yet, and never prints the answer: ``reveal(key)`` does that,
on request. So a notebook saved with its answers left at ``None`` shows no solution.

A number is right when it is within a relative tolerance of the answer (2 % by default:
an answer rounded to three significant figures always passes, one rounded to two passes
when that rounding stays within 2 %, as 9.3 for 9.313 does), with a tiny absolute floor for
answers that are exactly zero. Whole-number answers (counts) must be exact. A tolerance of the form ``tol * max(1, |answer|)``
would accept 0 for an answer of 1e-6; this one does not.
"""

import math
import numbers

__all__ = ["check", "check_function", "reveal", "close_enough", "REL_TOL", "ABS_FLOOR"]

REL_TOL = 0.02  # relative: accepts 9.3 for 1.25**10 = 9.313 and 0.023 for 0.02326
ABS_FLOOR = 1e-12  # absolute: only matters when the answer is (almost) exactly zero

# key -> (expected answer or reference function, why, tolerance); filled as the check cells run
ANSWERS = {}


def close_enough(answer, expected, rel=REL_TOL, floor=ABS_FLOOR):
    """True when |answer - expected| <= max(rel * |expected|, floor), elementwise for lists."""
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().lower() == expected.strip().lower()
    if isinstance(expected, (list, tuple)):
        if not isinstance(answer, (list, tuple)) or len(answer) != len(expected):
            return False
        return all(close_enough(a, e, rel, floor) for a, e in zip(answer, expected))
    if isinstance(answer, bool) or not isinstance(answer, numbers.Real):
        return False
    if isinstance(expected, numbers.Integral):  # a count: exactly
        return answer == expected
    if not math.isfinite(answer):
        return False
    return abs(answer - expected) <= max(rel * abs(expected), floor)


def _not_yet(key):
    print(
        f"Exercise {key}: no answer yet. Write yours in the cell above, run it, then run this cell again. "
        f"(reveal({key!r}) shows the answer.)"
    )


def check(key, answer, expected, why, rel=REL_TOL):
    """Say whether `answer` is right for exercise `key`; prints no answer (see reveal). Returns True/False/None."""
    ANSWERS[key] = (expected, why, rel)
    if answer is None:
        _not_yet(key)
        return None
    if close_enough(answer, expected, rel):
        print(f"Exercise {key}: right. {why}")
        return True
    print(
        f"Exercise {key}: not yet; you answered {answer!r}. Check your reasoning and try again "
        f"(reveal({key!r}) shows the answer)."
    )
    return False


def check_function(key, function, reference, cases, why, rel=1e-6):
    """Run the learner's `function` on each argument tuple in `cases` and compare with `reference`.

    A function that is None, returns None or raises NotImplementedError counts as not written yet.
    """
    ANSWERS[key] = (reference, why, rel, cases)
    if function is None:
        _not_yet(key)
        return None
    for args in cases:
        try:
            got = function(*args)
        except NotImplementedError:
            _not_yet(key)
            return None
        except Exception as error:  # the learner's code failed: say where, keep going
            print(f"Exercise {key}: not yet; your function raised {type(error).__name__}: {error} on {args!r}.")
            return False
        if got is None:
            _not_yet(key)
            return None
        expected = reference(*args)
        if not close_enough(_as_plain(got), _as_plain(expected), rel, floor=1e-9):
            print(
                f"Exercise {key}: not yet; on the input {args!r} your function returned {_as_plain(got)!r}, "
                f"which is not what it should be. (reveal({key!r}) shows a solution.)"
            )
            return False
    print(f"Exercise {key}: right, on all {len(cases)} test inputs. {why}")
    return True


def _as_plain(x):
    """Lists, tuples and NumPy arrays as nested lists of floats, so they compare elementwise."""
    if hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [_as_plain(item) for item in x]
    return float(x) if isinstance(x, numbers.Real) and not isinstance(x, bool) else x


def reveal(key):
    """Print exercise `key`'s answer and why (run its check cell first)."""
    if key not in ANSWERS:
        print(f"Exercise {key!r}: run its check cell first, then call reveal({key!r}) again.")
        return
    expected, why = ANSWERS[key][:2]
    if callable(expected):
        import inspect

        try:
            shown = "\n" + inspect.getsource(expected)
        except (OSError, TypeError):
            shown = " the function in the hidden check cell (click its '...' to open it)"
        print(f"Exercise {key}, a solution:{shown}\n{why}")
        return
    print(f"Exercise {key}: the answer is {_shown(expected)}. {why}")


def _shown(expected):
    if isinstance(expected, (list, tuple)):
        return "[" + ", ".join(_shown(e) for e in expected) + "]"
    if isinstance(expected, float):
        return f"{expected:.4g}"
    return str(expected)


def trial_answers(key):
    """For the tests: (right answers, wrong answers) that exercise `key`'s check must accept and reject.

    The right ones are the answer itself and the answer rounded to three significant figures
    (and, for a word, its capitalised form with spaces); the wrong ones are 10 % off, and zero.
    """
    expected = ANSWERS[key][0]
    if callable(expected):
        return [expected], [_scaled(expected, 1.1), _scaled(expected, -1.0)]
    if isinstance(expected, str):
        return [expected, " " + expected.capitalize() + " "], ["not " + expected, "", 0]
    return [expected, _rounded(expected)], _wrong(expected)


def _rounded(x):
    if isinstance(x, (list, tuple)):
        return [_rounded(item) for item in x]
    return x if isinstance(x, numbers.Integral) else float(f"{x:.3g}")


def _wrong(x):
    if isinstance(x, (list, tuple)):
        return [[_wrong(x[0])[0], *x[1:]], list(x[:-1]), 1.0]
    if isinstance(x, numbers.Integral):
        return [x + 1, x - 1]
    return [x * 1.1 if x else 0.01, 0.0 if x else 1e-3, -x if x else 1.0]


def _scaled(function, factor):
    def wrong(*args):
        return _times(_as_plain(function(*args)), factor)

    return wrong


def _times(x, factor):
    if isinstance(x, list):
        return [_times(item, factor) for item in x]
    return x * factor + (0.0 if x else 0.5)


def self_test():
    """For the tests: run every check seen so far on its right and wrong trial answers.

    Returns {key: {"right": [results], "wrong": [results]}}; a sound check gives True for every
    right answer and False for every wrong one. Nothing is printed.
    """
    import contextlib
    import io

    report = {}
    for key, entry in list(ANSWERS.items()):
        expected, why, rel = entry[:3]
        rights, wrongs = trial_answers(key)
        with contextlib.redirect_stdout(io.StringIO()):
            if callable(expected):
                cases = entry[3]
                results = [[check_function(key, f, expected, cases, why, rel) for f in g] for g in (rights, wrongs)]
            else:
                results = [[check(key, a, expected, why, rel) for a in g] for g in (rights, wrongs)]
        ANSWERS[key] = entry
        report[key] = {"right": results[0], "wrong": results[1]}
    return report
