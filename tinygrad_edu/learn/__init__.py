"""The learning path: rebuild tinygrad_edu lesson by lesson, checked by unit tests.

``tinygrad-edu learn init mywork`` makes a workbook, a copy of the package in which
the lesson regions (``# BEGIN LESSON n`` ... ``# END LESSON n`` in the real source)
are stubs. ``tinygrad-edu learn status`` runs the lessons in order and says what to
write next. See LEARN.md.

* `lessons`: the table of lessons (ideas, hints, regions)
* `regions`: finding the marked regions in a source, stubbing and rewriting them
* `workbook`: a workbook's layout: making one, finding one, refusing one not the user's own
* `state`: the workbook's state file (hints seen, lessons skipped and passed), under a lock
* `lesson_code`: a lesson's code in the workbook: skip, reset, the copies kept, cut code put back
* `outside_edits`: finished code the learner changed outside the regions
* `runner`: running the lesson tests in a separate pytest process
* `status`: a run of the lessons recorded, and the one model of where the learner stands
* `screens`: that model drawn twice: `learn status` in full, `learn watch` on one screen
* `reading`: the notebooks as reading for after: which ones a learner may open, and where
* `watch`: the watch loop, run again on each save
* `terminal`: marks and line widths
* `commands`: the ``learn`` subcommands, one function each
* `cli`: their parser and the dispatch
* `verify`: the maintainers' check that every solution passes and every stub fails
* `lesson_tests/`: the tests, one file and one pytest marker per lesson
"""

from .lessons import LESSONS, Lesson, lesson_by_number

__all__ = ["LESSONS", "Lesson", "lesson_by_number"]
