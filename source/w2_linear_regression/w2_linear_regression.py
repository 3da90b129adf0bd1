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
# # Week 2 — Two variables: a straight line by gradient descent
#
# How heavy is a penguin with 200 mm flippers? Field biologists on the Antarctic Peninsula
# measured both for hundreds of birds. This week you fit the line
# $\hat y = m\,x + b$ to their measurements by minimising the cost
#
# $$E(m, b) = \frac{1}{2n}\sum_{i=1}^{n}\bigl(m\,x_i + b - y_i\bigr)^2,$$
#
# first by computing its **partial derivatives** by hand, then by walking downhill with
# **gradient descent**, and you compare the result with the exact least-squares line.
#
# **The data** (`data/penguins.csv`, 342 penguins): `flipper_length_mm` (input) and
# `body_mass_g` (target), from the Palmer Station Long Term Ecological Research program,
# collected by Dr. Kristen Gorman (Gorman, Williams & Fraser 2014, *PLoS ONE* 9(3): e90081,
# doi:10.1371/journal.pone.0090081). Licence: **CC0**. Extracted from the PyPI package
# `palmerpenguins` 0.1.6; see `data/README.md`.
#
# **Grading.** Seven exercises, 12 points. Hidden checks call your functions on other data
# too, and grade `gradient_descent` with gradient functions *they* give it, so each exercise
# counts on its own.

# %% nbgrader={"grade": false, "grade_id": "code-02", "locked": true, "schema_version": 3, "solution": false}
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from graders import assert_close  # the visible tests' comparison helper


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-03", "locked": true, "schema_version": 3, "solution": false}
# ## 1. Load the data (1 point)
#
# `load_data(path)` returns the `pandas.DataFrame` read from the CSV file: all columns, in
# file order.

# %% nbgrader={"grade": false, "grade_id": "load_data", "locked": false, "schema_version": 3, "solution": true}
def load_data(path):
    """Read the CSV file at `path` into a pandas DataFrame (all columns, file order)."""
    ### BEGIN SOLUTION
    return pd.read_csv(path)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_load_data", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""load_data returns the whole table as a DataFrame."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w2_linear_regression", "test_load_data", globals())
### END HIDDEN TESTS
penguins = load_data("data/penguins.csv")
assert isinstance(penguins, pd.DataFrame), f"expected a DataFrame, got {type(penguins).__name__}"
assert list(penguins.columns) == ["flipper_length_mm", "body_mass_g"], list(penguins.columns)
assert len(penguins) == 342, f"expected 342 rows, got {len(penguins)}"
assert_close(penguins["body_mass_g"].to_numpy()[:3], np.array([3750.0, 3800.0, 3250.0]), name="first three masses")

# %%
penguins = load_data("data/penguins.csv")
x_mm = penguins["flipper_length_mm"].to_numpy(dtype=float)
y_g = penguins["body_mass_g"].to_numpy(dtype=float)
plt.figure(figsize=(6, 4))
plt.scatter(x_mm, y_g, s=10, alpha=0.6)
plt.xlabel("flipper length (mm)"); plt.ylabel("body mass (g)"); plt.title("342 penguins")
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-05", "locked": true, "schema_version": 3, "solution": false}
# ## 2. Normalise (1 point)
#
# Flipper lengths are about 200 and masses about 4000: on such scales one learning rate
# cannot suit both $m$ and $b$. Rescale each variable to mean 0 and standard deviation 1:
# `normalize(values)` returns $(v - \bar v)/\sigma_v$ with the **population** standard
# deviation (`np.std` divides by $n$; `pandas.Series.std` divides by $n-1$).

# %% nbgrader={"grade": false, "grade_id": "normalize", "locked": false, "schema_version": 3, "solution": true}
def normalize(values):
    """(v - mean) / std with the population standard deviation (ddof=0), as a float array."""
    ### BEGIN SOLUTION
    values = np.asarray(values, dtype=np.float64)
    return (values - np.mean(values)) / np.std(values)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_normalize", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""normalize centres and scales with the population std."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w2_linear_regression", "test_normalize", globals())
