"""The learning path as data: one entry per lesson, in the order a learner takes them.

Each lesson names

* the idea it teaches (and the seed question it comes from, when there is one),
* the regions the learner writes: functions of the package whose body holds a
  ``# BEGIN LESSON n`` ... ``# END LESSON n`` block. The reference package is the
  solution; ``learn init`` replaces each block with a stub,
* its tests: the file ``lesson_tests/test_lessonNN_<slug>.py``, marked ``lessonN``,
* three hints: the idea, where to look, and the shape of the code with blanks
  (``____``). No hint holds a line of the solution (``learn verify`` checks it);
  the solution itself comes only from ``learn solution N --reveal``,
* the notebook(s) that show the same idea (``notebooks/NN_name.ipynb``).

A challenge lesson (optional, the last) writes no new region: its tests ask more of
code written in an earlier lesson (``revisits``), and ``counterexample`` is a version
of that code that passes the earlier lesson but not the challenge.

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
    regions: tuple[tuple[str, str], ...]  # (file inside tinygrad_edu/, qualified function name) pairs
    hints: tuple[str, ...]  # three levels: the idea, where to look, the shape of the code with blanks (____)
    notebooks: tuple[str, ...] = ()  # the notebooks that show the idea (file names in notebooks/, no .ipynb)
    challenge: bool = False  # optional: the path is done without it
    # (lesson, file, function) of the earlier regions a challenge asks more of
    revisits: tuple[tuple[int, str, str], ...] = ()
    counterexample: str = ""  # a body for the revisited region that passes its lesson, not the challenge

    @property
    def marker(self) -> str:
        return marker_name(self.number)

    @property
    def test_file(self) -> str:
        return f"test_lesson{self.number:02d}_{self.slug.replace('-', '_')}.py"

    @property
    def files(self) -> list[str]:
        seen: list[str] = []
        for path, _ in self.regions:
            if path not in seen:
                seen.append(path)
        return seen


def marker_name(number: int) -> str:
    return f"lesson{number}"


def stub_message(lesson: Lesson) -> str:
    """The text of the NotImplementedError that a stub raises."""
    return f"lesson {lesson.number}: {lesson.title} — see `tinygrad-edu learn hint`"


LESSONS = (
    Lesson(
        number=1,
        slug="add-mul",
        title="A local derivative",
        idea=(
            "An operation's rule has two halves: its value, and how that value moves when one "
            "operand moves a little while the others stay put: the local derivatives. If a "
            "grows by h, a + b grows by h, so d(a+b)/da = 1; how far does a * b move? Every node "
            "stores these numbers; backpropagation only multiplies and adds them."
        ),
        seed="000",
        regions=(
            ("ops.py", "Add.forward"),
            ("ops.py", "Add.local_grads"),
            ("ops.py", "Mul.forward"),
            ("ops.py", "Mul.local_grads"),
        ),
        hints=(
            "Think of nudging: hold b still, move a by a tiny h, and ask how far the result "
            "moves, per unit of h. That ratio is d(result)/da. Do the same for b. For a sum "
            "the answer does not depend on a or b at all; for a product it does.",
            "tinygrad_edu/ops.py, the classes Add and Mul. Read Log further down: it is a "
            "finished rule. forward gets the operands' numbers and returns the value; "
            "local_grads gets the value (out) and the same numbers, and returns a tuple with one "
            "derivative per operand, in operand order. Making the node, and plain numbers on "
            "either side, are handled for you.",
            "Each method is one line:\n"
            "    def forward(self, a, b):\n"
            "        return ____                # the value\n"
            "    def local_grads(self, out, a, b):\n"
            "        return ____, ____          # d(out)/da, d(out)/db\n"
            "For Mul, the first blank is how much a * b moves per unit move of a.",
        ),
        notebooks=("01_linear_approximation",),
    ),
    Lesson(
        number=2,
        slug="more-local-derivatives",
        title="More local derivatives",
        idea=(
            "The same two halves for a - b, -a, a / b and a ** b. Subtraction is one node with "
            "local derivatives (1, -1); micrograd builds it as a + (-b), which gives the same "
            "gradient with one node more. For a / b, moving b moves the result by -a / b^2 "
            "per unit, which is -out / b: rules may reuse the value they computed."
        ),
        seed="000",
        regions=(
            ("ops.py", "Sub.forward"),
            ("ops.py", "Sub.local_grads"),
            ("ops.py", "Neg.forward"),
            ("ops.py", "Neg.local_grads"),
            ("ops.py", "Div.forward"),
            ("ops.py", "Div.local_grads"),
            ("ops.py", "Pow.forward"),
            ("ops.py", "Pow.local_grads"),
        ),
        hints=(
            "Nudge each operand on its own, as in lesson 1. a - b falls when b grows. -a has one "
            "operand, so one local derivative. a / b is a * (1 / b): the power rule on b^-1 "
            "gives the second derivative. Pow is x ** c with c a plain number: the power rule "
            "gives d/dx, and c, a constant, gets 0.0.",
            "tinygrad_edu/ops.py, the classes Sub, Neg, Div and Pow. An op of one operand "
            "returns a tuple of one: (x,) with the comma. The checks for dividing by zero, for "
            "impossible powers and for x^0 are above your lines and already done. (A power "
            "with a Value exponent is another op, PowByValue, put back once this lesson passes.)",
            "    return ____, ____            # Sub: d/da, d/db\n"
            "    return (____,)               # Neg: one operand, one derivative\n"
            "    return 1 / ____, -____ / ____  # Div: d/da, d/db (out is a / b)\n"
            "    return ____ * x ** (____), 0.0  # Pow: d/dx, and 0.0 for the number c\n"
            "The forward methods are the plain Python operators.",
        ),
        notebooks=("01_linear_approximation",),
    ),
    Lesson(
        number=3,
        slug="topological-order",
        title="A topological order",
        idea=(
            "The chain rule can pass d(output)/d(node) on to a node's children only once it is "
            "complete, that is once every node that uses this node has passed its share. List "
            "the graph so that each node comes after everything it was computed from; read "
            "backwards, that list is a safe order for the sweep. Any such order will do."
        ),
        seed="002",
        regions=(("engine.py", "topological_order"),),
        hints=(
            "A node may join the list only after all of its children have. Visiting the "
            "children first and appending the node afterwards (a depth-first search) gives "
            "exactly that. A node can be reached twice (in a*a, or when two nodes use it): "
            "remember which nodes are already listed.",
            "tinygrad_edu/engine.py, topological_order. A node's operands are node.children "
            "(a tuple; a leaf has none). A set works for 'already seen': Values are hashable. "
            "A helper function defined inside topological_order that calls itself on each "
            "child is fine here (lesson 12 is about graphs too deep for that).",
            "    order, seen = [], set()\n"
            "    def visit(node):\n"
            "        if ____ in seen:\n"
            "            return\n"
            "        seen.add(____)\n"
            "        for child in ____:\n"
            "            ____\n"
            "        order.append(____)\n"
            "    visit(____)\n"
            "    return order",
        ),
        notebooks=("02_chain_rule_graph",),
    ),
    Lesson(
        number=4,
        slug="chain-rule-sweep",
        title="The chain-rule sweep",
        idea=(
            "d(output)/d(child) = sum over the child's consumers of d(output)/d(consumer) * "
            "d(consumer)/d(child). Seed the output with d(output)/d(output) = 1, then walk the "
            "topological order backwards: every node, when reached, is complete and adds "
            "grad * local derivative into each of its children. Paths that meet again add up."
        ),
        seed="002, 004",
        regions=(("engine.py", "Value.backward"),),
        hints=(
            "Three steps: every node starts at 0 (this call's sum begins empty); the output "
            "gets 1; then, from the output down, each node hands each child its gradient times "
            "the local derivative on that edge. Use +=, never =: a child used twice gets "
            "two shares.",
            "tinygrad_edu/engine.py, Value.backward: `order` (from your topological_order) is "
            "ready above your lines, and the code after them gives the leaves back what they "
            "had before the call (so two calls give twice the gradient). For one node, "
            "node.children and node.local_grads line up: zip them.",
            "    for node in ____:\n"
            "        node.grad = ____\n"
            "    self.grad = ____\n"
            "    for node in ____(order):\n"
            "        for child, local in zip(____, ____):\n"
            "            child.grad += ____ * ____",
        ),
        notebooks=("02_chain_rule_graph", "08_forward_vs_reverse_mode"),
    ),
    Lesson(
        number=5,
        slug="sigmoid-from-exp",
        title="A sigmoid from exp, + and /",
        idea=(
            "exp is its own derivative, so its rule can return the value it computed. With exp, "
            "+, / and negation the sigmoid s(x) = 1 / (1 + e^-x) needs no rule of its own: "
            "backward() through those four nodes multiplies their local derivatives into "
            "e^-x / (1 + e^-x)^2, which is y(1 - y) for y = s(x), the formula of the seeds, "
            "found by the chain rule alone."
        ),
        seed="002, 004",
        regions=(("ops.py", "Exp.forward"), ("ops.py", "Exp.local_grads"), ("nn/models.py", "composed_sigmoid")),
        hints=(
            "The slope of e^x at x is e^x itself, the value forward just computed. For the "
            "sigmoid, write the formula 1 / (1 + e^-x) with the operations you have: every "
            "operator on a Value builds a node, and a plain number on either side is fine.",
            "tinygrad_edu/ops.py, class Exp (the math module is imported there), and "
            "composed_sigmoid in tinygrad_edu/nn/models.py, where x is already a Value. A Value has an "
            "exp() method and supports unary minus.",
            "    return math.____(a)          # Exp.forward\n"
            "    return (____,)               # Exp.local_grads: which of out and a?\n"
            "    return 1 / (1 + (____).exp())  # composed_sigmoid",
        ),
        notebooks=("03_sigmoid_derivative",),
    ),
    Lesson(
        number=6,
        slug="activation-rules",
        title="Activation rules",
        idea=(
            "Written with its output, each activation's slope is short: s(1 - s) for the "
            "sigmoid (at most 0.25, at 0), 1 - t^2 for tanh, and a step for ReLU. Far from 0 "
            "the sigmoid is flat (s'(10) is about 4.54e-5) and k sigmoids in a row multiply "
            "a gradient by at most 0.25^k; ReLU passes it on unchanged (1) or not at all (0)."
        ),
        seed="003",
        regions=(("ops.py", "Sigmoid.local_grads"), ("ops.py", "Tanh.local_grads"), ("ops.py", "Relu.local_grads")),
        hints=(
            "Lesson 5 showed the sigmoid's slope is y(1 - y) with y its output; tanh's slope is "
            "1 minus the square of its output; ReLU's output follows its input where the input "
            "is positive and is stuck at 0 elsewhere, so its slope is 1 or 0 (take 0 at exactly 0).",
            "tinygrad_edu/ops.py, the classes Sigmoid, Tanh and Relu: only local_grads is yours "
            "(the values are computed for you). `out` is the output; `a` the input. Each returns "
            "a tuple of one.",
            "    return (____ * (1 - ____),)          # Sigmoid\n"
            "    return (1 - ____ * ____,)            # Tanh\n"
            "    return (1.0 if ____ > 0.0 else ____,)  # Relu",
        ),
        notebooks=("06_activation_derivatives_and_saturation",),
    ),
    Lesson(
        number=7,
        slug="two-neuron-net",
        title="The two-neuron net by hand",
        idea=(
            "One input, two sigmoid neurons in a row, performance P = -1/2 (d - o_r)^2. By the "
            "chain rule dP/dw_r is a product of three factors and dP/dw_l of five: (d - o_r), "
            "o_r(1 - o_r), w_r, o_l(1 - o_l), i_l. The left gradient reuses the right one's "
            "first two (delta_r). Your hand-derived numbers must equal what backward() finds."
        ),
        seed="002",
        regions=(
            ("backprop.py", "two_neuron_forward"),
            ("backprop.py", "two_neuron_deltas"),
            ("backprop.py", "two_neuron_performance_gradients"),
        ),
        hints=(
            "Walk the picture from the output back to each weight, one link at a time: P "
            "depends on o_r, o_r on p_r, p_r on w_r (and on o_l), o_l on p_l, p_l on w_l. Each "
            "link is one local derivative; the product along the path is the gradient. "
            "dP/do_r = d - o_r and do/dp = o(1 - o).",
            "tinygrad_edu/backprop.py, the three functions after the picture comment. Plain "
            "floats only, no Value. sigmoid and sigmoid_derivative_from_output are given; the "
            "results are named tuples (TwoNeuronForward, TwoNeuronDeltas, TwoNeuronGradients): "
            "mind the order of their fields.",
            "    p_l = ____;  o_l = sigmoid(____);  p_r = ____;  o_r = sigmoid(____)\n"
            "    delta_r = sigmoid_derivative_from_output(____) * (____ - ____)\n"
            "    delta_l = sigmoid_derivative_from_output(____) * ____ * delta_r\n"
            "    dP/dw_l = delta_l * ____,   dP/dw_r = delta_r * ____",
        ),
        notebooks=("05_two_neuron_net",),
    ),
    Lesson(
        number=8,
        slug="gradient-descent",
        title="Gradient descent",
        idea=(
            "To go downhill, step against the slope: x <- x - lr * f'(x). On f(x) = x^2 - 4x + 6 "
            "from 8 with lr 0.1 the steps are 8, 6.8, 5.84, 5.072, ... and x - 2 shrinks by the "
            "factor 0.8 each time, towards the minimum at 2. Too large a rate overshoots."
        ),
        seed="003",
        regions=(("optim.py", "gradient_descent"),),
        hints=(
            "Each step needs f'(x) at the current x, and you have an engine that computes "
            "derivatives: make the current x a Value, compute f of it, and let backward() fill "
            "in the slope. Then move x against it.",
            "tinygrad_edu/optim.py, gradient_descent: the loop, the list `path` and the "
            "checks are there; your lines run once per step and must leave the new x (a float) "
            "in x. Make a fresh Value each step: a leaf's .grad adds up across backward() calls.",
            "    point = Value(____)\n    y = f(____)\n    y.____()\n    x = x - ____ * ____",
        ),
        notebooks=("04_gradient_descent", "10_optimisation_in_2d"),
    ),
    Lesson(
        number=9,
        slug="neuron",
        title="A neuron",
        idea=(
            "A neuron computes net = w . x + b, a weighted sum of its inputs plus a bias, then "
            "its activation. Built from Values, every weight gets its gradient from backward(): "
            "for a sigmoid neuron dOut/dw_j = o(1 - o) x_j, the local factors of lessons 1 and 6."
        ),
        seed="004",
        regions=(("nn/models.py", "Neuron.__call__"),),
        hints=(
            "Multiply each input by its weight, add the products and the bias, then apply the "
            "neuron's activation. A 'linear' neuron applies nothing.",
            "tinygrad_edu/nn/models.py, Neuron.__call__: the weights are self.w (a list of Values), the "
            "bias self.b, the activation's name self.activation. ACTIVATIONS, at the top of the "
            "file, maps each name to the Value method to call. Add left to right, starting with "
            "w[0] * x[0]: the tests compare to the last bit.",
            "    z = w[0] * x[0]\n"
            "    for i in range(1, ____):\n"
            "        z = ____\n"
            "    z = ____\n"
            "    if self.activation == ____:\n"
            "        return ____\n"
            "    return ACTIVATIONS[____](____)",
        ),
        notebooks=("07_training_mlps",),
    ),
    Lesson(
        number=10,
        slug="layer-mlp",
        title="A layer and an MLP",
        idea=(
            "A layer is neurons that all read the same inputs; an MLP feeds each layer's "
            "outputs to the next. parameters() lists every weight and bias in one fixed order "
            "(layer by layer, neuron by neuron, weights then bias), the order optimisers and "
            "saved models rely on."
        ),
        seed="001",
        regions=(
            ("nn/models.py", "Layer.__call__"),
            ("nn/models.py", "Layer.parameters"),
            ("nn/models.py", "MLP.__call__"),
            ("nn/models.py", "MLP.parameters"),
        ),
        hints=(
            "A layer's output is a list: one value per neuron, each neuron reading the whole "
            "input. An MLP passes its input through its layers in turn. parameters() gathers "
            "what the parts below already list.",
            "tinygrad_edu/nn/models.py: self.neurons in Layer, self.layers in MLP; Neuron.parameters() "
            "is given. MLP.__call__ returns a single Value when the last layer has one neuron, "
            "not a list of one; plain numbers in x may become labelled Values (x0, x1, ...) "
            "so they show up in pictures.",
            "    return [____ for neuron in self.neurons]                 # Layer.__call__\n"
            "    return [p for neuron in self.neurons for p in ____]      # Layer.parameters\n"
            "    for layer in ____:                                       # MLP.__call__\n"
            "        activations = ____\n"
            "    return ____ if len(activations) == 1 else ____",
        ),
        notebooks=("09_vectorised_backprop",),
    ),
    Lesson(
        number=11,
        slug="error-training-step",
        title="The error and one training step",
        idea=(
            "The error of the seeds is E = 1/2 sum_k (t_k - a_k)^2, whose slope in a_k is "
            "a_k - t_k. Training repeats: error, zero_grad, backward, step, where SGD moves each "
            "parameter against its gradient, p <- p - lr * dE/dp (with momentum, against a "
            "running sum of gradients). A 2-2-1 sigmoid MLP then learns XOR."
        ),
        seed="001, 004",
        regions=(("nn/losses.py", "squared_error"), ("optim.py", "SGD.step")),
        hints=(
            "squared_error adds up (t - a)^2 over the output/target pairs and halves the sum; "
            "build it from Value arithmetic and backward() gives you every dE/dp. SGD.step "
            "changes each parameter's .data by a small step against its .grad.",
            "tinygrad_edu/nn/losses.py, squared_error: `pairs` holds (output, target) pairs, the "
            "outputs already Values. tinygrad_edu/optim.py, SGD.step: self.params, self.lr, "
            "self.momentum and self.velocity (one number per parameter, starting at 0). With "
            "momentum m: v = m * v + grad, then p -= lr * v (v is just the gradient when m = 0).",
            "    total = None                               # squared_error\n"
            "    for a, t in ____:\n"
            "        diff = ____\n"
            "        total = ____ if total is None else ____\n"
            "    return ____ * total\n"
            "    for i, p in enumerate(____):               # SGD.step\n"
            "        v = ____\n"
            "        ____ = v                            # remembered for the next step\n"
            "        p.data = ____",
        ),
        notebooks=("07_training_mlps",),
    ),
    Lesson(
        number=12,
        slug="deeper-than-recursion",
        title="Challenge (optional): deeper than recursion",
        idea=(
            "Python stops a recursion about 1,000 calls deep, so a recursive topological order "
            "fails on a long chain (x + 1 + 1 + ... 100,000 times), the graph a loop of "
            "updates builds. Keep the pending work in a list of your own instead of Python's "
            "call stack and any depth works."
        ),
        seed="002",
        regions=(),
        revisits=((3, "engine.py", "topological_order"),),
        counterexample=(
            "    order, seen = [], set()\n"
            "\n"
            "    def visit(node):\n"
            "        if node in seen:\n"
            "            return\n"
            "        seen.add(node)\n"
            "        for child in node.children:\n"
            "            visit(child)\n"
            "        order.append(node)\n"
            "\n"
            "    visit(root)\n"
            "    return order\n"
        ),
        hints=(
            "A recursive search remembers, on Python's call stack, which node it was expanding "
            "and which children are left. Keep that in a list instead: push work, pop it, until "
            "the list is empty. The trick is to know, when a node is popped, whether its "
            "children are done yet.",
            "Rewrite topological_order in tinygrad_edu/engine.py (lesson 3's code; `learn "
            "reset 3` keeps a copy of yours). One way: push each node twice, first to expand it, "
            "then again to list it, with a marker (any object()) between the two that says "
            "'its children are done'. Another: count each node's unlisted children.",
            "    stack = [root]\n"
            "    while stack:\n"
            "        node = stack.pop()\n"
            "        if node is ____:               # the marker: the node below it is ready\n"
            "            order.append(____)\n"
            "        elif node not in seen:\n"
            "            seen.add(node)\n"
            "            stack.append(____)           # to list it later...\n"
            "            stack.append(____)           # ...below the marker\n"
            "            stack.extend(____)           # its children, expanded first",
        ),
        notebooks=("02_chain_rule_graph",),
        challenge=True,
    ),
)


def lesson_by_number(number: int) -> Lesson:
    """The lesson with this number, or ValueError listing the valid numbers."""
    for lesson in LESSONS:
        if lesson.number == number:
            return lesson
    raise ValueError(f"there is no lesson {number!r}; the lessons are 1 to {len(LESSONS)}")
