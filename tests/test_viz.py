"""Graph pictures: the DOT text (nodes, derivatives on edges, escaping, determinism) and
real rendering to SVG and PNG with whatever renderer `viz` finds.

Rendering tests need a Graphviz-compatible program. graphviz-pure is a dependency,
so a normal install has one. Without one these tests are skipped with a reason,
except in CI (CI=true), where a missing renderer is a failure.
"""

import os
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import skip_or_fail_in_ci

from tinygrad_edu import Value
from tinygrad_edu.explain import paths
from tinygrad_edu.viz import (
    DOT_ENV_VAR,
    Drawing,
    LargeGraphWarning,
    RendererNotFound,
    RenderError,
    draw_dot,
    find_renderer,
    to_dot,
)
from tinygrad_edu.viz import drawing as drawing_module
from tinygrad_edu.viz import renderer as render_chain
from tinygrad_edu.viz.dot import HIGHLIGHT_COLOR

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
posix_only = pytest.mark.skipif(os.name != "posix", reason="uses a /bin/sh script as a stand-in renderer")


# ----- reading DOT text back -------------------------------------------------------------------

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?\s*$")
_NODE = re.compile(r"^\s*(\w+) \[(.*)\]\s*$")


def _attrs(text):
    found = {}
    for key, value in _ATTR.findall(text or ""):
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        found[key] = value
    return found


def parse_dot(source):
    """(nodes, edges): {name: attrs} and [(tail, head, attrs)] in source order."""
    nodes, edges = {}, []
    for line in source.splitlines():
        edge = _EDGE.match(line)
        if edge:
            edges.append((edge.group(1), edge.group(2), _attrs(edge.group(3))))
            continue
        node = _NODE.match(line)
        if node and node.group(1) not in ("graph", "node", "edge"):
            nodes[node.group(1)] = _attrs(node.group(2))
    return nodes, edges


def _edge_label(attrs):
    """An edge's label without the spaces that pad it off its edge (None: no label)."""
    label = attrs.get("label")
    return None if label is None else label.strip()


