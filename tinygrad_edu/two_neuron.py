"""The two-neuron net of the classic backpropagation derivation, as a graph of Values.

`tinygrad_edu.backprop` holds the same net's hand-derived formulas in plain floats
(two_neuron_forward, two_neuron_deltas, ...); this module builds it with the engine,
so that `backward()` and the step player show the same numbers emerge.
"""

from __future__ import annotations

import os
import pathlib

from .engine import Value

__all__ = ["two_neuron_net", "write_two_neuron_player"]


def two_neuron_net(i_l: float = 1.5, w_l: float = 0.8, w_r: float = -1.2, d: float = 1.0) -> dict[str, Value]:
    """The two-neuron net of the classic backpropagation derivation, with its error.

    i_l -> (* w_l) p_l -> sigmoid o_l -> (* w_r) p_r -> sigmoid o_r, and
    E = 1/2 (d - o_r)^2 = 0.5 * sq with sq = e * e and e = d - o_r. E is the seeds'
    performance P with the sign turned (P = -E), so gradient descent on E is
    gradient ascent on P. Returns a dict from each label to its Value ("E" is the root).
    """
    nodes = {"i_l": Value(i_l, label="i_l"), "w_l": Value(w_l, label="w_l"), "w_r": Value(w_r, label="w_r")}
    nodes["p_l"] = (nodes["w_l"] * nodes["i_l"]).named("p_l")
    nodes["o_l"] = nodes["p_l"].sigmoid().named("o_l")
    nodes["p_r"] = (nodes["w_r"] * nodes["o_l"]).named("p_r")
    nodes["o_r"] = nodes["p_r"].sigmoid().named("o_r")
    nodes["e"] = (d - nodes["o_r"]).named("e")
    nodes["sq"] = (nodes["e"] * nodes["e"]).named("sq")  # e is used twice: two arrows, two contributions
    nodes["E"] = (0.5 * nodes["sq"]).named("E")
    return {name: nodes[name] for name in ("i_l", "w_l", "p_l", "o_l", "w_r", "p_r", "o_r", "e", "sq", "E")}


def write_two_neuron_player(path: str | os.PathLike[str], direction: str = "backward") -> pathlib.Path:
    """Write the player of the two-neuron net (i_l = 1.5, w_l = 0.8, w_r = -1.2, d = 1)
    to `path` and return the path (a pathlib.Path)."""
    from .viz.player import Player  # the pictures are imported only when a page is written

    return Player(two_neuron_net()["E"], direction=direction).save(path)
