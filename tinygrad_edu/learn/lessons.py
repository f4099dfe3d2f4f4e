"""The learning path as data: one entry per lesson, in the order a learner takes them.

Each lesson names

* the idea it teaches (and the seed question it comes from, when there is one),
* the regions the learner writes: functions of the package whose body holds a
  ``# BEGIN LESSON n`` ... ``# END LESSON n`` block. The reference package is the
  solution; ``learn init`` replaces each block with a stub,
* its tests: the file ``lesson_tests/test_lessonNN_<slug>.py``, marked ``lessonN``,
* hints, from a gentle nudge to the explicit answer.

The order obeys one rule, checked by ``tinygrad-edu learn verify``: a lesson's tests
use only what it and earlier lessons build. Everything the package has outside the
lesson regions (tanh, log, the helpers, MLP's constructor, ...) is given, and the
learner can read it as a worked example.

This module imports nothing from the package: the lesson tests load it by file
path while they run against a learner's copy of tinygrad_edu.
"""

from dataclasses import dataclass

__all__ = ["Lesson", "LESSONS", "lesson_by_number", "marker_name", "stub_message"]


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str
    title: str
    idea: str
    seed: str  # the seed question(s) it draws on, e.g. "004", or "" when none
    regions: tuple  # (file inside tinygrad_edu/, qualified function name) pairs
    hints: tuple  # from gentle to explicit

    @property
    def marker(self):
        return marker_name(self.number)

    @property
    def test_file(self):
        return f"test_lesson{self.number:02d}_{self.slug.replace('-', '_')}.py"

    @property
    def files(self):
        seen = []
        for path, _ in self.regions:
            if path not in seen:
                seen.append(path)
        return seen


def marker_name(number):
    return f"lesson{number}"


def stub_message(lesson):
    """The text of the NotImplementedError that a stub raises."""
    return f"lesson {lesson.number}: {lesson.title} — see `tinygrad-edu learn hint`"


