"""The learning path: rebuild tinygrad_edu lesson by lesson, checked by unit tests.

``tinygrad-edu learn init mywork`` makes a workbook, a copy of the package in which
the lesson regions (``# BEGIN LESSON n`` ... ``# END LESSON n`` in the real source)
are stubs. ``tinygrad-edu learn status`` runs the lessons in order and says what to
write next. See LEARN.md.

* `lessons`: the table of lessons (ideas, regions, hints)
* `regions`: finding, stubbing and copying the marked regions
* `workbook`: making a workbook and keeping its state
* `runner`: running the lesson tests in a separate pytest process
* `cli`: the ``learn`` subcommands
* `verify`: the maintainers' check that every solution passes and every stub fails
* `lesson_tests/`: the tests, one file and one pytest marker per lesson
"""

from .lessons import LESSONS, Lesson, lesson_by_number

__all__ = ["LESSONS", "Lesson", "lesson_by_number"]
