"""Hidden checks of w3_two_layer_network (inputs and judges; no expected values live here).

Inputs for ``backward_propagation`` are built without a forward pass: pick the activations
A1, A2 first, then solve for weights that produce them exactly (possible when m <= n_x + 1 and
m <= n_h + 1), so the cache is genuine and no forward-propagation code lives in this public
package. Long training runs are judged by what is stable between correct implementations
(cost reached, held-out accuracy), short ones step by step.
"""

from __future__ import annotations

import numpy as np

from graders.kernel.checks import (CAUSES, CheckFailure, built_on, cause, check_defined, check_labels, check_returned,
                                   ignored_argument, ratio_hint, ratio_phrase)
from graders.kernel.gradcheck import numerical_gradient, rel_error
from graders.kernel.harness import Call, Check, Context, Results, fail
from graders.kernel.tolerances import (DIAGNOSIS_RTOL, DRAW_RTOL, EXACT_RTOL, FD_REL_ERROR, FORMULA_RTOL, ROUNDING_ATOL,
                                       TRAINED_DIAGNOSIS_RTOL)
from graders.kernel.values import Returned
from graders.coursedata import make_blobs  # the notebooks import it from graders.coursedata

__all__ = ["CHECKS", "make_blobs", "random_case"]

PARAMS = ("W1", "b1", "W2", "b2")
GRADS = ("dW1", "db1", "dW2", "db2")
CACHE = ("Z1", "A1", "Z2", "A2")

#: Elementwise results of equal formulas (np.dot or @, a stable sigmoid or not) agree to ~1e-15.
ELEMENT_ATOL = 1e-12
#: Short training runs (<= 5 steps at rate 1.2) amplify rounding by at most ~10^2.
SHORT_RUN_RTOL = 1e-7
#: Long runs (1000 steps at rate 1.2): correct implementations drift apart in the parameters by
#: tens of percent, but reach the same cost to ~1e-3 and the same held-out accuracy to ~1%.
LONG_RUN_COST_TOL = 0.02
LONG_RUN_ACCURACY_TOL = 0.03


def _logit(a: np.ndarray) -> np.ndarray:
    return np.log(a) - np.log1p(-a)


