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
        """
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
        """
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
        """
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
        """
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
        """
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
        """
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


NOTEBOOKS = {"w1_cost_minimization": w1_cost_minimization, "w2_linear_regression": w2_linear_regression}


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
