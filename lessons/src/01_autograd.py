"""Lesson 1: computation graphs and reverse-mode automatic differentiation."""

CELLS = [
    ("md", r"""
# Lesson 1 — Gradients, by hand and by machine

A GAN is two neural networks trained against each other by gradient descent. Everything rests on one
skill: computing the gradient of a number (a loss) with respect to many parameters. This lesson builds
that skill from scratch:

1. a computation as a **graph** of small operations;
2. the **chain rule** applied backwards through that graph (reverse mode);
3. minigan's `Tensor`, `backward()` and `mg.grad`;
4. writing your **own operation** (forward and backward), and checking it with `mg.gradcheck`;
5. **second derivatives**, which the WGAN-GP loss of a later lesson needs.
"""),
    ("code", r"""
import numpy as np
import minigan as mg

mg.manual_seed(0)
"""),
    ("md", r"""
## 1. A computation is a graph

Take $f(x, w, b) = \tanh(w x + b)$ for scalars. Evaluating it runs three small operations:

$$u = w \cdot x, \qquad v = u + b, \qquad y = \tanh(v).$$

Each intermediate value depends only on the ones before it: that is a graph. The chain rule walks it
**backwards**, starting from $\partial y / \partial y = 1$:

$$\frac{\partial y}{\partial v} = 1 - \tanh^2 v, \quad
\frac{\partial y}{\partial b} = \frac{\partial y}{\partial v}, \quad
\frac{\partial y}{\partial u} = \frac{\partial y}{\partial v}, \quad
\frac{\partial y}{\partial w} = \frac{\partial y}{\partial u}\, x, \quad
\frac{\partial y}{\partial x} = \frac{\partial y}{\partial u}\, w.$$

One backward sweep gives the gradient with respect to **every** input, at about the cost of one
forward pass. That is why deep learning uses reverse mode.
"""),
    ("code", r"""
x, w, b = 0.5, -1.5, 0.25

# forward, keeping the intermediate values
u = w * x
v = u + b
y = np.tanh(v)

# backward, by hand
dy_dv = 1 - np.tanh(v) ** 2
dy_db = dy_dv
dy_du = dy_dv
dy_dw = dy_du * x
dy_dx = dy_du * w
print(f"y = {y:.6f}   dy/dx = {dy_dx:.6f}   dy/dw = {dy_dw:.6f}   dy/db = {dy_db:.6f}")
"""),
    ("md", r"""
## 2. The same with minigan

A `Tensor` wraps a NumPy array. With `requires_grad=True`, every operation on it is recorded: the
result remembers which operation made it (`grad_fn`) and from which inputs. `backward()` walks that
record in reverse and stores $\partial y / \partial \text{leaf}$ in each leaf's `.grad`.
"""),
    ("code", r"""
tx = mg.tensor(x, requires_grad=True)
tw = mg.tensor(w, requires_grad=True)
tb = mg.tensor(b, requires_grad=True)

ty = mg.tanh(tw * tx + tb)
print(ty)                       # grad_fn names the last operation
ty.backward()
print(tx.grad, tw.grad, tb.grad)
assert np.isclose(tx.grad.item(), dy_dx) and np.isclose(tw.grad.item(), dy_dw)
"""),
    ("md", r"""
Two rules worth remembering, both the same as in PyTorch:

* gradients **accumulate**: a second `backward()` adds to `.grad` (optimizers call `zero_grad()`);
* the graph is **freed** after `backward()` to save memory; pass `retain_graph=True` to walk it twice.
"""),
    ("code", r"""
a = mg.tensor([1.0, 2.0], requires_grad=True)
loss = (a * a).sum()
loss.backward(retain_graph=True)
loss.backward()
print("accumulated:", a.grad)   # 2 * (2a) = [4, 8]

try:
    loss.backward()             # the graph was freed by the last call
except RuntimeError as err:
    print("RuntimeError:", err)
"""),
    ("md", r"""
## 3. Tensors, broadcasting and where the gradient goes

Operations work elementwise with NumPy's broadcasting. When an input was broadcast (say a bias of
shape `(3,)` added to a batch of shape `(4, 3)`), its gradient must be **summed** over the copies:
minigan does that in exactly one place, `sum_to`, used by every broadcasting op's backward.
"""),
    ("code", r"""
batch = mg.randn(4, 3)
bias = mg.zeros(3, requires_grad=True)
out = (batch + bias).sum()
out.backward()
print(bias.grad)                # each bias element was used 4 times: gradient 4
"""),
    ("md", r"""
## 4. Your own operation

Every operation in minigan is a `Function` with a `forward` on raw NumPy arrays and a `backward`
that receives the gradient of the output and returns one gradient per input. Here is the sigmoid,
$\sigma(a) = 1 / (1 + e^{-a})$, whose derivative is $\sigma(a)(1 - \sigma(a))$: the backward reuses
the forward's result, saved with `ctx.save_for_backward`.
"""),
    ("code", r"""
class MySigmoid(mg.Function):
    @staticmethod
    def forward(ctx, a):
        y = 1 / (1 + np.exp(-a))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors        # comes back as a Tensor
        return grad * y * (1 - y)

z = mg.tensor([-2.0, 0.0, 3.0], requires_grad=True)
MySigmoid.apply(z).sum().backward()
print(z.grad)
"""),
    ("md", r"""
## 5. Trust, but verify: gradient checking

A backward is easy to get subtly wrong. `mg.gradcheck` compares it with **central differences**,
$\frac{f(x + \varepsilon) - f(x - \varepsilon)}{2\varepsilon}$, in float64. Below, a deliberately broken
backward (the factor `(1 - y)` forgotten) is caught, and the report says where.
"""),
    ("code", r"""
z64 = mg.tensor([-2.0, 0.0, 3.0], dtype=np.float64, requires_grad=True)
print("correct backward passes:", mg.gradcheck(MySigmoid.apply, (z64,)))

class BrokenSigmoid(MySigmoid):
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y                 # forgot (1 - y)

try:
    mg.gradcheck(BrokenSigmoid.apply, (z64,))
except mg.GradcheckError as err:
    print(err)
"""),
    ("md", r"""
## 6. Gradients of gradients

Because every backward is itself written with Tensor operations, the backward pass can be recorded
too: `mg.grad(..., create_graph=True)` returns gradients that are differentiable again. For
$y = x^4$: $y' = 4x^3$, $y'' = 12x^2$, $y''' = 24x$. The WGAN-GP critic loss (lesson 5) penalises the
norm of $\partial D / \partial x$ and must differentiate that penalty with respect to the weights —
exactly this mechanism.
"""),
    ("code", r"""
x = mg.tensor(2.0, dtype=np.float64, requires_grad=True)
y = x ** 4
(d1,) = mg.grad(y, x, create_graph=True)
(d2,) = mg.grad(d1, x, create_graph=True)
(d3,) = mg.grad(d2, x)
print(d1.item(), d2.item(), d3.item())     # 32, 48, 48
print("second derivatives check:", mg.gradgradcheck(MySigmoid.apply, (z64,)))
"""),
    ("md", r"""
## Exercises

1. Write `MyTanh` (forward `np.tanh`, backward from the saved output) and gradcheck it.
2. Write `MyExp` but save the **input** instead of the output. Does `gradgradcheck` still pass? Why?
3. Read `minigan/ops/elementwise.py`: find the sigmoid minigan really uses. Why is it written with
   `exp(-|a|)` instead of `exp(-a)`? Try `MySigmoid.apply(mg.tensor([-1000.0]))`.

Next lesson: layers, modules and optimizers, and proof that they compute what PyTorch computes.
"""),
]
