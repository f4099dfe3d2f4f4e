"""The step-by-step player: the passes as data (`viz.backward_steps`,
`viz.forward_steps`) and the page built from them (`viz.player`).

The page is checked here as text: one self-contained file that carries the steps.
tests/test_player_browser.py runs it in a real browser.
"""

import json
import pathlib
import re
from importlib import resources

import pytest
from hypothesis import assume, given, settings
from test_engine_properties import inputs_in_range, programs, run

from tinygrad_edu import MLP, Value, backprop, viz
from tinygrad_edu.engine import topological_order
from tinygrad_edu.nn import squared_error
from tinygrad_edu.two_neuron import two_neuron_net, write_two_neuron_player
from tinygrad_edu.viz import BackwardStep, Update, backward_steps, forward_steps
from tinygrad_edu.viz.player import Player

# ----- graphs ------------------------------------------------------------------------------------


def square():
    a = Value(3.0, label="a")
    return a, (a * a).named("y")


def diamond():
    """x feeds two branches that meet again: x.grad gets one contribution per branch."""
    x = Value(0.7, label="x")
    left = (x * 2.0).named("left")
    right = x.tanh().named("right")
    return x, (left * right).named("top")


def mlp_loss():
    model = MLP(2, [2, 1], seed=0)
    x = [Value(1.0, label="x0"), Value(-0.5, label="x1")]
    return model, squared_error(model(x), 1.0).named("loss")


def graphs():
    return {
        "square": square()[1],
        "diamond": diamond()[1],
        "two_neuron": two_neuron_net()["E"],
        "mlp_loss": mlp_loss()[1],
        "leaf": Value(2.5, label="alone"),
    }


GRAPH_NAMES = sorted(graphs())


def grads_after_backward(root):
    """{node: grad} from root.backward(), on fresh gradients."""
    root.zero_grad()
    root.backward()
    return {node: node.grad for node in topological_order(root)}


# ----- backward_steps ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_every_step_has_the_gradient_backward_computes(name):
    root = graphs()[name]
    expected = grads_after_backward(root)
    steps = backward_steps(root)
    assert len(steps) == len(expected)
    for step in steps:
        assert isinstance(step, BackwardStep)
        assert step.grad == expected[step.node]  # the same sums in the same order: exactly equal


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_the_order_is_a_reverse_topological_order_starting_at_the_root(name):
    root = graphs()[name]
    steps = backward_steps(root)
    assert steps[0].node is root and steps[0].grad == 1.0
    position = {}
    for k, step in enumerate(steps):
        assert step.node not in position, "each Value gets exactly one step"
        position[step.node] = k
    assert set(position) == set(topological_order(root))
    for step in steps:
        for child in step.node.children:
            assert position[child] > position[step.node], "a Value comes before the Values it was made from"


@pytest.mark.parametrize("name", GRAPH_NAMES)
def test_updates_follow_the_operands_and_add_up_to_each_gradient(name):
    root = graphs()[name]
    steps = backward_steps(root)
    sums = {}
    for step in steps:
        if step.node is not root:
            assert step.grad == sums[step.node], "complete before its step: every use came earlier"
        assert len(step.updates) == len(step.node.children)
        for update, child, local_grad in zip(step.updates, step.node.children, step.node.local_grads):
            assert isinstance(update, Update)
            got_child, got_local, contribution = update  # unpacks as (child, local_grad, contribution)
            assert got_child is child and got_local == local_grad
            assert contribution == step.grad * local_grad
            sums[child] = sums[child] + contribution if child in sums else contribution
        if not step.node.children:
            assert step.updates == ()


def test_a_value_used_twice_gets_one_update_per_use():
    a, y = square()
    first, last = backward_steps(y)
    assert first.node is y
    assert [(u.child, u.local_grad, u.contribution) for u in first.updates] == [(a, 3.0, 3.0), (a, 3.0, 3.0)]
    assert last.node is a and last.grad == 6.0 and last.updates == ()


def test_a_diamond_sends_one_contribution_down_each_branch():
    x, top = diamond()
    steps = backward_steps(top)
    to_x = [u.contribution for s in steps for u in s.updates if u.child is x]
    assert len(to_x) == 2
    assert steps[-1].node is x and steps[-1].grad == to_x[0] + to_x[1]


def test_backward_steps_changes_no_gradient():
    root = graphs()["mlp_loss"]
    nodes = topological_order(root)
    for k, node in enumerate(nodes):
        node.grad = 0.25 * k - 3.0  # anything recognisable
    before = [node.grad for node in nodes]
    backward_steps(root)
    forward_steps(root)
    Player(root)
    assert [node.grad for node in nodes] == before


