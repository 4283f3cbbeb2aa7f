# %% [markdown]
# # Lesson 2 — Gradient checking, and writing your own op
#
# Lesson 1 trusted `backward()`. This lesson is about **not** trusting it: every operation in minigan
# is checked against numbers computed without any calculus, and so will every operation you write.
#
# 1. central differences, and why they need float64;
# 2. writing an op (`Function`: forward and backward side by side) and reading a gradcheck report;
# 3. ops whose backward must be differentiable again: what `ctx.save_for_backward` gives back as
#    graph tensors and what as constants — and a broken op that only `gradgradcheck` catches;
# 4. how the graded exercises work.
#
# **Setup:** `pip install -e ".[lessons]"` from the repository root (see lesson 1).

# %%
# Setup (the same in every lesson). Install once, from the repository root:  pip install -e ".[lessons]"
import os, tempfile
try:
    import minigan as mg
except ImportError as err:
    raise ImportError('minigan is not installed: run  pip install -e ".[lessons]"  in the repository root') from err
from threadpoolctl import threadpool_limits
threadpool_limits(1)                    # one BLAS thread on shared machines (lesson 1 says why)
FAST = os.environ.get("MINIGAN_FAST") == "1"   # the test suite runs every lesson in a fast mode
WORK = tempfile.mkdtemp(prefix="minigan-lesson-")  # lessons write files here, never into the repository
import numpy as np
import matplotlib.pyplot as plt
mg.manual_seed(0);  # ";": the generator it returns (as torch.manual_seed does) is not displayed


# %% [markdown]
# ## 1. Central differences, and why float64
#
# The derivative is a limit, $f'(x) = \lim_{\varepsilon\to 0} (f(x+\varepsilon) - f(x-\varepsilon)) / 2\varepsilon$.
# With a finite $\varepsilon$ the **central** difference has a truncation error of at most
# $\varepsilon^2 |f'''|/6$; but it also subtracts two nearly equal numbers, each rounded to the
# floating-point precision $u$ ($u \approx 6\cdot10^{-8}$ in float32, $1.1\cdot10^{-16}$ in float64),
# which costs a rounding error of at most about $u|f|/\varepsilon$. The bound on the total,
# $\varepsilon^2 |f'''|/6 + u|f|/\varepsilon$, is smallest at $\varepsilon^* = (3u|f|/|f'''|)^{1/3}$, of the order
# of $u^{1/3}$, and there it is of the order of $u^{2/3}$: about $10^{-5}$ in float32 — as big as a real
# bug — but $2\cdot10^{-11}$ in float64. That is why every gradient check runs in float64.
#
# For $f = \sin$ at $x = 1$ (so $|f| = \sin 1$, $|f'''| = \cos 1$): the measured errors, and the bound (dashed).
# The errors stay under the bound at every $\varepsilon$; near $\varepsilon^*$ they are typically within a
# small factor of it, while the single best $\varepsilon$ can be much better — rounding errors that happen to
# cancel. A gradient check cannot pick its lucky $\varepsilon$: the bound is what it must allow for.

# %%
x0, exact = 1.0, np.cos(1.0)                 # f = sin, f' = cos, |f'''| = cos
eps = np.logspace(-12, -1, 45)
errors, bounds, sweet = {}, {}, {}
for dtype in (np.float32, np.float64):
    xs, e = dtype(x0), eps.astype(dtype)
    estimate = (np.sin(xs + e) - np.sin(xs - e)) / (2 * e)
    name, u = dtype.__name__, np.finfo(dtype).eps / 2          # u: the unit roundoff
    errors[name] = np.abs(estimate.astype(np.float64) - exact)
    bounds[name] = eps ** 2 * np.cos(x0) / 6 + u * np.sin(x0) / eps
    sweet[name] = (3 * u * np.sin(x0) / np.cos(x0)) ** (1 / 3)

fig, ax = plt.subplots(figsize=(6, 3.5))
for i, name in enumerate(errors):
    ax.loglog(eps, np.maximum(errors[name], 1e-17), "o-", ms=3, c=f"C{i}", label=name)
    ax.loglog(eps, bounds[name], "--", c=f"C{i}", lw=1, label=f"{name}: the bound")
ax.set_xlabel("ε"); ax.set_ylabel("|central difference − cos(1)|"); ax.legend(fontsize=8)
ax.set_title("rounding error (left) vs truncation error (right)")
plt.show()
for name in errors:
    near = (eps > sweet[name] / 3) & (eps < sweet[name] * 3)            # within a factor 3 of ε*
    typical = np.median(errors[name][near])
    print(f"{name}: ε* = {sweet[name]:.1e}, the bound there {bounds[name].min():.1e}; measured within a "
          f"factor 3 of ε*: median {typical:.1e}; best single ε {errors[name].min():.1e}")
    assert np.all(errors[name] <= 1.01 * bounds[name])                  # the bound holds at every ε ...
    assert 0.1 * bounds[name].min() < typical <= bounds[name].min()     # ... and is the right size near ε*
