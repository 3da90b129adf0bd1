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
# # Week 1 — One variable: minimum-variance purchasing
#
# A café buys the same coffee beans every month from two suppliers. Supplier **A** and
# supplier **B** both follow the market, but each in its own way: their prices wobble
# differently from month to month. The café does not mind paying the average price; what
# hurts is **not knowing** next month's bill. Can it make its monthly cost steadier by
# splitting its order between the two suppliers?
#
# If the café buys a fraction $\omega$ of its beans from A and $1-\omega$ from B, the cost in
# month $i$ is
#
# $$f_i(\omega) = \omega\, p_{A,i} + (1-\omega)\, p_{B,i}.$$
#
# We measure how unsteady the cost is by its **population variance** over the $n$ months,
#
# $$L(\omega) = \frac{1}{n}\sum_{i=1}^{n}\bigl(f_i(\omega) - \bar f(\omega)\bigr)^2,
# \qquad \bar f(\omega) = \frac1n \sum_{i=1}^n f_i(\omega),$$
#
# and look for the $\omega$ that makes $L$ smallest. You will differentiate $L$ by hand, check
# your derivative numerically, and solve $L'(\omega) = 0$.
#
# **How this notebook is graded.** Each exercise is a function; its `def` line is given, you
# write the body. The test cell after it runs a few *visible* checks you can use as often as
# you like. When you submit, hidden checks call your function on other inputs too (other
# price series, other $\omega$), so a function that only works on the course data, or that
# ignores its arguments, will not pass. Points: 12 in all.
#
# **The data** in `data/prices.csv` is *simulated*: no public record of one product's monthly
# price from two suppliers could be shipped with a licence, so the course generates it with a
# seeded script (`tools/make_prices.py` in the course repository: a drifting market level, A
# tracking it with larger noise, B with a one-month lag and smaller noise). Columns: `date`
# (first day of the month), `price_a`, `price_b` (price per kg, in euros).

# %% nbgrader={"grade": false, "grade_id": "code-02", "locked": true, "schema_version": 3, "solution": false}
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from graders import assert_close  # the visible tests' comparison helper


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-03", "locked": true, "schema_version": 3, "solution": false}
# ## 1. Load the prices (1 point)
#
# Write `load_prices(path)`: read the CSV file at `path` and return the two price columns as
# 1-D `float64` numpy arrays, in the order of the file. `pd.read_csv` and
# `Series.to_numpy(dtype=np.float64)` are all you need.

# %% nbgrader={"grade": false, "grade_id": "load_prices", "locked": false, "schema_version": 3, "solution": true}
def load_prices(path):
    """Read the CSV at `path`; return (prices_a, prices_b) as 1-D float64 arrays in file order."""
    ### BEGIN SOLUTION
    df = pd.read_csv(path)
    prices_a = df["price_a"].to_numpy(dtype=np.float64)
    prices_b = df["price_b"].to_numpy(dtype=np.float64)
    return prices_a, prices_b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_load_prices", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""load_prices returns (prices_a, prices_b): float64 arrays, in file order."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w1_cost_minimization", "test_load_prices", globals())
### END HIDDEN TESTS
prices_a, prices_b = load_prices("data/prices.csv")
assert_close(prices_a[:3], np.array([102.39, 97.60, 100.69]), name="first three prices_a")
assert_close(prices_b[:3], np.array([102.06, 102.58, 95.35]), name="first three prices_b")
assert prices_a.shape == (60,) and prices_b.shape == (60,), "expected 60 months of each price"
assert prices_a.dtype == np.float64, f"expected float64, got {prices_a.dtype}"

# %%
prices_a, prices_b = load_prices("data/prices.csv")
months = np.arange(len(prices_a))
plt.figure(figsize=(9, 3.5))
plt.plot(months, prices_a, label="supplier A")
plt.plot(months, prices_b, label="supplier B")
plt.xlabel("month"); plt.ylabel("price per kg (EUR)"); plt.legend(); plt.title("Monthly prices")
plt.show()
print(f"mean A {prices_a.mean():.2f}, mean B {prices_b.mean():.2f}; "
      f"variance A {prices_a.var():.2f}, variance B {prices_b.var():.2f}")


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-05", "locked": true, "schema_version": 3, "solution": false}
# ## 2. The monthly cost (1 point)
#
# Write `f_of_omega(omega, prices_a, prices_b)`, returning the array
# $f(\omega) = \omega\,p_A + (1-\omega)\,p_B$ (one cost per month). Numpy works elementwise:
# no loop is needed.

