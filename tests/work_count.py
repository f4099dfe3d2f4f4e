"""How much work a call does, counted instead of timed: the lines of Python it runs.

A timing is never a unit test (a busy machine slows any run), but the number of lines of
Python a call executes is the same on every machine and every run. For a scaling
property this is the measure: a step that loops over what came before, once per layer
or per node, makes the count grow with the square of the size, as it would the time.
Work done in C (json parsing, a set lookup) is not counted; the tests that use this say
what else they check for it.
"""

import sys


def python_lines_run(call):
    """(call's result, the number of lines of Python executed while it ran)."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        result = call()
    finally:
        sys.settrace(previous)
    return result, count
