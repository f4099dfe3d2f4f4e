"""Draw docs/mlp_graph.svg: the loss of a 2-2-1 sigmoid MLP, one path from L0.n0.w0 highlighted.

Run from the repository root: python docs/mlp_graph.py. The graph is the README's example;
three layout settings fit it to the page: closer ranks and nodes, and ordering=in, which keeps
each operation's operands in order so that the two hidden neurons are drawn side by side, each
under its own weights (the inputs, which both neurons read, still cross over to the second).
"""

import pathlib

from tinygrad_edu import MLP, Value
from tinygrad_edu.explain import paths
from tinygrad_edu.nn import squared_error
from tinygrad_edu.viz import draw_dot

HERE = pathlib.Path(__file__).resolve().parent


def mlp_graph():
    """The README's drawing: draw_dot of the loss, top to bottom, the first path from L0.n0.w0 in red."""
    model = MLP(2, [2, 1], seed=0)
    x = [Value(1.0, label="x0"), Value(-0.5, label="x1")]
    loss = squared_error(model(x), 1.0).named("loss")
    loss.backward()
    w = model.layers[0].neurons[0].w[0]
    drawing = draw_dot(loss, rankdir="TB", highlight=paths(loss, w)[0])
    drawing.graph_attr.update(ranksep="0.22", nodesep="0.18", ordering="in")
    return drawing


if __name__ == "__main__":
    path = HERE / "mlp_graph.svg"
    path.write_text(mlp_graph().svg(), encoding="utf-8")
    print(f"wrote {path}")