# %% nbgrader={"grade": false, "grade_id": "f_of_omega", "locked": false, "schema_version": 3, "solution": true}
def f_of_omega(omega, prices_a, prices_b):
    """Monthly cost of buying a fraction omega from A and 1 - omega from B."""
    ### BEGIN SOLUTION
    return omega * prices_a + (1 - omega) * prices_b
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_f_of_omega", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""f_of_omega mixes the two price arrays elementwise."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w1_cost_minimization", "test_f_of_omega", globals())
### END HIDDEN TESTS
pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
assert_close(f_of_omega(0.0, pa, pb), pb, name="f_of_omega(0, ...) (all from B)")
assert_close(f_of_omega(1.0, pa, pb), pa, name="f_of_omega(1, ...) (all from A)")
assert_close(f_of_omega(0.25, pa, pb), np.array([2.5, 1.5]), name="f_of_omega(0.25, [1, 3], [3, 1])")


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-06", "locked": true, "schema_version": 3, "solution": false}
# ## 3. The loss: variance of the cost (2 + 1 points)
#
# Write `L_of_omega(omega, prices_a, prices_b)`: the **population** variance (divide by $n$,
# not $n-1$) of $f(\omega)$, returned as a single float. `np.var` divides by $n$ by default;
# `pandas.Series.var` does not.
#
# Then `L_of_omega_array(omega_array, prices_a, prices_b)`: a 1-D array with $L$ at each
# $\omega$ of `omega_array` (a loop over `omega_array`, or any vectorised form).
#
# A small case to check by hand: with $p_A = (1, 3)$ and $p_B = (3, 1)$, the costs are
# $(3-2\omega,\ 1+2\omega)$, their mean is 2, and $L(\omega) = (1-2\omega)^2$.

# %% nbgrader={"grade": false, "grade_id": "L_of_omega", "locked": false, "schema_version": 3, "solution": true}
def L_of_omega(omega, prices_a, prices_b):
    """Population variance of the monthly cost f(omega)."""
    ### BEGIN SOLUTION
    f = f_of_omega(omega, prices_a, prices_b)
    return float(np.mean((f - np.mean(f)) ** 2))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_L_of_omega", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""L_of_omega is the population variance of f(omega), as one float."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w1_cost_minimization", "test_L_of_omega", globals())
### END HIDDEN TESTS
pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
assert_close(L_of_omega(0.0, pa, pb), 1.0, name="L_of_omega(0, [1, 3], [3, 1])")
assert_close(L_of_omega(0.5, pa, pb), 0.0, name="L_of_omega(0.5, [1, 3], [3, 1])")
assert_close(L_of_omega(2.0, pa, pb), 9.0, name="L_of_omega(2, [1, 3], [3, 1])")