def test_two_neuron_steps_agree_with_the_hand_derived_formulas():
    net = two_neuron_net()
    grads = {step.node: step.grad for step in backward_steps(net["E"])}
    # The seeds' performance is P = -E, so dP/dw = -dE/dw.
    dP_dw_l, dP_dw_r = backprop.two_neuron_performance_gradients(1.5, 0.8, -1.2, 1.0)
    assert grads[net["w_l"]] == pytest.approx(-dP_dw_l, rel=1e-12)
    assert grads[net["w_r"]] == pytest.approx(-dP_dw_r, rel=1e-12)
    assert grads[net["o_r"]] == pytest.approx(net["o_r"].data - 1.0, rel=1e-12)  # dE/do_r = o_r - d


@settings(max_examples=60, deadline=None)
@given(program=programs(), xs=inputs_in_range)
def test_random_programs_step_to_the_gradients_of_backward(program, xs):
    leaves = [Value(x) for x in xs]
    try:
        out = run(program, leaves)
        expected = grads_after_backward(out)
    except OverflowError:
        assume(False)
    for step in backward_steps(out):
        assert step.grad == expected[step.node]


def test_forward_steps_are_the_topological_order_with_the_values():
    net = two_neuron_net()
    steps = forward_steps(net["E"])
    assert [s.node for s in steps] == topological_order(net["E"])
    for step in steps:
        assert step.data == step.node.data and step.children == step.node.children
    assert steps[-1].node is net["E"]


@pytest.mark.parametrize("function", [backward_steps, forward_steps, viz.player])
def test_the_root_must_be_a_value(function):
    with pytest.raises(TypeError, match="must be a Value, got float"):
        function(1.5)


def test_the_direction_is_checked():
    with pytest.raises(ValueError, match="direction must be 'backward' or 'forward', got 'sideways'"):
        viz.player(Value(1.0), direction="sideways")


# ----- the page -----------------------------------------------------------------------------------

EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|srcset)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)(?:https?:)?//""", re.I
)


def page_data(text):
    """The step data embedded in a page or fragment."""
    match = re.search(r'<script type="application/json" class="tge-data">(.*?)</script>', text, re.S)
    assert match, "the page carries its steps as JSON"
    return json.loads(match.group(1))


def test_the_page_is_one_self_contained_file(renderer, tmp_path):
    path = write_two_neuron_player(tmp_path / "backward.html")
    assert path == tmp_path / "backward.html"
    assert [p.name for p in tmp_path.iterdir()] == ["backward.html"]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert EXTERNAL.search(text) is None, "nothing is fetched from the network"
    assert "<link" not in text and "<iframe" not in text and "<img" not in text
    assert not re.search(r"<script[^>]*\bsrc\s*=", text), "every script is inline"
    assert "<svg" in text and "setUpPlayer" in text
    assert text.count("<svg") == 1, "one picture, re-coloured by the script for each step"


def test_the_external_resource_check_catches_what_it_should():
    assert EXTERNAL.search('<script src="https://cdn.example.org/d3.js">')
    assert EXTERNAL.search("<link href='//fonts.example.org/x.css'>")
    assert EXTERNAL.search("background: url( https://example.org/a.png)")
    assert EXTERNAL.search('@import "https://example.org/a.css";')
    assert not EXTERNAL.search('<svg xmlns="http://www.w3.org/2000/svg">')


@pytest.mark.parametrize("name", ["two_neuron", "mlp_loss", "square"])
def test_the_page_carries_every_backward_step(renderer, name):
    root = graphs()[name]
    order = topological_order(root)
    data = page_data(viz.player(root).html())
    assert data["direction"] == "backward"
    assert data["names"] == [node.label or f"#{i}" for i, node in enumerate(order)]
    steps = data["modes"]["backward"]["steps"]
    expected = backward_steps(root)
    assert len(steps) == len(expected)
    for got, step in zip(steps, expected):
        assert order[got["node"]] is step.node and got["id"] == f"v{got['node']}"
        assert got["value"] == step.grad
        assert [(order[int(line["child"][1:])], line["local"], line["contribution"]) for line in got["lines"]] == [
            tuple(update) for update in step.updates
        ]


def test_the_page_carries_every_forward_step(renderer):
    root = graphs()["two_neuron"]
    order = topological_order(root)
    data = page_data(viz.player(root, direction="forward").html())
    assert data["direction"] == "forward"
    steps = data["modes"]["forward"]["steps"]
    assert [order[s["node"]] for s in steps] == [s.node for s in forward_steps(root)]
    assert [s["value"] for s in steps] == [node.data for node in order]


def test_the_written_update_spells_out_the_product():
    net = two_neuron_net()
    data = Player(net["E"])._data()  # the step data needs no renderer
    by_title = {s["title"].split(".grad")[0]: s for s in data["modes"]["backward"]["steps"]}
    (line,) = by_title["p_r"]["lines"][1:]  # p_r = w_r * o_l: the second operand is o_l
    assert line["text"] == "o_l.grad += p_r.grad × d(p_r)/d(o_l) = (-0.1456) × (-1.2) = 0.1748"
    assert line["after"] == "→ o_l.grad = 0.1748 (complete)"
    (sigmoid_line,) = by_title["o_r"]["lines"]
    assert sigmoid_line["why"] == "sigmoid: d(o_r)/d(p_r) = o_r(1 - o_r) = 0.2036"
    first, second = by_title["sq"]["lines"]  # sq = e * e: two uses, two contributions
    assert first["after"] == "→ e.grad = 0.3577 so far (1 of 2 contributions)"
    assert second["after"] == "→ e.grad = 0.7155 (complete: all 2 contributions are in)"
    assert "received 2 contributions" in " ".join(by_title["e"]["intro"])
    assert "is a leaf" in " ".join(by_title["w_l"]["intro"])


