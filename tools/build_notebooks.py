"""Write the source notebooks of the course from their lessons below.

    python tools/build_notebooks.py            # rewrite source/<assignment>/<assignment>.ipynb
    python tools/build_notebooks.py --check    # exit 1 if a committed notebook is out of date

Instructors may also edit the source notebooks in JupyterLab; then port the change here, or
`--check` (run by the test suite) reports the difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from nbbuild import NotebookBuilder  # noqa: E402


def w1_cost_minimization() -> nbformat.NotebookNode:
    from reference import w1_cost_minimization as ref

    nb = NotebookBuilder("w1_cost_minimization", ref)
    nb.md(
        r"""
        # Week 1 — One variable: minimum-variance purchasing

        A café buys the same coffee beans every month from two suppliers. Supplier **A** and
        supplier **B** both follow the market, but each in its own way: their prices wobble
        differently from month to month. The café does not mind paying the average price; what
        hurts is **not knowing** next month's bill. Can it make its monthly cost steadier by
        splitting its order between the two suppliers?

        If the café buys a fraction $\omega$ of its beans from A and $1-\omega$ from B, the cost in
        month $i$ is

        $$f_i(\omega) = \omega\, p_{A,i} + (1-\omega)\, p_{B,i}.$$

        We measure how unsteady the cost is by its **population variance** over the $n$ months,

        $$L(\omega) = \frac{1}{n}\sum_{i=1}^{n}\bigl(f_i(\omega) - \bar f(\omega)\bigr)^2,
        \qquad \bar f(\omega) = \frac1n \sum_{i=1}^n f_i(\omega),$$

        and look for the $\omega$ that makes $L$ smallest. You will differentiate $L$ by hand, check
        your derivative numerically, and solve $L'(\omega) = 0$.

        **How this notebook is graded.** Each exercise is a function; its `def` line is given, you
        write the body. The test cell after it runs a few *visible* checks you can use as often as
        you like. When you submit, hidden checks call your function on other inputs too (other
        price series, other $\omega$), so a function that only works on the course data, or that
        ignores its arguments, will not pass. Points: 12 in all.

        **The data** in `data/prices.csv` is *simulated*: no public record of one product's monthly
        price from two suppliers could be shipped with a licence, so the course generates it with a
        seeded script (`tools/make_prices.py` in the course repository: a drifting market level, A
        tracking it with larger noise, B with a one-month lag and smaller noise). Columns: `date`
        (first day of the month), `price_a`, `price_b` (price per kg, in euros).
        """
    )
    nb.code(
        """
        import numpy as np
        import pandas as pd
        import matplotlib.pyplot as plt

        from graders import assert_close  # the visible tests' comparison helper
        """,
        locked=True,
    )
    nb.md(
        """
        ## 1. Load the prices (1 point)

        Write `load_prices(path)`: read the CSV file at `path` and return the two price columns as
        1-D `float64` numpy arrays, in the order of the file. `pd.read_csv` and
        `Series.to_numpy(dtype=np.float64)` are all you need.
        """
    )
    nb.solution("load_prices")
    nb.test(
        "test_load_prices", 1, "load_prices returns (prices_a, prices_b): float64 arrays, in file order.",
        """
        prices_a, prices_b = load_prices("data/prices.csv")
        assert_close(prices_a[:3], np.array([102.39, 97.60, 100.69]), name="first three prices_a")
        assert_close(prices_b[:3], np.array([102.06, 102.58, 95.35]), name="first three prices_b")
        assert prices_a.shape == (60,) and prices_b.shape == (60,), "expected 60 months of each price"
        assert prices_a.dtype == np.float64, f"expected float64, got {prices_a.dtype}"
        """,
    )
    nb.code(
        """
        prices_a, prices_b = load_prices("data/prices.csv")
        months = np.arange(len(prices_a))
        plt.figure(figsize=(9, 3.5))
        plt.plot(months, prices_a, label="supplier A")
        plt.plot(months, prices_b, label="supplier B")
        plt.xlabel("month"); plt.ylabel("price per kg (EUR)"); plt.legend(); plt.title("Monthly prices")
        plt.show()
        print(f"mean A {prices_a.mean():.2f}, mean B {prices_b.mean():.2f}; "
              f"variance A {prices_a.var():.2f}, variance B {prices_b.var():.2f}")
        """
    )
    nb.md(
        r"""
        ## 2. The monthly cost (1 point)

        Write `f_of_omega(omega, prices_a, prices_b)`, returning the array
        $f(\omega) = \omega\,p_A + (1-\omega)\,p_B$ (one cost per month). Numpy works elementwise:
        no loop is needed.
        """
    )
    nb.solution("f_of_omega")
    nb.test(
        "test_f_of_omega", 1, "f_of_omega mixes the two price arrays elementwise.",
        """
        pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
        assert_close(f_of_omega(0.0, pa, pb), pb, name="f_of_omega(0, ...) (all from B)")
        assert_close(f_of_omega(1.0, pa, pb), pa, name="f_of_omega(1, ...) (all from A)")
        assert_close(f_of_omega(0.25, pa, pb), np.array([2.5, 1.5]), name="f_of_omega(0.25, [1, 3], [3, 1])")
        """,
    )
    nb.md(
        r"""
        ## 3. The loss: variance of the cost (2 + 1 points)

        Write `L_of_omega(omega, prices_a, prices_b)`: the **population** variance (divide by $n$,
        not $n-1$) of $f(\omega)$, returned as a single float. `np.var` divides by $n$ by default;
        `pandas.Series.var` does not.

        Then `L_of_omega_array(omega_array, prices_a, prices_b)`: a 1-D array with $L$ at each
        $\omega$ of `omega_array` (a loop over `omega_array`, or any vectorised form).

        A small case to check by hand: with $p_A = (1, 3)$ and $p_B = (3, 1)$, the costs are
        $(3-2\omega,\ 1+2\omega)$, their mean is 2, and $L(\omega) = (1-2\omega)^2$.
        """
    )
    nb.solution("L_of_omega")
    nb.test(
        "test_L_of_omega", 2, "L_of_omega is the population variance of f(omega), as one float.",
        """
        pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
        assert_close(L_of_omega(0.0, pa, pb), 1.0, name="L_of_omega(0, [1, 3], [3, 1])")
        assert_close(L_of_omega(0.5, pa, pb), 0.0, name="L_of_omega(0.5, [1, 3], [3, 1])")
        assert_close(L_of_omega(2.0, pa, pb), 9.0, name="L_of_omega(2, [1, 3], [3, 1])")
        """,
    )
    nb.solution("L_of_omega_array")
    nb.test(
        "test_L_of_omega_array", 1, "L_of_omega_array evaluates L at every omega of its first argument.",
        """
        pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
        assert_close(L_of_omega_array(np.array([0.0, 0.5, 1.0, 2.0]), pa, pb), np.array([1.0, 0.0, 1.0, 9.0]),
                     name="L_of_omega_array([0, 0.5, 1, 2], [1, 3], [3, 1])")
        """,
    )
    nb.code(
        """
        omegas = np.linspace(-0.5, 1.5, 201)
        plt.figure(figsize=(6, 3.5))
        plt.plot(omegas, L_of_omega_array(omegas, prices_a, prices_b))
        plt.xlabel(r"$\\omega$ (fraction bought from A)"); plt.ylabel(r"$L(\\omega)$"); plt.title("Variance of the monthly cost")
        plt.show()
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ## 4. The derivative, by hand (3 + 1 points)

        A worked path. Write $a_i = p_{A,i} - \bar p_A$, $b_i = p_{B,i} - \bar p_B$ (centred prices).

        1. **Centre the cost.** Since the mean is linear, $\bar f(\omega) = \omega \bar p_A + (1-\omega)\bar p_B$, so
           $f_i(\omega) - \bar f(\omega) = \omega\, a_i + (1-\omega)\, b_i = b_i + \omega\,(a_i - b_i)$.
        2. **Differentiate one term.** By the chain rule,
           $\frac{d}{d\omega}\bigl(b_i + \omega (a_i - b_i)\bigr)^2 = 2\bigl(b_i + \omega (a_i - b_i)\bigr)\cdot(\ \ ?\ \ )$.
        3. **Average.** The derivative of a mean is the mean of the derivatives.
        4. **Check your result** on the small case: $L(\omega) = (1-2\omega)^2$ gives
           $L'(\omega) = -4(1-2\omega)$, so $L'(0) = -4$ and $L'(2) = 12$.

        Write `dLdOmega(omega, prices_a, prices_b)` from your formula (a float; not a numerical
        approximation), then `dLdOmega_array(omega_array, prices_a, prices_b)`.

        The hidden tests compare your derivative with the **slope of $L$** measured by central
        differences, $\bigl(L(\omega+h) - L(\omega-h)\bigr)/2h$, at several $\omega$ and on several
        price series. You can run the same check yourself below.
        """
    )
    nb.solution("dLdOmega")
    nb.test(
        "test_dLdOmega", 3, "dLdOmega is the exact derivative of L (checked by hand values and by finite differences).",
        """
        pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
        assert_close(dLdOmega(0.0, pa, pb), -4.0, name="dLdOmega(0, [1, 3], [3, 1])")
        assert_close(dLdOmega(0.5, pa, pb), 0.0, name="dLdOmega(0.5, [1, 3], [3, 1])")
        assert_close(dLdOmega(2.0, pa, pb), 12.0, name="dLdOmega(2, [1, 3], [3, 1])")
        h = 1e-5
        slope = (L_of_omega(0.3 + h, prices_a, prices_b) - L_of_omega(0.3 - h, prices_a, prices_b)) / (2 * h)
        assert_close(dLdOmega(0.3, prices_a, prices_b), slope, name="dLdOmega(0.3) vs the slope of your L", rtol=1e-6)
        """,
    )
    nb.solution("dLdOmega_array")
    nb.test(
        "test_dLdOmega_array", 1, "dLdOmega_array evaluates the derivative at every omega.",
        """
        pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
        assert_close(dLdOmega_array(np.array([0.0, 0.5, 1.0, 2.0]), pa, pb), np.array([-4.0, 0.0, 4.0, 12.0]),
                     name="dLdOmega_array([0, 0.5, 1, 2], [1, 3], [3, 1])")
        """,
    )
    nb.md(
        r"""
        ## 5. The best split (3 points)

        $L$ is a parabola in $\omega$ (look at step 1 above), so its minimum over all real $\omega$
        is where $L'(\omega) = 0$. Solve that equation by hand and write
        `optimal_omega(prices_a, prices_b)` returning $\omega^*$ as a float. No search, no loop
        over a grid: the exact solution. (It may fall outside $[0, 1]$ for some price series;
        that would mean buying from one supplier and *selling* to the other.)
        """
    )
    nb.solution("optimal_omega")
    nb.test(
        "test_optimal_omega", 3, "optimal_omega is where dL/domega vanishes, on any price series.",
        """
        pa, pb = np.array([1.0, 3.0]), np.array([3.0, 1.0])
        assert_close(optimal_omega(pa, pb), 0.5, name="optimal_omega([1, 3], [3, 1])")
        assert_close(optimal_omega(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])), 0.0,
                     name="optimal_omega when B's price never changes")
        w_star = optimal_omega(prices_a, prices_b)
        assert_close(dLdOmega(w_star, prices_a, prices_b), 0.0, name="dLdOmega(omega*) on the course data", atol=1e-6)
        """,
    )
    nb.code(
        """
        w_star = optimal_omega(prices_a, prices_b)
        omegas = np.linspace(-0.5, 1.5, 201)
        plt.figure(figsize=(6, 3.5))
        plt.plot(omegas, L_of_omega_array(omegas, prices_a, prices_b), label=r"$L(\\omega)$")
        plt.plot([w_star], [L_of_omega(w_star, prices_a, prices_b)], "ro", label=rf"$\\omega^* = {w_star:.3f}$")
        plt.xlabel(r"$\\omega$"); plt.legend(); plt.title("The minimum-variance split")
        plt.show()
        print(f"Buy {w_star:.1%} from A and {1 - w_star:.1%} from B: the variance of the monthly bill falls "
              f"from {L_of_omega(0, prices_a, prices_b):.1f} (all from B) and {L_of_omega(1, prices_a, prices_b):.1f} "
              f"(all from A) to {L_of_omega(w_star, prices_a, prices_b):.1f}.")
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ## What you did

        You turned a business question into a one-variable function, differentiated it by hand
        with the chain rule, verified the derivative numerically with central differences, and
        solved $L'(\omega)=0$ exactly. Next week: two variables, partial derivatives, and what to
        do when the equation $\nabla E = 0$ is not solved by hand but by **gradient descent**.
        """
    )
    return nb.notebook()


def w2_linear_regression() -> nbformat.NotebookNode:
    from reference import w2_linear_regression as ref

    nb = NotebookBuilder("w2_linear_regression", ref)
    nb.md(
        r"""
        # Week 2 — Two variables: a straight line by gradient descent

        How heavy is a penguin with 200 mm flippers? Field biologists on the Antarctic Peninsula
        measured both for hundreds of birds. This week you fit the line
        $\hat y = m\,x + b$ to their measurements by minimising the cost

        $$E(m, b) = \frac{1}{2n}\sum_{i=1}^{n}\bigl(m\,x_i + b - y_i\bigr)^2,$$

        first by computing its **partial derivatives** by hand, then by walking downhill with
        **gradient descent**, and you compare the result with the exact least-squares line.

        **The data** (`data/penguins.csv`, 342 penguins): `flipper_length_mm` (input) and
        `body_mass_g` (target), from the Palmer Station Long Term Ecological Research program,
        collected by Dr. Kristen Gorman (Gorman, Williams & Fraser 2014, *PLoS ONE* 9(3): e90081,
        doi:10.1371/journal.pone.0090081). Licence: **CC0**. Extracted from the PyPI package
        `palmerpenguins` 0.1.6; see `data/README.md`.

        **Grading.** Seven exercises, 12 points. Hidden checks call your functions on other data
        too, and grade `gradient_descent` with gradient functions *they* give it, so each exercise
        counts on its own.
        """
    )
    nb.code(
        """
        import numpy as np
        import pandas as pd
        import matplotlib.pyplot as plt

        from graders import assert_close  # the visible tests' comparison helper
        """,
        locked=True,
    )
    nb.md(
        """
        ## 1. Load the data (1 point)

        `load_data(path)` returns the `pandas.DataFrame` read from the CSV file: all columns, in
        file order.
        """
    )
    nb.solution("load_data")
    nb.test(
        "test_load_data", 1, "load_data returns the whole table as a DataFrame.",
        """
        penguins = load_data("data/penguins.csv")
        assert isinstance(penguins, pd.DataFrame), f"expected a DataFrame, got {type(penguins).__name__}"
        assert list(penguins.columns) == ["flipper_length_mm", "body_mass_g"], list(penguins.columns)
        assert len(penguins) == 342, f"expected 342 rows, got {len(penguins)}"
        assert_close(penguins["body_mass_g"].to_numpy()[:3], np.array([3750.0, 3800.0, 3250.0]), name="first three masses")
        """,
    )
    nb.code(
        """
        penguins = load_data("data/penguins.csv")
        x_mm = penguins["flipper_length_mm"].to_numpy(dtype=float)
        y_g = penguins["body_mass_g"].to_numpy(dtype=float)
        plt.figure(figsize=(6, 4))
        plt.scatter(x_mm, y_g, s=10, alpha=0.6)
        plt.xlabel("flipper length (mm)"); plt.ylabel("body mass (g)"); plt.title("342 penguins")
        plt.show()
        """
    )
    nb.md(
        r"""
        ## 2. Normalise (1 point)

        Flipper lengths are about 200 and masses about 4000: on such scales one learning rate
        cannot suit both $m$ and $b$. Rescale each variable to mean 0 and standard deviation 1:
        `normalize(values)` returns $(v - \bar v)/\sigma_v$ with the **population** standard
        deviation (`np.std` divides by $n$; `pandas.Series.std` divides by $n-1$).
        """
    )
    nb.solution("normalize")
    nb.test(
        "test_normalize", 1, "normalize centres and scales with the population std.",
        """
        assert_close(normalize(np.array([1.0, 2.0, 3.0])), np.array([-1.224744871391589, 0.0, 1.224744871391589]),
                     name="normalize([1, 2, 3])")
        z = normalize(np.array([4.0, 8.0, 15.0, 16.0, 23.0, 42.0]))
        assert_close(np.mean(z), 0.0, name="mean after normalize")
        assert_close(np.std(z), 1.0, name="population std after normalize")
        """,
    )
    nb.md(
        """
        ## 3. The line and its cost (1 + 1 points)

        `predict(m, b, X)` returns $mX + b$; `E(m, b, X, Y)` returns the cost above as a float
        (mind the $\\frac{1}{2n}$).
        """
    )
    nb.solution("predict")
    nb.test(
        "test_predict", 1, "predict evaluates the line at every X.",
        """
        assert_close(predict(2.0, 1.0, np.array([0.0, 1.0, 3.0])), np.array([1.0, 3.0, 7.0]), name="predict(2, 1, [0, 1, 3])")
        """,
    )
    nb.solution("E")
    nb.test(
        "test_E", 1, "E is the mean squared residual divided by 2.",
        """
        X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
        assert_close(E(2.0, 0.0, X, Y), 0.0, name="E(2, 0) on the line y = 2x")
        assert_close(E(0.0, 0.0, X, Y), 56 / 6, name="E(0, 0, [1, 2, 3], [2, 4, 6])")
        assert_close(E(1.0, 1.0, X, Y), 5 / 6, name="E(1, 1, [1, 2, 3], [2, 4, 6])")
        """,
    )
    nb.md(
        r"""
        ## 4. Partial derivatives (2 + 2 points)

        Treat $b$ as a constant and differentiate $E$ with respect to $m$, then the other way round.
        With the residual $r_i = m x_i + b - y_i$, the chain rule gives
        $\frac{\partial}{\partial m} r_i^2 = 2 r_i \frac{\partial r_i}{\partial m}$. Finish the
        derivation, then write `dEdm(m, b, X, Y)` and `dEdb(m, b, X, Y)` (floats, exact formulas;
        no finite differences). Check on the small example: at $(m, b) = (0, 0)$ with
        $X = (1, 2, 3)$, $Y = (2, 4, 6)$: $\partial E/\partial m = -28/3$, $\partial E/\partial b = -4$.
        """
    )
    nb.solution("dEdm")
    nb.test(
        "test_dEdm", 2, "dEdm is the partial derivative of E along m (hand values and finite differences).",
        """
        X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
        assert_close(dEdm(0.0, 0.0, X, Y), -28 / 3, name="dEdm(0, 0, [1, 2, 3], [2, 4, 6])")
        assert_close(dEdm(2.0, 0.0, X, Y), 0.0, name="dEdm at the best line")
        h = 1e-6
        assert_close(dEdm(0.7, -0.2, X, Y), (E(0.7 + h, -0.2, X, Y) - E(0.7 - h, -0.2, X, Y)) / (2 * h),
                     name="dEdm(0.7, -0.2) vs the slope of your E", rtol=1e-6)
        """,
    )
    nb.solution("dEdb")
    nb.test(
        "test_dEdb", 2, "dEdb is the partial derivative of E along b (hand values and finite differences).",
        """
        X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
        assert_close(dEdb(0.0, 0.0, X, Y), -4.0, name="dEdb(0, 0, [1, 2, 3], [2, 4, 6])")
        assert_close(dEdb(2.0, 0.0, X, Y), 0.0, name="dEdb at the best line")
        h = 1e-6
        assert_close(dEdb(0.7, -0.2, X, Y), (E(0.7, -0.2 + h, X, Y) - E(0.7, -0.2 - h, X, Y)) / (2 * h),
                     name="dEdb(0.7, -0.2) vs the slope of your E", rtol=1e-6)
        """,
    )
    nb.md(
        r"""
        ## 5. Gradient descent (4 points)

        Starting from $(m, b)$, repeat `num_iterations` times the **simultaneous** update
        $$m \leftarrow m - \alpha\,\frac{\partial E}{\partial m}(m, b), \qquad
          b \leftarrow b - \alpha\,\frac{\partial E}{\partial b}(m, b),$$
        where both gradients are computed at the *old* $(m, b)$, and return `(m, b)`.
        `gradient_descent` receives the gradient functions as its first two arguments: call
        *those*, not the global `dEdm` and `dEdb` (the hidden tests pass in gradient functions
        of other costs).
        """
    )
    nb.solution("gradient_descent")
    nb.test(
        "test_gradient_descent", 4, "gradient_descent makes simultaneous steps with the gradient functions it is given.",
        """
        bowl_dm = lambda m, b, X, Y: 2 * (m - 1.0)   # gradient of (m - 1)^2 + (b - 2)^2
        bowl_db = lambda m, b, X, Y: 2 * (b - 2.0)
        assert_close(np.array(gradient_descent(bowl_dm, bowl_db, 0.0, 0.0, None, None, 0.25, 1)), np.array([0.5, 1.0]),
                     name="one step on a bowl centred at (1, 2)")
        assert_close(np.array(gradient_descent(bowl_dm, bowl_db, 3.0, 4.0, None, None, 0.25, 0)), np.array([3.0, 4.0]),
                     name="zero iterations return the start")
        X, Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 6.0])
        assert_close(np.array(gradient_descent(dEdm, dEdb, 0.0, 0.0, X, Y, 0.1, 5000)), np.array([2.0, 0.0]),
                     name="descent on y = 2x", atol=1e-6)
        """,
    )
    nb.md(
        r"""
        ## 6. Three ways to the same line

        On the normalised data, compare `np.polyfit`, the closed form
        $m = \mathrm{cov}(x, y)/\mathrm{var}(x)$, $b = \bar y - m\bar x$, and your gradient descent.
        """
    )
    nb.code(
        """
        X_norm, Y_norm = normalize(x_mm), normalize(y_g)
        m_fit, b_fit = np.polyfit(X_norm, Y_norm, 1)
        m_closed = np.mean((X_norm - X_norm.mean()) * (Y_norm - Y_norm.mean())) / np.var(X_norm)
        b_closed = Y_norm.mean() - m_closed * X_norm.mean()
        m_gd, b_gd = gradient_descent(dEdm, dEdb, 0.0, 0.0, X_norm, Y_norm, learning_rate=0.1, num_iterations=300)
        print(pd.DataFrame({"m": [m_fit, m_closed, m_gd], "b": [b_fit, b_closed, b_gd]},
                           index=["np.polyfit", "closed form", "gradient descent"]))
        """,
        skip_when_grading=True,
    )
    nb.md("## 7. The cost surface and the path of the descent")
    nb.code(
        """
        ms, bs = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-1.0, 1.0, 121))
        cost = np.vectorize(lambda m, b: E(m, b, X_norm, Y_norm))(ms, bs)
        path = np.array([gradient_descent(dEdm, dEdb, -0.3, 0.8, X_norm, Y_norm, 0.1, k) for k in range(40)])
        plt.figure(figsize=(6, 5))
        plt.contour(ms, bs, cost, levels=30)
        plt.plot(path[:, 0], path[:, 1], "o-", ms=3, color="crimson", label="gradient descent, rate 0.1")
        plt.xlabel("m"); plt.ylabel("b"); plt.legend(); plt.title("E(m, b) on the normalised data")
        plt.show()
        """,
        skip_when_grading=True,
    )
    nb.md(
        """
        ## 8. The learning rate: converge, crawl, diverge

        The same 30 steps at three rates. Too small and the descent crawls; too large and every
        step overshoots further than the last.
        """
    )
    nb.code(
        """
        plt.figure(figsize=(7, 4))
        for rate, label in ((0.5, "0.5: converges"), (0.01, "0.01: crawls"), (2.1, "2.1: diverges")):
            costs = [E(*gradient_descent(dEdm, dEdb, 0.0, 0.0, X_norm, Y_norm, rate, k), X_norm, Y_norm) for k in range(30)]
            plt.semilogy(costs, label=f"rate {label}")
        plt.xlabel("iteration"); plt.ylabel("E (log scale)"); plt.legend(); plt.show()
        """,
        skip_when_grading=True,
    )
    nb.md("## 9. Back to grams")
    nb.code(
        """
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
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ## What you did

        You differentiated a cost of two variables one variable at a time, descended its gradient
        with simultaneous updates, saw why features are normalised and how the learning rate
        decides between crawling and diverging, and recovered the least-squares line. Next week:
        many parameters at once, and the chain rule through a neural network.
        """
    )
    return nb.notebook()


def w3_two_layer_network() -> nbformat.NotebookNode:
    from reference import w3_two_layer_network as ref

    nb = NotebookBuilder("w3_two_layer_network", ref)
    nb.md(
        r"""
        # Week 3 — The chain rule at work: a two-layer network

        No straight line separates the two classes below: points near the top-right and the
        bottom-left corners are class 1, the other two corners class 0 (an "XOR" pattern). A
        network with one hidden layer can bend its decision boundary. You will build it piece by
        piece — forward pass, log-loss cost, **backpropagation** (the chain rule, layer by layer),
        the update, the training loop — and check your gradients against finite differences.

        **Shapes.** $X$ is $(n_x, m)$: one column per example. $Y$ is $(n_y, m)$ with 0/1 entries.
        Parameters: $W_1$ $(n_h, n_x)$, $b_1$ $(n_h, 1)$, $W_2$ $(n_y, n_h)$, $b_2$ $(n_y, 1)$.

        **The data** is made here, from fixed seeds, by `make_blobs` in the course's `graders`
        package: four Gaussian blobs (standard deviation 0.6) centred at $(\pm1.5, \pm1.5)$, 400
        training points and 200 held-out points drawn the same way.

        **Grading.** Nine exercises, 15 points. Hidden checks use other shapes and random
        parameters, check `backward_propagation` against finite differences, and compare training
        step by step on short runs and by cost and held-out accuracy on long ones.
        """
    )
    nb.code(
        """
        import numpy as np
        import matplotlib.pyplot as plt

        from graders import assert_close, gradient_check
        from graders.coursedata import make_blobs

        X_train, Y_train = make_blobs(400, seed=0)
        X_test, Y_test = make_blobs(200, seed=1)
        """,
        locked=True,
    )
    nb.code(
        """
        plt.figure(figsize=(5, 5))
        plt.scatter(X_train[0], X_train[1], c=Y_train[0], cmap="coolwarm", s=12)
        plt.xlabel("$x_1$"); plt.ylabel("$x_2$"); plt.title("Training data: opposite corners share a label")
        plt.show()
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ## 1. Building blocks (1 + 1 + 1 points)

        `sigmoid(z)`: $\sigma(z) = 1/(1+e^{-z})$ elementwise, same shape as `z`.
        `layer_sizes(X, Y, n_h=2)`: the tuple $(n_x, n_h, n_y)$ read from the shapes.
        `initialize_parameters(n_x, n_h, n_y, seed=3)`: exactly as follows, so that everyone's
        training can be compared step by step: `rng = np.random.default_rng(seed)`, then
        `W1 = rng.standard_normal((n_h, n_x)) * 0.01` **first**, then
        `W2 = rng.standard_normal((n_y, n_h)) * 0.01`; both biases are zero columns.
        """
    )
    nb.solution("sigmoid")
    nb.test(
        "test_sigmoid", 1, "sigmoid is elementwise and keeps the shape.",
        """
        assert_close(sigmoid(np.array([0.0, np.log(3.0)])), np.array([0.5, 0.75]), name="sigmoid([0, log 3])")
        assert_close(sigmoid(np.zeros((2, 3))), np.full((2, 3), 0.5), name="sigmoid of a 2x3 zero matrix")
        """,
    )
    nb.solution("layer_sizes")
    nb.test(
        "test_layer_sizes", 1, "layer_sizes reads n_x and n_y from the shapes.",
        """
        assert tuple(layer_sizes(np.zeros((5, 7)), np.zeros((2, 7)), 4)) == (5, 4, 2)
        assert tuple(layer_sizes(X_train, Y_train)) == (2, 2, 1), "n_h defaults to 2"
        """,
    )
    nb.solution("initialize_parameters")
    nb.test(
        "test_initialize_parameters", 1, "initialize_parameters draws W1 then W2 from default_rng(seed).",
        """
        p = initialize_parameters(2, 4, 1, seed=3)
        rng = np.random.default_rng(3)
        assert_close(p["W1"], rng.standard_normal((4, 2)) * 0.01, name="W1", rtol=0, atol=0)
        assert_close(p["W2"], rng.standard_normal((1, 4)) * 0.01, name="W2", rtol=0, atol=0)
        assert_close(p["b1"], np.zeros((4, 1)), name="b1")
        assert_close(p["b2"], np.zeros((1, 1)), name="b2")
        """,
    )
    nb.md(
        r"""
        ## 2. Forward propagation and the cost (2 + 1 points)

        $$Z_1 = W_1 X + b_1,\quad A_1 = \sigma(Z_1),\quad Z_2 = W_2 A_1 + b_2,\quad A_2 = \sigma(Z_2).$$

        `forward_propagation(X, parameters)` returns `(A2, cache)` with
        `cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}` (broadcasting adds $b$ to every column).

        `compute_cost(A2, Y)`: the log loss
        $\mathcal{L} = -\frac{1}{m}\sum \bigl[Y \log A_2 + (1-Y)\log(1-A_2)\bigr]$, the sum over
        *all* entries, divided by the number of examples $m$ (columns), as a float.
        """
    )
    nb.solution("forward_propagation")
    nb.test(
        "test_forward_propagation", 2, "forward_propagation returns A2 and the cache of every layer.",
        """
        p = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.0]]), "W2": np.array([[2.0]]), "b2": np.array([[-1.0]])}
        A2, cache = forward_propagation(np.array([[1.0, 0.0], [1.0, 2.0]]), p)
        assert_close(cache["Z1"], np.array([[0.0, -2.0]]), name="Z1")
        assert_close(cache["A1"], sigmoid(np.array([[0.0, -2.0]])), name="A1")
        assert_close(cache["Z2"], 2 * sigmoid(np.array([[0.0, -2.0]])) - 1, name="Z2")
        assert_close(A2, cache["A2"], name="A2 returned and A2 in the cache")
        """,
    )
    nb.solution("compute_cost")
    nb.test(
        "test_compute_cost", 1, "compute_cost averages the log loss over the examples.",
        """
        assert_close(compute_cost(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])), np.log(2), name="cost of two coin flips")
        assert_close(compute_cost(np.array([[0.9, 0.2], [0.5, 0.5]]), np.array([[1.0, 0.0], [1.0, 1.0]])),
                     -(np.log(0.9) + np.log(0.8) + 2 * np.log(0.5)) / 2, name="cost with two outputs")
        """,
    )
    nb.md(
        r"""
        ## 3. Backpropagation: the chain rule, layer by layer (4 points)

        The computation graph, for one example: $x \to z_1 = W_1x + b_1 \to a_1 = \sigma(z_1) \to
        z_2 = W_2a_1 + b_2 \to a_2 = \sigma(z_2) \to \mathcal{L}(a_2, y)$.
        Walk it backwards, multiplying local derivatives:

        1. For the sigmoid output with the log loss, $\frac{\partial\mathcal L}{\partial z_2}
           = \frac{\partial\mathcal L}{\partial a_2}\,\sigma'(z_2) = a_2 - y$ (check it: $\sigma' = \sigma(1-\sigma)$).
        2. $z_2$ is linear in $W_2$ and $b_2$: $\frac{\partial\mathcal L}{\partial W_2} = dZ_2\, a_1^\top$,
           $\frac{\partial\mathcal L}{\partial b_2} = dZ_2$.
        3. Going back through $W_2$: $\frac{\partial\mathcal L}{\partial a_1} = W_2^\top dZ_2$; then through
           the hidden sigmoid: $dZ_1 = \frac{\partial\mathcal L}{\partial a_1} \odot\ ?$ — fill in.
        4. $dW_1$ and $db_1$ follow as in step 2, with $x$ in place of $a_1$.

        With $m$ examples in columns, every gradient is the **average** over the examples:
        divide the sums by $m$, and keep biases as columns (`np.sum(..., axis=1, keepdims=True)`).

        `backward_propagation(parameters, cache, X, Y)` returns `{"dW1", "db1", "dW2", "db2"}`, each of
        the same shape as its parameter. The test below checks your gradients against central
        differences of **your own** cost with `graders.gradient_check`.
        """
    )
    nb.solution("backward_propagation")
    nb.test(
        "test_backward_propagation", 4, "backward_propagation is the gradient of compute_cost (checked by finite differences).",
        """
        rng = np.random.default_rng(0)
        Xs, Ys = rng.normal(size=(3, 5)), (rng.random((1, 5)) < 0.5).astype(float)
        p = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=(4, 1)), "W2": rng.normal(size=(1, 4)), "b2": rng.normal(size=(1, 1))}
        grads = backward_propagation(p, forward_propagation(Xs, p)[1], Xs, Ys)
        for name in ("W1", "b1", "W2", "b2"):
            def cost_of(values, name=name):
                return compute_cost(forward_propagation(Xs, {**p, name: values})[0], Ys)
            assert np.shape(grads["d" + name]) == p[name].shape, f"d{name} has shape {np.shape(grads['d' + name])}, expected {p[name].shape}"
            check = gradient_check(cost_of, grads["d" + name], p[name], n_samples=None)
            assert check.ok, f"d{name} differs from finite differences: max relative error {check.max_rel_error:.2g} at index {check.worst_index}"
        """,
    )
    nb.md(
        r"""
        ## 4. Update and train (1 + 3 points)

        `update_parameters(parameters, grads, learning_rate=1.2)`: one gradient step on every
        parameter, $W \leftarrow W - \alpha\, dW$ (return a new dict, or the same one updated in place).

        `nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3)`: read the sizes,
        initialise **once** with `seed`, then repeat forward, backward, update; return the parameters.
        """
    )
    nb.solution("update_parameters")
    nb.test(
        "test_update_parameters", 1, "update_parameters steps against the gradient.",
        """
        p = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))}
        g = {"dW1": np.full((2, 2), 0.5), "db1": np.ones((2, 1)), "dW2": np.full((1, 2), -1.0), "db2": np.full((1, 1), 2.0)}
        new = update_parameters(p, g, learning_rate=0.1)
        assert_close(new["W1"], np.full((2, 2), 0.95), name="W1 after one step")
        assert_close(new["b1"], np.full((2, 1), -0.1), name="b1 after one step")
        assert_close(new["W2"], np.full((1, 2), 1.1), name="W2 after one step")
        assert_close(new["b2"], np.full((1, 1), -0.2), name="b2 after one step")
        """,
    )
    nb.solution("nn_model")
    nb.test(
        "test_nn_model", 3, "nn_model initialises once, then trains; it lowers the cost.",
        """
        p0 = nn_model(X_train, Y_train, 4, num_iterations=0)
        assert_close(p0["W1"], initialize_parameters(2, 4, 1, seed=3)["W1"], name="nn_model with 0 iterations: W1")
        trained = nn_model(X_train, Y_train, 4, num_iterations=1000)
        before = compute_cost(forward_propagation(X_train, p0)[0], Y_train)
        after = compute_cost(forward_propagation(X_train, trained)[0], Y_train)
        assert after < before - 0.3, f"the cost went from {before:.4f} to {after:.4f} in 1000 iterations"
        """,
    )
    nb.md("`predict(X, parameters)` returns the boolean array $A_2 > 0.5$, of shape $(n_y, m)$ (1 point).")
    nb.solution("predict")
    nb.test(
        "test_predict", 1, "predict returns booleans of shape (n_y, m).",
        """
        p = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.0]]), "W2": np.array([[4.0]]), "b2": np.array([[-2.0]])}
        out = predict(np.array([[3.0, -3.0, 0.0], [0.0, 0.0, 0.0]]), p)
        assert out.dtype == bool and out.shape == (1, 3), (out.dtype, out.shape)
        assert out.tolist() == [[True, False, False]], out.tolist()
        """,
    )
    nb.md("## 5. Training, seen")
    nb.code(
        """
        costs, parameters = [], initialize_parameters(2, 4, 1, seed=3)
        for i in range(3000):
            A2, cache = forward_propagation(X_train, parameters)
            costs.append(compute_cost(A2, Y_train))
            parameters = update_parameters(parameters, backward_propagation(parameters, cache, X_train, Y_train))
        plt.figure(figsize=(6, 3.5)); plt.plot(costs); plt.xlabel("iteration"); plt.ylabel("cost"); plt.title("Training cost, n_h = 4")
        plt.show()

        def boundary(params, title, ax):
            g1, g2 = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200))
            grid = np.vstack([g1.ravel(), g2.ravel()])
            ax.contourf(g1, g2, forward_propagation(grid, params)[0].reshape(g1.shape), levels=[0, 0.5, 1], cmap="coolwarm", alpha=0.3)
            ax.scatter(X_test[0], X_test[1], c=Y_test[0], cmap="coolwarm", s=10)
            ax.set_title(title)

        fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
        boundary(initialize_parameters(2, 4, 1, seed=3), "before training", axes[0])
        boundary(parameters, "after 3000 iterations", axes[1])
        plt.show()
        print(f"held-out accuracy: {np.mean(predict(X_test, parameters) == (Y_test > 0.5)):.1%}")
        """,
        skip_when_grading=True,
    )
    nb.md(
        """
        ## 6. How many hidden units?

        One hidden unit gives one straight boundary, which cannot solve XOR; two can, in
        principle; more make training easier. Try it:
        """
    )
    nb.code(
        """
        for n_h in (1, 2, 3, 4, 8):
            p = nn_model(X_train, Y_train, n_h, num_iterations=3000)
            acc = np.mean(predict(X_test, p) == (Y_test > 0.5))
            print(f"n_h = {n_h}: final cost {compute_cost(forward_propagation(X_train, p)[0], Y_train):.3f}, held-out accuracy {acc:.1%}")
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ## What you did

        You wrote the forward pass, derived every gradient of a two-layer network by the chain rule,
        verified them numerically, and trained the network to bend its boundary around an XOR
        pattern. Next week: second derivatives, and Newton's method.
        """
    )
    return nb.notebook()


def w4_newtons_method() -> nbformat.NotebookNode:
    from reference import w4_newtons_method as ref

    nb = NotebookBuilder("w4_newtons_method", ref)
    nb.md(
        r"""
        # Week 4 — Newton's method in one and two variables

        Gradient descent (weeks 2 and 3) uses only the slope: it needs a learning rate, and it
        creeps once the slope gets small. **Newton's method** also uses the *curvature*, the second
        derivative: at every step it fits a parabola (a quadratic surface, in two variables) to the
        function and jumps straight to its lowest point. Near a minimum the number of correct
        digits doubles at every step. This week you write Newton's method for a root, turn it into
        a minimiser, derive a **Hessian** by hand, run Newton's method in two variables against
        gradient descent, and see where it goes wrong.

        The function of sections 2 and 3 is

        $$f(x, y) = x^4 + 0.8\,y^4 + 4x^2 + 2y^2 - xy - 0.2\,x^2y .$$

        **Data: none.** Nothing is loaded this week: every function is written out in this
        notebook.

        **Grading.** Four exercises, 12 points. Hidden checks evaluate your gradient and Hessian at
        other points, and call your Newton functions with derivative functions *they* give them
        (other functions, other starts, other numbers of iterations), so each exercise counts on
        its own: a wrong `hessian_f` costs only its own points.
        """
    )
    nb.code(
        """
        import numpy as np
        import matplotlib.pyplot as plt

        from graders import assert_close  # the visible tests' comparison helper


        def f(x, y):
            \"\"\"The function of sections 2 and 3.\"\"\"
            return x**4 + 0.8 * y**4 + 4 * x**2 + 2 * y**2 - x * y - 0.2 * x**2 * y
        """,
        locked=True,
    )
    nb.md(
        r"""
        ## 1. Root finding with tangent lines

        To solve $g(x) = 0$, start at a guess $x_0$, replace $g$ by its tangent line there,
        $g(x_0) + g'(x_0)(x - x_0)$, and take the tangent's root as the next guess:

        $$x_{k+1} = x_k - \frac{g(x_k)}{g'(x_k)} .$$

        Below, $g(x) = x^2 - 2$ from $x_0 = 3$: each tangent (dashed) meets the axis closer to
        $\sqrt 2$, and the number of correct digits roughly doubles at every step.
        """
    )
    nb.code(
        """
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
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ### Optimisation is root finding of $f'$

        A smooth function of one variable has its minimum where $f'(x) = 0$. Apply the same step
        to $g = f'$:

        $$x_{k+1} = x_k - \frac{f'(x_k)}{f''(x_k)} .$$

        Read it another way: the second-order Taylor polynomial
        $f(x_k) + f'(x_k)\,s + \tfrac12 f''(x_k)\,s^2$ is a parabola, and its vertex is at
        $s = -f'(x_k)/f''(x_k)$. When $f''(x_k) > 0$ the parabola opens upwards and the step goes to
        its minimum.

        ## Exercise 1: Newton's method in one variable (3 points)

        `newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25)`: start at `x0`, make exactly
        `num_iterations` steps $x \leftarrow x - f'(x)/f''(x)$ with the functions **passed in**
        (`dfdx(x)` is $f'(x)$, `d2fdx2(x)` is $f''(x)$), and return $x$ as a float. With 0
        iterations it returns `x0`.
        """
    )
    nb.solution("newtons_method_1d")
    nb.test(
        "test_newtons_method_1d", 3, "newtons_method_1d makes num_iterations Newton steps with the derivatives it is given.",
        """
        # (x - 3)^2: f'(x) = 2(x - 3), f''(x) = 2; one step lands on the vertex
        assert_close(newtons_method_1d(lambda x: 2 * (x - 3.0), lambda x: 2.0, 10.0, num_iterations=1), 3.0,
                     name="one step on (x - 3)^2 from 10")
        assert_close(newtons_method_1d(lambda x: 2 * (x - 3.0), lambda x: 2.0, 10.0, num_iterations=0), 10.0,
                     name="zero iterations return x0")
        # e^x - 2x: f'(x) = e^x - 2, f''(x) = e^x, minimum at ln 2
        assert_close(newtons_method_1d(lambda x: np.exp(x) - 2, np.exp, 1.0, num_iterations=1), 1.0 - (np.e - 2) / np.e,
                     name="one step on e^x - 2x from 1")
        assert_close(newtons_method_1d(lambda x: np.exp(x) - 2, np.exp, 1.0), np.log(2.0), name="minimum of e^x - 2x")
        """,
    )
    nb.code(
        """
        # Newton against gradient descent on e^x - 2x (minimum at ln 2), both from x = 2
        d1, d2 = (lambda x: np.exp(x) - 2), np.exp
        x_gd = 2.0
        print(" k   Newton's error   gradient descent's error (rate 0.3)")
        for k in range(7):
            x_newton = newtons_method_1d(d1, d2, 2.0, num_iterations=k)
            print(f"{k:2d}   {abs(x_newton - np.log(2)):14.1e}   {abs(x_gd - np.log(2)):14.1e}")
            x_gd = x_gd - 0.3 * d1(x_gd)
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ## 2. Second derivatives and the Hessian

        In two variables the slope is the **gradient** $\nabla f = (\partial f/\partial x,\
        \partial f/\partial y)$ and the curvature is the **Hessian**, the matrix of second partial
        derivatives:

        $$H(x, y) = \begin{pmatrix} \dfrac{\partial^2 f}{\partial x^2} & \dfrac{\partial^2 f}{\partial x\,\partial y} \\[2ex]
        \dfrac{\partial^2 f}{\partial y\,\partial x} & \dfrac{\partial^2 f}{\partial y^2} \end{pmatrix}.$$

        Differentiate $f$ term by term, holding the other variable constant (for instance
        $\partial(x^2y)/\partial x = 2xy$ and $\partial(x^2y)/\partial y = x^2$). For a smooth $f$ the
        two mixed partials are equal (Schwarz's theorem), so $H$ is **symmetric**: differentiate
        both ways and check that you get the same thing.

        ## Exercise 2: the gradient (2 points)

        `gradient_f(x, y)` returns `np.array([df/dx, df/dy])`, from your derivation (exact
        formulas, no finite differences). Check: at $(1, 1)$ the gradient is $(10.6,\ 6)$.
        """
    )
    nb.solution("gradient_f")
    nb.test(
        "test_gradient_f", 2, "gradient_f is the gradient of f (hand values and finite differences).",
        """
        assert_close(np.asarray(gradient_f(0.0, 0.0)), np.array([0.0, 0.0]), name="gradient_f(0, 0)")
        assert_close(np.asarray(gradient_f(1.0, 1.0)), np.array([10.6, 6.0]), name="gradient_f(1, 1)")
        h = 1e-6
        x, y = 0.7, -1.2
        assert_close(np.asarray(gradient_f(x, y)), np.array([(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)]),
                     name="gradient_f(0.7, -1.2) vs the slopes of f", rtol=1e-6)
        """,
    )
    nb.md(
        r"""
        ## Exercise 3: the Hessian (3 points)

        `hessian_f(x, y)` returns the $2\times2$ array `[[f_xx, f_xy], [f_yx, f_yy]]`, from your
        derivation. Check: at $(1, 1)$ it is $\begin{pmatrix} 19.6 & -1.4 \\ -1.4 & 13.6 \end{pmatrix}$.
        """
    )
    nb.solution("hessian_f")
    nb.test(
        "test_hessian_f", 3, "hessian_f is the symmetric matrix of second derivatives of f.",
        """
        assert_close(np.asarray(hessian_f(1.0, 1.0)), np.array([[19.6, -1.4], [-1.4, 13.6]]), name="hessian_f(1, 1)")
        assert_close(np.asarray(hessian_f(0.0, 0.0)), np.array([[8.0, -1.0], [-1.0, 4.0]]), name="hessian_f(0, 0)")
        H = np.asarray(hessian_f(2.0, -3.0))
        assert_close(H, H.T, name="hessian_f(2, -3) against its transpose (symmetry)")
        h = 1e-6
        x, y = 0.7, -1.2
        grad = lambda x, y: np.asarray(gradient_f(x, y))
        slopes = np.column_stack([(grad(x + h, y) - grad(x - h, y)) / (2 * h), (grad(x, y + h) - grad(x, y - h)) / (2 * h)])
        assert_close(np.asarray(hessian_f(x, y)), slopes, name="hessian_f(0.7, -1.2) vs the slopes of your gradient_f", rtol=1e-6)
        """,
    )
    nb.md(
        r"""
        ### Where is the Hessian positive definite?

        A symmetric $2\times2$ matrix is positive definite (both eigenvalues $> 0$: the surface
        curves upwards in every direction) exactly when $f_{xx} > 0$ and $\det H > 0$. Here
        $f_{yy} = 9.6y^2 + 4 > 0$ everywhere and $f_{xx} = 12x^2 + 8 - 0.4y$ is negative only when
        $y > 20 + 30x^2$. At the origin $\nabla f = 0$ and $H = \begin{pmatrix} 8 & -1 \\ -1 & 4\end{pmatrix}$,
        with $\det H = 31 > 0$: $(0, 0)$ is a minimum (in fact the only one), and Newton's method is
        on safe ground anywhere near it. The map below shades where your Hessian is **not**
        positive definite.
        """
    )
    nb.code(
        """
        gx, gy = np.meshgrid(np.linspace(-3, 3, 61), np.linspace(-5, 60, 66))
        smallest = np.vectorize(lambda x, y: np.linalg.eigvalsh(hessian_f(x, y))[0])(gx, gy)
        plt.figure(figsize=(6, 4))
        plt.contourf(gx, gy, smallest < 0, levels=[-0.5, 0.5, 1.5], colors=["white", "salmon"])
        plt.plot(np.linspace(-3, 3, 100), 20 + 30 * np.linspace(-3, 3, 100) ** 2, "k--", label="$y = 20 + 30x^2$")
        plt.ylim(-5, 60); plt.xlabel("x"); plt.ylabel("y"); plt.legend()
        plt.title("Shaded: the Hessian of f is not positive definite")
        plt.show()
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        ## 3. Newton's method in two variables

        The second-order Taylor approximation around $\mathbf{x}_k$ is a quadratic surface,
        $f(\mathbf{x}_k) + \nabla f^\top \mathbf{s} + \tfrac12\,\mathbf{s}^\top H\,\mathbf{s}$. Setting its
        gradient $\nabla f + H\mathbf{s}$ to zero gives Newton's step:

        $$\mathbf{x}_{k+1} = \mathbf{x}_k - H(\mathbf{x}_k)^{-1}\,\nabla f(\mathbf{x}_k).$$

        The division of one variable becomes a linear system: $\mathbf{s} = H^{-1}\nabla f$ is the
        solution of $H\mathbf{s} = \nabla f$, `np.linalg.solve(H, g)` (or `np.linalg.inv(H) @ g`).
        It is **not** `H @ g`, and not `g / H`.

        ## Exercise 4: Newton's method in two variables (4 points)

        `newtons_method_2d(grad, hessian, x0, num_iterations=25)`: start at `x0` (an array
        $(x, y)$), make exactly `num_iterations` Newton steps with the functions **passed in**,
        called like yours, `grad(x, y)` and `hessian(x, y)`, and return the point as an array of
        shape `(2,)`. The hidden tests pass in the gradients and Hessians of other functions.
        """
    )
    nb.solution("newtons_method_2d")
    nb.test(
        "test_newtons_method_2d", 4, "newtons_method_2d makes num_iterations Newton steps with the functions it is given.",
        """
        # q(x, y) = (x - 1)^2 + 2(y + 1)^2 + (x - 1)(y + 1): a quadratic whose Hessian is not diagonal
        q_grad = lambda x, y: np.array([2 * (x - 1) + (y + 1), 4 * (y + 1) + (x - 1)])
        q_hessian = lambda x, y: np.array([[2.0, 1.0], [1.0, 4.0]])
        assert_close(np.asarray(newtons_method_2d(q_grad, q_hessian, np.array([5.0, 5.0]), num_iterations=1)),
                     np.array([1.0, -1.0]), name="one step on a quadratic lands on its minimum")
        assert_close(np.asarray(newtons_method_2d(q_grad, q_hessian, np.array([5.0, 5.0]), num_iterations=0)),
                     np.array([5.0, 5.0]), name="zero iterations return x0")
        assert_close(np.asarray(newtons_method_2d(gradient_f, hessian_f, np.array([4.0, 4.0]))), np.array([0.0, 0.0]),
                     name="the minimum of f from (4, 4)", atol=1e-8)
        """,
    )
    nb.md(
        r"""
        ### Newton against gradient descent

        Both from $(4, 4)$. Gradient descent needs a learning rate small enough for the steep walls
        of $x^4$ (at $(4,4)$ the curvature is about 200, so the rate must stay below $2/200$); near
        the minimum that rate is far too timid. Newton's step adapts to the curvature by itself.
        """
    )
    nb.code(
        """
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
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        Each Newton step costs more (a Hessian and a linear solve, $O(n^3)$ for $n$ parameters:
        hopeless for the millions of weights of a neural network, where gradient descent and its
        cousins rule), but it needs a handful of steps where gradient descent needs hundreds.

        ## 4. Where Newton goes wrong

        Newton's method looks for a point where the gradient is zero. It does not know whether
        that point is a minimum, a maximum or a saddle, and its step is only as good as the
        quadratic model it jumps into.

        **It overshoots.** $f(x) = \sqrt{1 + x^2}$ has its minimum at 0, but its curvature
        $f''(x) = (1 + x^2)^{-3/2}$ fades fast away from it, so the parabola is too flat and the
        step too long: Newton's step is $x \leftarrow -x^3$. From $0.9$ it converges; from $1.1$
        every step lands farther away on the other side.
        """
    )
    nb.code(
        """
        d1 = lambda x: x / np.sqrt(1 + x**2)
        d2 = lambda x: (1 + x**2) ** -1.5
        for x0 in (0.9, 1.1):
            print(f"from {x0}:", ", ".join(f"{newtons_method_1d(d1, d2, x0, num_iterations=k):.4g}" for k in range(6)))
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        **It climbs.** Where the Hessian is not positive definite, the quadratic model has no
        minimum and Newton's step can go uphill. Take $h(x, y) = x^4 - 2x^2 + y^2$, whose minima are
        $(\pm1, 0)$ and which has a saddle at $(0, 0)$. At $(0.3, 0.1)$, $h_{xx} = 12x^2 - 4 < 0$:
        Newton's step *raises* $h$ and heads for the saddle, while gradient descent from the same
        start rolls down to the minimum at $(1, 0)$.
        """
    )
    nb.code(
        """
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
        """,
        skip_when_grading=True,
    )
    nb.md(
        r"""
        **When to trust it:** close to a minimum where the Hessian is positive definite, Newton's
        method converges in a few steps, quadratically. Far from one, check that each step lowers
        $f$ (and shorten it if not), or make the Hessian positive definite by adding $\lambda I$ (the
        idea behind Levenberg–Marquardt) before solving.

        ## What you did

        You turned the tangent line into a root finder and the root finder into a minimiser, derived
        the gradient and the Hessian of a function of two variables by hand, found where its
        Hessian is positive definite, and watched Newton's method reach in eight steps what gradient
        descent needs hundreds for, and fail where its quadratic model lies. That closes the course:
        derivatives, gradients, the chain rule, and now curvature.
        """
    )
    return nb.notebook()


NOTEBOOKS = {"w1_cost_minimization": w1_cost_minimization, "w2_linear_regression": w2_linear_regression,
             "w3_two_layer_network": w3_two_layer_network, "w4_newtons_method": w4_newtons_method}


def target(assignment: str) -> Path:
    return ROOT / "source" / assignment / f"{assignment}.ipynb"


def render(assignment: str) -> str:
    return nbformat.writes(NOTEBOOKS[assignment](), version=4) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report out-of-date notebooks, write nothing")
    parser.add_argument("assignments", nargs="*", default=list(NOTEBOOKS))
    args = parser.parse_args()
    stale = []
    for a in args.assignments:
        text = render(a)
        path = target(a)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(a)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run python tools/build_notebooks.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
