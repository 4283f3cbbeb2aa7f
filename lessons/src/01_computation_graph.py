# %% [markdown]
# # Lesson 1 — The computation graph
#
# A GAN is two neural networks trained against each other by gradient descent. Everything in this
# course rests on one skill: computing the gradient of one number (a loss) with respect to many
# parameters. This lesson builds that skill:
#
# 1. a computation is a **graph** of small operations — we draw one;
# 2. the **chain rule** walks that graph backwards (reverse mode), by hand for a scalar expression;
# 3. the same for a **Linear layer**, where the weight gradient is $\partial L/\partial W = g^\top X$;
# 4. **topological order** and **leaves**, and the graph walk of `minigan/autograd.py`, done by hand
#    with its public names and then read.
#
# **Setup.** From the repository root, once: `pip install -e ".[lessons]"` (NumPy, matplotlib,
# Jupyter, tqdm, threadpoolctl), then `jupyter lab lessons/`. The first code cell of every lesson is
# the same; it checks the installation.

# %%
# Setup (the same in every lesson). Install once, from the repository root:  pip install -e ".[lessons]"
import os, tempfile
try:
    import minigan as mg
except ImportError as err:
    raise ImportError('minigan is not installed: run  pip install -e ".[lessons]"  in the repository root') from err
from threadpoolctl import threadpool_limits
threadpool_limits(1)                    # one BLAS thread: see "Why one thread?" below
FAST = os.environ.get("MINIGAN_FAST") == "1"   # the test suite runs every lesson in a fast mode
WORK = tempfile.mkdtemp(prefix="minigan-lesson-")  # lessons write files here, never into the repository
import numpy as np
import matplotlib.pyplot as plt
mg.manual_seed(0);  # ";": the generator it returns (as torch.manual_seed does) is not displayed

# %% [markdown]
# ### Why one thread?
#
# NumPy hands matrix products to a BLAS library (OpenBLAS on most installs), which by default starts
# one thread per core it sees. On a shared machine — a classroom JupyterHub where thirty students
# share a few cores — those threads fight each other for cores they do not really have, and the
# small matrices of this course gain nothing from them anyway: on such a hub, training cells ran
# **2–12× slower** with OpenBLAS's default threads than with one. So every lesson calls
# `threadpool_limits(1)` from `threadpoolctl`. On your own machine with idle cores, try
# `threadpool_limits(None)` (no limit) and time a training cell both ways.

# %%
from threadpoolctl import threadpool_info
blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
print([(pool["internal_api"], pool["num_threads"]) for pool in blas])
assert all(pool["num_threads"] == 1 for pool in blas)

# %% [markdown]
# ## 1. A computation is a graph
#
# Take $y = \tanh(w x + b)$ for three numbers. Evaluating it runs three small operations,
#
# $$u = w \cdot x, \qquad v = u + b, \qquad y = \tanh(v),$$
#
# and each result depends only on the ones before it. minigan records exactly this while it computes:
# every result of an operation on a tensor with `requires_grad=True` points to the **node** that made
# it (`grad_fn`), and the node points to its inputs. Below we follow those pointers and draw them.

# %%
x = mg.tensor(0.5, dtype=mg.float64, requires_grad=True)
w = mg.tensor(-1.5, dtype=mg.float64, requires_grad=True)
b = mg.tensor(0.25, dtype=mg.float64, requires_grad=True)
y = mg.tanh(w * x + b)
print(y)
assert y.grad_fn is not None and y.grad_fn.name == "TanhBackward0"
assert x.is_leaf and x.grad_fn is None


def draw_graph(output, names, ax):
    """Draw the recorded graph that produced `output`: leaves (named by `names`) as circles, op
    nodes as boxes, arrows in the direction of the forward computation."""
    depth, kinds, edges = {}, {}, []
    stack = [(output.grad_fn, 0)]
    while stack:
        node, d = stack.pop()
        if depth.get(id(node), -1) >= d:
            continue
        depth[id(node)], kinds[id(node)] = d, node.name.replace("Backward0", "")
        for t in node.inputs:
            if t is None:
                continue
            if t.grad_fn is None:
                depth[id(t)] = max(depth.get(id(t), 0), d + 1)
                kinds[id(t)] = names.get(id(t), "const")
                edges.append((id(t), id(node)))
            else:
                edges.append((id(t.grad_fn), id(node)))
                stack.append((t.grad_fn, d + 1))
    deepest = max(depth.values())
    columns = {}
    for key, d in depth.items():
        columns.setdefault(deepest - d, []).append(key)
    position = {key: (col, row - (len(keys) - 1) / 2) for col, keys in columns.items() for row, key in enumerate(keys)}
    for a, b_ in set(edges):
        ax.annotate("", xy=position[b_], xytext=position[a],
                    arrowprops=dict(arrowstyle="->", shrinkA=18, shrinkB=18, color="0.3"))
    for key, (px, py) in position.items():
        leaf = key not in {id(n) for n in [output.grad_fn]} and kinds[key] in names.values()
        ax.text(px, py, kinds[key], ha="center", va="center", fontsize=11,
                bbox=dict(boxstyle="circle" if leaf else "round", fc="#cde" if leaf else "#fed", ec="0.3"))
    ax.set_xlim(-0.6, deepest + 0.6); ax.set_ylim(-1.5, 1.5); ax.axis("off")
    return position