LESSONS = (
    Lesson(
        number=1,
        slug="add-mul",
        title="+ and *: a value and its local derivatives",
        idea=(
            "Every operation computes its result and, at the same moment, how the result "
            "moves when each input moves: d(a+b)/da = 1, d(ab)/da = b. The engine stores "
            "these numbers in the new node; backpropagation only ever multiplies them."
        ),
        seed="000",
        regions=(
            ("ops.py", "Add.forward"),
            ("ops.py", "Add.local_grads"),
            ("ops.py", "Mul.forward"),
            ("ops.py", "Mul.local_grads"),
        ),
        hints=(
            "Read Value.tanh and Value.log further down in engine.py: they are finished "
            "operations. Each one computes the output, computes d(output)/d(input), and "
            "returns _new_node(...). Your four methods follow the same pattern with two operands.",
            "_new_node(data, op, a=None, da=0.0, b=None, db=0.0, constant=None): a and b are "
            "the operands that are Values (leave one out when that operand is a plain number), "
            "da and db their local derivatives, constant the plain-number operand. For a * b "
            "the local derivatives are b.data and a.data; keywords read well, e.g. "
            "_new_node(c * self.data, \"*\", b=self, db=c, constant=c). Turn a plain number "
            "into a float with _as_real(other, \"*\"), which also rejects strings and None.",
            "For a Value on the other side, and for a plain number:\n"
            "    if isinstance(other, Value):\n"
            "        return _new_node(self.data + other.data, \"+\", self, 1.0, other, 1.0, None)\n"
            "    c = _as_real(other, \"+\")\n"
            "    return _new_node(self.data + c, \"+\", self, 1.0, None, 0.0, c)\n"
            "In __radd__ (c + a) self is the RIGHT operand:\n"
            "    c = _as_real(other, \"+\")\n"
            "    return _new_node(c + self.data, \"+\", None, 0.0, self, 1.0, c)\n"
            "__mul__ and __rmul__ are the same with \"*\" and the other operand as the local derivative "
            "(other.data for self, self.data for other, c for a number).",
        ),
    ),
    Lesson(
        number=2,
        slug="topological-order",
        title="Topological order: children before parents",
        idea=(
            "The chain rule needs d(output)/d(node) complete before it is passed on to the "
            "node's children. Listing the graph so that every node comes after everything "
            "it was computed from gives that order (read backwards)."
        ),
        seed="002",
        regions=(("engine.py", "topological_order"),),
        hints=(
            "Start from root and follow .children (or the private _a and _b slots) down to the "
            "leaves. A node may only be appended to the list once all of its children are in "
            "it. Keep a set of nodes already seen: in a*a the same child appears twice.",
            "A recursive depth-first search is the classic answer, but a chain 10,000 nodes deep "
            "exceeds Python's recursion limit (about 1,000). Use a list as an explicit stack "
            "instead. Push each node twice: once to expand it, and again, below a marker object, "
            "to append it after its children are done.",
            "    order, seen, stack = [], set(), [root]\n"
            "    while stack:\n"
            "        node = stack.pop()\n"
            "        if node is _FINISHED:           # its children are all in order now\n"
            "            order.append(stack.pop())\n"
            "            continue\n"
            "        if node in seen:\n"
            "            continue\n"
            "        seen.add(node)\n"
            "        if node._a is None and node._b is None:\n"
            "            order.append(node)          # a leaf waits for nothing\n"
            "            continue\n"
            "        stack += [node, _FINISHED]\n"
            "        # then push node._b and node._a (those that are not None)\n"
            "    return order",
        ),
    ),
    Lesson(
        number=3,
        slug="backward",
        title="backward(): the chain rule, node by node",
        idea=(
            "d(output)/d(child) = sum over the child's consumers of d(output)/d(consumer) * "
            "d(consumer)/d(child). Sweep the nodes in reverse topological order and add "
            "node.grad * local_grad into each child: paths that meet again add up."
        ),
        seed="002, 004",
        regions=(("engine.py", "Value.backward"),),
        hints=(
            "Get the order with topological_order(self). The output's own gradient is "
            "d(self)/d(self) = 1. Then walk the list backwards: by the time you reach a node, "
            "every node that used it has already passed its share down.",
            "Use +=, never =: a node used twice (a*a + a) receives a contribution from each use. "
            "Interior nodes must start at 0 on every call, but leaves keep what earlier calls "
            "gave them (that is why a second backward() doubles a leaf's gradient). A node is a "
            "leaf when node._a and node._b are both None.",
            "    order = topological_order(self)\n"
            "    for node in order:\n"
            "        if node._a is not None or node._b is not None:\n"
            "            node.grad = 0.0               # interior: start from 0\n"
            "    self.grad = 1.0\n"
            "    for node in reversed(order):\n"
            "        if node._a is not None:\n"
            "            node._a.grad += node.grad * node._da\n"
            "        if node._b is not None:\n"
            "            node._b.grad += node.grad * node._db",
        ),
    ),
    Lesson(
        number=4,
        slug="linear-approximation",
        title="The linear approximation: checking gradients by nudging",
        idea=(
            "A derivative is the slope of the best linear approximation: f(x + dx) ~ f(x) + "
            "sum_i df/dx_i dx_i. So nudging one input and watching the output estimates a "
            "gradient without the chain rule, and the error of the approximation shrinks "
            "like dx^2: a step 10x smaller gives an error about 100x smaller."
        ),
        seed="000",
        regions=(
            ("gradcheck.py", "numerical_gradient"),
            ("gradcheck.py", "linear_approximation_errors"),
        ),
        hints=(
            "numerical_gradient: for each input i, evaluate f a little above and a little below "
            "xs[i], keeping the other inputs as they are. linear_approximation_errors: compare "
            "f at x + t*d with the prediction of its tangent plane at x.",
            "Central differences: (f(x + h e_i) - f(x - h e_i)) / (2h). It is much more accurate "
            "than (f(x + h) - f(x)) / h, whose error shrinks only like h. f may return a Value: "
            "use .data then. For the tangent plane, get the gradient at x with backward() on "
            "Values, then predicted = f(x) + sum_i grad_i * t * d_i.",
            "numerical_gradient:\n"
            "    slopes = []\n"
            "    for i in range(len(xs)):\n"
            "        up, down = list(xs), list(xs)\n"
            "        up[i] += h\n"
            "        down[i] -= h\n"
            "        slopes.append((value(f(up)) - value(f(down))) / (2 * h))  # value: .data of a Value\n"
            "    return slopes\n"
            "linear_approximation_errors:\n"
            "    inputs = [Value(x) for x in xs]\n"
            "    base = f(inputs)\n"
            "    base.backward()\n"
            "    for each t in steps: moved = f([Value(x + t * d) for x, d in zip(xs, direction)]).data\n"
            "    predicted = base.data + sum(x.grad * t * d for x, d in zip(inputs, direction))\n"
            "    errors.append(abs(moved - predicted))",
        ),
    ),
    Lesson(
        number=5,
        slug="more-arithmetic",
        title="-, /, ** and negation",
        idea=(
            "More operations, the same pattern: the value and its local derivatives side by "
            "side. d(a/b)/db = -a/b^2, d(a^c)/da = c a^(c-1), d(c^b)/db = c^b ln c. Errors "
            "belong at the operation: dividing by zero raises there, not as a NaN later."
        ),
        seed="",
        regions=(
            ("ops.py", "Sub.forward"),
            ("ops.py", "Sub.local_grads"),
            ("ops.py", "Div.forward"),
            ("ops.py", "Div.local_grads"),
            ("ops.py", "Neg.forward"),
            ("ops.py", "Neg.local_grads"),
            ("ops.py", "Pow.forward"),
            ("ops.py", "Pow.local_grads"),
        ),
        hints=(
            "Write each method like __add__ and __mul__ from lesson 1: the value, the local "
            "derivative for each operand, then _new_node. The docstring above each method "
            "gives the derivatives. The helpers below the class (_check_divisor, _power, "
            "_power_slope, _check_value_exponent_base, _finite) do the error checking for you.",
            "Reuse the output where you can: for out = a / b, d/db = -out / b. For c - a the "
            "Value is the RIGHT operand: _new_node(c - self.data, \"-\", None, 0.0, self, -1.0, c). "
            "Negation has one operand and no constant: _new_node(-self.data, \"neg\", self, -1.0, "
            "None, 0.0, None). Python's own ** returns a complex number for (-8) ** (1/3); "
            "_power(base, exponent) raises ValueError instead.",
            "    # a ** c with a plain number c\n"
            "    out = _power(self.data, c)\n"
            "    return _new_node(out, \"**\", self, _power_slope(self.data, c), None, 0.0, c)\n"
            "    # a / c with a plain number c\n"
            "    _check_divisor(self.data, c)\n"
            "    return _new_node(self.data / c, \"/\", self, 1.0 / c, None, 0.0, c)\n"
            "With a Value exponent b, call _check_value_exponent_base(a, b) first; then "
            "d/db = out * math.log(a). Wrap a local derivative that could overflow (1/b for a tiny b) "
            "in _finite(local, \"/\", value).",
        ),
    ),
    Lesson(
        number=6,
        slug="exp-sigmoid",
        title="exp and the sigmoid: y(1 - y)",
        idea=(
            "The sigmoid s(x) = 1 / (1 + e^-x) has the derivative s(1 - s), written with its "
            "OUTPUT: the chain rule through 1/g, 1 + e^h and -x gives e^-x / (1 + e^-x)^2, "
            "which simplifies to y(1 - y). Its largest value is 0.25, at x = 0."
        ),
        seed="002, 004",
        regions=(("ops.py", "Exp.forward"), ("ops.py", "Exp.local_grads"), ("ops.py", "Sigmoid.forward"),
                 ("ops.py", "Sigmoid.local_grads")),
        hints=(
            "exp is its own derivative, so the local derivative of e^a is the output itself. "
            "For the sigmoid, compute y first and write the local derivative with y, as the "
            "docstring says.",
            "1 / (1 + math.exp(-a)) overflows for a = -1000 (e^1000 is too large for a float). "
            "For a < 0 use the equal form e^a / (1 + e^a), where e^a is small. exp should raise "
            "OverflowError for a > _LARGEST_EXP_INPUT (about 709.78) rather than return inf.",
            "    # exp\n"
            "    out = math.exp(a)\n"
            "    return _new_node(out, \"exp\", self, out, None, 0.0, None)\n"
            "    # sigmoid\n"
            "    if a >= 0.0:\n"
            "        s = 1.0 / (1.0 + math.exp(-a))\n"
            "    else:\n"
            "        e = math.exp(a)\n"
            "        s = e / (1.0 + e)\n"
            "    return _new_node(s, \"sigmoid\", self, s * (1.0 - s), None, 0.0, None)",
        ),
    ),
    Lesson(
        number=7,
        slug="gradient-descent",
        title="Gradient descent on a parabola",
        idea=(
            "To go downhill, step against the slope: x <- x - lr * f'(x). On f(x) = x^2 - 4x + 6 "
            "from 8 with lr 0.1 the steps are 8, 6.8, 5.84, 5.072, ... and x - 2 shrinks by 0.8 "
            "each time, towards the minimum at 2."
        ),
        seed="003",
        regions=(("optim.py", "gradient_descent"),),
        hints=(
            "Each step needs f'(x) at the current x. You have an engine that computes "
            "derivatives: make x a Value, compute f of it, and call backward().",
            "Inside the loop: point = Value(x); y = f(point); y.backward(); then point.grad is "
            "f'(x). Take the step with plain floats and append the new x to path. Use a fresh "
            "Value every step, or the leaf's gradient accumulates across steps.",
            "    for n in range(steps):\n"
            "        point = Value(x, label=\"x\")\n"
            "        f(point).backward()\n"
            "        x = x - lr * point.grad\n"
            "        path.append(x)\n"
            "(The reference also turns an overflow into a ValueError that suggests a smaller "
            "learning rate.)",
        ),
    ),
    Lesson(
        number=8,
        slug="neuron-error",
        title="A neuron and its error E = 1/2 sum (t - a)^2",
        idea=(
            "A neuron computes net = w . x + b and a = sigmoid(net); the error is "
            "E = 1/2 sum_k (t_k - a_k)^2. By the chain rule dE/dw_j = -(t - a) * a(1 - a) * x_j: "
            "three local factors, which backward() multiplies for you."
        ),
        seed="004",
        regions=(("nn.py", "Neuron.__call__"), ("nn.py", "squared_error")),
        hints=(
            "Build both with Value arithmetic only; no derivative appears in this lesson. The "
            "neuron's activation function is already chosen for you in self._apply (None means "
            "linear: return net itself).",
            "Neuron: start with z = w[0] * x[0], add the other w[i] * x[i] and then self.b. "
            "squared_error: _pairs(output, target, \"squared_error\") pairs single values or "
            "lists, and _as_value turns a plain-number output into a Value. Sum (t - a) * (t - a) "
            "over the pairs and multiply by 0.5.",
            "Neuron.__call__:\n"
            "    z = w[0] * x[0]\n"
            "    for i in range(1, len(w)):\n"
            "        z = z + w[i] * x[i]\n"
            "    z = z + self.b\n"
            "    return z if self._apply is None else self._apply(z)\n"
            "squared_error:\n"
            "    total = None\n"
            "    for a, t in _pairs(output, target, \"squared_error\"):\n"
            "        diff = t - _as_value(a, \"squared_error (output)\")\n"
            "        total = diff * diff if total is None else total + diff * diff\n"
            "    return 0.5 * total",
        ),
    ),
    Lesson(
        number=9,
        slug="two-neuron-net",
        title="Backpropagation by hand: the two-neuron net",
        idea=(
            "The classic derivation: one input, two sigmoid neurons in a row, performance "
            "P = -1/2 (d - o_r)^2. dP/dw_r = (d - o_r) o_r(1 - o_r) o_l and dP/dw_l = (d - o_r) "
            "o_r(1 - o_r) w_r o_l(1 - o_l) i_l: the left gradient reuses the right one's factors "
            "(delta_r). Your formulas must equal what your engine's backward() finds."
        ),
        seed="002",
        regions=(
            ("backprop.py", "two_neuron_forward"),
            ("backprop.py", "two_neuron_deltas"),
            ("backprop.py", "two_neuron_performance_gradients"),
        ),
        hints=(
            "This file uses plain floats only, no Value. Follow the picture in the comment above "
            "TwoNeuronForward: p_l = w_l i_l, o_l = s(p_l), p_r = w_r o_l, o_r = s(p_r). "
            "sigmoid and sigmoid_derivative_from_output are given.",
            "delta_r = o_r(1 - o_r)(d - o_r) and delta_l = o_l(1 - o_l) * w_r * delta_r. Then "
            "dP/dw_r = delta_r * o_l (the right neuron's input is o_l) and dP/dw_l = delta_l * i_l. "
            "Return the named tuples, e.g. TwoNeuronDeltas(delta_l, delta_r): mind the order.",
            "    # two_neuron_forward\n"
            "    p_l = w_l * i_l\n"
            "    o_l = sigmoid(p_l)\n"
            "    p_r = w_r * o_l\n"
            "    o_r = sigmoid(p_r)\n"
            "    return TwoNeuronForward(p_l, o_l, p_r, o_r)\n"
            "    # two_neuron_deltas\n"
            "    net = two_neuron_forward(i_l, w_l, w_r)\n"
            "    delta_r = sigmoid_derivative_from_output(net.o_r) * (d - net.o_r)\n"
            "    delta_l = sigmoid_derivative_from_output(net.o_l) * w_r * delta_r\n"
            "    return TwoNeuronDeltas(delta_l, delta_r)\n"
            "    # two_neuron_performance_gradients\n"
            "    return TwoNeuronGradients(dP_dw_l=delta_l * i_l, dP_dw_r=delta_r * o_l)",
        ),
    ),
    Lesson(
        number=10,
        slug="mlp-xor",
        title="Layers, an MLP and SGD: learning XOR",
        idea=(
            "A layer is neurons reading the same inputs; an MLP feeds each layer's outputs to "
            "the next. Training repeats: loss, zero_grad, backward, step (p <- p - lr * dE/dp). "
            "XOR needs the hidden layer: no single neuron separates it."
        ),
        seed="001",
        regions=(
            ("nn.py", "Layer.__call__"),
            ("nn.py", "MLP.__call__"),
            ("optim.py", "SGD.step"),
        ),
        hints=(
            "Layer.__call__ returns a list with one output per neuron. MLP.__call__ passes the "
            "inputs through self.layers in turn. SGD.step moves each parameter in self.params "
            "against its .grad, scaled by self.lr.",
            "MLP.__call__: turn plain numbers in x into Values first (Value(xi, label=f\"x{i}\") "
            "makes them show up in pictures), and return a single Value, not a list of one, when "
            "the last layer has one neuron. SGD with momentum keeps one velocity per parameter in "
            "self.velocity: v = momentum * v + grad, then p.data -= lr * v (v is the gradient "
            "when momentum is 0).",
            "    # Layer.__call__\n"
            "    return [neuron(x) for neuron in self.neurons]\n"
            "    # MLP.__call__\n"
            "    activations = [xi if isinstance(xi, Value) else Value(xi, label=f\"x{i}\") for i, xi in enumerate(x)]\n"
            "    for layer in self.layers:\n"
            "        activations = layer(activations)\n"
            "    return activations[0] if len(activations) == 1 else activations\n"
            "    # SGD.step\n"
            "    for i, p in enumerate(self.params):\n"
            "        v = self.momentum * self.velocity[i] + p.grad\n"
            "        self.velocity[i] = v\n"
            "        p.data -= self.lr * v",
        ),
    ),
    Lesson(
        number=11,
        slug="saturation-relu",
        title="Saturation, and why ReLU",
        idea=(
            "Far from 0 the sigmoid is flat: sigmoid'(10) is about 4.54e-5, and each sigmoid a "
            "gradient passes through multiplies it by at most 0.25, so k of them give at most "
            "0.25^k. ReLU's derivative is exactly 1 for a positive input (0 for a negative one), "
            "so a gradient passes through it unchanged."
        ),
        seed="003",
        regions=(("ops.py", "Relu.forward"), ("ops.py", "Relu.local_grads")),
        hints=(
            "relu(a) = max(0, a). Its local derivative is a step: 1 where the output follows the "
            "input, 0 where the output is stuck at 0.",
            "Use the same _new_node call as the other one-operand operations (exp, tanh), with "
            "op \"relu\". At exactly a = 0 the derivative is taken as 0 (the reference's choice).",
            "    a = self.data\n"
            "    if a > 0.0:\n"
            "        return _new_node(a, \"relu\", self, 1.0, None, 0.0, None)\n"
            "    return _new_node(0.0, \"relu\", self, 0.0, None, 0.0, None)",
        ),
    ),
)


def lesson_by_number(number):
    """The lesson with this number, or ValueError listing the valid numbers."""
    for lesson in LESSONS:
        if lesson.number == number:
            return lesson
    raise ValueError(f"there is no lesson {number!r}; the lessons are 1 to {len(LESSONS)}")
