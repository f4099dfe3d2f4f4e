"""The command line: `tinygrad-edu demo` and `python -m tinygrad_edu`."""

import io
import os
import re
import shutil
import subprocess
import sys

import pytest

from tinygrad_edu.__main__ import main, xor_demo


def test_demo_learns_xor_and_the_two_gradient_columns_agree():
    out = io.StringIO()
    worst = xor_demo(epochs=2000, progress=False, out=out)
    text = out.getvalue()
    assert worst < 1e-12
    outputs = [float(m) for m in re.findall(r"^\s+[01]\s+[01]\s+[01]\s+([0-9.]+)$", text, re.M)]
    assert len(outputs) == 4
    assert outputs[0] < 0.1 and outputs[1] > 0.9 and outputs[2] > 0.9 and outputs[3] < 0.1
    assert "epoch 2000/2000  loss" in text  # loss lines are printed even without a terminal
    assert len(re.findall(r"^    L\d\.n\d\.(w\d|b) ", text, re.M)) == 17
    assert "notebooks/" in text


def test_python_dash_m_runs_the_demo():
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "demo", "--epochs", "50"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "largest difference:" in result.stdout
    assert "epoch 50/50" in result.stdout


def test_console_script_is_installed():
    script = shutil.which("tinygrad-edu") or shutil.which("tinygrad-edu", path=os.path.dirname(sys.executable))
    if script is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true but the tinygrad-edu script is not installed")
        pytest.skip("the tinygrad-edu script is not installed (pip install -e .)")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("tinygrad-edu ")


def test_bad_arguments_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--epochs", "0"])
    assert exit_info.value.code == 2
    assert "expected a positive whole number, got '0'" in capsys.readouterr().err
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
