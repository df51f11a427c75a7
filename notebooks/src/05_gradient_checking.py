# %% [markdown]
# # 05 · Gradient checking
#
# Backpropagation is only as right as each operation's backward rule, and a wrong rule fails
# silently: the network still trains, just worse. The remedy is old and simple — compare the
# analytic gradient with a **finite-difference** estimate. This notebook does that by hand, then
# with `autograd.gradcheck`, then uses it to catch a bug planted in a custom `autograd.Function`,
# and finally turns the check into a **property test** with hypothesis.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
from autograd import Function, GradcheckError, gradcheck, gradgradcheck

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## Finite differences by hand
#
# The derivative is a limit, $f'(x) = \lim_{h\to 0} (f(x+h) - f(x))/h$. With a finite step $h$:
#
# * the **forward difference** $(f(x+h) - f(x))/h$ has truncation error $O(h)$;
# * the **central difference** $(f(x+h) - f(x-h))/2h$ has truncation error $O(h^2)$ — the $f''$ terms
#   cancel.
#
# But $h$ cannot shrink forever: $f(x+h) - f(x)$ subtracts two nearly equal numbers, and the
# floating-point **rounding error** of about $\epsilon_\text{machine}/h$ grows as $h$ shrinks. The
# total error is smallest in between. Take $f(x) = x^3 \sin x$ at $x = 1.3$, with the exact derivative
# from the engine:

# %%
def f(t):
    return t**3 * t.sin()


x0 = ag.tensor(1.3, dtype=ag.float64, requires_grad=True)
f(x0).backward()
exact = x0.grad.item()
print(f"f'(1.3) from backward: {exact:.15f}")
print(f"hand-derived 3x²sin x + x³cos x: {3 * 1.3**2 * np.sin(1.3) + 1.3**3 * np.cos(1.3):.15f}")


def f_value(x, dtype):
    return f(ag.tensor(x, dtype=dtype)).item()


steps = np.logspace(-14, -1, 60)
errors = {}
for dtype in (ag.float64, ag.float32):
    errors["forward", dtype.name] = [abs((f_value(1.3 + h, dtype) - f_value(1.3, dtype)) / h - exact) for h in steps]
    errors["central", dtype.name] = [abs((f_value(1.3 + h, dtype) - f_value(1.3 - h, dtype)) / (2 * h) - exact) for h in steps]

fig, ax = plt.subplots(figsize=(8, 4))
for (kind, dtype), err in errors.items():
    ax.loglog(steps, np.maximum(err, 1e-17), "-" if dtype == "float64" else ":", label=f"{kind}, {dtype}")
ax.set_xlabel("step h")
ax.set_ylabel("|estimate − f'(x)|")
ax.set_title("finite-difference error: rounding (left) vs truncation (right)")
ax.legend()

best = {key: steps[int(np.argmin(err))] for key, err in errors.items()}
digits = {key: -np.log10(min(err) / abs(exact)) for key, err in errors.items()}  # correct significant digits
for key, h in best.items():
    print(f"{key[0]:8s} {key[1]}: best h ≈ {h:.0e}, error {min(errors[key]):.1e}: {digits[key]:.1f} correct digits")

at_1e6 = int(np.argmin(abs(steps - 1e-6)))
print(f"at gradcheck's h = 1e-6: central error {errors['central', 'float64'][at_1e6]:.1e} in float64, "
      f"{errors['central', 'float32'][at_1e6]:.1e} in float32")
assert errors["central", "float64"][at_1e6] < 1e-8   # gradcheck's eps=1e-6 is accurate in float64 ...
assert errors["central", "float32"][at_1e6] > 1e-2   # ... and useless in float32
assert min(errors["central", "float64"]) < min(errors["forward", "float64"]) / 100  # central beats forward
assert min(errors["central", "float32"]) > 100 * min(errors["central", "float64"])  # float32 never gets close
assert digits["central", "float64"] > 10 and 5 <= digits["central", "float32"] < 7  # the digits the text below quotes
assert digits["forward", "float32"] < 4 < digits["central", "float32"]              # forward differences: fewer