### END HIDDEN TESTS
assert_close(normalize(np.array([1.0, 2.0, 3.0])), np.array([-1.224744871391589, 0.0, 1.224744871391589]),
             name="normalize([1, 2, 3])")
z = normalize(np.array([4.0, 8.0, 15.0, 16.0, 23.0, 42.0]))
assert_close(np.mean(z), 0.0, name="mean after normalize")
assert_close(np.std(z), 1.0, name="population std after normalize")


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-06", "locked": true, "schema_version": 3, "solution": false}
# ## 3. The line and its cost (1 + 1 points)
#
# `predict(m, b, X)` returns $mX + b$; `E(m, b, X, Y)` returns the cost above as a float
# (mind the $\frac{1}{2n}$).

# %% nbgrader={"grade": false, "grade_id": "predict", "locked": false, "schema_version": 3, "solution": true}
def predict(m, b, X):
    """The line's predictions m * X + b."""
    ### BEGIN SOLUTION
    return m * X + b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_predict", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""predict evaluates the line at every X."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w2_linear_regression", "test_predict", globals())
### END HIDDEN TESTS
assert_close(predict(2.0, 1.0, np.array([0.0, 1.0, 3.0])), np.array([1.0, 3.0, 7.0]), name="predict(2, 1, [0, 1, 3])")


