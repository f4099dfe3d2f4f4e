"""Steps that happen whole or not at all.

* `files.atomic_write`: a file is replaced whole (temporary file in the same folder,
  fsync, rename), so a crash, a full disk or Ctrl-C never leaves half of it;
* `interrupts.sigint_deferred`: Ctrl-C waits until a step that must be whole (an
  optimizer step, a lesson's files) is done.
"""

from .files import atomic_write
from .interrupts import sigint_deferred

__all__ = ["atomic_write", "sigint_deferred"]
