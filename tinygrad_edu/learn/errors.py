"""The one error learn's commands report without a traceback."""

__all__ = ["WorkbookError"]


class WorkbookError(Exception):
    """A problem the learner can fix (a non-empty folder, no workbook here, ...)."""
