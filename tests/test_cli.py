"""The command line: `tinygrad-edu demo` and `python -m tinygrad_edu`."""

import io
import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import skip_or_fail_in_ci

from tinygrad_edu.__main__ import main, xor_demo
from tinygrad_edu.nn import squared_error


def test_demo_learns_xor_and_the_two_gradient_columns_agree(tmp_path, renderer):
    out = io.StringIO()
    worst = xor_demo(epochs=2000, progress=False, out=out, pictures_dir=tmp_path / "pictures")
    text = out.getvalue()
    assert worst < 1e-12
    outputs = [float(m) for m in re.findall(r"^\s+[01]\s+[01]\s+[01]\s+([0-9.]+)$", text, re.M)]
    assert len(outputs) == 4
    assert outputs[0] < 0.1 and outputs[1] > 0.9 and outputs[2] > 0.9 and outputs[3] < 0.1
    assert "epoch 2000/2000  loss" in text  # loss lines are printed even without a terminal
    assert len(re.findall(r"^    L\d\.n\d\.(w\d|b) ", text, re.M)) == 17
    assert "notebooks/" in text and "tinygrad-edu learn init" in text
    graph = tmp_path / "pictures" / "two_neuron_graph.svg"
    page = tmp_path / "pictures" / "two_neuron_backward.html"
    assert f"{graph}: the two-neuron net's graph" in text and f"{page}: open it in a browser" in text
    assert graph.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "<script" in page.read_text()
    assert not (tmp_path / "pictures" / "xor_loss_graph.svg").exists()  # the big graph is opt-in


def _svg_size_px(path):
    """(width, height) of an SVG picture at its natural size, in CSS pixels (1 pt = 4/3 px)."""
    found = re.search(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"', path.read_text())
    assert found, "the renderer writes the size in pt"
    return float(found.group(1)) * 4 / 3, float(found.group(2)) * 4 / 3


def test_the_demo_graph_fits_a_laptop_screen_and_shows_real_gradients(tmp_path, renderer):
    from tinygrad_edu.two_neuron import two_neuron_net

    xor_demo(epochs=5, progress=False, out=io.StringIO(), pictures_dir=tmp_path)
    graph = tmp_path / "two_neuron_graph.svg"
    width, height = _svg_size_px(graph)
    assert width <= 1400 and height <= 1000 - 100  # room for the browser's own bars
    text = graph.read_text().replace("&#45;", "-")  # Graphviz writes minus signs as &#45;
    net = two_neuron_net()
    net["E"].backward()
    for name in ("i_l", "w_l", "w_r", "o_l", "e", "E"):  # every grad, from backward(), is there
        assert f"grad {net[name].grad:.4g}" in text
    assert min(abs(v.grad) for v in net.values()) > 0.01  # gradients that show the flow
    for local in ("0.1779", "0.2036", "0.7685", "-1.2", "0.5"):  # the local derivatives on the arrows
        assert f"> {local} </text>" in text


def test_the_xor_graph_is_opt_in_and_drawn_before_training(tmp_path, renderer, capsys):
    from tinygrad_edu import MLP
    from tinygrad_edu.data import xor

    assert main(["demo", "--epochs", "300", "--no-progress", "--xor-graph", "--out", str(tmp_path)]) == 0
    assert "xor_loss_graph.svg: the XOR net's graph of E for that sample, before training" in capsys.readouterr().out
    text = (tmp_path / "xor_loss_graph.svg").read_text().replace("&#45;", "-")
    # The gradients of the untrained net (seed 0), not the ~1e-8 of the trained one.
    xs, ys = xor()
    model = MLP(2, [4, 1], activation="sigmoid", seed=0)
    squared_error(model(xs[3]), ys[3]).backward()
    for p in model.parameters():
        assert f"grad {p.grad:.4g}" in text
    assert "e-08" not in text


def test_wrong_arguments_get_the_usage_of_their_own_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--foo"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: tinygrad-edu demo [-h] [--epochs EPOCHS]")
    assert "tinygrad-edu demo: error: unrecognized arguments: --foo" in err


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [(["dmeo"], "'demo'"), (["lern"], "'learn'"), (["learn", "hnt"], "'hint'"), (["learn", "stauts"], "'status'")],
)
def test_a_misspelt_command_gets_a_did_you_mean(capsys, argv, suggestion):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"invalid choice: {argv[-1]!r}" in err
    assert err.rstrip().endswith(f"; did you mean {suggestion}?")


def test_no_suggestion_when_no_command_is_close(capsys):
    with pytest.raises(SystemExit):
        main(["xyzzy"])  # nothing close: no suggestion
    assert "did you mean" not in capsys.readouterr().err


def _all_parsers(parser, name="tinygrad-edu"):
    import argparse

    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _all_parsers(sub, f"{name} {sub_name}")


def test_every_help_says_what_the_command_does():
    from tinygrad_edu.__main__ import build_parser

    names = []
    for name, parser in _all_parsers(build_parser()):
        names.append(name)
        assert parser.description and len(parser.description) > 30, f"{name} --help has no description"
        assert parser.description[0].isupper() and parser.description.rstrip().endswith((".", ")")), name
    assert "tinygrad-edu demo" in names and "tinygrad-edu learn hint" in names and len(names) >= 13
    demo = dict(_all_parsers(build_parser()))["tinygrad-edu demo"].format_help()
    assert "XOR" in demo and "delta rule" in demo and "backward pass step by step" in demo


def test_demo_without_pictures_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--epochs", "10", "--no-progress", "--no-pictures"]) == 0
    assert list(tmp_path.iterdir()) == []


def test_python_dash_m_runs_the_demo(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "demo", "--epochs", "50", "--out", str(tmp_path / "pics")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "largest difference:" in result.stdout
    assert "epoch 50/50" in result.stdout
    assert (tmp_path / "pics" / "two_neuron_backward.html").exists()


def test_console_script_is_installed():
    script = shutil.which("tinygrad-edu") or shutil.which("tinygrad-edu", path=os.path.dirname(sys.executable))
    if script is None:
        skip_or_fail_in_ci("the tinygrad-edu script is not installed (pip install -e .)")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("tinygrad-edu ")


def test_bad_arguments_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--epochs", "0"])
    assert exit_info.value.code == 2
    assert "expected a positive whole number, got '0'" in capsys.readouterr().err
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
