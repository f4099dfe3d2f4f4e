"""Pictures of the chain rule: graphs with a local derivative on every edge, the passes
one node at a time, a page that plays them, and the paths a gradient sums over.

* `drawing`: `to_dot` and `draw_dot`, the picture of a graph (a `graphviz.Digraph`);
* `dot`: the DOT text of a graph;
* `renderer`: finding and running the program that turns DOT text into SVG or PNG;
* `steps`: the forward and the backward pass as data, one step per Value;
* `player`: the page that steps through those passes;
* `explain`: a gradient written out as a sum over paths.

Everything a user imports is here: ``from tinygrad_edu.viz import draw_dot, player``.
"""

from .dot import LARGE_GRAPH, LargeGraphWarning
from .drawing import Drawing, draw_dot, player, to_dot
from .player import Player
from .renderer import DOT_ENV_VAR, RendererNotFound, RenderError, find_renderer
from .steps import BackwardStep, ForwardStep, Update, backward_steps, forward_steps

__all__ = [
    "to_dot",
    "draw_dot",
    "backward_steps",
    "forward_steps",
    "BackwardStep",
    "ForwardStep",
    "Update",
    "player",
    "Player",
    "Drawing",
    "find_renderer",
    "RenderError",
    "RendererNotFound",
    "LargeGraphWarning",
    "DOT_ENV_VAR",
    "LARGE_GRAPH",
]
