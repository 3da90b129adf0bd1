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


NOTEBOOKS = {"w1_cost_minimization": w1_cost_minimization}


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