def small_graph():
    """d = a*b + a with a = 2, b = -3: the derivative on a -> * is b, on b -> * is a."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b).named("c")
    d = (c + a).named("d")
    d.backward()
    return a, b, c, d


# ----- the DOT source ---------------------------------------------------------------------------


def test_one_record_per_value_and_one_oval_per_operation():
    *_, d = small_graph()
    nodes, _ = parse_dot(to_dot(d))
    # topological order: a, b, c (a*b), d (c+a); ops are named after the node they make
    assert nodes["v0"]["label"] == "a | data 2 | grad -2"
    assert nodes["v1"]["label"] == "b | data -3 | grad 2"
    assert nodes["v2"]["label"] == "c | data -6 | grad 1"
    assert nodes["v3"]["label"] == "d | data -4 | grad 1"
    assert all(nodes[f"v{i}"]["shape"] == "record" for i in range(4))
    assert nodes["op2"]["label"] == "*" and nodes["op3"]["label"] == "+"
    assert nodes["op2"]["shape"] == "ellipse"
    assert "op0" not in nodes and "op1" not in nodes  # leaves have no operation


def test_each_edge_into_an_operation_carries_the_local_derivative():
    *_, d = small_graph()
    _, edges = parse_dot(to_dot(d))
    labelled = [(tail, head, _edge_label(attrs)) for tail, head, attrs in edges]
    assert labelled == [
        ("v0", "op2", "-3"),  # d(a*b)/da = b
        ("v1", "op2", "2"),  # d(a*b)/db = a
        ("op2", "v2", None),  # the operation's result
        ("v2", "op3", "1"),
        ("v0", "op3", "1"),
        ("op3", "v3", None),
    ]


def test_a_value_used_twice_gets_two_labelled_edges():
    a = Value(3.0, label="a")
    y = a * a
    _, edges = parse_dot(to_dot(y))
    labelled = [(tail, head, _edge_label(attrs)) for tail, head, attrs in edges]
    assert labelled == [("v0", "op1", "3"), ("v0", "op1", "3"), ("op1", "v1", None)]


def test_edge_labels_can_be_left_off():
    *_, d = small_graph()
    _, edges = parse_dot(to_dot(d, edge_labels=False))
    assert len(edges) == 6 and all("label" not in attrs for _, _, attrs in edges)


def test_number_operands_are_shown_in_the_operation_on_their_side():
    x = Value(5.0, label="x")
    for expression, text in [
        (x * 2, "* 2"),
        (2 * x, "2 *"),
        (x - 1, "- 1"),
        (1 - x, "1 -"),
        (x**2, "** 2"),
        (2**x, "2 **"),
        (3 / x, "3 /"),
    ]:
        nodes, edges = parse_dot(to_dot(expression))
        assert nodes["op1"]["label"] == text
        assert len(edges) == 2  # x -> op, op -> result: the number is not a node


def test_number_format_string_and_function():
    x = Value(2.0, label="x")
    y = x * 0.123456
    nodes, edges = parse_dot(to_dot(y, number_format="{:.2f}"))
    assert nodes["v0"]["label"] == "x | data 2.00 | grad 0.00"
    assert _edge_label(edges[0][2]) == "0.12"
    nodes, _ = parse_dot(to_dot(y, number_format=lambda v: f"<{v:g}>"))
    assert nodes["v0"]["label"] == r"x | data \<2\> | grad \<0\>"  # record characters escaped
    with pytest.raises(ValueError, match="number_format"):
        to_dot(y, number_format="{:d}")


def test_same_graph_gives_identical_source():
    first = to_dot(small_graph()[-1])
    second = to_dot(small_graph()[-1])  # new objects, same graph
    assert first == second
    root = small_graph()[-1]
    assert to_dot(root) == to_dot(root)


def test_rankdir_left_to_right_by_default_or_top_down():
    *_, d = small_graph()
    assert "rankdir=LR" in to_dot(d)
    source = to_dot(d, rankdir="TB")
    assert "rankdir=TB" in source
    # Fields run across the rank direction; braces turn them, so that the boxes
    # look the same (stacked, or side by side) whichever way the graph runs.
    assert parse_dot(source)[0]["v0"]["label"] == "{ a | data 2 | grad -2 }"
    assert parse_dot(to_dot(d, stacked=False))[0]["v0"]["label"] == "{ a | data 2 | grad -2 }"
    assert parse_dot(to_dot(d, rankdir="TB", stacked=False))[0]["v0"]["label"] == "a | data 2 | grad -2"
    with pytest.raises(ValueError, match="rankdir"):
        to_dot(d, rankdir="sideways")


def test_edge_labels_are_padded_off_their_edges():
    a = Value(3.0, label="a")
    _, edges = parse_dot(to_dot(a * 2))
    assert edges[0][2]["label"] == " 2 "


WEIRD_LABELS = [
    'a|b {c} <d> "e"',
    "back\\slash \\n \\l and trailing\\",
    "σ(x) → λ, ü",
    '"',
    "<<html>>",
]


@pytest.mark.parametrize("label", WEIRD_LABELS)
def test_labels_are_escaped_in_records(label):
    x = Value(1.0, label=label)
    nodes, _ = parse_dot(to_dot(x * 2))
    field = nodes["v0"]["label"].split(" | data")[0]
    # Undo the record escapes: what remains must be the label itself.
    assert re.sub(r"\\(.)", r"\1", field) == label
    assert not re.search(r"(?<!\\)[|{}<>]", field), f"unescaped record character in {field!r}"


def test_line_breaks_in_labels_become_dot_line_breaks():
    source = to_dot(Value(1.0, label="first\nsecond"))
    assert "first\\nsecond" in source and "first\nsecond" not in source


def test_highlight_a_path_from_explain():
    a = Value(3.0, label="a")
    y = (a * a).named("y")
    second = paths(y, a)[1]  # through the right operand
    _, edges = parse_dot(to_dot(y, highlight=second))
    coloured = [("color" in attrs) for _, _, attrs in edges]
    assert coloured == [False, True, True]  # the left use stays plain
    nodes, _ = parse_dot(to_dot(y, highlight=second))
    assert nodes["v0"]["color"] == nodes["v1"]["color"] == nodes["op1"]["color"] == HIGHLIGHT_COLOR


def test_highlight_a_list_of_values():
    a, b, c, d = small_graph()
    nodes, edges = parse_dot(to_dot(d, highlight=[b, c, d]))
    lit_nodes = {name for name, attrs in nodes.items() if "color" in attrs}
    assert lit_nodes == {"v1", "v2", "v3", "op2", "op3"}
    lit_edges = [(t, h) for t, h, attrs in edges if "color" in attrs]
    assert lit_edges == [("v1", "op2"), ("op2", "v2"), ("v2", "op3"), ("op3", "v3")]


def test_highlight_rejects_nodes_outside_the_graph():
    *_, d = small_graph()
    with pytest.raises(ValueError, match="not part of the graph"):
        to_dot(d, highlight=[Value(1.0), d])
    with pytest.raises(TypeError, match="path of Values"):
        to_dot(d, highlight=[1.0, d])


def test_large_graph_warns_and_says_how_to_draw_a_part():
    x = Value(0.1, label="x")
    y = x
    for _ in range(300):
        y = (y * 1.0).tanh()  # 601 Values
    with pytest.warns(LargeGraphWarning, match="intermediate node as root") as record:
        to_dot(y)
    assert record[0].filename == __file__  # points at the caller, not at viz.py
    with pytest.warns(LargeGraphWarning):
        draw_dot(y)


def test_to_dot_needs_a_value():
    with pytest.raises(TypeError, match="root must be a Value"):
        to_dot(3.0)


def test_draw_dot_checks_the_format_and_renders_lazily(monkeypatch):
    with pytest.raises(ValueError, match="'svg' or 'png'"):
        draw_dot(Value(1.0), format="pdf")
    # Building a Drawing runs nothing, so it works with no renderer at all.
    monkeypatch.setattr(render_chain, "_locate", lambda name: None)
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)
    drawing = draw_dot(small_graph()[-1])
    assert isinstance(drawing, Drawing) and drawing.source.startswith("digraph")


# ----- finding the renderer, and failing clearly -----------------------------------------------


def test_no_renderer_raises_one_error_listing_the_remedies(monkeypatch):
    monkeypatch.setattr(render_chain, "_locate", lambda name: None)
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)
    drawing = draw_dot(small_graph()[-1])
    with pytest.raises(RendererNotFound) as error:
        drawing.svg()
    message = str(error.value)
    assert "pip install graphviz-pure" in message
    assert "apt install graphviz" in message
    assert DOT_ENV_VAR in message
    assert isinstance(error.value, RuntimeError)
    with pytest.raises(RendererNotFound):
        find_renderer()


def test_jupyter_shows_the_dot_source_as_text_when_nothing_can_render(monkeypatch):
    monkeypatch.setattr(render_chain, "_locate", lambda name: None)
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)
    drawing = draw_dot(small_graph()[-1])
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert drawing.source in bundle["text/plain"]


def test_env_var_pointing_nowhere_is_an_error_not_a_silent_fallback(monkeypatch, tmp_path):
    # The setting is explicit, so it is not overridden by a renderer found elsewhere:
    # the user learns the path is wrong.
    missing = tmp_path / "no" / "dot"
    monkeypatch.setenv(DOT_ENV_VAR, str(missing))
    with pytest.raises(RendererNotFound) as error:
        draw_dot(Value(1.0)).svg()
    message = str(error.value)
    assert DOT_ENV_VAR in message and str(missing) in message
    assert "pip install graphviz-pure" in message


def _script(tmp_path, name, body):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


@posix_only
def test_env_var_renderer_that_fails_reports_its_exit_code_and_message(monkeypatch, tmp_path):
    broken = _script(tmp_path, "broken-dot", "echo 'Format: svg not recognized' >&2\nexit 3")
    monkeypatch.setenv(DOT_ENV_VAR, broken)
    with pytest.raises(RenderError) as error:
        draw_dot(Value(1.0)).svg()
    assert "exit code 3" in str(error.value) and "not recognized" in str(error.value)
    assert not isinstance(error.value, RendererNotFound)


@posix_only
def test_a_broken_system_dot_falls_through_to_graphviz_pure(monkeypatch, tmp_path, renderer):
    marker = tmp_path / "called"
    broken = _script(tmp_path, "dot", f"touch '{marker}'\nexit 1")
    real_locate = render_chain._locate
    monkeypatch.setattr(render_chain, "_locate", lambda name: broken if name == "dot" else real_locate(name))
    if real_locate("graphviz-pure") is None:
        pytest.skip("graphviz-pure is not installed (only another renderer is)")
    svg = draw_dot(small_graph()[-1]).svg()
    assert marker.exists()  # the system dot was tried first
    assert "<svg" in svg


@posix_only
def test_a_renderer_that_hangs_is_stopped_by_the_timeout(monkeypatch, tmp_path):
    monkeypatch.setenv(DOT_ENV_VAR, _script(tmp_path, "slow-dot", "exec sleep 30"))
    drawing = draw_dot(Value(1.0), timeout=0.5)
    with pytest.raises(RenderError, match="took more than 0.5 s"):
        drawing.svg()


def test_env_var_selects_the_renderer(monkeypatch, renderer):
    monkeypatch.setenv(DOT_ENV_VAR, renderer)
    assert find_renderer() == renderer
    assert "<svg" in draw_dot(Value(1.0)).svg()


def test_graphviz_pure_is_found_where_pip_puts_commands_even_off_path(monkeypatch, tmp_path):
    in_scripts = [d for d in render_chain._script_dirs() if os.path.exists(os.path.join(d, "graphviz-pure"))]
    if not in_scripts:
        pytest.skip("graphviz-pure is not installed in this interpreter's scripts directory")
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with nothing on it
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)
    assert render_chain._locate("graphviz-pure") == os.path.join(in_scripts[0], "graphviz-pure")
    assert find_renderer() == os.path.join(in_scripts[0], "graphviz-pure")


# ----- real rendering ----------------------------------------------------------------------------


def _groups(svg_text, kind):
    root = ET.fromstring(svg_text)
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def _texts(group):
    return ["".join(t.itertext()) for t in group.iter(f"{SVG}text")]


def test_svg_has_every_node_edge_and_derivative(renderer):
    *_, d = small_graph()
    svg = draw_dot(d).svg()
    nodes, edges = _groups(svg, "node"), _groups(svg, "edge")
    assert len(nodes) == 4 + 2  # four Values, two operations
    assert len(edges) == 6
    edge_labels = sorted(text.strip() for edge in edges for text in _texts(edge))
    assert edge_labels == ["-3", "1", "1", "2"]
    node_texts = [text for node in nodes for text in _texts(node)]
    for expected in ("a", "data 2", "grad -2", "c", "data -6", "*", "+"):
        assert expected in node_texts


def test_svg_of_a_value_used_twice_draws_both_edges(renderer):
    a = Value(3.0, label="a")
    svg = draw_dot(a * a).svg()
    edges = _groups(svg, "edge")
    assert len(edges) == 3
    assert sorted(t.strip() for e in edges for t in _texts(e)) == ["3", "3"]


@pytest.mark.parametrize("label", WEIRD_LABELS)
def test_weird_labels_survive_rendering(renderer, label):
    svg = draw_dot(Value(1.0, label=label) * 2).svg()
    texts = [t for node in _groups(svg, "node") for t in _texts(node)]
    assert label in texts


def test_png_bytes(renderer):
    drawing = draw_dot(small_graph()[-1], format="png")
    png = drawing.png()
    assert png.startswith(PNG_SIGNATURE)
    assert drawing._repr_mimebundle_() == {"image/png": png}


def test_jupyter_gets_svg(renderer):
    drawing = draw_dot(small_graph()[-1])
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert _groups(bundle["image/svg+xml"], "node")


def test_save_picks_the_format_from_the_suffix(renderer, tmp_path):
    drawing = draw_dot(small_graph()[-1])
    svg_path = drawing.save(tmp_path / "g.svg")
    png_path = drawing.save(str(tmp_path / "g.PNG"))
    dot_path = drawing.save(tmp_path / "g.dot")
    assert ET.parse(svg_path).getroot().tag == f"{SVG}svg"
    assert png_path.read_bytes().startswith(PNG_SIGNATURE)
    assert dot_path.read_text(encoding="utf-8") == drawing.source
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.dot"):
        drawing.save(tmp_path / "g.jpeg")


def test_highlighted_path_is_coloured_in_the_svg(renderer):
    a = Value(3.0, label="a")
    y = (a * a).named("y")
    svg = draw_dot(y, highlight=paths(y, a)[0]).svg()
    coloured = [e for e in _groups(svg, "edge") if HIGHLIGHT_COLOR in ET.tostring(e, encoding="unicode")]
    assert len(coloured) == 2  # one of the two uses of a, and the op -> y edge


def test_render_is_done_once_per_format(renderer, monkeypatch):
    drawing = draw_dot(small_graph()[-1])
    first = drawing.svg()
    monkeypatch.setattr(drawing_module, "render", lambda *args: pytest.fail("rendered twice"))
    assert drawing.svg() == first
    assert drawing._repr_mimebundle_()["image/svg+xml"] == first


def test_mlp_loss_graph_renders(renderer):
    from tinygrad_edu import MLP
    from tinygrad_edu.nn import squared_error

    model = MLP(2, [2, 1], seed=0)
    loss = squared_error(model([1.0, -0.5]), 1.0)
    loss.backward()
    svg = draw_dot(loss).svg()
    _, edges = parse_dot(to_dot(loss))
    assert len(_groups(svg, "edge")) == len(edges)


# ----- graphviz's own API: draw_dot gives a graphviz.Digraph -------------------------------------


def lecture_graph():
    """The lecture's first expression, L = (a*b + c) * f, named with `.label = ...`."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    return L


