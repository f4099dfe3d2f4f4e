"""grad() and gradients() never write to the graph: many threads on one shared graph get
the single-threaded answer, and a real Ctrl-C (SIGINT) at any moment leaves every node
as it was."""

import os
import signal
import sys
import threading
import time

import pytest

from tinygrad_edu import MLP, Value
from tinygrad_edu.engine import grad, gradients, topological_order
from tinygrad_edu.nn import mse
from tinygrad_edu.ops import Op

THREADS = 8
CALLS_PER_THREAD = 5


def shared_graph():
    """A small MLP's loss on a few points: every op kind of a training step, leaves reused."""
    model = MLP(2, [4, 4, 1], seed=3)
    points = [[0.5, -1.0], [1.5, 0.25], [-0.7, 0.9]]
    loss = mse([model(x) for x in points], [1.0, 0.0, 1.0]) + model.parameters()[0].tanh()
    return loss, model.parameters()


def snapshot(root):
    """Everything a node holds, for every node: its number, gradient, label and origin."""
    return [(node, node.data, node.grad, node.label, node.origin) for node in topological_order(root)]


@pytest.fixture
def fast_switching():
    """Threads switch every 10 microseconds, so that their calls interleave finely."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def run_threads(work):
    results, errors = [], []

    def worker():
        try:
            for _ in range(CALLS_PER_THREAD):
                results.append(work())
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == THREADS * CALLS_PER_THREAD
    return results


def test_grad_from_many_threads_on_one_graph_gives_the_single_threaded_answer(fast_switching):
    loss, params = shared_graph()
    for p in params:
        p.grad = 0.25  # gradients someone is accumulating: grad() must not touch them
    before = snapshot(loss)
    expected = grad(loss, params)
    results = run_threads(lambda: grad(loss, params))
    assert all(result == expected for result in results)  # 40 calls, each exactly the answer
    assert snapshot(loss) == before


def test_create_graph_from_many_threads_leaves_no_value_in_the_graph(fast_switching):
    loss, params = shared_graph()
    before = snapshot(loss)
    expected = [g.data for g in grad(loss, params, create_graph=True)]
    results = run_threads(lambda: [g.data for g in grad(loss, params, create_graph=True)])
    assert all(result == expected for result in results)
    assert snapshot(loss) == before
    assert all(type(local) is float for *_, origin in before for local in origin.local_grads if local is not None)


def test_backward_in_one_thread_while_others_call_grad(fast_switching):
    loss, params = shared_graph()
    expected = grad(loss, params)
    stop = threading.Event()

    def train():
        while not stop.is_set():
            loss.backward()  # writes .grad; grad() reads only data and local derivatives

    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        results = run_threads(lambda: grad(loss, params))
    finally:
        stop.set()
        trainer.join()
    assert all(result == expected for result in results)


def interrupted(call, moments):
    """Run `call` `moments` times, with a real SIGINT sent from a timer thread at a different
    fraction of its running time each time; return how many calls the signal interrupted."""
    durations = []
    for _ in range(2):  # the quicker of two calls: later calls may be quicker than the first
        started = time.perf_counter()
        call()
        durations.append(time.perf_counter() - started)
    duration = 0.8 * min(durations)
    hits = 0
    for k in range(1, moments + 1):
        timer = threading.Timer(duration * k / (moments + 1), os.kill, (os.getpid(), signal.SIGINT))
        finished = False
        try:
            timer.start()
            call()
            finished = True
            time.sleep(duration + 0.1)  # a signal still on its way arrives here, not later
        except KeyboardInterrupt:
            hits += 0 if finished else 1
        finally:
            timer.join()
    return hits


def deep_graph():
    x = Value(0.3, label="x")
    h = x
    for i in range(20_000):
        h = (h * 0.999 + x).tanh() if i % 2 else h + x * x
    return h, x


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_ctrl_c_at_any_moment_of_grad_changes_no_node(create_graph):
    y, x = deep_graph()
    x.grad = 1.5
    before = snapshot(y)
    hits = 0
    for _ in range(5):  # rounds of 12 calls until two were really interrupted: on a busy
        hits += interrupted(lambda: grad(y, [x], create_graph=create_graph), moments=12)
        if hits >= 2:  # machine a timer may fire late, after its call has ended
            break
    assert hits >= 2
    assert snapshot(y) == before


def test_a_ctrl_c_from_inside_a_rule_under_create_graph_changes_no_node():
    class Interrupting(Op):
        """2a; its rule sends SIGINT when it runs on Values (under create_graph)."""

        name = "interrupting"

        def forward(self, a):
            return 2 * a

        def local_grads(self, out, a):
            if isinstance(a, Value):
                os.kill(os.getpid(), signal.SIGINT)
            return (2.0,)

    x = Value(1.25, label="x")
    y = (Interrupting()(x * x) + x).exp()
    before = snapshot(y)
    for _ in range(10):
        with pytest.raises(KeyboardInterrupt):
            gradients(y, create_graph=True)
        assert snapshot(y) == before