assert 5e-6 < bounds["float32"].min() < 5e-5 and 5e-12 < bounds["float64"].min() < 5e-11
assert 1e-7 < eps[errors["float64"].argmin()] < 1e-3      # the sweet spot near u^(1/3)

# %% [markdown]
# ## 2. Your own op, and a gradcheck report
#
# Every operation in minigan is a `Function` with two static methods side by side: `forward` takes raw
# arrays and returns the result; `backward` takes the gradient of the output ($g$) and returns one
# gradient per input. Here is the sigmoid $\sigma(a) = 1/(1+e^{-a})$, whose derivative
# $\sigma(a)(1-\sigma(a))$ reuses the forward's result, kept with `ctx.save_for_backward`.
#
# `mg.gradcheck(fn, inputs)` builds the whole Jacobian twice — from `backward` (one backward pass per
# output element) and from central differences in float64 (two forward passes per input element) —
# and compares them. A broken backward (below, the factor $1-\sigma$ forgotten) gets a report naming
# the input, the element, both values and the tolerance.

# %%
class MySigmoid(mg.Function):
    @staticmethod
    def forward(ctx, a):
        y = 1 / (1 + np.exp(-a))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors            # the output, as a Tensor of the graph
        return grad * y * (1 - y)


class BrokenSigmoid(MySigmoid):
    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y                     # forgot (1 - y)


z = mg.tensor([-2.0, 0.0, 3.0], dtype=mg.float64, requires_grad=True)
assert mg.gradcheck(MySigmoid.apply, (z,))
report = None
try:
    mg.gradcheck(BrokenSigmoid.apply, (z,))
except mg.GradcheckError as err:
    report = str(err)
print(report)
assert report is not None and "analytic" in report and "numeric" in report

# %% [markdown]
# Reading it: *input 0, element (2,); output 0, element (2,)* is the entry $\partial y_2/\partial a_2$ of
# the Jacobian, at $a_2 = 3$ where the error is largest. The analytic value is $\sigma(3) = 0.953$,
# the numeric one $\sigma(3)(1-\sigma(3)) = 0.045$: their ratio is $1/(1-\sigma)$, which points straight
# at the missing factor.

# %%
s = 1 / (1 + np.exp(-3.0))
assert "element (2,)" in report
assert f"{s:.8e}" in report and f"{s * (1 - s):.8e}"[:8] in report   # analytic exactly, numeric to 6 digits

# %% [markdown]
# ### Same formula, different numbers: overflow
#
# `MySigmoid` computes $1/(1+e^{-a})$. For $a = -1000$, $e^{1000}$ overflows to `inf` and NumPy warns —
# but $1/\infty = 0$ is the right answer, so nothing visibly breaks. Rearrange the *same* formula as
# $e^{a}/(1+e^{a})$ and evaluate at $a = +1000$: now it is $\infty/\infty$ = `nan`, and a `nan` in a loss
# silently poisons every weight it touches. minigan's `mg.sigmoid` never exponentiates a positive
# number: it uses $e^{-|a|}$ and picks the formula by the sign of $a$.

# %%
import warnings

def sigmoid_rearranged(a):
    return np.exp(a) / (1 + np.exp(a))

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    far_left = MySigmoid.apply(mg.tensor([-1000.0], dtype=mg.float64)).item()
    far_right = sigmoid_rearranged(np.float64(1000.0))
print(f"MySigmoid(-1000) = {far_left}, rearranged(+1000) = {far_right}; warnings: {[str(w.message) for w in caught]}")
assert far_left == 0.0 and np.isnan(far_right)
assert any("overflow" in str(w.message) for w in caught)

with warnings.catch_warnings():
    warnings.simplefilter("error")                                    # any warning would fail here
    stable = mg.sigmoid(mg.tensor([-1000.0, 0.0, 1000.0], dtype=mg.float64)).numpy()
assert np.array_equal(stable, [0.0, 0.5, 1.0])

# %% [markdown]
# ## 3. Backwards that can be differentiated again
#
# The gradient penalty of WGAN-GP (lesson 12) differentiates a gradient: training must run a backward
# *of a backward*. That works only if every backward is written with **Tensor operations** on tensors
# that belong to the graph. The rule for what `ctx.saved_tensors` gives back:
#
# | saved in forward | comes back in backward as | differentiable again? |
# |---|---|---|
# | an **input** array (the very object forward received) | the input Tensor itself | yes |
# | the **output** array (the very object forward returned) | a Tensor pointing back to this node | yes |
# | any other array (a copy, an intermediate) | a **constant** Tensor | no: its derivative is lost |
#
# `ConstExp` below saves a *copy* of its output. Its first derivative is right, so `gradcheck` passes;
# but in backward `y` is a constant, so the second derivative of $e^x$ comes out as zero, and only
# `gradgradcheck` catches it.