def test_draw_dot_is_a_graphviz_digraph_with_our_source():
    import graphviz

    L = lecture_graph()
    drawing = draw_dot(L, timeout=7)
    assert isinstance(drawing, graphviz.Digraph) and isinstance(drawing, Drawing)
    assert drawing.source == to_dot(L)
    assert drawing.format == "svg" and draw_dot(L, format="png").format == "png"
    copy = drawing.copy()
    assert type(copy) is Drawing and copy.source == drawing.source and copy.timeout == 7


@pytest.fixture
def no_dot_on_path(monkeypatch, tmp_path):
    """A PATH with nothing on it, so only a renderer in pip's scripts directory can draw."""
    import shutil

    in_scripts = [d for d in render_chain._script_dirs() if os.path.exists(os.path.join(d, "graphviz-pure"))]
    if not in_scripts:
        skip_or_fail_in_ci("graphviz-pure is not installed in this interpreter's scripts directory")
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)
    assert shutil.which("dot") is None
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def test_graphviz_render_pipe_and_view_work_with_no_dot_on_path(no_dot_on_path, monkeypatch):
    import graphviz

    drawing = draw_dot(lecture_graph())
    assert drawing.render("gout", format="svg") == "gout.svg"  # micrograd's notebook call
    assert (no_dot_on_path / "gout").read_text(encoding="utf-8") == drawing.source
    svg_root = ET.parse(no_dot_on_path / "gout.svg").getroot()
    assert svg_root.tag == f"{SVG}svg"
    assert "data -8" in [t for g in _groups(ET.tostring(svg_root, encoding="unicode"), "node") for t in _texts(g)]

    assert ET.fromstring(drawing.pipe()).tag == f"{SVG}svg"  # the drawing's format, svg
    assert drawing.pipe(format="png").startswith(PNG_SIGNATURE)
    assert drawing.pipe(encoding="utf-8") == drawing.svg()

    opened = []
    monkeypatch.setattr(graphviz, "view", lambda path, quiet=False: opened.append(os.fspath(path)))
    assert drawing.view("shown") == "shown.svg"
    assert opened == ["shown.svg"] and (no_dot_on_path / "shown.svg").exists()