def test_gradients_start_blank_and_appear_at_their_steps():
    net = two_neuron_net()
    player = Player(net["E"])
    order = topological_order(net["E"])
    expected = grads_after_backward(net["E"])
    mode = player._data()["modes"]["backward"]
    for i, node in enumerate(order):
        timeline = mode["fields"][i]["grad"]
        assert timeline[0] == [0, "grad", "tge-unknown"], "blank, not 0, before the pass reaches it"
        assert timeline[-1][1] == f"grad {expected[node]:.4g}"
        assert timeline[-1][0] <= mode["position"][i], "complete by the time it is the current Value"
    forward = player._data()["modes"]["forward"]
    assert all(f["data"][0] == [0, "data", "tge-unknown"] for f in forward["fields"])


def test_a_sum_waiting_for_more_contributions_is_marked_partial():
    _, loss = mlp_loss()
    player = Player(loss)
    order = topological_order(loss)
    fields = player._data()["modes"]["backward"]["fields"]
    x0 = next(i for i, node in enumerate(order) if node.label == "x0")  # used by both hidden neurons
    classes = [entry[2] for entry in fields[x0]["grad"]]
    assert classes == ["tge-unknown", "tge-partial", ""]


def test_each_player_has_its_own_ids(renderer):
    root = graphs()["square"]
    first, second = viz.player(root), viz.player(root)
    assert first.id != second.id
    ids = []
    for player in (first, second):
        fragment = player._repr_html_()
        assert not fragment.startswith("<!DOCTYPE")
        found = re.findall(r'\bid="([^"]*)"', fragment)
        assert found and all(i.startswith(player.id) for i in found), "every id carries the player's own prefix"
        ids.append(set(found))
    assert not ids[0] & ids[1]
    again = set(re.findall(r'\bid="([^"]*)"', first._repr_html_()))
    assert not again & ids[0], "the same player shown twice (two cells) gets new ids"


def test_labels_cannot_break_out_of_the_script(renderer):
    a = Value(2.0, label="</script><b>")
    text = viz.player((a * 3.0).named("y & <z>")).html()
    assert text.count("</script>") == 2  # the data and the script, nothing from the labels
    assert page_data(text)["names"][0] == "</script><b>"


def test_jupyter_shows_why_when_nothing_can_draw(monkeypatch, tmp_path):
    monkeypatch.setenv(viz.DOT_ENV_VAR, str(tmp_path / "no-such-dot"))
    shown = viz.player(Value(1.0))._repr_html_()
    assert shown.startswith("<pre>") and "TINYGRAD_EDU_DOT" in shown


def test_boxes_are_drawn_wide_enough_for_every_number():
    net = two_neuron_net()
    player = Player(net["E"])
    mode = player._data()["modes"]["backward"]
    longest = max(len(text) for fields in mode["fields"] for _, text, _ in fields["grad"])
    placeholders = re.findall(r"grad (0+)", player.source)
    assert placeholders and max(len(p) for p in placeholders) + 5 >= longest


def test_the_script_and_style_ship_with_the_package():
    package = resources.files("tinygrad_edu.viz")
    for name in ("player.js", "player.css"):
        assert package.joinpath(name).is_file(), f"{name} is missing next to player.py"
    pyproject = pathlib.Path(__file__).resolve().parent.parent / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    section = text.split("[tool.setuptools.package-data]", 1)
    assert len(section) == 2 and "player.js" in section[1] and "player.css" in section[1], (
        "pyproject.toml must list the player's assets as package data so that wheels carry them"
    )


def test_two_neuron_labels_are_in_the_picture(renderer, tmp_path):
    svg = viz.player(two_neuron_net()["E"]).svg()
    titles_and_texts = set(re.findall(r">([^<>]+)</text>", svg))
    for label in ("i_l", "w_l", "p_l", "o_l", "w_r", "p_r", "o_r", "E"):
        assert label in titles_and_texts


@pytest.mark.parametrize(
    "module_name", ["tinygrad_edu.viz.steps", "tinygrad_edu.viz.player", "tinygrad_edu.ops", "tinygrad_edu.engine"]
)
def test_the_docstring_examples_run(module_name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module_name))
    assert result.attempted > 0 and result.failed == 0


def test_backward_steps_raise_where_backward_would_overflow():
    from tinygrad_edu.viz import backward_steps

    x = Value(1.0, label="x")
    y = x * 1e-300 * 1e300 * 1e300
    with pytest.raises(OverflowError, match="backward: the gradient of .* came out as inf"):
        backward_steps(y)
