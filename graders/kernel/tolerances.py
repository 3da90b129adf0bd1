"""Named tolerances, each with the reason for its size.

A tolerance must be loose enough that every correct formula passes (np.var or by hand,
centred or expanded, loops or vectors) and tight enough that every real bug fails. Real
bugs in this course (a sign, a missing factor 2, a missing centring, ddof=1, a wrong index)
move results by more than 1e-3 relative, so there are many orders of magnitude of room.
"""

from __future__ import annotations

__all__ = [
    "EXACT_RTOL",
    "FORMULA_RTOL",
    "FORMULA_ATOL_SCALE",
    "FD_STEP",
    "FD_REL_ERROR",
    "STATIONARY_RTOL",
    "VISIBLE_RTOL",
    "VISIBLE_ATOL",
    "FD_HESSIAN_STEP",
    "ITERATE_RTOL",
    "QUADRATIC_RATIO_FACTOR",
    "DIAGNOSIS_RTOL",
    "TRAINED_DIAGNOSIS_RTOL",
    "ROUNDING_ATOL",
    "DRAW_RTOL",
]

#: Numbers read back from a CSV file: parsing a decimal string is exact in float64, so the
#: only freedom is the order of a few additions (e.g. a cast through float32 would be a bug).
EXACT_RTOL = 1e-12

#: Algebraically equal formulas evaluated in float64. On the course's inputs (price-like
#: series with mean/std <= 100) the worst correct formula, the expanded variance
#: E[f^2] - E[f]^2, loses about 4 digits to cancellation: ~1e-12 relative. 1e-8 leaves a
#: margin of 10^4 for correct code and 10^5 below the smallest real bug.
FORMULA_RTOL = 1e-8

#: Absolute floor, as a fraction of the quantity's natural scale (for instance the variance
#: of the prices for L), for values that are near zero by design (dL/dω at the optimum),
#: where a relative tolerance alone would demand digits that rounding cannot give.
FORMULA_ATOL_SCALE = 1e-9

#: Step of the central differences. For smooth functions the truncation error is
#: O(h^2 f''') and the rounding error O(eps |f| / h); h ~ eps^(1/3) ~ 6e-6 balances them.
#: (For quadratics such as L(ω) the truncation error is zero.)
FD_STEP = 1e-5

#: Largest symmetric relative error |a-b|/max(|a|,|b|) accepted between an analytic
#: derivative and central differences. With FD_STEP the achievable error is ~1e-9 on the
#: course's functions; wrong derivatives are off by > 1e-2.
FD_REL_ERROR = 1e-6

#: |dL/dω(ω*)| must be below this fraction of the slope scale of dL/dω for ω* to count as
#: a stationary point: ω* from an exact formula is good to ~1e-14.
STATIONARY_RTOL = 1e-7

#: Visible tests use small hand-made inputs whose answers are known exactly.
VISIBLE_RTOL = 1e-7
VISIBLE_ATOL = 1e-9

#: Step of the outer central differences when a Hessian is made from a gradient that is itself
#: central differences (w4: the grader's derivatives of the course f, which must not spell out
#: the exercise's formulas in code the kernel can read). The inner rounding error
#: eps*|f|/FD_STEP ~ 1e-11*|f| is divided by this step: 1e-3 keeps it near 1e-8 relative, and the
#: truncation error on a quartic (step^2 * f''''/6 ~ 4e-6) stays far below the Hessian's entries
#: (>= 4 on the course f), so Newton's method with it still converges to the minimum.
FD_HESSIAN_STEP = 1e-3

#: Newton iterates of two correct implementations (np.linalg.solve, np.linalg.inv, an explicit
#: 2x2 inverse, f'/f'' or f' * (1/f'')) differ by rounding: about cond(H) * eps per step, and
#: Newton's map contracts such differences on every graded run (cond(H) < 1e3 there), so they
#: stay below 1e-13 relative. The smallest real bug graded (one step off on a run that converges
#: only linearly) moves the result by more than 1e-5: 1e-8 relative to max(1, |x|) sits between.
ITERATE_RTOL = 1e-8

#: Near the minimum Newton's error squares: e_{k+1} <= M * e_k^2. A student's iterates may show
#: a ratio e_{k+1}/e_k^2 up to this factor above the reference's largest one on the same run
#: (rounding moves it by far less); a method that converges only linearly has e_{k+1}/e_k^2 ~
#: r / e_k, which exceeds it by 10^3 and more within a few steps of the minimum.
QUADRATIC_RATIO_FACTOR = 10.0

#: Naming a known mistake (a diagnosis in the message, never a grade): a wrong answer whose ratio
#: to the right one is a known factor (ddof=1 for ddof=0: sqrt((n-1)/n); a forgotten 1/m: m; a
#: sign: -1; a factor 2) matches it to rounding, ~1e-15 relative; 1e-9 names it and stays far from
#: every other factor the graded inputs can produce (the nearest two differ by > 1e-3).
DIAGNOSIS_RTOL = 1e-9

#: The same after a training run (w3's nn_model and its gradients on trained parameters): many
#: steps carry rounding differences to ~1e-10 relative; the factors are still > 1e-2 apart.
TRAINED_DIAGNOSIS_RTOL = 1e-6

#: Absolute floor where values are zero in exact arithmetic (a gradient component at a minimum,
#: an untouched bias): rounding leaves ~1e-16 times the data's scale, which is <= 1e3 here.
ROUNDING_ATOL = 1e-12

#: The same calls of numpy's generator give the same bits (w3's initialize_parameters); 1e-15
#: allows one ulp of a scaling done in another order (``* 0.01`` before or after the draw).
DRAW_RTOL = 1e-15