def test_render_outfile_directory_and_cleanup(renderer, tmp_path):
    drawing = draw_dot(lecture_graph())
    out = drawing.render(outfile=tmp_path / "picture.png")  # the format comes from the suffix
    assert out == os.fspath(tmp_path / "picture.png")
    assert (tmp_path / "picture.png").read_bytes().startswith(PNG_SIGNATURE)
    assert (tmp_path / "picture.gv").read_text(encoding="utf-8") == drawing.source
    out = drawing.render("graph", directory=tmp_path / "sub", format="png", cleanup=True)
    assert out == os.fspath(tmp_path / "sub" / "graph.png")
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["graph.png"]  # the source was cleaned up
    with pytest.raises(ValueError, match="unknown format 'jpeg2000'"):
        drawing.render(tmp_path / "x", format="jpeg2000")


def test_a_failed_render_leaves_no_files(monkeypatch, tmp_path):
    monkeypatch.setattr(render_chain, "_locate", lambda name: None)
    monkeypatch.delenv(DOT_ENV_VAR, raising=False)
    drawing = draw_dot(lecture_graph())
    with pytest.raises(RendererNotFound, match="pip install graphviz-pure"):
        drawing.render(tmp_path / "gout", format="svg")
    with pytest.raises(RendererNotFound):
        drawing.pipe()
    assert list(tmp_path.iterdir()) == []