fig, ax = plt.subplots(figsize=(7, 3))
draw_graph(y, {id(x): "x", id(w): "w", id(b): "b"}, ax)
ax.set_title("y = tanh(w·x + b): leaves (blue) flow into operations (orange)")
plt.show()

# %% [markdown]
# ## 2. Backprop by hand, for a scalar expression
#
# The chain rule walks the graph **backwards**, starting from $\partial y/\partial y = 1$ and, at each
# node, multiplying by the local derivative of that node:
#
# $$\frac{\partial y}{\partial v} = 1 - \tanh^2 v, \quad
# \frac{\partial y}{\partial b} = \frac{\partial y}{\partial v}, \quad
# \frac{\partial y}{\partial u} = \frac{\partial y}{\partial v}, \quad
# \frac{\partial y}{\partial w} = \frac{\partial y}{\partial u}\, x, \quad
# \frac{\partial y}{\partial x} = \frac{\partial y}{\partial u}\, w.$$
#
# One backward sweep gives the gradient with respect to **every** input, for about the cost of one
# forward pass — that is why deep learning uses reverse mode. `y.backward()` does the same walk and
# stores each leaf's gradient in `.grad`.

# %%
xv, wv, bv = 0.5, -1.5, 0.25
u = wv * xv; v = u + bv; yv = np.tanh(v)          # forward, keeping the intermediate values
dy_dv = 1 - np.tanh(v) ** 2                       # backward, node by node
dy_db, dy_du = dy_dv, dy_dv
dy_dw, dy_dx = dy_du * xv, dy_du * wv

y.backward()
print(f"by hand: dy/dx={dy_dx:.6f} dy/dw={dy_dw:.6f} dy/db={dy_db:.6f}")
print(f"minigan: dy/dx={x.grad.item():.6f} dy/dw={w.grad.item():.6f} dy/db={b.grad.item():.6f}")
assert np.isclose(x.grad.item(), dy_dx) and np.isclose(w.grad.item(), dy_dw) and np.isclose(b.grad.item(), dy_db)

# %% [markdown]
# ## 3. Backprop by hand, for a Linear layer
#
# A Linear layer maps a batch $X$ of shape $(N, d_\text{in})$ to $Y = X W^\top + b$, with $W$ of shape
# $(d_\text{out}, d_\text{in})$ (PyTorch's layout). Let $g = \partial L/\partial Y$, shape $(N, d_\text{out})$,
# be the gradient arriving from above. Since $Y_{nj} = \sum_i X_{ni} W_{ji} + b_j$:
#
# $$\frac{\partial L}{\partial W_{ji}} = \sum_n g_{nj} X_{ni} \;\Rightarrow\; \frac{\partial L}{\partial W} = g^\top X,
# \qquad \frac{\partial L}{\partial X} = g\, W, \qquad \frac{\partial L}{\partial b} = \textstyle\sum_n g_{n\cdot}.$$
#
# Note the shapes: $g^\top X$ is $(d_\text{out}, N)(N, d_\text{in}) = (d_\text{out}, d_\text{in})$, the
# shape of $W$ — a good way to remember which side the transpose goes on. The bias gradient sums over
# the batch because the bias was **broadcast** to every row.

# %%
rng = np.random.default_rng(0)
X = mg.tensor(rng.standard_normal((5, 3)), requires_grad=True)
layer = mg.nn.Linear(3, 2).double()
Y = layer(X)
L = (Y ** 2).sum()                       # any loss will do; here dL/dY = 2Y
L.backward()

g = 2 * Y.detach().numpy()               # the gradient arriving from above, (5, 2)
dW = g.T @ X.detach().numpy()            # (2, 5) @ (5, 3) = (2, 3), the shape of W
dX = g @ layer.weight.detach().numpy()   # (5, 2) @ (2, 3) = (5, 3)
db = g.sum(axis=0)
assert np.allclose(layer.weight.grad.numpy(), dW)
assert np.allclose(X.grad.numpy(), dX)
assert np.allclose(layer.bias.grad.numpy(), db)
print("dW = g^T X:\n", dW)

# %% [markdown]
# ## 4. Topological order and leaves
#
# To apply the chain rule at a node, the node must have received the gradients from **all** of its
# consumers. So the walk needs an order in which every node comes after everything that uses its
# result: a **topological order** of the graph, reversed. minigan finds it with a depth-first search
# from the output (a node is appended after all of its inputs: post-order), then walks it backwards.
#
# **Leaves** are the tensors the user made (`x`, `w`, the layer's parameters); only they receive a
# `.grad`. Intermediate results pass their gradient on and keep nothing (unless you ask with
# `retain_grad()`), which saves memory.

