"""The player's page where its script does not run, and its layout at notebook width.

GitHub, nbviewer and an untrusted notebook show a player's HTML without running its
script. The picture is therefore written with the numbers of the finished backward
pass already in it (filled in here, in Python), and the script replaces them with the
step it shows. These tests read the page as text; tests/test_player_browser.py opens
it in chromium, with and without the script.
"""

import re

import pytest
from test_player import mlp_loss

from tinygrad_edu import Value, viz
from tinygrad_edu.engine import topological_order
from tinygrad_edu.two_neuron import two_neuron_net
from tinygrad_edu.viz.player import Player


def box_texts(fragment):
    """{"v3": ["o_l", "data 0.7685", "grad 0.1748"]}: every Value's box as the page draws it
    before any script runs."""
    boxes = {}
    for group in re.findall(r'<g id="[^"]*" class="node">(.*?)</g>', fragment, re.S):
        title = re.search(r"<title>([^<]*)</title>", group).group(1).strip()
        if re.fullmatch(r"v\d+", title):
            boxes[title] = [text.strip() for text in re.findall(r"<text\b[^>]*>([^<]*)</text>", group)]
    return boxes


def final_numbers(root):
    """{"v3": ("data ...", "grad ...")} from the forward values and root.backward()."""
    order = topological_order(root)
    root.zero_grad()
    root.backward()
    return {f"v{i}": (f"data {node.data:.4g}", f"grad {node.grad:.4g}") for i, node in enumerate(order)}


@pytest.mark.parametrize(
    "make_root", [lambda: two_neuron_net()["E"], lambda: mlp_loss()[1]], ids=["two_neuron", "mlp_loss"]
)
def test_the_picture_shows_the_finished_backward_pass_without_the_script(renderer, make_root):
    root = make_root()
    root.zero_grad()  # the page must not read .grad: the numbers come from the steps
    fragment = viz.player(root)._repr_html_()
    boxes = box_texts(fragment)
    expected = final_numbers(root)
    assert set(boxes) == set(expected)
    for value_id, (data, grad) in expected.items():
        assert boxes[value_id][-2:] == [data, grad], f"box {value_id}"
    assert not re.search(r">(data|grad) 0{2,}<", fragment), "no placeholder is left in the picture"


def test_labels_stay_in_their_boxes(renderer):
    fragment = viz.player(two_neuron_net()["E"])._repr_html_()
    labels = {texts[0] for texts in box_texts(fragment).values()}
    assert {"i_l", "w_l", "w_r", "p_l", "o_l", "p_r", "o_r", "e", "sq", "E"} <= labels


def test_the_static_page_says_how_to_step_through_it(renderer):
    fragment = viz.player(two_neuron_net()["E"])._repr_html_()
    writeup = re.search(r'<div class="tge-writeup"[^>]*>(.*?)</div>', fragment, re.S).group(1)
    assert "After the whole backward pass" in writeup and "browser" in writeup


def test_the_forward_first_page_also_shows_the_final_numbers(renderer):
    a = Value(3.0, label="a")
    root = (a * a).named("y")
    boxes = box_texts(Player(root, direction="forward")._repr_html_())
    assert boxes["v0"][-2:] == ["data 3", "grad 6"] and boxes["v1"][-2:] == ["data 9", "grad 1"]


def test_the_picture_starts_at_full_size(renderer):
    """Fit to width shrinks a wide graph to unreadable text in a notebook: it is off until
    the reader turns it on."""
    fragment = viz.player(two_neuron_net()["E"])._repr_html_()
    checkbox = re.search(r'<input type="checkbox" class="tge-fit"[^>]*>', fragment).group(0)
    assert "checked" not in checkbox
    assert re.search(r'<div class="tge-graph">', fragment), "the picture is not fitted at first"


def test_the_static_counter_and_slider_stand_at_the_last_step(renderer):
    """Before the script runs, the toolbar agrees with the picture: the finished pass."""
    root = two_neuron_net()["E"]
    fragment = viz.player(root)._repr_html_()
    steps = len(viz.backward_steps(root))
    assert re.search(rf'<input type="range" class="tge-slider" min="0" max="{steps}" value="{steps}"', fragment)
    assert f'<span class="tge-counter">Step {steps} of {steps}</span>' in fragment