def test_additions_made_with_graphviz_methods_are_drawn(renderer):
    drawing = draw_dot(lecture_graph())
    before = drawing.svg()
    drawing.attr(label="the lecture example")
    drawing.node("note", "a note", shape="plaintext")
    after = drawing.svg()  # the kept picture is for the old source, so this draws again
    assert after != before
    texts = [t for g in _groups(after, "node") for t in _texts(g)]
    assert "a note" in texts and "the lecture example" in after


def test_save_and_render_write_through_atomic_write(renderer, monkeypatch, tmp_path):
    written = []
    real_atomic_write = drawing_module.atomic_write

    def recording(path, data, **kwargs):
        written.append(os.path.basename(path))
        return real_atomic_write(path, data, **kwargs)

    monkeypatch.setattr(drawing_module, "atomic_write", recording)
    drawing = draw_dot(lecture_graph())
    drawing.save(tmp_path / "g.svg")
    drawing.save(tmp_path / "g.dot")
    drawing.render(tmp_path / "gout", format="svg")
    assert written == ["g.svg", "g.dot"]  # render writes its pair in one step, through atomic_write_all


def test_a_drawing_of_given_dot_text_draws_it_as_is_and_takes_additions():
    import graphviz

    text = to_dot(lecture_graph())
    drawing = Drawing(text)
    assert isinstance(drawing, graphviz.Digraph) and drawing.source == text
    drawing.node("note", "a note")
    nodes, _ = parse_dot(drawing.source)
    assert nodes["note"]["label"] == "a note" and "v6" in nodes  # added before the closing brace
    assert drawing.source.rstrip().endswith("}") and drawing.copy().source == drawing.source
    with pytest.raises(TypeError, match="DOT text"):
        Drawing(b"digraph {}")


def test_edge_labels_beside_the_arrows_use_xlabel():
    a = Value(3.0, label="a")
    y = (a * a).named("y")
    beside = to_dot(y, edge_labels="beside")
    assert "xlabel=" in beside and " label= 3 " not in beside
    assert beside.replace("xlabel=", "label=") == to_dot(y)  # the same numbers, only placed beside