# %% nbgrader={"grade": false, "grade_id": "E", "locked": false, "schema_version": 3, "solution": true}
def E(m, b, X, Y):
    """The cost (1 / 2n) * sum((m * X + b - Y) ** 2)."""
    ### BEGIN SOLUTION
    residual = m * X + b - Y
    return float(np.sum(residual**2) / (2 * len(X)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_E", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""E is the mean squared residual divided by 2."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w2_linear_regression", "test_E", globals())
### END HIDDEN TESTS
X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
assert_close(E(2.0, 0.0, X, Y), 0.0, name="E(2, 0) on the line y = 2x")
assert_close(E(0.0, 0.0, X, Y), 56 / 6, name="E(0, 0, [1, 2, 3], [2, 4, 6])")
assert_close(E(1.0, 1.0, X, Y), 5 / 6, name="E(1, 1, [1, 2, 3], [2, 4, 6])")


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-07", "locked": true, "schema_version": 3, "solution": false}
# ## 4. Partial derivatives (2 + 2 points)
#
# Treat $b$ as a constant and differentiate $E$ with respect to $m$, then the other way round.
# With the residual $r_i = m x_i + b - y_i$, the chain rule gives
# $\frac{\partial}{\partial m} r_i^2 = 2 r_i \frac{\partial r_i}{\partial m}$. Finish the
# derivation, then write `dEdm(m, b, X, Y)` and `dEdb(m, b, X, Y)` (floats, exact formulas;
# no finite differences). Check on the small example: at $(m, b) = (0, 0)$ with
# $X = (1, 2, 3)$, $Y = (2, 4, 6)$: $\partial E/\partial m = -28/3$, $\partial E/\partial b = -4$.

# %% nbgrader={"grade": false, "grade_id": "dEdm", "locked": false, "schema_version": 3, "solution": true}
def dEdm(m, b, X, Y):
    """Partial derivative of E with respect to m: (1 / n) * sum((m * X + b - Y) * X)."""
    ### BEGIN SOLUTION
    residual = m * X + b - Y
    return float(np.mean(residual * X))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dEdm", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""dEdm is the partial derivative of E along m (hand values and finite differences)."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w2_linear_regression", "test_dEdm", globals())
### END HIDDEN TESTS
X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
assert_close(dEdm(0.0, 0.0, X, Y), -28 / 3, name="dEdm(0, 0, [1, 2, 3], [2, 4, 6])")
assert_close(dEdm(2.0, 0.0, X, Y), 0.0, name="dEdm at the best line")
h = 1e-6
assert_close(dEdm(0.7, -0.2, X, Y), (E(0.7 + h, -0.2, X, Y) - E(0.7 - h, -0.2, X, Y)) / (2 * h),
             name="dEdm(0.7, -0.2) vs the slope of your E", rtol=1e-6)


# %% nbgrader={"grade": false, "grade_id": "dEdb", "locked": false, "schema_version": 3, "solution": true}
def dEdb(m, b, X, Y):
    """Partial derivative of E with respect to b: (1 / n) * sum(m * X + b - Y)."""
    ### BEGIN SOLUTION
    residual = m * X + b - Y
    return float(np.mean(residual))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dEdb", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""dEdb is the partial derivative of E along b (hand values and finite differences)."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w2_linear_regression", "test_dEdb", globals())
### END HIDDEN TESTS
X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
assert_close(dEdb(0.0, 0.0, X, Y), -4.0, name="dEdb(0, 0, [1, 2, 3], [2, 4, 6])")
assert_close(dEdb(2.0, 0.0, X, Y), 0.0, name="dEdb at the best line")
h = 1e-6
assert_close(dEdb(0.7, -0.2, X, Y), (E(0.7, -0.2 + h, X, Y) - E(0.7, -0.2 - h, X, Y)) / (2 * h),
             name="dEdb(0.7, -0.2) vs the slope of your E", rtol=1e-6)


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-08", "locked": true, "schema_version": 3, "solution": false}
# ## 5. Gradient descent (4 points)
#
# Starting from $(m, b)$, repeat `num_iterations` times the **simultaneous** update
# $$m \leftarrow m - \alpha\,\frac{\partial E}{\partial m}(m, b), \qquad
#   b \leftarrow b - \alpha\,\frac{\partial E}{\partial b}(m, b),$$
# where both gradients are computed at the *old* $(m, b)$, and return `(m, b)`.
# `gradient_descent` receives the gradient functions as its first two arguments: call
# *those*, not the global `dEdm` and `dEdb` (the hidden tests pass in gradient functions
# of other costs).

# %% nbgrader={"grade": false, "grade_id": "gradient_descent", "locked": false, "schema_version": 3, "solution": true}
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    """Run num_iterations simultaneous updates of (m, b) with the gradient functions given."""
    ### BEGIN SOLUTION
    for _ in range(num_iterations):
        m_new = m - learning_rate * dEdm(m, b, X, Y)
        b_new = b - learning_rate * dEdb(m, b, X, Y)
        m, b = m_new, b_new
    return m, b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_gradient_descent", "locked": true, "points": 4, "schema_version": 3, "solution": false}
"""gradient_descent makes simultaneous steps with the gradient functions it is given."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w2_linear_regression", "test_gradient_descent", globals())
### END HIDDEN TESTS
bowl_dm = lambda m, b, X, Y: 2 * (m - 1.0)   # gradient of (m - 1)^2 + (b - 2)^2
bowl_db = lambda m, b, X, Y: 2 * (b - 2.0)
assert_close(np.array(gradient_descent(bowl_dm, bowl_db, 0.0, 0.0, None, None, 0.25, 1)), np.array([0.5, 1.0]),
             name="one step on a bowl centred at (1, 2)")
assert_close(np.array(gradient_descent(bowl_dm, bowl_db, 3.0, 4.0, None, None, 0.25, 0)), np.array([3.0, 4.0]),
             name="zero iterations return the start")
X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
assert_close(np.array(gradient_descent(dEdm, dEdb, 0.0, 0.0, X, Y, 0.1, 5000)), np.array([2.0, 0.0]),
             name="descent on y = 2x", atol=1e-6)

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-09", "locked": true, "schema_version": 3, "solution": false}
# ## 6. Three ways to the same line
#
# On the normalised data, compare `np.polyfit`, the closed form
# $m = \mathrm{cov}(x, y)/\mathrm{var}(x)$, $b = \bar y - m\bar x$, and your gradient descent.

# %% tags=["skip-when-grading"]
X_norm, Y_norm = normalize(x_mm), normalize(y_g)
m_fit, b_fit = np.polyfit(X_norm, Y_norm, 1)
m_closed = np.mean((X_norm - X_norm.mean()) * (Y_norm - Y_norm.mean())) / np.var(X_norm)
b_closed = Y_norm.mean() - m_closed * X_norm.mean()
m_gd, b_gd = gradient_descent(dEdm, dEdb, 0.0, 0.0, X_norm, Y_norm, learning_rate=0.1, num_iterations=300)
print(pd.DataFrame({"m": [m_fit, m_closed, m_gd], "b": [b_fit, b_closed, b_gd]},
                   index=["np.polyfit", "closed form", "gradient descent"]))

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-11", "locked": true, "schema_version": 3, "solution": false}
# ## 7. The cost surface and the path of the descent

# %% tags=["skip-when-grading"]
ms, bs = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-1.0, 1.0, 121))
cost = np.vectorize(lambda m, b: E(m, b, X_norm, Y_norm))(ms, bs)
path = np.array([gradient_descent(dEdm, dEdb, -0.3, 0.8, X_norm, Y_norm, 0.1, k) for k in range(40)])
plt.figure(figsize=(6, 5))
plt.contour(ms, bs, cost, levels=30)
plt.plot(path[:, 0], path[:, 1], "o-", ms=3, color="crimson", label="gradient descent, rate 0.1")
plt.xlabel("m"); plt.ylabel("b"); plt.legend(); plt.title("E(m, b) on the normalised data")
plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-13", "locked": true, "schema_version": 3, "solution": false}
# ## 8. The learning rate: converge, crawl, diverge
#
# The same 30 steps at three rates. Too small and the descent crawls; too large and every
# step overshoots further than the last.

# %% tags=["skip-when-grading"]
plt.figure(figsize=(7, 4))
for rate, label in ((0.5, "0.5: converges"), (0.01, "0.01: crawls"), (2.1, "2.1: diverges")):
    costs = [E(*gradient_descent(dEdm, dEdb, 0.0, 0.0, X_norm, Y_norm, rate, k), X_norm, Y_norm) for k in range(30)]
    plt.semilogy(costs, label=f"rate {label}")
plt.xlabel("iteration"); plt.ylabel("E (log scale)"); plt.legend(); plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-15", "locked": true, "schema_version": 3, "solution": false}
# ## 9. Back to grams

# %% tags=["skip-when-grading"]
m_gd, b_gd = gradient_descent(dEdm, dEdb, 0.0, 0.0, X_norm, Y_norm, learning_rate=0.1, num_iterations=300)
def mass_for(flipper_mm):
    z = (flipper_mm - x_mm.mean()) / x_mm.std()
    return predict(m_gd, b_gd, z) * y_g.std() + y_g.mean()
for f in (180, 200, 220):
    print(f"flipper {f} mm -> about {mass_for(f):.0f} g")
grid = np.linspace(x_mm.min(), x_mm.max(), 2)
plt.figure(figsize=(6, 4))
plt.scatter(x_mm, y_g, s=10, alpha=0.5); plt.plot(grid, mass_for(grid), "r-", label="gradient descent line")
plt.xlabel("flipper length (mm)"); plt.ylabel("body mass (g)"); plt.legend(); plt.show()

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-17", "locked": true, "schema_version": 3, "solution": false}
# ## What you did
#
# You differentiated a cost of two variables one variable at a time, descended its gradient
# with simultaneous updates, saw why features are normalised and how the learning rate
# decides between crawling and diverging, and recovered the least-squares line. Next week:
# many parameters at once, and the chain rule through a neural network.
