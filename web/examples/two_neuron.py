# The two-neuron net of the classic derivation: i_l -> w_l -> sigmoid -> w_r -> sigmoid,
# with the error E = 1/2 (d - o_r)^2. Change a weight and run again.
from tinygrad_edu import Value
from tinygrad_edu.viz import draw_dot

i_l = Value(1.5, label="i_l")
w_l = Value(0.8, label="w_l")
w_r = Value(-1.2, label="w_r")
d = 1.0  # the desired output

p_l = (w_l * i_l).named("p_l")
o_l = p_l.sigmoid().named("o_l")
p_r = (w_r * o_l).named("p_r")
o_r = p_r.sigmoid().named("o_r")
e = (d - o_r).named("e")
E = (0.5 * (e * e)).named("E")

E.backward()
print(f"E = {E.data:.6f}")
print(f"dE/dw_l = {w_l.grad:.6f}")
print(f"dE/dw_r = {w_r.grad:.6f}")
draw_dot(E)  # in the playground: its graph and its backward pass, below
