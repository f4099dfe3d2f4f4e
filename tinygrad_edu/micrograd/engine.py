"""`Value` under micrograd's module name: ``from tinygrad_edu.micrograd.engine import Value``.

This is `tinygrad_edu.Value` itself, not a copy, so everything else in the package
(`viz.draw_dot`, `explain`, the player, `gradcheck`) accepts the Values a
micrograd-style program builds. The differences a micrograd user may notice are
listed in the README ("Coming from micrograd").
"""

from ..engine import Value

__all__ = ["Value"]
