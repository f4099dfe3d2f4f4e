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
    graph = tmp_path / "pictures" / "xor_loss_graph.svg"
    page = tmp_path / "pictures" / "two_neuron_backward.html"
    assert f"{graph}: the graph of E" in text and f"{page}: open it in a browser" in text
    assert graph.read_text().lstrip().startswith(("<?xml", "<svg"))
    assert "<script" in page.read_text()


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