# %%
class GoodExp(mg.Function):
    @staticmethod
    def forward(ctx, a):
        y = np.exp(a)
        ctx.save_for_backward(y)            # the output itself: a graph tensor in backward
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class ConstExp(GoodExp):
    @staticmethod
    def forward(ctx, a):
        y = np.exp(a)
        ctx.save_for_backward(y.copy())     # a copy: a constant in backward
        return y


x = mg.tensor([-1.0, 0.5, 2.0], dtype=mg.float64, requires_grad=True)
assert mg.gradcheck(GoodExp.apply, (x,)) and mg.gradgradcheck(GoodExp.apply, (x,))
assert mg.gradcheck(ConstExp.apply, (x,))          # first order: fine
second_order = None
with warnings.catch_warnings(record=True) as warned:   # it also warns: shown and explained below
    warnings.simplefilter("always")
    try:
        mg.gradgradcheck(ConstExp.apply, (x,))
    except mg.GradcheckError as err:
        second_order = str(err)
print(second_order)
assert any(issubclass(w.category, mg.SavedConstantWarning) for w in warned)
assert second_order is not None and "analytic (from backward)      = 0.00000000e+00" in second_order

# %% [markdown]
# The same failure, seen directly: the derivative of $e^x$ is $e^x$, and so is its second derivative.

# %%
(d1,) = mg.grad(GoodExp.apply(x).sum(), x, create_graph=True)
(d2,) = mg.grad(d1.sum(), x)
assert np.allclose(d2.detach().numpy(), np.exp(x.detach().numpy()))
with warnings.catch_warnings():
    warnings.simplefilter("ignore", mg.SavedConstantWarning)        # it warns: the next cell shows it
    (c1,) = mg.grad(ConstExp.apply(x).sum(), x, create_graph=True)
assert np.allclose(c1.detach().numpy(), np.exp(x.detach().numpy())) and not c1.requires_grad   # a dead end for a second grad

# %% [markdown]
# minigan does not leave you to find this by luck: when a backward that builds a graph
# (`create_graph=True`) meets a saved array that is neither the Function's input nor its output, it
# warns with `mg.SavedConstantWarning`, naming the Function. A true constant (a mask, a running
# statistic) is kept as a plain attribute, `ctx.mask = ...`, which says so and does not warn.

# %%
import warnings

with warnings.catch_warnings(record=True) as caught_warnings:
    warnings.simplefilter("always")
    mg.grad(ConstExp.apply(x).sum(), x, create_graph=True)
    mg.grad(GoodExp.apply(x).sum(), x, create_graph=True)
messages = [str(w.message) for w in caught_warnings if issubclass(w.category, mg.SavedConstantWarning)]
print(messages[0])
assert len(messages) == 1 and "ConstExp" in messages[0]   # the copy warns; GoodExp does not

# %% [markdown]
# ## 4. How the exercises work
#
# The graded exercises in `exercises/` are exactly this: a stub (`raise NotImplementedError`) with a
# docstring stating the task, and tests that check values, then `gradcheck`, then `gradgradcheck` —
# so a backward computed in raw NumPy, which cannot be differentiated again, fails like `ConstExp`
# did. One pytest marker grades one exercise (`pytest -m ex_sigmoid`), and a switch points the tests
# at your own file instead of minigan's reference; `exercises/LESSONS.md` has the commands.
#
# **Try this.**
# 1. Read the sigmoid in `minigan/ops/elementwise.py`. Write `BCE = -log(sigmoid(a))` with `MySigmoid`
#    and evaluate it at $a = -200$ in float32: what do you get, and what does `mg.functional.softplus(-a)` give?
# 2. Give `gradcheck` float32 inputs made with `mg.tensor(..., dtype=mg.float32)`: what does it do to them, and why?
# 3. Write `MyTanh` (derivative $1-\tanh^2$) saving the **input** instead of the output, and pass both checks.
#
# ## Exercises
#
# The graded exercises live in `exercises/`: `exercises/LESSONS.md` lists them per lesson, with how to
# grade one (`pytest exercises/tests -m <marker>`) and more hints in `exercises/HINTS.md`.
#
# - **`ex_sum_to`** (exercise 3): sum a broadcast gradient back to a shape — hint: sum the leading
#   dimensions broadcasting added, then (with `keepdims`) every dimension that is 1 in the target.
# - **`ex_matmul`** (exercise 4): matmul's backward with batch broadcasting — hint: $\partial L/\partial A = g B^\top$
#   has the broadcast batch shape; `mg.sum_to` brings it back to $A$'s shape.
