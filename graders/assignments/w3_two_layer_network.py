"""Hidden checks of w3_two_layer_network (inputs and judges; no expected values live here).

Inputs for ``backward_propagation`` are built without a forward pass: pick the activations
A1, A2 first, then solve for weights that produce them exactly (possible when m <= n_x + 1 and
m <= n_h + 1), so the cache is genuine and no forward-propagation code lives in this public
package. Long training runs are judged by what is stable between correct implementations
(cost reached, held-out accuracy), short ones step by step.
"""

from __future__ import annotations

import numpy as np

from ..checks import CheckFailure, check_returned, mismatch_message, ratio_hint, ratio_phrase
from ..gradcheck import numerical_gradient, rel_error
from ..harness import Call, Check, Context, Results, fail
from ..tolerances import FD_REL_ERROR, FORMULA_RTOL
from ..values import Returned

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


def make_blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian blobs at the corners of a square; opposite corners share a label (XOR).

    Returns X of shape (2, n) and Y of shape (1, n) with 0/1 entries.
    """
    rng = np.random.default_rng(seed)
    corners = np.array([[1.5, 1.5], [-1.5, -1.5], [1.5, -1.5], [-1.5, 1.5]])
    which = rng.integers(0, 4, n)
    X = (corners[which] + rng.normal(0.0, 0.6, (n, 2))).T
    Y = (which < 2).astype(np.float64).reshape(1, n)
    return X, Y


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
        check_returned(name, got, None, kind="scalar", rtol=0, atol=0, reveal=False) if (got.missing or got.error) else None
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
    if got.missing or got.error:
        check_returned(label, got, None, kind="scalar", rtol=0, atol=0, reveal=False)
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


def _judge_init(r: Results) -> None:
    for k, (n_x, n_h, n_y, seed) in enumerate(INIT_CASES):
        _judge_dict(r, f"i/{k}", PARAMS, f"initialize_parameters({n_x}, {n_h}, {n_y}, seed={seed})", rtol=1e-15, atol=0.0)
    _judge_dict(r, "i/default", PARAMS, "initialize_parameters(2, 4, 1) with the default seed", rtol=1e-15, atol=0.0)


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
        if got.missing or got.error:
            check_returned(label, got, None, kind="scalar", rtol=0, atol=0, reveal=False)
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
            if ratio is not None and m > 1 and abs(ratio - m) < 1e-6 * m:
                raise CheckFailure(f"{exc}\n  (summed over the examples instead of averaged: divide by m)") from None
            if ratio is not None and n_y > 1 and abs(ratio - 1 / n_y) < 1e-9:
                raise CheckFailure(f"{exc}\n  (averaged over the outputs too: sum over all entries, divide by m only)") from None
            raise


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
    from ..pictures import component_table

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
        if got.missing or got.error:
            check_returned(label, got, None, kind="scalar", rtol=0, atol=0, reveal=False)
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
                if ratio is None and np.all(np.isfinite(ratios)) and np.allclose(ratios, m, rtol=1e-6):
                    ratio = float(m)  # one entry (db2 with one output) still shows the factor m
                if ratio is not None and abs(ratio - m) < 1e-6 * m:
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
                if ratio is not None and abs(ratio + 1) < 1e-6:
                    fail(f"{label}: your step goes along the gradient, uphill: subtract learning_rate * gradient")
        _judge_dict(r, f"u/{k}", PARAMS, label, rtol=FORMULA_RTOL, atol=ELEMENT_ATOL)


SHORT_RUNS = ((0, 2, 3, 0), (1, 3, 4, 1), (2, 4, 4, 2), (3, 3, 5, 5))  # (case, n_h, seed, num_iterations)


def _calls_nn(ctx: Context) -> list[Call]:
    X, Y = make_blobs(160, seed=5)
    calls = [Call(f"n/{k}", "nn_model", (X[:, : 40 + 10 * k], Y[:, : 40 + 10 * k], n_h),
                  {"num_iterations": it, "seed": seed}, view="dict:W1,b1,W2,b2")
             for k, (_, n_h, seed, it) in enumerate(SHORT_RUNS)]
    Xtr, Ytr = make_blobs(400, seed=0)
    calls.append(Call("n/long", "nn_model", (Xtr, Ytr, 4), {"num_iterations": 1000}, view="dict:W1,b1,W2,b2"))
    return calls


def _judge_nn(r: Results) -> None:
    ref = r.reference_module
    for k, (_, n_h, seed, it) in enumerate(SHORT_RUNS):
        label = f"nn_model(n_h={n_h}, num_iterations={it}, seed={seed})"
        got = r.student(f"n/{k}")
        try:
            _judge_dict(r, f"n/{k}", PARAMS, label, rtol=SHORT_RUN_RTOL, atol=1e-12)
        except CheckFailure as exc:
            if it == 0:
                raise CheckFailure(f"{exc}\n  (with num_iterations=0 nn_model returns initialize_parameters(n_x, n_h, n_y, seed))") from None
            if it > 1 and got.items is not None and len(got.items) == 4 and all(i.is_numeric for i in got.items):
                X, Y, _ = r.call(f"n/{k}").args  # the same run stopped after 1 iteration, by the reference
                one_run = ref.nn_model(X, Y, n_h, num_iterations=1, seed=seed)
                one = [np.asarray(one_run[n]) for n in PARAMS]
                if all(i.array.shape == np.shape(o) and np.allclose(i.array, o, rtol=1e-9, atol=1e-12) for i, o in zip(got.items, one)):
                    raise CheckFailure(f"{label}: the parameters after {it} iterations equal those after 1: "
                                       "are they re-initialised inside the loop?") from None
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
        check_returned(f"predict with n_y = {n_y} and 25 examples", r.student(f"p/{k}"), r.reference(f"p/{k}").astype(float),
                       kind="bool_array", rtol=0, atol=0, reveal=False)


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
