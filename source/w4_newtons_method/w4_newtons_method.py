# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-01", "locked": true, "schema_version": 3, "solution": false}
# # Week 4 — Newton's method in one and two variables
#
# Gradient descent (weeks 2 and 3) uses only the slope: it needs a learning rate, and it
# creeps once the slope gets small. **Newton's method** also uses the *curvature*, the second
# derivative: at every step it fits a parabola (a quadratic surface, in two variables) to the
# function and jumps straight to its lowest point. Near a minimum the number of correct
# digits doubles at every step. This week you write Newton's method for a root, turn it into
# a minimiser, derive a **Hessian** by hand, run Newton's method in two variables against
# gradient descent, and see where it goes wrong.
#
# The function of sections 2 and 3 is
#
# $$f(x, y) = x^4 + 0.8\,y^4 + 4x^2 + 2y^2 - xy - 0.2\,x^2y .$$
#
# **Data: none.** Nothing is loaded this week: every function is written out in this
# notebook.
#
# **Grading.** Four exercises, 12 points. Hidden checks evaluate your gradient and Hessian at
# other points, and call your Newton functions with derivative functions *they* give them
# (other functions, other starts, other numbers of iterations), so each exercise counts on
# its own: a wrong `hessian_f` costs only its own points.

# %% nbgrader={"grade": false, "grade_id": "code-02", "locked": true, "schema_version": 3, "solution": false}
import numpy as np
import matplotlib.pyplot as plt

from graders import assert_close  # the visible tests' comparison helper


def f(x, y):
    """The function of sections 2 and 3."""
    return x**4 + 0.8 * y**4 + 4 * x**2 + 2 * y**2 - x * y - 0.2 * x**2 * y


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-03", "locked": true, "schema_version": 3, "solution": false}
# ## 1. Root finding with tangent lines
#
# To solve $g(x) = 0$, start at a guess $x_0$, replace $g$ by its tangent line there,
# $g(x_0) + g'(x_0)(x - x_0)$, and take the tangent's root as the next guess:
#
# $$x_{k+1} = x_k - \frac{g(x_k)}{g'(x_k)} .$$
#
# Below, $g(x) = x^2 - 2$ from $x_0 = 3$: each tangent (dashed) meets the axis closer to
# $\sqrt 2$, and the number of correct digits roughly doubles at every step.

# %% tags=["skip-when-grading"]
g = lambda x: x**2 - 2
dg = lambda x: 2 * x
xs = np.linspace(0.5, 3.2, 200)
plt.figure(figsize=(6, 4))
plt.plot(xs, g(xs), label="$g(x) = x^2 - 2$")
plt.axhline(0, color="black", lw=0.8)
xk = 3.0
for k in range(3):
    x_next = xk - g(xk) / dg(xk)
    plt.plot([xk, x_next], [g(xk), 0], "--", color="crimson")
    plt.plot([xk], [g(xk)], "o", color="crimson")
    xk = x_next
plt.xlabel("x"); plt.legend(); plt.title("Three tangent steps towards the root sqrt(2)")
plt.show()
xk = 3.0
for k in range(6):
    print(f"x_{k} = {xk:.15f}   error {abs(xk - np.sqrt(2)):.1e}")
    xk = xk - g(xk) / dg(xk)


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-05", "locked": true, "schema_version": 3, "solution": false}
# ### Optimisation is root finding of $f'$
#
# A smooth function of one variable has its minimum where $f'(x) = 0$. Apply the same step
# to $g = f'$:
#
# $$x_{k+1} = x_k - \frac{f'(x_k)}{f''(x_k)} .$$
#
# Read it another way: the second-order Taylor polynomial
# $f(x_k) + f'(x_k)\,s + \tfrac12 f''(x_k)\,s^2$ is a parabola, and its vertex is at
# $s = -f'(x_k)/f''(x_k)$. When $f''(x_k) > 0$ the parabola opens upwards and the step goes to
# its minimum.
#
# ## Exercise 1: Newton's method in one variable (3 points)
#
# `newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25)`: start at `x0`, make exactly
# `num_iterations` steps $x \leftarrow x - f'(x)/f''(x)$ with the functions **passed in**
# (`dfdx(x)` is $f'(x)$, `d2fdx2(x)` is $f''(x)$), and return $x$ as a float. With 0
# iterations it returns `x0`.

