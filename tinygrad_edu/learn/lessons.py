"""The learning path as data: one entry per lesson, in the order a learner takes them.

Each lesson names

* the idea it teaches (and the seed question it comes from, when there is one),
* the regions the learner writes: functions of the package whose body holds a
  ``# BEGIN LESSON n`` ... ``# END LESSON n`` block. The reference package is the
  solution; ``learn init`` replaces each block with a stub,
* its tests: the file ``lesson_tests/test_lessonNN_<slug>.py``, marked ``lessonN``,
* three hints in prose, as rustlings writes them: the idea; where to look and what
  to read; a worked example of a different case. No hint holds code of the solution,
  not even with blanks (``learn verify`` reads a hint's ``____`` as a wildcard and
  checks that no hint line matches a line of the reference); the solution itself
  comes only from ``learn solution N --reveal``,
* the notebook(s) that derive what it asks (``notebooks/NN_name.ipynb``): every
  notebook that states a lesson's answer is linked by that lesson, and is shown only
  once all the lessons that link it pass (reading.py).

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
    hints: tuple[str, ...]  # three levels of prose: the idea, where to look, a worked example of another case
    # the notebooks that derive what it asks, i.e. state its answer (file names in notebooks/,
    # no .ipynb): shown once it and every other lesson that links them pass
    notebooks: tuple[str, ...] = ()
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
            "For a small h, f(x + h) is about f(x) + f'(x) h. First turn it around: "
            "with only values of f, no rule, how do you estimate f'(x), and which values of f "
            "make the error shrink fastest as h shrinks? (Move one input at a time.) Then the "
            "first rules: how far do a + b and a * b move per unit move of a, with b held "
            "still, and of b? Every later test checks a rule against such a nudge."
        ),
        seed="000",
        regions=(
            ("gradcheck.py", "numerical_gradient"),
            ("ops.py", "Add.forward"),
            ("ops.py", "Add.local_grads"),
            ("ops.py", "Mul.forward"),
            ("ops.py", "Mul.local_grads"),
        ),
        hints=(
            "The linear approximation links a change of f to a change of x: solve it for the "
            "slope. There is more than one choice of points to evaluate f at; try one on paper "
            "with f(x) = x^2 at x = 3 and h = 0.1 against the tangent's slope, 6. If yours is "
            "off by about h, find a choice whose errors cancel. For a rule, hold b still, "
            "move a by h and ask how far the result moves per unit of h; then the same for b.",
            "Start with tinygrad_edu/gradcheck.py, numerical_gradient: your lines run once for "
            "each input i and add one slope to the list `slopes`; f_at, just above, gives f's "
            "number at a point (a list of floats); make new lists, so xs never changes. Then "
            "tinygrad_edu/ops.py, the classes Add and Mul, and Log further down, a finished "
            "rule: forward returns the value, local_grads(out, a, b) a tuple of one derivative "
            "per operand, in operand order. Making the node is done for you.",
            "Two worked examples of other cases. The curvature from three values: f(x) = x^3 at "
            "x = 1, h = 0.01: f(1.01) = 1.030301, f(1) = 1, f(0.99) = 0.970299, and (f(x + h) "
            "- 2 f(x) + f(x - h)) / h^2 = 6.0000, exactly f''(1); the slope needs fewer values "
            "and the same symmetry. A rule: c = 5a - b^2 at a = 1, b = 2. Moving a by h moves c "
            "by 5h, a slope of 5 wherever a and b are; moving b by h moves c by -(4h + h^2), "
            "a slope of -4 at b = 2, a number that depends on where b is.",
        ),
        notebooks=("01_linear_approximation",),
    ),
    Lesson(
        number=2,
        slug="more-local-derivatives",
        title="More local derivatives",
        idea=(
            "The same two halves for a - b, -a, a / b and x ** c (c a plain number). How far "
            "does a / b move when b moves a little, and can you say it with the value out = a / "
            "b the forward pass already computed? Subtraction is one node here; micrograd "
            "builds it as a + (-b), two nodes with the same gradient."
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
            "Nudge each operand on its own, as in lesson 1. For a / b, write it as a times a "
            "power of b, and use the calculus you know for powers. For x ** c, c is a plain "
            "number, not a node: can the result move because c moves? The rule still returns "
            "something in c's slot.",
            "tinygrad_edu/ops.py, the classes Sub, Neg, Div and Pow. An op of one operand "
            "returns a tuple of one, with the comma. The checks for dividing by zero, for "
            "impossible powers and for x^0 are above your lines and already done. A failing "
            "test prints your slope beside the nudged one: use it to find which operand is off.",
            "A worked example of another case: f = a^2 / 3 at a = 6, so out = 12. Moving a by h "
            "moves f by about (2 * 6 / 3) h = 4h, which can also be read as 2 * out / a = 2 * 12 "
            "/ 6 = 4: the same slope, written with the value already computed.",
        ),
        notebooks=("01_linear_approximation",),
    ),
    Lesson(
        number=3,
        slug="topological-order",
        title="A topological order",
        idea=(
            "A node can pass its gradient on to its children only once it is complete: once "
            "every node that uses it has passed it its share. In what order must the nodes be "
            "listed so that, read backwards, each comes after all of its users? Any order with "
            "that property will do; a wrong one gives a wrong gradient, and the test shows "
            "which."
        ),
        seed="002",
        regions=(("engine.py", "topological_order"),),
        hints=(
            "Turn the question around: a node may join the list only after everything it was "
            "computed from has joined. Think of how you would list the dependencies of a task "
            "that has sub-tasks, which have sub-tasks of their own. A node can be reached "
            "twice (in a * a, or when two nodes use it): it must be listed once.",
            "tinygrad_edu/engine.py, topological_order. A node's operands are node.children, a "
            "tuple (a leaf has none). Values are hashable, so a set can remember what is "
            "listed already. A helper function inside topological_order that calls itself is "
            "fine here (lesson 13 is about graphs too deep for that).",
            "A worked example of the same problem elsewhere: to get dressed, socks before "
            "shoes, shirt before jacket. Start from the jacket: before listing it, list "
            "everything it needs (the shirt), and before the shirt what the shirt needs. Only "
            "when all of a thing's needs are listed does the thing itself go on the list.",
        ),
        notebooks=("02_chain_rule_graph",),
    ),
    Lesson(
        number=4,
        slug="chain-rule-sweep",
        title="The chain-rule sweep",
        idea=(
            "How does d(output)/d(node) depend on the nodes that use that node? A "
            "change of a node moves each of its users, and each user moves the output. Write "
            "the sweep that finds every gradient in one pass over the topological order, from "
            "the output down, using only each node's local derivatives. What is "
            "d(output)/d(output)?"
        ),
        seed="002, 004",
        regions=(("engine.py", "Value.backward"),),
        hints=(
            "Start at the output and think about one edge, from a user to one of its "
            "children: how much of the output's change travels along it? A child used by "
            "several nodes (or twice by one) collects a share from each, and every gradient "
            "sum starts from nothing in each call.",
            "tinygrad_edu/engine.py, Value.backward: `order`, from your topological_order, is "
            "ready above your lines. Each node's operands are node.children and its local "
            "derivatives node.local_grads, in the same order. The code after your lines adds "
            "each leaf's gradient from earlier calls back, so start this call from scratch.",
            "A worked example by hand, on y = (a + b) * b at a = 1, b = 2: the sum s = 3 has "
            "local derivatives (1, 1), and y = s * b has (b, s) = (2, 3). From y: dy/dy is "
            "the seed; s gets 2 times it; b gets 3 times it from y, and then 2 more from s "
            "(2 times s's local 1), so dy/db = 5, and dy/da = 2. Check it by nudging b.",
        ),
        notebooks=("02_chain_rule_graph", "10_forward_vs_reverse_mode"),
    ),
    Lesson(
        number=5,
        slug="sigmoid-from-exp",
        title="A sigmoid from exp, + and /",
        idea=(
            "What is the slope of e^x, in terms of its output? Then build the sigmoid s(x) = 1 "
            "/ (1 + e^-x) from exp, +, / and negation: it needs no rule of its own, since "
            "backward() through those nodes multiplies their local derivatives. Print "
            "backward()'s slope beside s(x) at a few points: is the slope a function of the "
            "output alone? Lesson 6 asks you for that function."
        ),
        seed="002, 004",
        regions=(("ops.py", "Exp.forward"), ("ops.py", "Exp.local_grads"), ("nn/models.py", "composed_sigmoid")),
        hints=(
            "For exp, measure its slope at a few points (your numerical_gradient does it) and "
            "look for a pattern in terms of the output there. For the sigmoid, write the "
            "formula with the operations you have: every operator on a Value builds a node, "
            "and a plain number on either side is fine.",
            "tinygrad_edu/ops.py, class Exp (the math module is imported there); the test hands "
            "its local_grads only the output, so write the slope with `out`. "
            "composed_sigmoid is in tinygrad_edu/nn/models.py, where x is already a Value: a "
            "Value has an exp() method and supports unary minus.",
            "A worked example of another case: 2^x. Moving x from 3 to 3.001 moves 2^x from 8 "
            "to about 8.00555, a slope of about 5.55, and 5.55 / 8 is about 0.693 (ln 2): the "
            "slope is the output times a fixed number. Measure e^x the same way.",
        ),
        notebooks=("03_sigmoid_derivative",),
    ),
    Lesson(
        number=6,
        slug="activation-rules",
        title="Activation rules",
        idea=(
            "A remarkable fact, which makes backprop cheap: the sigmoid's slope can be written with its output "
            "alone. Which function of y = s(x) is it? tanh's slope is also a function of its "
            "output. ReLU passes its input on where it is positive and is stuck at 0 "
            "elsewhere. The tests hand the sigmoid and tanh rules only the output: a rule that "
            "computes e^-x again cannot pass."
        ),
        seed="002, 003",
        regions=(("ops.py", "Sigmoid.local_grads"), ("ops.py", "Tanh.local_grads"), ("ops.py", "Relu.local_grads")),
        hints=(
            "Differentiate 1 / (1 + e^-x) with the chain rule (1 / u, with u = 1 + e^-x), to get "
            "a fraction with e^-x in it. Then express e^-x with y: from y = 1 / (1 + e^-x), "
            "solve for e^-x. Substitute, and simplify. For tanh, use the identity that links "
            "sinh^2 and cosh^2.",
            "tinygrad_edu/ops.py, the classes Sigmoid, Tanh and Relu: only local_grads is yours; "
            "the values are computed for you. `out` is the output and `a` the input. Each "
            "returns a tuple of one. For ReLU, take the slope at exactly 0 to be 0.",
            "A worked example of another case: y = sqrt(x). Its slope 1 / (2 sqrt(x)) uses "
            "sqrt(x), which is y: so dy/dx = 1 / (2y), written with the output alone. At x = 9 "
            "that is 1/6, and nudging x from 9 to 9.001 moves y by about 0.000167.",
        ),
        notebooks=("07_activation_derivatives_and_saturation", "03_sigmoid_derivative"),
    ),
    Lesson(
        number=7,
        slug="two-neuron-net",
        title="The two-neuron net by hand",
        idea=(
            "One input, two sigmoid neurons in a row, performance P = -1/2 (d - o_r)^2. Walk "
            "the chain rule from P back to each weight, one link at a time: how many factors "
            "does dP/dw_r have, and dP/dw_l? Which factors do they share? Your hand-derived "
            "numbers must equal what your backward() finds."
        ),
        seed="002",
        regions=(
            ("backprop.py", "two_neuron_forward"),
            ("backprop.py", "two_neuron_deltas"),
            ("backprop.py", "two_neuron_performance_gradients"),
        ),
        hints=(
            "Draw the picture: P depends on o_r, o_r on p_r, p_r on w_r and on o_l, o_l on "
            "p_l, p_l on w_l. Each link is one local derivative you have met: the square, the "
            "sigmoid of lesson 6, a product. The gradient is the product along the path.",
            "tinygrad_edu/backprop.py, the three functions after the picture comment. Plain "
            "floats only, no Value. sigmoid and sigmoid_derivative_from_output are given; the "
            "results are named tuples (TwoNeuronForward, TwoNeuronDeltas, TwoNeuronGradients): "
            "mind the order of their fields. A delta is dP/dp, the slope at a neuron's product.",
            "A worked example of a shorter chain: one neuron, o = s(w i), P = -1/2 (d - o)^2, "
            "at i = 2, w = 0, d = 1. Then o = 0.5, dP/do = 0.5, do/dp = 0.25 and dp/dw = i = 2, "
            "so dP/dw = 0.5 * 0.25 * 2 = 0.25. Your two neurons add links to that chain.",
        ),
        notebooks=("06_two_neuron_net", "07_activation_derivatives_and_saturation"),
    ),
    Lesson(
        number=8,
        slug="gradient-descent",
        title="Gradient descent",
        idea=(
            "To make f smaller, which way should x move, given the slope f'(x), and how far, "
            "given a learning rate? A textbook example goes from 8 on f(x) = x^2 - 4x + 6 with rate 0.1 "
            "to 6.8, then 5.84, 5.072: find the step that gives these numbers, and let your "
            "backward() supply the slope."
        ),
        seed="003",
        regions=(("optim.py", "gradient_descent"),),
        hints=(
            "Where f slopes up, smaller x means smaller f; where it slopes down, larger x. A "
            "steeper slope is further from a flat bottom. Check your step on the example's first "
            "numbers: f'(8) = 12, and 8 became 6.8 with rate 0.1.",
            "tinygrad_edu/optim.py, gradient_descent: the loop, the list `path` and the checks "
            "are there; your lines run once per step and must leave the new x, a float, in x. "
            "f takes a Value: make the current x a leaf, call f, and backward() puts the slope "
            "on the leaf. A fresh leaf each step: a leaf's gradient adds up across calls.",
            "Numbers from another function to test your idea on: f(x) = (x - 1)^2 from x = 3 "
            "with rate 0.25 goes to 2, then to 1.5. The slope is 4 at 3 and 2 at 2: what do the "
            "two steps, 1 and 0.5, have to do with those slopes and the rate?",
        ),
        notebooks=("04_gradient_descent", "05_optimisation_in_2d"),
    ),
    Lesson(
        number=9,
        slug="neuron",
        title="A neuron",
        idea=(
            "A neuron computes a weighted sum of its inputs plus a bias, then applies its "
            "activation. Built from Values, every weight then gets its gradient from "
            "backward(): which local factors of the lessons before make up d(out)/dw_j?"
        ),
        seed="004",
        regions=(("nn/models.py", "Neuron.__call__"),),
        hints=(
            "Multiply each input by its weight, add the products and the bias, then apply the "
            "neuron's activation. A 'linear' neuron applies nothing.",
            "tinygrad_edu/nn/models.py, Neuron.__call__: the weights are self.w (a list of "
            "Values), the bias self.b, the activation's name self.activation. ACTIVATIONS, at "
            "the top of the file, maps each name to the Value method to call. The tests "
            "compare to the last bit: add the products left to right, the first input's first, "
            "and the bias last.",
            "A worked example by hand: weights (2, -1), bias 0.5, inputs (1, 3): the sum is 2 - "
            "3 + 0.5 = -0.5, and a tanh neuron outputs tanh(-0.5), about -0.462. With Values "
            "every product and sum is a node, so backward() reaches each weight.",
        ),
        notebooks=("09_training_mlps", "07_activation_derivatives_and_saturation"),
    ),
    Lesson(
        number=10,
        slug="layer-mlp",
        title="A layer and an MLP",
        idea=(
            "A layer is neurons that all read the same inputs; an MLP feeds each layer's "
            "outputs to the next. parameters() lists every weight and bias in one fixed order "
            "(layer by layer, neuron by neuron, weights then bias), the order optimisers and "
            "saved models rely on. backward() through it must agree with your numerical "
            "slope of lesson 1 on every parameter."
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
            "tinygrad_edu/nn/models.py: self.neurons in Layer, self.layers in MLP; "
            "Neuron.parameters() is given. MLP.__call__ returns a single Value when the last "
            "layer has one neuron, not a list of one; plain numbers in x may become labelled "
            "Values (x0, x1, ...) so that they show up in pictures.",
            "A worked example of the same shape: a pipeline of functions [f, g, h] applied to "
            "x is h(g(f(x))): keep one running result and replace it with each stage's output "
            "in turn. A list of lists flattens, in order, by taking each inner list's items "
            "one after the other.",
        ),
        notebooks=("08_initialisation",),
    ),
    Lesson(
        number=11,
        slug="error-training-step",
        title="The error and one training step",
        idea=(
            "The textbook error is E = 1/2 sum_k (t_k - a_k)^2: what is its slope in a_k? "
            "Training repeats: error, zero_grad, backward, step, where a step of SGD is "
            "lesson 8's step for every parameter at once. With momentum, a velocity remembers "
            "earlier gradients: from p = 0 with rate 0.1, momentum 0.9 and a gradient of 1 at "
            "every step, p goes -0.1, -0.29, -0.561; find the update that gives these numbers."
        ),
        seed="001, 004",
        regions=(("nn/losses.py", "squared_error"), ("optim.py", "SGD.step")),
        hints=(
            "squared_error adds up the squared differences over the output/target pairs and "
            "halves the sum; build it from Value arithmetic and backward() gives you every "
            "dE/dp. For momentum, write out the velocity after one, two and three steps of "
            "the idea's numbers and look at how each new one is made from the last.",
            "tinygrad_edu/nn/losses.py, squared_error: `pairs` holds (output, target) pairs, "
            "the outputs already Values. tinygrad_edu/optim.py, SGD.step: self.params, "
            "self.lr, self.momentum and self.velocity (one number per parameter, starting at "
            "0; keep each parameter's new velocity there for the next step). Momentum 0 must "
            "give lesson 8's plain step.",
            "A worked example of a running memory elsewhere: a thermometer's smoothed reading "
            "s, updated each second as s = 0.8 s + 0.2 x, forgets old readings by the factor "
            "0.8 a second. From s = 0 with x = 10 every second: 2, 3.6, 4.88. Compare that "
            "with the steps -0.1, -0.19, -0.271 your p takes: what memory do they keep?",
        ),
        notebooks=("09_training_mlps", "05_optimisation_in_2d"),
    ),
    Lesson(
        number=12,
        slug="hidden-layer",
        title="A hidden layer's deltas",
        idea=(
            "Two hidden sigmoid neurons feed two output neurons, and the outputs' deltas "
            "dE/dz_k are known. What is dE/dz_j for a hidden neuron j? A classic puzzle: in "
            "the net input z_k = sum_j w_kj o_j only one term holds o_j, so why does only one "
            "term survive, and where does a sum come from all the same?"
        ),
        seed="004",
        regions=(("backprop.py", "hidden_layer_deltas"),),
        hints=(
            "Nudge z_j: o_j moves, and o_j appears in the net input of every neuron of the next "
            "layer. Each of those moves the error on its own path. How do several paths from "
            "one node to the output combine? You wrote the answer into your sweep in lesson 4.",
            "tinygrad_edu/backprop.py, hidden_layer_deltas: outputs[j] is o_j, the hidden "
            "neuron's output; weights_above[k][j] is the weight from hidden neuron j into "
            "neuron k of the next layer; deltas_above[k] is dE/dz_k. Return one delta per "
            "hidden neuron, as a list of floats. The test compares with backward().",
            "A worked example with one path only: a hidden neuron with o = 0.5 feeds a single "
            "output through w = 2, whose delta is 0.1. Nudging z moves o by 0.25 per unit, "
            "that moves the output's net input by 2 * 0.25 = 0.5 per unit, so dE/dz = 0.5 * "
            "0.1 = 0.05. With two outputs there are two such paths.",
        ),
        notebooks=("11_vectorised_backprop", "06_two_neuron_net", "08_initialisation"),
    ),
    Lesson(
        number=13,
        slug="deeper-than-recursion",
        title="Challenge (optional): deeper than recursion",
        idea=(
            "Python stops a recursion about 1,000 calls deep, so a recursive topological order "
            "fails on a long chain (x + 1 + 1 + ... 100,000 times), the graph a loop of "
            "updates builds. How do you walk the graph without Python's call stack?"
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
            "and which children are left. Keep that in a list of your own instead: push work, "
            "pop it, until the list is empty. The trick is to know, when a node comes off the "
            "list, whether its children are done yet.",
            "Rewrite topological_order in tinygrad_edu/engine.py, lesson 3's code, where it is. "
            "Lessons 3 to 12 use it: first copy your working version into a file of your own "
            "outside tinygrad_edu/, to paste back between the markers if you need it "
            "(`tinygrad-edu learn solution 3 --reveal` shows a recursive one that passes them). "
            "Two ways are common: meet each node twice, once "
            "to expand it and once, after its children, to list it (a marker object can tell "
            "the two apart); or count each node's children that are not listed yet.",
            "A worked example of the same trick elsewhere: adding up the sizes of nested "
            "folders without recursion. Keep a list of folders to open; pop one, add its "
            "files' sizes, push its sub-folders; stop when the list is empty. Listing in "
            "dependency order needs one more piece of state per folder: its children are done.",
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