def _solve_weights(inputs: np.ndarray, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W, b with W @ inputs + b == Z exactly (inputs augmented with a row of ones has full column rank)."""
    aug = np.vstack([inputs, np.ones((1, inputs.shape[1]))])
    Wb = Z @ np.linalg.pinv(aug)
    return Wb[:, :-1], Wb[:, -1:]


def random_case(seed: int, n_x: int, n_h: int, n_y: int, m: int) -> tuple[dict, dict, np.ndarray, np.ndarray]:
    """(parameters, cache, X, Y) where cache is exactly the forward pass of parameters on X."""
    if m > n_x + 1 or m > n_h + 1:
        raise ValueError("need m <= n_x + 1 and m <= n_h + 1")
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (n_x, m))
    Y = (rng.random((n_y, m)) < 0.5).astype(np.float64)
    A1 = rng.uniform(0.1, 0.9, (n_h, m))
    A2 = rng.uniform(0.1, 0.9, (n_y, m))
    Z1, Z2 = _logit(A1), _logit(A2)
    W1, b1 = _solve_weights(X, Z1)
    W2, b2 = _solve_weights(A1, Z2)
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}, X, Y


def random_parameters(seed: int, n_x: int, n_h: int, n_y: int, scale: float = 1.0) -> dict:
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, scale, (n_h, n_x)), "b1": rng.normal(0, scale, (n_h, 1)),
            "W2": rng.normal(0, scale, (n_y, n_h)), "b2": rng.normal(0, scale, (n_y, 1))}


#: (seed, n_x, n_h, n_y, m) of the backward-propagation cases: several shapes, m > 1
SHAPES = ((11, 3, 4, 1, 4), (12, 5, 6, 2, 5), (13, 2, 3, 1, 3), (14, 4, 2, 3, 3))


def _shape_label(n_x: int, n_h: int, n_y: int, m: int) -> str:
    return f"(n_x, n_h, n_y, m) = ({n_x}, {n_h}, {n_y}, {m})"


# --- sigmoid, layer_sizes, initialize_parameters -------------------------------------------

SIGMOID_INPUTS = (
    ("a vector", np.array([-30.0, -2.0, -0.5, 0.0, 0.5, 2.0, 30.0])),
    ("a 2x3 matrix", np.array([[0.1, -4.0, 7.0], [-0.1, 3.0, -7.0]])),
    ("large |z| (overflow is harmless here)", np.array([-700.0, -40.0, 40.0, 700.0])),
)


def _calls_sigmoid(ctx: Context) -> list[Call]:
    return [Call(f"s/{i}", "sigmoid", (z,)) for i, (_, z) in enumerate(SIGMOID_INPUTS)]


def _judge_sigmoid(r: Results) -> None:
    for i, (label, _) in enumerate(SIGMOID_INPUTS):
        check_returned(f"sigmoid of {label}", r.student(f"s/{i}"), r.reference(f"s/{i}"), kind="array",
                       rtol=FORMULA_RTOL, atol=ELEMENT_ATOL, reveal=False)


LAYER_CASES = (((5, 7), (2, 7), 4), ((3, 10), (1, 10), None), ((8, 2), (3, 2), 6))


def _calls_layers(ctx: Context) -> list[Call]:
    calls = []
    for i, (xs, ys, n_h) in enumerate(LAYER_CASES):
        args = (np.zeros(xs), np.zeros(ys)) + (() if n_h is None else (n_h,))
        calls.append(Call(f"l/{i}", "layer_sizes", args))
    return calls


def _judge_layers(r: Results) -> None:
    for i, (xs, ys, n_h) in enumerate(LAYER_CASES):
        got, expected = r.student(f"l/{i}"), np.array(r.reference(f"l/{i}"), dtype=float)
        name = f"layer_sizes(X of shape {xs}, Y of shape {ys}{'' if n_h is None else f', n_h={n_h}'})"
        check_defined(name, got)
        if not got.is_numeric or got.array.shape != (3,):
            fail(f"{name}: expected a tuple (n_x, n_h, n_y), got {got.type_name}: {got.text}")
        if not np.array_equal(got.array, expected):
            fail(f"{name}: got {tuple(int(v) for v in got.array)}: read n_x and n_y from the shapes of X and Y, and keep n_h's default of 2")


INIT_CASES = ((2, 4, 1, 3), (5, 3, 2, 7), (3, 2, 4, 0))


def _calls_init(ctx: Context) -> list[Call]:
    return [Call(f"i/{k}", "initialize_parameters", (n_x, n_h, n_y), {"seed": seed}, view="dict:W1,b1,W2,b2")
            for k, (n_x, n_h, n_y, seed) in enumerate(INIT_CASES)] + [
        Call("i/default", "initialize_parameters", (2, 4, 1), view="dict:W1,b1,W2,b2")]


def _judge_dict(r: Results, key: str, names: tuple[str, ...], label: str, *, rtol: float, atol: float,
                values: bool = True) -> None:
    got = r.student(key)
    check_defined(label, got)
    if got.items is None or len(got.items) != len(names):
        fail(f"{label}: expected a dict with keys {', '.join(names)}, got {got.type_name}: {got.text}")
    expected = r.reference(key)
    for name, item, exp in zip(names, got.items, expected):
        if item.type_name == "str" and "missing key" in item.text:
            fail(f"{label}: the dict has no key {name!r}")
        exp = np.asarray(exp, dtype=float)
        if item.is_numeric and item.array.shape != exp.shape and item.array.shape == exp.T.shape:
            fail(f"{label}: {name} has shape {item.array.shape}, the transpose of the expected {exp.shape}")
        check_returned(f"{label}: {name}", item, exp, kind="array", rtol=rtol, atol=atol, reveal=False,
                       stop_after=None if values else "shape")


def _draws(n_x: int, n_h: int, n_y: int, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(W1, W2) unscaled, as the ways learners draw them would give (public: seeds and sizes only)."""
    rng, legacy = np.random.default_rng(seed), np.random.RandomState(seed)  # RandomState(seed) is np.random.seed(seed)
    uniform, legacy_uniform = np.random.default_rng(seed), np.random.RandomState(seed)
    return {
        "normal": (rng.standard_normal((n_h, n_x)), rng.standard_normal((n_y, n_h))),
        "legacy": (legacy.randn(n_h, n_x), legacy.randn(n_y, n_h)),
        "uniform": (uniform.random((n_h, n_x)), uniform.random((n_y, n_h))),
        "legacy_uniform": (legacy_uniform.rand(n_h, n_x), legacy_uniform.rand(n_y, n_h)),
    }


def _init_cause(got: Returned, n_x: int, n_h: int, n_y: int, seed: int) -> str:
    """Name the way the weights were drawn, when the numbers show it (else "")."""
    if got.items is None or len(got.items) != 4:
        return ""
    W1, W2 = got.items[0], got.items[2]
    if not (W1.is_numeric and W2.is_numeric and W1.array.shape == (n_h, n_x) and W2.array.shape == (n_y, n_h)):
        return ""
    mine = (W1.array, W2.array)
    for draw, (d1, d2) in _draws(n_x, n_h, n_y, seed).items():
        for scale in (0.01, 1.0):
            if not all(np.allclose(m, d * scale, rtol=EXACT_RTOL, atol=0.0) for m, d in zip(mine, (d1, d2))):
                continue
            if draw == "normal" and scale == 1.0:
                return cause(CAUSES["missing_scale"], "the draws are right but not scaled: multiply them by 0.01")
            if draw == "legacy":
                return cause(CAUSES["legacy_rng"], "your weights are exactly what np.random.seed(seed) followed by "
                             "np.random.randn draws" + (", without the x0.01" if scale == 1.0 else "") +
                             "; the course draws with rng = np.random.default_rng(seed) and "
                             "rng.standard_normal((n_h, n_x)), then rng.standard_normal((n_y, n_h))")
            if draw in ("uniform", "legacy_uniform"):
                return cause(CAUSES["uniform_draw"], "your weights are uniform draws from [0, 1)"
                             + (" (np.random.rand)" if draw == "legacy_uniform" else " (rng.random)")
                             + ("" if scale == 0.01 else " without the x0.01")
                             + "; draw from the standard normal distribution: rng.standard_normal(...)")
    allw = np.concatenate([W1.array.ravel(), W2.array.ravel()])
    if allw.size >= 8 and np.all(allw >= 0) and np.all(allw < 0.01) and np.unique(allw).size > 1:
        return cause(CAUSES["uniform_draw"], "all your weights lie in [0, 0.01): draws from a normal distribution "
                     "take both signs; use rng.standard_normal(...) * 0.01")
    if allw.size and np.all(np.isfinite(allw)) and np.max(np.abs(allw)) > 0.2 and np.max(np.abs(allw)) < 10:
        ratio = ratio_hint(np.concatenate([m.ravel() for m in mine]),
                           np.concatenate([d.ravel() * 0.01 for d in _draws(n_x, n_h, n_y, seed)["normal"]]))
        if ratio is None:  # sizes of standard normal draws, not of draws times 0.01
            return cause(CAUSES["missing_scale"], "your weights are the size of standard normal draws; "
                         "the course's are 100 times smaller: multiply the draws by 0.01")
    return ""


def _judge_init(r: Results) -> None:
    cases = [(f"i/{k}", (n_x, n_h, n_y, seed), f"initialize_parameters({n_x}, {n_h}, {n_y}, seed={seed})")
             for k, (n_x, n_h, n_y, seed) in enumerate(INIT_CASES)]
    cases.append(("i/default", (2, 4, 1, 3), "initialize_parameters(2, 4, 1) with the default seed"))
    for key, sizes, label in cases:
        try:
            _judge_dict(r, key, PARAMS, label, rtol=DRAW_RTOL, atol=0.0)
        except CheckFailure as exc:
            raise CheckFailure(f"{exc}{_init_cause(r.student(key), *sizes)}") from None


# --- forward, cost -------------------------------------------------------------------------


def _calls_forward(ctx: Context) -> list[Call]:
    calls = []
    for k, (seed, n_x, n_h, n_y, m) in enumerate(SHAPES):
        params = random_parameters(seed, n_x, n_h, n_y)
        X = np.random.default_rng(seed + 100).normal(size=(n_x, m + 3))
        calls.append(Call(f"f/{k}", "forward_propagation", (X, params), view="first_and_dict:Z1,A1,Z2,A2"))
    return calls


def _judge_forward(r: Results) -> None:
    for k, (seed, n_x, n_h, n_y, m) in enumerate(SHAPES):
        label = f"forward_propagation with {_shape_label(n_x, n_h, n_y, m + 3)}"
        got = r.student(f"f/{k}")
        check_defined(label, got)
        if got.items is None or len(got.items) != 5:
            fail(f"{label}: expected (A2, cache) with cache a dict of Z1, A1, Z2, A2; got {got.type_name}: {got.text}")
        _judge_dict(r, f"f/{k}", ("A2",) + tuple(f"cache['{c}']" for c in CACHE), label, rtol=FORMULA_RTOL, atol=ELEMENT_ATOL)


COST_CASES = ((21, 1, 6), (22, 2, 5), (23, 3, 1))


def _cost_inputs(seed: int, n_y: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(0.02, 0.98, (n_y, m)), (rng.random((n_y, m)) < 0.5).astype(np.float64)


def _calls_cost(ctx: Context) -> list[Call]:
    return [Call(f"c/{k}", "compute_cost", _cost_inputs(seed, n_y, m)) for k, (seed, n_y, m) in enumerate(COST_CASES)]


def _judge_cost(r: Results) -> None:
    for k, (seed, n_y, m) in enumerate(COST_CASES):
        label = f"compute_cost with {n_y} output{'s' if n_y > 1 else ''} and m = {m} examples"
        got, expected = r.student(f"c/{k}"), r.reference(f"c/{k}")
        try:
            check_returned(label, got, expected, kind="scalar", rtol=FORMULA_RTOL, atol=ELEMENT_ATOL, reveal=False)
        except CheckFailure as exc:
            ratio = float(got.array) / expected if got.is_scalar and expected != 0 else None  # one number: any factor
            if ratio is not None and m > 1 and abs(ratio - m) < TRAINED_DIAGNOSIS_RTOL * m:
                raise CheckFailure(f"{exc}\n  (summed over the examples instead of averaged: divide by m)") from None
            if ratio is not None and n_y > 1 and abs(ratio - 1 / n_y) < DIAGNOSIS_RTOL:
                raise CheckFailure(f"{exc}\n  (averaged over the outputs too: sum over all entries, divide by m only)") from None
            raise CheckFailure(f"{exc}{_cost_cause(r, k, got, expected)}") from None


def _cost_cause(r: Results, k: int, got: Returned, expected: float) -> str:
    """Name the mistake when the numbers show it (cases before ``k`` passed)."""
    A2, Y = r.call(f"c/{k}").args
    n_y, m = Y.shape
    if got.is_scalar and np.isfinite(float(got.array)):
        value = float(got.array)
        if abs(value + expected) <= DIAGNOSIS_RTOL * abs(expected):
            return cause(CAUSES["cost_sign"], "the logs of probabilities are negative: the cost is minus their mean, "
                         "-(1/m) * sum(...)")
        with np.errstate(all="ignore"):
            no_negatives = float(-np.sum(Y * np.log(A2)) / m)
        for candidate, sign in ((no_negatives, ""), (-no_negatives, " and without the minus sign")):
            if abs(value - candidate) <= DIAGNOSIS_RTOL * abs(candidate):
                return cause(CAUSES["cost_no_1_minus_y"], "your cost counts only the examples with Y = 1" + sign
                             + ": add (1 - Y) * log(1 - A2) for those with Y = 0")
    passed_one_output = [j for j, (_, ny, _) in enumerate(COST_CASES[:k]) if ny == 1]
    if n_y > 1 and passed_one_output:
        if got.is_numeric and got.array.shape == (n_y, n_y) and abs(np.trace(got.array) - expected) <= DIAGNOSIS_RTOL * abs(expected):
            how = "you returned an n_y x n_y matrix of every output paired with every other"
        else:
            how = "right with one output unit, not with several"
        return cause(CAUSES["one_output"], f"{how}: np.dot(Y, np.log(A2).T) pairs every output with every other; "
                     "multiply elementwise, Y * np.log(A2), and sum over all entries")
    return ""


# --- backward ------------------------------------------------------------------------------


def _calls_backward(ctx: Context) -> list[Call]:
    calls = []
    for k, (seed, n_x, n_h, n_y, m) in enumerate(SHAPES):
        params, cache, X, Y = random_case(seed, n_x, n_h, n_y, m)
        calls.append(Call(f"b/{k}", "backward_propagation", (params, cache, X, Y), view="dict:dW1,db1,dW2,db2"))
    return calls


def _numeric_grads(ref, params: dict, X: np.ndarray, Y: np.ndarray) -> dict:
    out = {}
    for name in PARAMS:
        work = {k: v.astype(np.float64).copy() for k, v in params.items()}

        def cost_of(values: np.ndarray, name: str = name) -> float:
            work[name] = values
            return ref.compute_cost(ref.forward_propagation(X, work)[0], Y)

        out["d" + name] = numerical_gradient(cost_of, work[name].copy())
    return out


def _picture_backward(r: Results) -> dict[str, str] | None:
    """Which of dW1, db1, dW2, db2 agree with finite differences, on the first network shape."""
    from graders.autograde.pictures import component_table

    seed, n_x, n_h, n_y, m = SHAPES[0]
    got = r.student("b/0")
    if got.items is None or len(got.items) != 4:
        return None
    params, _, X, Y = r.call("b/0").args
    numeric = _numeric_grads(r.reference_module, params, X, Y)
    rows = []
    for name, item in zip(GRADS, got.items):
        exp = numeric[name]
        if not item.is_numeric:
            rows.append((name, item.type_name, str(exp.shape), "not an array", False))
            continue
        shape = str(item.array.shape)
        if item.array.shape != exp.shape:
            rows.append((name, shape, str(exp.shape), "wrong shape", False))
            continue
        with np.errstate(all="ignore"):
            errors = rel_error(item.array, exp)
        bad = int(np.sum(~(errors <= FD_REL_ERROR)))
        finding = (f"max relative error {float(np.nanmax(errors)):.2g}" if np.isfinite(errors).all() else "not finite")
        finding += f"; {bad} of {errors.size} entries off" if bad else ""
        rows.append((name, shape, str(exp.shape), finding, bad == 0))
    return component_table(rows, caption=f"backward_propagation with {_shape_label(n_x, n_h, n_y, m)}: "
                           f"your gradients against finite differences of the cost (tolerance {FD_REL_ERROR:g})")


def _judge_backward(r: Results) -> None:
    for k, (seed, n_x, n_h, n_y, m) in enumerate(SHAPES):
        label = f"backward_propagation with {_shape_label(n_x, n_h, n_y, m)}"
        got = r.student(f"b/{k}")
        check_defined(label, got)
        if got.items is None or len(got.items) != 4:
            fail(f"{label}: expected a dict with keys dW1, db1, dW2, db2, got {got.type_name}: {got.text}")
        params, _, X, Y = r.call(f"b/{k}").args
        numeric = _numeric_grads(r.reference_module, params, X, Y)
        problems: dict[str, str] = {}
        for name, item in zip(GRADS, got.items):
            exp = numeric[name]
            if item.type_name == "str" and "missing key" in item.text:
                problems[name] = f"{name}: missing from the dict"
                continue
            if item.is_numeric and item.array.shape != exp.shape:
                how = " (the transpose: check the order of the matrix product)" if item.array.shape == exp.T.shape else ""
                how = how or (" (keepdims=True keeps the column shape)" if item.array.size == exp.size else "")
                problems[name] = f"{name}: shape {item.array.shape}, expected {exp.shape}{how}"
                continue
            try:
                check_returned(f"{name}", item, exp, kind="array", rtol=0, atol=0, reveal=False, stop_after="shape")
            except CheckFailure as exc:
                problems[name] = str(exc)
                continue
            errors = rel_error(item.array, exp)
            if np.any(errors > FD_REL_ERROR):
                ratio = ratio_hint(item.array, exp)
                with np.errstate(all="ignore"):
                    ratios = item.array / exp
                if ratio is None and np.all(np.isfinite(ratios)) and np.allclose(ratios, m, rtol=TRAINED_DIAGNOSIS_RTOL):
                    ratio = float(m)  # one entry (db2 with one output) still shows the factor m
                if ratio is not None and abs(ratio - m) < TRAINED_DIAGNOSIS_RTOL * m:
                    how = f"{m} times the gradient: average over the m = {m} examples (divide by m)"
                elif ratio is not None:
                    how = ratio_phrase(ratio, "the gradient", exact=False)
                else:
                    worst = np.unravel_index(int(np.argmax(errors)), errors.shape)
                    how = (f"wrong values: {int(np.sum(errors > FD_REL_ERROR))} of {errors.size} entries differ from "
                           f"finite differences of the cost (worst at index {tuple(int(i) for i in worst)}, "
                           f"relative error {float(errors.max()):.3g})")
                problems[name] = f"{name}: {how}"
        if problems:
            hint = ""
            if set(problems) <= {"dW1", "db1"} and len(problems) == 2 and all("wrong values" in p for p in problems.values()):
                hint = ("\n  dW2 and db2 are right, so the error is in the hidden layer (dZ1): did you multiply by "
                        "the derivative of the sigmoid?")
            fail(f"{label}: compared with finite differences of the cost\n  " + "\n  ".join(problems[g] for g in GRADS if g in problems) + hint)
        _judge_dict(r, f"b/{k}", GRADS, label, rtol=FORMULA_RTOL, atol=ELEMENT_ATOL)


# --- update, training, predict -------------------------------------------------------------


def _calls_update(ctx: Context) -> list[Call]:
    calls = []
    for k, (seed, n_x, n_h, n_y, _) in enumerate(SHAPES[:3]):
        params = random_parameters(seed, n_x, n_h, n_y)
        grads = {"d" + n: v for n, v in random_parameters(seed + 50, n_x, n_h, n_y).items()}
        args = (params, grads) if k == 0 else (params, grads, 0.3 * k)
        calls.append(Call(f"u/{k}", "update_parameters", args, view="dict:W1,b1,W2,b2"))
    return calls


def _judge_update(r: Results) -> None:
    for k in range(3):
        call = r.call(f"u/{k}")
        rate = 1.2 if k == 0 else 0.3 * k
        label = f"update_parameters with learning_rate={rate:g}" + (" (the default)" if k == 0 else "")
        got = r.student(f"u/{k}")
        if got.items is not None and len(got.items) == 4 and all(i.is_numeric for i in got.items):
            params, grads = call.args[0], call.args[1]
            steps = [got.items[i].array - params[n] for i, n in enumerate(PARAMS) if got.items[i].array.shape == params[n].shape]
            wanted = [-rate * grads["d" + n] for n in PARAMS]
            if len(steps) == 4:
                ratio = ratio_hint(np.concatenate([s.ravel() for s in steps]), np.concatenate([w.ravel() for w in wanted]))
                if ratio is not None and abs(ratio + 1) < TRAINED_DIAGNOSIS_RTOL:
                    fail(f"{label}: your step goes along the gradient, uphill: subtract learning_rate * gradient")
        _judge_dict(r, f"u/{k}", PARAMS, label, rtol=FORMULA_RTOL, atol=ELEMENT_ATOL)


#: (case, n_h, seed, num_iterations, learning_rate or None for the default): every argument varies
SHORT_RUNS = ((0, 2, 3, 0, None), (1, 3, 4, 1, None), (2, 4, 4, 2, None), (3, 3, 5, 5, None), (4, 3, 6, 3, 0.5),
              (5, 5, 3, 2, 2.0))
#: nn_model's defaults (course-spec.md), what a function ignoring its argument uses instead
NN_DEFAULTS = {"num_iterations": 10, "learning_rate": 1.2, "seed": 3}
#: The student's own functions nn_model composes, in the order to fix them: their checks' calls
#: also run in test_nn_model, so its message can say which block to fix first.
BLOCKS = ("sigmoid", "layer_sizes", "initialize_parameters", "forward_propagation", "backward_propagation",
          "update_parameters")


def _nn_kwargs(seed: int, it: int, lr: float | None) -> dict:
    return {"num_iterations": it, "seed": seed} | ({} if lr is None else {"learning_rate": lr})


def _nn_label(n_h: int, seed: int, it: int, lr: float | None) -> str:
    return f"nn_model(n_h={n_h}, num_iterations={it}, {'' if lr is None else f'learning_rate={lr:g}, '}seed={seed})"


def _calls_nn(ctx: Context) -> list[Call]:
    X, Y = make_blobs(160, seed=5)
    calls = [Call(f"n/{k}", "nn_model", (X[:, : 40 + 10 * k], Y[:, : 40 + 10 * k], n_h),
                  _nn_kwargs(seed, it, lr), view="dict:W1,b1,W2,b2")
             for k, (_, n_h, seed, it, lr) in enumerate(SHORT_RUNS)]
    Xtr, Ytr = make_blobs(400, seed=0)
    calls.append(Call("n/long", "nn_model", (Xtr, Ytr, 4), {"num_iterations": 1000}, view="dict:W1,b1,W2,b2"))
    return calls + [c for block in BLOCKS for c in _BLOCK_CHECKS[block][0](ctx)]


def _params_of(got: Returned) -> list[np.ndarray] | None:
    if got.items is None or len(got.items) != 4 or not all(i.is_numeric for i in got.items):
        return None
    return [i.array for i in got.items]


def _same_params(mine: list[np.ndarray], theirs: dict, rtol: float = DIAGNOSIS_RTOL) -> bool:
    return all(m.shape == np.shape(theirs[n]) and np.allclose(m, theirs[n], rtol=rtol, atol=ROUNDING_ATOL)
               for m, n in zip(mine, PARAMS))


def _ignored_argument(r: Results, key: str, label: str, mine: list[np.ndarray]) -> str | None:
    """The message when the result is the reference run with one argument replaced by what a
    function ignoring it uses (its default, or the hidden size the shapes show); else None."""
    call = r.call(key)
    X, Y, n_h = call.args
    kwargs = {"learning_rate": 1.2, **call.kwargs}
    where = {"learning_rate": "update_parameters", "seed": "initialize_parameters",
             "num_iterations": "the loop (range(num_iterations))", "n_h": "layer_sizes and initialize_parameters"}
    candidates = [(arg, value, " (the default)") for arg, value in NN_DEFAULTS.items() if kwargs[arg] != value]
    if mine[0].ndim == 2 and mine[0].shape[0] != n_h and mine[0].shape[0] > 0:
        candidates.append(("n_h", int(mine[0].shape[0]), ""))
    with np.errstate(all="ignore"):  # trained on the notebook's X_train, Y_train instead of X, Y?
        on_course = r.reference_module.nn_model(*make_blobs(400, seed=0), n_h, **kwargs)
    if _same_params(mine, on_course):
        return (f"{label}: your parameters are those of the same run on the course data (X_train, Y_train)."
                + cause(CAUSES["globals"], "nn_model must train on the X and Y passed in, not on the notebook's "
                        "X_train and Y_train"))
    for arg, value, note in candidates:
        if arg == "num_iterations" and value > 50:
            continue
        run = {**kwargs, arg: value} if arg != "n_h" else kwargs
        with np.errstate(all="ignore"):
            theirs = r.reference_module.nn_model(X, Y, value if arg == "n_h" else n_h, **run)
        if _same_params(mine, theirs):
            return (f"{label}: your parameters are those of the run with {arg}={value:g}{note}."
                    + cause(ignored_argument(arg), f"nn_model must use its argument {arg}: pass it on to {where[arg]}"))
    return None


def _broken_block(r: Results) -> str | None:
    """The first of the student's building blocks that fails its own check, with that check's headline."""
    for block in BLOCKS:
        try:
            _BLOCK_CHECKS[block][1](r)
        except CheckFailure as exc:
            return block
    return None


def _nn_failure(r: Results, exc: CheckFailure, key: str, label: str) -> CheckFailure:
    """The message for a failed nn_model run: an ignored argument, a broken block, or the plain one."""
    mine = _params_of(r.student(key))
    if mine is not None and key != "n/long":
        found = _ignored_argument(r, key, label, mine)
        if found:
            return CheckFailure(found)
    block = _broken_block(r)
    if block is not None:
        return CheckFailure(f"{exc}" + cause(built_on(block), f"nn_model runs your own {block}, which fails its own "
                                             f"check (see the test cell of {block}): fix {block} first"))
    return exc


def _judge_nn(r: Results) -> None:
    try:
        _judge_nn_runs(r)
    except CheckFailure as exc:
        key = getattr(exc, "key", "n/long")
        raise _nn_failure(r, exc, key, getattr(exc, "label", "")) from None


def _judge_nn_runs(r: Results) -> None:
    ref = r.reference_module
    for k, (_, n_h, seed, it, lr) in enumerate(SHORT_RUNS):
        label = _nn_label(n_h, seed, it, lr)
        got = r.student(f"n/{k}")
        try:
            try:
                _judge_dict(r, f"n/{k}", PARAMS, label, rtol=SHORT_RUN_RTOL, atol=ROUNDING_ATOL)
            except CheckFailure as exc:
                if it == 0:
                    raise CheckFailure(f"{exc}\n  (with num_iterations=0 nn_model returns initialize_parameters(n_x, n_h, n_y, seed))") from None
                mine = _params_of(got)
                if it > 1 and mine is not None:
                    X, Y, _ = r.call(f"n/{k}").args  # the same run stopped after 1 iteration, by the reference
                    one_run = ref.nn_model(X, Y, n_h, **{**_nn_kwargs(seed, 1, lr)})
                    if _same_params(mine, one_run):
                        raise CheckFailure(f"{label}: the parameters after {it} iterations equal those after 1: "
                                           "are they re-initialised inside the loop?") from None
                raise
        except CheckFailure as exc:
            exc.key, exc.label = f"n/{k}", label
            raise
    # the long run: judged by cost reached and held-out accuracy, not by parameters
    label = "nn_model(X, Y, n_h=4, num_iterations=1000) on the course data"
    got = r.student("n/long")
    _judge_dict(r, "n/long", PARAMS, label, rtol=0, atol=0, values=False)  # types and shapes only
    Xtr, Ytr = r.call("n/long").args[:2]
    Xte, Yte = make_blobs(200, seed=1)
    mine = {n: got.items[i].array for i, n in enumerate(PARAMS)}
    theirs = dict(zip(PARAMS, (np.asarray(v) for v in r.reference("n/long"))))
    def cost(p): return ref.compute_cost(ref.forward_propagation(Xtr, p)[0], Ytr)
    def accuracy(p): return float(np.mean(ref.predict(Xte, p) == (Yte > 0.5)))
    with np.errstate(all="ignore"):
        c_mine, c_ref = cost(mine), cost(theirs)
        a_mine, a_ref = accuracy(mine), accuracy(theirs)
    if not np.isfinite(c_mine) or c_mine > c_ref + LONG_RUN_COST_TOL:
        fail(f"{label}: training reached a cost of {c_mine:.4g}, more than {LONG_RUN_COST_TOL:g} above what training should reach")
    if a_mine < a_ref - LONG_RUN_ACCURACY_TOL:
        fail(f"{label}: held-out accuracy {a_mine:.1%}, more than {LONG_RUN_ACCURACY_TOL:.0%} below what training should reach")


def _calls_predict(ctx: Context) -> list[Call]:
    calls = []
    for k, (seed, n_x, n_h, n_y, m) in enumerate(SHAPES):
        params = random_parameters(seed + 7, n_x, n_h, n_y, scale=2.0)
        X = np.random.default_rng(seed + 9).normal(size=(n_x, 25))
        calls.append(Call(f"p/{k}", "predict", (X, params)))
    return calls


def _judge_predict(r: Results) -> None:
    for k, (seed, n_x, n_h, n_y, m) in enumerate(SHAPES):
        check_labels(f"predict with n_y = {n_y} and 25 examples", r.student(f"p/{k}"), r.reference(f"p/{k}"), reveal=False)


#: block -> (calls, judge) of its own check, for nn_model's message
_BLOCK_CHECKS = {
    "sigmoid": (_calls_sigmoid, _judge_sigmoid),
    "layer_sizes": (_calls_layers, _judge_layers),
    "initialize_parameters": (_calls_init, _judge_init),
    "forward_propagation": (_calls_forward, _judge_forward),
    "backward_propagation": (_calls_backward, _judge_backward),
    "update_parameters": (_calls_update, _judge_update),
}

CHECKS = (
    Check("test_sigmoid", "sigmoid", _calls_sigmoid, _judge_sigmoid),
    Check("test_layer_sizes", "layer_sizes", _calls_layers, _judge_layers),
    Check("test_initialize_parameters", "initialize_parameters, exactly as specified", _calls_init, _judge_init),
    Check("test_forward_propagation", "forward_propagation and its cache", _calls_forward, _judge_forward),
    Check("test_compute_cost", "compute_cost, the log loss", _calls_cost, _judge_cost),
    Check("test_backward_propagation", "backward_propagation, checked as a gradient", _calls_backward, _judge_backward,
          picture=_picture_backward),
    Check("test_update_parameters", "update_parameters, one step", _calls_update, _judge_update),
    Check("test_nn_model", "nn_model, step by step and trained", _calls_nn, _judge_nn),
    Check("test_predict", "predict", _calls_predict, _judge_predict),
)
