# One sigmoid neuron trained on XOR by gradient descent. XOR is not linearly
# separable, so one neuron cannot fit it: the loss stalls near 0.5. Try a hidden
# layer: MLP(2, [2, 1]) instead of MLP(2, [1]).
from tinygrad_edu import MLP
from tinygrad_edu.data import xor
from tinygrad_edu.nn import squared_error
from tinygrad_edu.viz import draw_dot

xs, ys = xor()
model = MLP(2, [1], seed=0)
for epoch in range(201):
    loss = sum(squared_error(model(x), y) for x, y in zip(xs, ys))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.5 * p.grad
    if epoch % 50 == 0:
        print(f"epoch {epoch:3d}  loss {loss.data:.4f}")

for x, y in zip(xs, ys):
    print(x, "->", round(model(x).data, 3), "wanted", y)

# The graph of one sample's error, with the gradients of the last backward pass.
x, y = xs[1], ys[1]
sample = squared_error(model(x), y)
sample.backward()
draw_dot(sample)  # in the playground: its graph and its backward pass, below