# %% nbgrader={"grade": false, "grade_id": "newtons_method_1d", "locked": false, "schema_version": 3, "solution": true}
def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25):
    """num_iterations Newton steps x <- x - f'(x) / f''(x) from x0, with the functions given; a float."""
    ### BEGIN SOLUTION
    x = x0
    for _ in range(num_iterations):
        x = x - dfdx(x) / d2fdx2(x)
    return float(x)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_newtons_method_1d", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""newtons_method_1d makes num_iterations Newton steps with the derivatives it is given."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w4_newtons_method", "test_newtons_method_1d", globals())
### END HIDDEN TESTS
# (x - 3)^2: f'(x) = 2(x - 3), f''(x) = 2; one step lands on the vertex
assert_close(newtons_method_1d(lambda x: 2 * (x - 3.0), lambda x: 2.0, 10.0, num_iterations=1), 3.0,
             name="one step on (x - 3)^2 from 10")
assert_close(newtons_method_1d(lambda x: 2 * (x - 3.0), lambda x: 2.0, 10.0, num_iterations=0), 10.0,
             name="zero iterations return x0")
# e^x - 2x: f'(x) = e^x - 2, f''(x) = e^x, minimum at ln 2
assert_close(newtons_method_1d(lambda x: np.exp(x) - 2, np.exp, 1.0, num_iterations=1), 1.0 - (np.e - 2) / np.e,
             name="one step on e^x - 2x from 1")
assert_close(newtons_method_1d(lambda x: np.exp(x) - 2, np.exp, 1.0), np.log(2.0), name="minimum of e^x - 2x")

# %% tags=["skip-when-grading"]
# Newton against gradient descent on e^x - 2x (minimum at ln 2), both from x = 2
d1, d2 = (lambda x: np.exp(x) - 2), np.exp
x_gd = 2.0
print(" k   Newton's error   gradient descent's error (rate 0.3)")
for k in range(7):
    x_newton = newtons_method_1d(d1, d2, 2.0, num_iterations=k)
    print(f"{k:2d}   {abs(x_newton - np.log(2)):14.1e}   {abs(x_gd - np.log(2)):14.1e}")
    x_gd = x_gd - 0.3 * d1(x_gd)


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-07", "locked": true, "schema_version": 3, "solution": false}
# ## 2. Second derivatives and the Hessian
#
# In two variables the slope is the **gradient** $\nabla f = (\partial f/\partial x,\
# \partial f/\partial y)$ and the curvature is the **Hessian**, the matrix of second partial
# derivatives:
#
# $$H(x, y) = \begin{pmatrix} \dfrac{\partial^2 f}{\partial x^2} & \dfrac{\partial^2 f}{\partial x\,\partial y} \\[2ex]
# \dfrac{\partial^2 f}{\partial y\,\partial x} & \dfrac{\partial^2 f}{\partial y^2} \end{pmatrix}.$$
#
# Differentiate $f$ term by term, holding the other variable constant (for instance
# $\partial(x^2y)/\partial x = 2xy$ and $\partial(x^2y)/\partial y = x^2$). For a smooth $f$ the
# two mixed partials are equal (Schwarz's theorem), so $H$ is **symmetric**: differentiate
# both ways and check that you get the same thing.
#
# ## Exercise 2: the gradient (2 points)
#
# `gradient_f(x, y)` returns `np.array([df/dx, df/dy])`, from your derivation (exact
# formulas, no finite differences). Check: at $(1, 1)$ the gradient is $(10.6,\ 6)$.