# %% [markdown]
# In float64 the central difference with $h \approx 10^{-5}$–$10^{-6}$ agrees with the true derivative to
# ten or more digits. In float32 even the best step leaves only five or six correct digits (the forward
# difference, fewer than four), that best step has to be found, and at $h = 10^{-6}$ the estimate is
# garbage: $x \pm h$ is barely representable. That is why gradient checks run in **float64**, and why
# `gradcheck` warns when handed float32 inputs.
#
# ## `gradcheck` on built-in operations
#
# `gradcheck(fn, inputs)` builds the full Jacobian of `fn` twice — analytically, one backward pass per
# output element, and numerically, one central difference per input element — and compares them.
# `gradgradcheck` does the same for the first derivatives built with `create_graph=True`, which tests
# second derivatives. Both return `True` or raise a `GradcheckError` that says where they disagree.

# %%
ag.manual_seed(0)
a = ag.randn(3, 4, dtype=ag.float64, requires_grad=True)
b = ag.randn(4, 2, dtype=ag.float64, requires_grad=True)
v = ag.randn(5, dtype=ag.float64, requires_grad=True)

checks = {
    "matmul": (lambda a, b: a @ b, (a, b)),
    "tanh(a) * a": (lambda a: a.tanh() * a, (a,)),
    "softmax(dim=1)": (lambda a: a.softmax(dim=1), (a,)),
    "logsumexp(dim=0)": (lambda a: a.logsumexp(dim=0), (a,)),
    "broadcast a + v[:4]": (lambda a, v: a + v[:4], (a, v)),
    "norm": (lambda v: v.norm(), (v,)),
    "var(dim=1)": (lambda a: a.var(dim=1), (a,)),
}
for name, (fn, inputs) in checks.items():
    first, second = gradcheck(fn, inputs), gradgradcheck(fn, inputs)
    print(f"{name:22s} gradcheck: {first}   gradgradcheck: {second}")
    assert first and second

# %% [markdown]
# ## A custom operation with a planted bug
#
# A user-defined operation subclasses `autograd.Function`, as in PyTorch: `forward` computes the value
# from its input tensors (nothing inside it is recorded) and may save tensors for backward; `backward` receives the gradient of the loss with respect to the output and
# returns one gradient per input. Here is $\mathrm{hypot}(x, y) = \sqrt{x^2 + y^2}$, with
# $\partial r/\partial x = x/r$ and $\partial r/\partial y = y/r$ — and a copy-paste bug in the
# second gradient.

# %%
class BuggyHypot(Function):
    @staticmethod
    def forward(ctx, x, y):
        r = (x * x + y * y).sqrt()      # Tensor ops; nothing inside forward is recorded
        ctx.save_for_backward(x, y, r)  # r is the output: saving it spares recomputing the sqrt
        return r

    @staticmethod
    def backward(ctx, grad):
        x, y, r = ctx.saved_tensors
        return grad * x / r, grad * x / r  # BUG: the gradient for y should use y


x = ag.tensor([[3.0, -1.0, 0.5], [2.0, 1.5, -2.5]], dtype=ag.float64, requires_grad=True)
y = ag.tensor([[4.0, 2.0, -1.2], [-0.7, 1.0, 0.3]], dtype=ag.float64, requires_grad=True)
print("forward is right:", BuggyHypot.apply(x, y).detach().numpy()[0, 0], "= hypot(3, 4)")
assert np.allclose(BuggyHypot.apply(x, y).detach().numpy(), np.hypot(x.detach().numpy(), y.detach().numpy()))

# %% [markdown]
# The forward pass is right, and a training loop would run without complaint. `gradcheck` is not
# fooled. Its report names the **input** whose gradient is wrong, the worst **element**, the two values,
# the output's `grad_fn`, and (for small problems) prints both Jacobians side by side:

# %%
try:
    gradcheck(BuggyHypot.apply, (x, y))
    raise AssertionError("gradcheck should have caught the bug")
except GradcheckError as error:
    print(error)
    report = error

# %% [markdown]
# The report locates the bug: input 0 (`x`) passed, input 1 (`y`) failed, so the fault is in the
# *second* value `backward` returns. The analytic Jacobian has the right (diagonal) structure but the
# wrong values — the signature of a formula using the wrong variable. The error object carries the
# same facts as attributes, which the assertions below use:

# %%
print("input index:", report.input_index, " worst element:", report.input_element,
      f" analytic {report.analytic:.4f} vs numerical {report.numerical:.4f}")
assert report.input_index == 1 and report.grad_fn == "BuggyHypotBackward"
i, j = report.input_element
xv, yv = x.detach().numpy()[i, j], y.detach().numpy()[i, j]
assert np.isclose(report.analytic, xv / np.hypot(xv, yv))   # what the buggy rule computes: x / r
assert np.isclose(report.numerical, yv / np.hypot(xv, yv))  # what it should compute: y / r

# %% [markdown]
# ## The fix
#
# Return `grad * y / r` for `y`. Because the backward rule is written with Tensor operations
# (`*`, `/` on Tensors, not on numpy arrays), the engine can differentiate *it* as well, so the fixed
# op also passes `gradgradcheck` — second derivatives come for free.

# %%
class Hypot(Function):
    """sqrt(x² + y²); d/dx = x/r, d/dy = y/r."""

    @staticmethod
    def forward(ctx, x, y):
        r = (x * x + y * y).sqrt()
        ctx.save_for_backward(x, y, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, y, r = ctx.saved_tensors
        return grad * x / r, grad * y / r


def hypot(x, y):
    return Hypot.apply(x, y)


assert gradcheck(hypot, (x, y))
assert gradgradcheck(hypot, (x, y))
print("fixed Hypot passes gradcheck and gradgradcheck")

# %% [markdown]
# ## A property test with hypothesis
#
# One hand-picked input can miss bugs that show only for some shapes (broadcasting!) or values. A
# **property test** states what must hold for *every* input and lets
# [hypothesis](https://hypothesis.readthedocs.io) search for a counterexample: here, for random
# broadcastable shapes and values, `hypot` matches `numpy.hypot` and passes `gradcheck`. (The
# engine undoes broadcasting for the op, so the custom backward needs no code for it.) The inputs stay
# away from the origin, where the derivative of $\sqrt{x^2+y^2}$ does not exist.

# %%
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
values = st.floats(0.2, 3.0) | st.floats(-3.0, -0.2)  # |value| ≥ 0.2 keeps r away from 0


def float64_array(shape):
    return hnp.arrays(np.float64, shape, elements=values)


def check_hypot(op, shrink=True):
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])

    @settings(max_examples=30, deadline=None, derandomize=True, database=None, phases=phases)
    @given(data=st.data(), shapes=shapes)
    def property_test(data, shapes):
        x_np = data.draw(float64_array(shapes.input_shapes[0]), label="x")
        y_np = data.draw(float64_array(shapes.input_shapes[1]), label="y")
        x = ag.tensor(x_np, requires_grad=True)
        y = ag.tensor(y_np, requires_grad=True)
        assert np.allclose(op(x, y).detach().numpy(), np.hypot(x_np, y_np))
        assert gradcheck(op, (x, y))

    property_test()


check_hypot(hypot)
print("property test passed for the fixed op")

# %% [markdown]
# The same property run against the buggy op fails on the first example hypothesis tries. Normally
# hypothesis would then *shrink* the counterexample to the simplest failing input (here a pair of
# scalars); that search runs hundreds of gradchecks, so it is switched off here to keep the notebook fast.

# %%
try:
    check_hypot(BuggyHypot.apply, shrink=False)
    raise AssertionError("the property test should have failed on the buggy op")
except GradcheckError as error:
    print(str(error).splitlines()[0])
    print(str(error).splitlines()[1])
    assert error.input_index == 1

# %% [markdown]
# ## Takeaways
#
# * Central differences in float64 with $h \approx 10^{-6}$ give about ten correct digits; float32 gives
#   five or six at the very best step, and nothing useful at $h = 10^{-6}$. Check gradients in float64.
# * `gradcheck` compares whole Jacobians and tells you *which* input, output and element disagree;
#   `gradgradcheck` does the same for second derivatives.
# * Write backward rules with Tensor operations, and higher derivatives need no extra code.
# * Property tests over random shapes and values find the cases you did not think to try.