# %%
x = mg.tensor(2.0, dtype=mg.float64, requires_grad=True)
a = x * 3
c = a + x ** 2                            # x is used twice: its gradient is the sum of both paths
order = mg.autograd.topological_order(c)
names = [node.name for node in order]
print("forward (post-)order:", names)
assert names.index("MulBackward0") < names.index("AddBackward0") and names[-1] == "AddBackward0"
c.backward()
assert x.grad.item() == 3 + 2 * 2.0       # dc/dx = 3 + 2x, both paths added
assert a.grad is None and not a.is_leaf   # an intermediate keeps no gradient

# %% [markdown]
# ## 5. The graph walk of minigan, by hand and read
#
# The whole algorithm is two steps: put the nodes in topological order, then go through them
# backwards, calling each node's `backward` with the gradient its output received and handing each
# result to the node's input. We do it by hand with minigan's public names — `topological_order`,
# each node's `function.backward`, its `inputs` — and compare with `backward()`:

# %%
x = mg.tensor([0.5, -1.0], dtype=mg.float64, requires_grad=True)
w = mg.tensor([2.0, 3.0], dtype=mg.float64, requires_grad=True)
loss = (mg.tanh(w * x) * x).sum()              # x is used twice again

received = {loss.grad_fn: mg.tensor(1.0, dtype=mg.float64)}   # d loss / d loss, at the last node
leaf_grads = {}                                               # id(leaf) -> its gradient
with mg.no_grad():                                            # the walk itself is not recorded
    for node in reversed(mg.autograd.topological_order(loss)):
        grad = received.pop(node)                             # every consumer has sent its part
        input_grads = node.function.backward(node, grad)      # the chain rule at this node
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for tensor, g in zip(node.inputs, input_grads):
            if tensor is None or g is None or not tensor.requires_grad:
                continue
            if tensor.grad_fn is None:                        # a leaf keeps what it receives
                leaf_grads[id(tensor)] = leaf_grads.get(id(tensor), 0) + g
            else:                                             # a computed tensor passes it on
                received[tensor.grad_fn] = received.get(tensor.grad_fn, 0) + g
        print(f"{node.name:14s} sent gradients to {sum(t is not None for t in node.inputs)} input(s)")

loss.backward()
print("by hand:", leaf_grads[id(x)].numpy(), leaf_grads[id(w)].numpy())
print("minigan:", x.grad.numpy(), w.grad.numpy())
assert np.allclose(leaf_grads[id(x)].numpy(), x.grad.numpy()) and np.allclose(leaf_grads[id(w)].numpy(), w.grad.numpy())

# %% [markdown]
# minigan's own walk is the same loop. Here it is, printed from the installed module with
# `inspect.getsource`, so it is always the version you run: find the topological order, the call of
# a node's backward, and where a gradient is handed on. What surrounds the loop in
# `minigan/autograd.py` are its extensions, each a line or two here: `create_graph` (the walk itself
# recorded, for second derivatives), `retain_graph`, `retain_grad()` and `mg.grad`'s pruning.

# %%
import inspect
from minigan import autograd

source = inspect.getsource(autograd.walk)
print(source)
assert "topological_order(outputs)" in source and "_call_backward(node, grads, create_graph)" in source

# %% [markdown]
# Two rules follow from that code, both the same as PyTorch's:
#
# * gradients **accumulate**: a second `backward()` adds to `.grad` (that is why optimizers have
#   `zero_grad()`);
# * the graph is **freed** after `backward()` to save memory; pass `retain_graph=True` to walk it twice.

# %%
p = mg.tensor([1.0, 2.0], requires_grad=True)
loss = (p * p).sum()
loss.backward(retain_graph=True)
loss.backward()
assert np.array_equal(p.grad.numpy(), [4.0, 8.0])        # 2 * (2p): accumulated
freed = None
try:
    loss.backward()                                        # the graph was freed by the last call
except RuntimeError as err:
    freed = str(err)
print(freed)
assert freed is not None and "second time" in freed

# %% [markdown]
# **Try this.**
# 1. Draw the graph of `mg.sigmoid(w * x + b) * x` with `draw_graph`. How many arrows leave `x`?
# 2. Change the loss of section 3 to `Y.sum()`. What is $g$ now, and what does $g^\top X$ become?
# 3. In section 4, call `a.retain_grad()` before `c.backward()`. What is `a.grad`, and why?
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_sigmoid`** (exercise 1): a sigmoid `Function` that never overflows — hint: for $a < 0$ use
#   $e^{a}/(1+e^{a})$; both branches then need only $e^{-|a|} \le 1$.
# - **`ex_linear`** (exercise 2): Linear's forward and backward — hint: $\partial L/\partial W$ has $W$'s shape
#   (out, in); of $g^\top X$ and $X^\top g$ only one does (section 3).