# %% nbgrader={"grade": false, "grade_id": "gradient_f", "locked": false, "schema_version": 3, "solution": true}
def gradient_f(x, y):
    """The gradient of f at (x, y): array([df/dx, df/dy]), derived by hand."""
    ### BEGIN SOLUTION
    dfdx = 4 * x**3 + 8 * x - y - 0.4 * x * y
    dfdy = 3.2 * y**3 + 4 * y - x - 0.2 * x**2
    return np.array([dfdx, dfdy], dtype=np.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_f", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""gradient_f is the gradient of f (hand values and finite differences)."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w4_newtons_method", "test_gradient_f", globals())
### END HIDDEN TESTS
assert_close(np.asarray(gradient_f(0.0, 0.0)), np.array([0.0, 0.0]), name="gradient_f(0, 0)")
assert_close(np.asarray(gradient_f(1.0, 1.0)), np.array([10.6, 6.0]), name="gradient_f(1, 1)")
h = 1e-6
x, y = 0.7, -1.2
assert_close(np.asarray(gradient_f(x, y)), np.array([(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)]),
             name="gradient_f(0.7, -1.2) vs the slopes of f", rtol=1e-6)


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-08", "locked": true, "schema_version": 3, "solution": false}
# ## Exercise 3: the Hessian (3 points)
#
# `hessian_f(x, y)` returns the $2\times2$ array `[[f_xx, f_xy], [f_yx, f_yy]]`, from your
# derivation. Check: at $(1, 1)$ it is $\begin{pmatrix} 19.6 & -1.4 \\ -1.4 & 13.6 \end{pmatrix}$.

# %% nbgrader={"grade": false, "grade_id": "hessian_f", "locked": false, "schema_version": 3, "solution": true}
def hessian_f(x, y):
    """The Hessian of f at (x, y): the 2 x 2 array of second partial derivatives, derived by hand."""
    ### BEGIN SOLUTION
    d2fdx2 = 12 * x**2 + 8 - 0.4 * y
    d2fdxdy = -1 - 0.4 * x
    d2fdy2 = 9.6 * y**2 + 4
    return np.array([[d2fdx2, d2fdxdy], [d2fdxdy, d2fdy2]], dtype=np.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_hessian_f", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""hessian_f is the symmetric matrix of second derivatives of f."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w4_newtons_method", "test_hessian_f", globals())
### END HIDDEN TESTS
assert_close(np.asarray(hessian_f(1.0, 1.0)), np.array([[19.6, -1.4], [-1.4, 13.6]]), name="hessian_f(1, 1)")
assert_close(np.asarray(hessian_f(0.0, 0.0)), np.array([[8.0, -1.0], [-1.0, 4.0]]), name="hessian_f(0, 0)")
H = np.asarray(hessian_f(2.0, -3.0))
assert_close(H, H.T, name="hessian_f(2, -3) against its transpose (symmetry)")
h = 1e-6
x, y = 0.7, -1.2
grad = lambda x, y: np.asarray(gradient_f(x, y))
slopes = np.column_stack([(grad(x + h, y) - grad(x - h, y)) / (2 * h), (grad(x, y + h) - grad(x, y - h)) / (2 * h)])
assert_close(np.asarray(hessian_f(x, y)), slopes, name="hessian_f(0.7, -1.2) vs the slopes of your gradient_f", rtol=1e-6)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-09", "locked": true, "schema_version": 3, "solution": false}
# ### Where is the Hessian positive definite?
#
# A symmetric $2\times2$ matrix is positive definite (both eigenvalues $> 0$: the surface
# curves upwards in every direction) exactly when $f_{xx} > 0$ and $\det H > 0$. Here
# $f_{yy} = 9.6y^2 + 4 > 0$ everywhere and $f_{xx} = 12x^2 + 8 - 0.4y$ is negative only when
# $y > 20 + 30x^2$. At the origin $\nabla f = 0$ and $H = \begin{pmatrix} 8 & -1 \\ -1 & 4\end{pmatrix}$,
# with $\det H = 31 > 0$: $(0, 0)$ is a minimum (in fact the only one), and Newton's method is
# on safe ground anywhere near it. The map below shades where your Hessian is **not**
# positive definite.

# %% tags=["skip-when-grading"]
gx, gy = np.meshgrid(np.linspace(-3, 3, 61), np.linspace(-5, 60, 66))
smallest = np.vectorize(lambda x, y: np.linalg.eigvalsh(hessian_f(x, y))[0])(gx, gy)
plt.figure(figsize=(6, 4))
plt.contourf(gx, gy, smallest < 0, levels=[-0.5, 0.5, 1.5], colors=["white", "salmon"])
plt.plot(np.linspace(-3, 3, 100), 20 + 30 * np.linspace(-3, 3, 100) ** 2, "k--", label="$y = 20 + 30x^2$")
plt.ylim(-5, 60); plt.xlabel("x"); plt.ylabel("y"); plt.legend()
plt.title("Shaded: the Hessian of f is not positive definite")
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-11", "locked": true, "schema_version": 3, "solution": false}
# ## 3. Newton's method in two variables
#
# The second-order Taylor approximation around $\mathbf{x}_k$ is a quadratic surface,
# $f(\mathbf{x}_k) + \nabla f^\top \mathbf{s} + \tfrac12\,\mathbf{s}^\top H\,\mathbf{s}$. Setting its
# gradient $\nabla f + H\mathbf{s}$ to zero gives Newton's step:
#
# $$\mathbf{x}_{k+1} = \mathbf{x}_k - H(\mathbf{x}_k)^{-1}\,\nabla f(\mathbf{x}_k).$$
#
# The division of one variable becomes a linear system: $\mathbf{s} = H^{-1}\nabla f$ is the
# solution of $H\mathbf{s} = \nabla f$, `np.linalg.solve(H, g)` (or `np.linalg.inv(H) @ g`).
# It is **not** `H @ g`, and not `g / H`.
#
# ## Exercise 4: Newton's method in two variables (4 points)
#
# `newtons_method_2d(grad, hessian, x0, num_iterations=25)`: start at `x0` (an array
# $(x, y)$), make exactly `num_iterations` Newton steps with the functions **passed in**,
# called like yours, `grad(x, y)` and `hessian(x, y)`, and return the point as an array of
# shape `(2,)`. The hidden tests pass in the gradients and Hessians of other functions.

# %% nbgrader={"grade": false, "grade_id": "newtons_method_2d", "locked": false, "schema_version": 3, "solution": true}
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    """num_iterations Newton steps x <- x - H(x)^-1 grad(x) from x0, with the functions given; an array (2,)."""
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=np.float64)
    for _ in range(num_iterations):
        step = np.linalg.solve(hessian(x[0], x[1]), grad(x[0], x[1]))
        x = x - step
    return x
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_newtons_method_2d", "locked": true, "points": 4, "schema_version": 3, "solution": false}
"""newtons_method_2d makes num_iterations Newton steps with the functions it is given."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w4_newtons_method", "test_newtons_method_2d", globals())
### END HIDDEN TESTS
# q(x, y) = (x - 1)^2 + 2(y + 1)^2 + (x - 1)(y + 1): a quadratic whose Hessian is not diagonal
q_grad = lambda x, y: np.array([2 * (x - 1) + (y + 1), 4 * (y + 1) + (x - 1)])
q_hessian = lambda x, y: np.array([[2.0, 1.0], [1.0, 4.0]])
assert_close(np.asarray(newtons_method_2d(q_grad, q_hessian, np.array([5.0, 5.0]), num_iterations=1)),
             np.array([1.0, -1.0]), name="one step on a quadratic lands on its minimum")
assert_close(np.asarray(newtons_method_2d(q_grad, q_hessian, np.array([5.0, 5.0]), num_iterations=0)),
             np.array([5.0, 5.0]), name="zero iterations return x0")
assert_close(np.asarray(newtons_method_2d(gradient_f, hessian_f, np.array([4.0, 4.0]))), np.array([0.0, 0.0]),
             name="the minimum of f from (4, 4)", atol=1e-8)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-12", "locked": true, "schema_version": 3, "solution": false}
# ### Newton against gradient descent
#
# Both from $(4, 4)$. Gradient descent needs a learning rate small enough for the steep walls
# of $x^4$ (at $(4,4)$ the curvature is about 200, so the rate must stay below $2/200$); near
# the minimum that rate is far too timid. Newton's step adapts to the curvature by itself.

# %% tags=["skip-when-grading"]
start = np.array([4.0, 4.0])
newton_path = np.array([newtons_method_2d(gradient_f, hessian_f, start, num_iterations=k) for k in range(9)])
gd_path, p = [start], start.copy()
for _ in range(300):
    p = p - 0.01 * gradient_f(*p)
    gd_path.append(p)
gd_path = np.array(gd_path)
gx, gy = np.meshgrid(np.linspace(-1.5, 4.5, 121), np.linspace(-1.5, 4.5, 121))
plt.figure(figsize=(6, 5.5))
plt.contour(gx, gy, f(gx, gy), levels=np.geomspace(0.05, 600, 25), cmap="Blues")
plt.plot(gd_path[:, 0], gd_path[:, 1], ".-", ms=3, color="grey", label="gradient descent, rate 0.01 (300 steps)")
plt.plot(newton_path[:, 0], newton_path[:, 1], "o-", color="crimson", label="Newton (8 steps)")
plt.xlabel("x"); plt.ylabel("y"); plt.legend(); plt.title("f(x, y) and two paths from (4, 4)")
plt.show()

def iterations_to_converge(step, start, tol=1e-8, limit=5000):
    p, k = np.array(start, dtype=float), 0
    while np.linalg.norm(gradient_f(*p)) >= tol and k < limit:
        p, k = step(p), k + 1
    return k

print("iterations until ||grad f|| < 1e-8, from (4, 4):")
print(f"  Newton's method                  {iterations_to_converge(lambda p: newtons_method_2d(gradient_f, hessian_f, p, 1), start):5d}")
for rate in (0.01, 0.005):
    print(f"  gradient descent, rate {rate:<5}     {iterations_to_converge(lambda p: p - rate * gradient_f(*p), start):5d}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-14", "locked": true, "schema_version": 3, "solution": false}
# Each Newton step costs more (a Hessian and a linear solve, $O(n^3)$ for $n$ parameters:
# hopeless for the millions of weights of a neural network, where gradient descent and its
# cousins rule), but it needs a handful of steps where gradient descent needs hundreds.
#
# ## 4. Where Newton goes wrong
#
# Newton's method looks for a point where the gradient is zero. It does not know whether
# that point is a minimum, a maximum or a saddle, and its step is only as good as the
# quadratic model it jumps into.
#
# **It overshoots.** $f(x) = \sqrt{1 + x^2}$ has its minimum at 0, but its curvature
# $f''(x) = (1 + x^2)^{-3/2}$ fades fast away from it, so the parabola is too flat and the
# step too long: Newton's step is $x \leftarrow -x^3$. From $0.9$ it converges; from $1.1$
# every step lands farther away on the other side.

# %% tags=["skip-when-grading"]
d1 = lambda x: x / np.sqrt(1 + x**2)
d2 = lambda x: (1 + x**2) ** -1.5
for x0 in (0.9, 1.1):
    print(f"from {x0}:", ", ".join(f"{newtons_method_1d(d1, d2, x0, num_iterations=k):.4g}" for k in range(6)))

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-16", "locked": true, "schema_version": 3, "solution": false}
# **It climbs.** Where the Hessian is not positive definite, the quadratic model has no
# minimum and Newton's step can go uphill. Take $h(x, y) = x^4 - 2x^2 + y^2$, whose minima are
# $(\pm1, 0)$ and which has a saddle at $(0, 0)$. At $(0.3, 0.1)$, $h_{xx} = 12x^2 - 4 < 0$:
# Newton's step *raises* $h$ and heads for the saddle, while gradient descent from the same
# start rolls down to the minimum at $(1, 0)$.

# %% tags=["skip-when-grading"]
h = lambda x, y: x**4 - 2 * x**2 + y**2
h_grad = lambda x, y: np.array([4 * x**3 - 4 * x, 2 * y])
h_hessian = lambda x, y: np.array([[12 * x**2 - 4, 0.0], [0.0, 2.0]])
start = np.array([0.3, 0.1])
print("eigenvalues of the Hessian at the start:", np.linalg.eigvalsh(h_hessian(*start)))
for k in range(4):
    p = newtons_method_2d(h_grad, h_hessian, start, num_iterations=k)
    print(f"Newton, {k} steps: ({p[0]: .5f}, {p[1]: .5f}), h = {h(*p): .5f}")
p = start.copy()
for _ in range(200):
    p = p - 0.05 * h_grad(*p)
print(f"gradient descent, 200 steps at rate 0.05: ({p[0]:.5f}, {p[1]:.5f}), h = {h(*p):.5f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-18", "locked": true, "schema_version": 3, "solution": false}
# **When to trust it:** close to a minimum where the Hessian is positive definite, Newton's
# method converges in a few steps, quadratically. Far from one, check that each step lowers
# $f$ (and shorten it if not), or make the Hessian positive definite by adding $\lambda I$ (the
# idea behind Levenberg–Marquardt) before solving.
#
# ## What you did
#
# You turned the tangent line into a root finder and the root finder into a minimiser, derived
# the gradient and the Hessian of a function of two variables by hand, found where its
# Hessian is positive definite, and watched Newton's method reach in eight steps what gradient
# descent needs hundreds for, and fail where its quadratic model lies. That closes the course:
# derivatives, gradients, the chain rule, and now curvature.