# %% nbgrader={"grade": false, "grade_id": "L_of_omega_array", "locked": false, "schema_version": 3, "solution": true}
def L_of_omega_array(omega_array, prices_a, prices_b):
    """L at each omega of omega_array, as a 1-D array."""
    ### BEGIN SOLUTION
    return np.array([L_of_omega(omega, prices_a, prices_b) for omega in omega_array], dtype=np.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_L_of_omega_array", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""L_of_omega_array evaluates L at every omega of its first argument."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w1_cost_minimization", "test_L_of_omega_array", globals())
### END HIDDEN TESTS
pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
assert_close(L_of_omega_array(np.array([0.0, 0.5, 1.0, 2.0]), pa, pb), np.array([1.0, 0.0, 1.0, 9.0]),
             name="L_of_omega_array([0, 0.5, 1, 2], [1, 3], [3, 1])")

# %% tags=["skip-when-grading"]
omegas = np.linspace(-0.5, 1.5, 201)
plt.figure(figsize=(6, 3.5))
plt.plot(omegas, L_of_omega_array(omegas, prices_a, prices_b))
plt.xlabel(r"$\omega$ (fraction bought from A)"); plt.ylabel(r"$L(\omega)$"); plt.title("Variance of the monthly cost")
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-08", "locked": true, "schema_version": 3, "solution": false}
# ## 4. The derivative, by hand (3 + 1 points)
#
# A worked path. Write $a_i = p_{A,i} - \bar p_A$, $b_i = p_{B,i} - \bar p_B$ (centred prices).
#
# 1. **Centre the cost.** Since the mean is linear, $\bar f(\omega) = \omega \bar p_A + (1-\omega)\bar p_B$, so
#    $f_i(\omega) - \bar f(\omega) = \omega\, a_i + (1-\omega)\, b_i = b_i + \omega\,(a_i - b_i)$.
# 2. **Differentiate one term.** By the chain rule,
#    $\frac{d}{d\omega}\bigl(b_i + \omega (a_i - b_i)\bigr)^2 = 2\bigl(b_i + \omega (a_i - b_i)\bigr)\cdot(\ \ ?\ \ )$.
# 3. **Average.** The derivative of a mean is the mean of the derivatives.
# 4. **Check your result** on the small case: $L(\omega) = (1-2\omega)^2$ gives
#    $L'(\omega) = -4(1-2\omega)$, so $L'(0) = -4$ and $L'(2) = 12$.
#
# Write `dLdOmega(omega, prices_a, prices_b)` from your formula (a float; not a numerical
# approximation), then `dLdOmega_array(omega_array, prices_a, prices_b)`.
#
# The hidden tests compare your derivative with the **slope of $L$** measured by central
# differences, $\bigl(L(\omega+h) - L(\omega-h)\bigr)/2h$, at several $\omega$ and on several
# price series. You can run the same check yourself below.

# %% nbgrader={"grade": false, "grade_id": "dLdOmega", "locked": false, "schema_version": 3, "solution": true}
def dLdOmega(omega, prices_a, prices_b):
    """dL/domega = 2 * mean((f - mean f) * (p_A - p_B)), derived by the chain rule."""
    ### BEGIN SOLUTION
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(2 * np.mean((f - np.mean(f)) * (d - np.mean(d))))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dLdOmega", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""dLdOmega is the exact derivative of L (checked by hand values and by finite differences)."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w1_cost_minimization", "test_dLdOmega", globals())
### END HIDDEN TESTS
pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
assert_close(dLdOmega(0.0, pa, pb), -4.0, name="dLdOmega(0, [1, 3], [3, 1])")
assert_close(dLdOmega(0.5, pa, pb), 0.0, name="dLdOmega(0.5, [1, 3], [3, 1])")
assert_close(dLdOmega(2.0, pa, pb), 12.0, name="dLdOmega(2, [1, 3], [3, 1])")
h = 1e-5
slope = (L_of_omega(0.3 + h, prices_a, prices_b) - L_of_omega(0.3 - h, prices_a, prices_b)) / (2 * h)
assert_close(dLdOmega(0.3, prices_a, prices_b), slope, name="dLdOmega(0.3) vs the slope of your L", rtol=1e-6)


# %% nbgrader={"grade": false, "grade_id": "dLdOmega_array", "locked": false, "schema_version": 3, "solution": true}
def dLdOmega_array(omega_array, prices_a, prices_b):
    """dL/domega at each omega of omega_array, as a 1-D array."""
    ### BEGIN SOLUTION
    return np.array([dLdOmega(omega, prices_a, prices_b) for omega in omega_array], dtype=np.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_dLdOmega_array", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""dLdOmega_array evaluates the derivative at every omega."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w1_cost_minimization", "test_dLdOmega_array", globals())
### END HIDDEN TESTS
pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
assert_close(dLdOmega_array(np.array([0.0, 0.5, 1.0, 2.0]), pa, pb), np.array([-4.0, 0.0, 4.0, 12.0]),
             name="dLdOmega_array([0, 0.5, 1, 2], [1, 3], [3, 1])")


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-09", "locked": true, "schema_version": 3, "solution": false}
# ## 5. The best split (3 points)
#
# $L$ is a parabola in $\omega$ (look at step 1 above), so its minimum over all real $\omega$
# is where $L'(\omega) = 0$. Solve that equation by hand and write
# `optimal_omega(prices_a, prices_b)` returning $\omega^*$ as a float. No search, no loop
# over a grid: the exact solution. (It may fall outside $[0, 1]$ for some price series;
# that would mean buying from one supplier and *selling* to the other.)

# %% nbgrader={"grade": false, "grade_id": "optimal_omega", "locked": false, "schema_version": 3, "solution": true}
def optimal_omega(prices_a, prices_b):
    """The omega where dL/domega = 0: cov(p_B, p_B - p_A) / var(p_A - p_B)."""
    ### BEGIN SOLUTION
    d = prices_a - prices_b
    d_c = d - np.mean(d)
    b_c = prices_b - np.mean(prices_b)
    return float(-np.mean(b_c * d_c) / np.mean(d_c**2))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_optimal_omega", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""optimal_omega is where dL/domega vanishes, on any price series."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w1_cost_minimization", "test_optimal_omega", globals())
### END HIDDEN TESTS
pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
assert_close(optimal_omega(pa, pb), 0.5, name="optimal_omega([1, 3], [3, 1])")
assert_close(optimal_omega(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])), 0.0,
             name="optimal_omega when B's price never changes")
w_star = optimal_omega(prices_a, prices_b)
assert_close(dLdOmega(w_star, prices_a, prices_b), 0.0, name="dLdOmega(omega*) on the course data", atol=1e-6)

# %% tags=["skip-when-grading"]
w_star = optimal_omega(prices_a, prices_b)
omegas = np.linspace(-0.5, 1.5, 201)
plt.figure(figsize=(6, 3.5))
plt.plot(omegas, L_of_omega_array(omegas, prices_a, prices_b), label=r"$L(\omega)$")
plt.plot([w_star], [L_of_omega(w_star, prices_a, prices_b)], "ro", label=rf"$\omega^* = {w_star:.3f}$")
plt.xlabel(r"$\omega$"); plt.legend(); plt.title("The minimum-variance split")
plt.show()
print(f"Buy {w_star:.1%} from A and {1 - w_star:.1%} from B: the variance of the monthly bill falls "
      f"from {L_of_omega(0, prices_a, prices_b):.1f} (all from B) and {L_of_omega(1, prices_a, prices_b):.1f} "
      f"(all from A) to {L_of_omega(w_star, prices_a, prices_b):.1f}.")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-11", "locked": true, "schema_version": 3, "solution": false}
# ## What you did
#
# You turned a business question into a one-variable function, differentiated it by hand
# with the chain rule, verified the derivative numerically with central differences, and
# solved $L'(\omega)=0$ exactly. Next week: two variables, partial derivatives, and what to
# do when the equation $\nabla E = 0$ is not solved by hand but by **gradient descent**.
