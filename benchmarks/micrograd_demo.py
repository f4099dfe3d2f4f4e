"""micrograd's moons demo, timed with micrograd and with tinygrad_edu.micrograd, in one process.

    python benchmarks/micrograd_demo.py              # 100 steps, as micrograd's demo
    python benchmarks/micrograd_demo.py --steps 10

The training loop is the one from micrograd's demo notebook: ``MLP(2, [16, 16, 1])``
on 100 two-moons points (labels -1 and +1), the SVM max-margin loss
mean(relu(1 - y * score)) plus 1e-4 times the sum of squared parameters, full-batch
SGD with the learning rate 1 - 0.9 k / 100 at step k. It runs twice from the same
``random.seed(1337)``: once with ``micrograd.engine`` / ``micrograd.nn`` and once with
``tinygrad_edu.micrograd.engine`` / ``tinygrad_edu.micrograd.nn``; nothing else
changes. The two must report the same loss at every step (up to rounding), and
the printed ratio is micrograd's time over tinygrad_edu's.

The moons come from `tinygrad_edu.data.two_moons` (micrograd's notebook uses
scikit-learn's make_moons, which this benchmark does not need).
"""

import argparse
import gc
import importlib
import math
import os
import random
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)  # this checkout's tinygrad_edu, not an installed copy

PACKAGES = ("micrograd", "tinygrad_edu.micrograd")
DEMO_POINTS = 100
DEMO_SEED = 1337


def moons():
    """The inputs (lists of two floats) and labels (-1 or +1) the demo trains on."""
    from tinygrad_edu.data import two_moons

    X, labels = two_moons(DEMO_POINTS, noise=0.1, seed=DEMO_SEED)
    return X, [2 * t - 1 for t in labels]


def train(package, steps, X, y):
    """Run the demo loop with `package`'s engine and nn for `steps` steps.
    Returns (seconds spent in the loop, the loss at every step)."""
    Value = importlib.import_module(package + ".engine").Value
    MLP = importlib.import_module(package + ".nn").MLP
    random.seed(DEMO_SEED)
    model = MLP(2, [16, 16, 1])
    losses = []
    gc.collect()
    start = time.perf_counter()
    for k in range(steps):
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        margins = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
        data_loss = sum(margins) * (1.0 / len(margins))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
    seconds = time.perf_counter() - start
    del model, inputs, scores, margins, total_loss
    gc.collect()
    return seconds, losses


def check_same_losses(micrograd_losses, our_losses):
    """The same program on the two engines: the same loss at every step, up to rounding."""
    for k, (theirs, ours) in enumerate(zip(micrograd_losses, our_losses, strict=True)):
        if not math.isclose(theirs, ours, rel_tol=1e-12, abs_tol=1e-15):
            raise AssertionError(
                f"moons demo step {k}: micrograd's loss is {theirs!r}, tinygrad_edu.micrograd's is {ours!r}"
            )


def compare(steps):
    """{package: (seconds, losses)} for both packages, micrograd first; checks the losses agree."""
    X, y = moons()
    results = {package: train(package, steps, X, y) for package in PACKAGES}
    check_same_losses(results["micrograd"][1], results["tinygrad_edu.micrograd"][1])
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (micrograd's demo: 100)")
    steps = parser.parse_args(argv).steps
    try:
        import micrograd  # noqa: F401
    except ImportError:
        sys.exit("micrograd is not installed: pip install micrograd==0.1.0")
    results = compare(steps)
    theirs, ours = results["micrograd"][0], results["tinygrad_edu.micrograd"][0]
    print(f"micrograd's moons demo, {steps} steps, {DEMO_POINTS} points, same seed, same process:")
    print(f"  micrograd               {theirs:8.2f} s")
    print(f"  tinygrad_edu.micrograd  {ours:8.2f} s")
    print(
        f"  ratio (micrograd / tinygrad_edu.micrograd): {theirs / ours:.1f}x; "
        f"final loss {results['tinygrad_edu.micrograd'][1][-1]:.6f} on both"
    )


if __name__ == "__main__":
    main()
