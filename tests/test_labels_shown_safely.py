"""Labels with control characters, lone surrogates or XML noncharacters are shown
escaped: in explain's text, in paths' reprs, in DOT, in SVG and in the player's page."""

import xml.etree.ElementTree as ElementTree

import pytest

from tinygrad_edu import Value
from tinygrad_edu.viz import draw_dot, to_dot
from tinygrad_edu.viz.explain import explain, paths
from tinygrad_edu.viz.player import Player
from tinygrad_edu.viz.steps import visible

ODD = {
    "lone surrogate": ("\ud800", r"\ud800"),
    "terminal escape": ("\x1b[2J", r"\x1b[2J"),
    "U+FFFE": ("\ufffe", r"\ufffe"),
    "U+FFFF": ("\uffff", r"\uffff"),
    "U+FDD0": ("\ufdd0", r"\ufdd0"),
    "U+1FFFF": ("\U0001ffff", r"\U0001ffff"),
    "C0 control": ("\x07", r"\x07"),
}
FORBIDDEN = ("\ud800", "\x1b", "\ufffe", "\uffff", "\ufdd0", "\U0001ffff", "\x07")


def _graph(label):
    x = Value(2.0, label=label)
    return (x * x).named("y" + label), x


@pytest.mark.parametrize("kind", ODD)
def test_visible_writes_the_character_out(kind):
    raw, escaped = ODD[kind]
    assert visible(f"a{raw}b") == f"a{escaped}b"


@pytest.mark.parametrize("kind", ODD)
def test_explain_and_paths_print_odd_labels_escaped(kind, capsys):
    raw, escaped = ODD[kind]
    y, x = _graph(raw)
    text = explain(y, x)
    print(text)  # a lone surrogate raised UnicodeEncodeError here
    print(paths(y, x))
    shown = capsys.readouterr().out
    assert escaped in text and not any(char in shown for char in FORBIDDEN)


@pytest.mark.parametrize("kind", ODD)
def test_dot_and_the_player_page_hold_no_forbidden_character(kind):
    y, _ = _graph(ODD[kind][0])
    for text in (to_dot(y), Player(y).html()):
        assert not any(char in text for char in FORBIDDEN)
        text.encode("utf-8")


@pytest.mark.parametrize("kind", ["U+FFFE", "U+FFFF", "U+FDD0", "C0 control"])
def test_the_svg_of_an_odd_label_is_well_formed_xml(renderer, kind, tmp_path):
    y, _ = _graph(ODD[kind][0])
    draw_dot(y).save(tmp_path / "g.svg")
    ElementTree.parse(tmp_path / "g.svg")  # raised "not well-formed (invalid token)"
    draw_dot(y).save(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
