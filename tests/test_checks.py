"""graders.kernel.checks: the stages and the exact message text a student reads."""

from __future__ import annotations

import numpy as np
import pytest

from graders import CheckFailure, assert_close, check_returned, mismatch_message
from graders.kernel.checks import compare, ratio_hint
from graders.kernel.values import Returned, decode, describe, encode


def message(got, expected, **kw):
    kw.setdefault("rtol", 1e-8)
    kw.setdefault("atol", 0.0)
    kw.setdefault("reveal", False)
    kw.setdefault("kind", "array" if np.ndim(expected) else "scalar")
    with pytest.raises(CheckFailure) as info:
        check_returned("thing", describe(got) if not isinstance(got, Returned) else got, expected, **kw)
    return str(info.value)


def test_values_message_pinned_hidden():
    got = np.array([1.0, 2.0, 3.5, 4.0])
    text = message(got, np.array([1.0, 2.0, 3.0, 4.0]), labels=["a", "b", "c", "d"])
    assert text == (
        "thing: wrong values.\n"
        "  tolerance: |yours - expected| <= atol + rtol*|expected|, rtol=1.0e-08, atol=0.0e+00\n"
        "  mismatched: 1 of 4 entries\n"
        "  worst at index 2 (c): yours 3.5\n"
        "  max absolute error 0.5, max relative error 0.167"
    )


def test_values_message_reveals_only_when_visible():
    text = mismatch_message("x", np.array([2.0]), np.array([1.0]), rtol=0, atol=0, reveal=True)
    assert "worst at index 0: yours 2, expected 1" in text
    hidden = mismatch_message("x", np.array([2.0]), np.array([1.0]), rtol=0, atol=0, reveal=False)
    assert "expected 1" not in hidden and "yours 2" in hidden


def test_sign_and_factor_hints():
    assert "hint: your values are -1 times the expected ones (a sign error?)" in message(-np.arange(1.0, 4), np.arange(1.0, 4))
    assert "hint: your values are 2 times the expected ones (an extra factor 2?)" in message(2 * np.arange(1.0, 4), np.arange(1.0, 4))
    # other factors: approximate in hidden messages (no way back to the expected values)
    assert "hint: your values are about 1.02 times the expected ones (off by a constant factor)" in message(
        np.arange(1.0, 4) * 60 / 59, np.arange(1.0, 4))
    assert "your values are 1.01695 times" in message(np.arange(1.0, 4) * 60 / 59, np.arange(1.0, 4), reveal=True)
    assert ratio_hint(np.array([1.0, 5.0]), np.array([1.0, 2.0])) is None
    assert ratio_hint(np.array([7.0]), np.array([2.0])) is None  # one entry: only telling ratios
    assert ratio_hint(np.array([-2.0]), np.array([2.0])) == -1.0


def test_stages_stop_at_first_problem():
    assert message(Returned("NoneType", missing=True), 1.0) == (
        "thing: the function is not defined. Run the cell that defines it and keep its def line."
    )
    assert message(Returned("ZeroDivisionError", error="ZeroDivisionError: division by zero"), 1.0) == (
        "thing: raised ZeroDivisionError: division by zero"
    )
    assert message([1.0, 2.0], np.array([1.0, 2.0])) == "thing: expected a numpy array, got list: [1.0, 2.0]"
    assert message(np.array([1.0]), 1.0) == "thing: expected a single number (a float), got numpy.ndarray of shape (1,): array([1.])"
    assert message(np.zeros(3), np.zeros(2)) == "thing: expected shape (2,), got shape (3,)"
    assert message(np.array([1.0, np.nan]), np.array([1.0, 2.0])) == (
        "thing: 1 of 2 entries are NaN or infinite at index 1 where a finite number was expected"
        " (a division by zero, log of 0, or an overflow?)"
    )
    assert message(np.array([True, False]), np.array([1.0, 0.0])) == "thing: expected an array of numbers, got an array of booleans"


def test_type_only_check_accepts_any_real_scalar():
    for value in (1.5, np.float64(1.5), np.float32(1.5), 3, np.array(2.0)):
        check_returned("thing", describe(value), None, kind="scalar", rtol=0, atol=0, reveal=False)


def test_tolerance_combines_absolute_and_relative():
    assert compare(np.array([1e-12]), np.array([0.0]), rtol=1e-8, atol=1e-9) is None
    assert compare(np.array([1.0 + 1e-9]), np.array([1.0]), rtol=1e-8, atol=0) is None
    m = compare(np.array([1.0, 5.0]), np.array([1.0, 2.0]), rtol=1e-8, atol=0)
    assert (m.count, m.worst_index, m.max_abs_error) == (1, (1,), 3.0)


def test_assert_close_for_visible_tests():
    assert_close(np.array([1.0, 2.0]), [1.0, 2.0], name="pair")
    with pytest.raises(CheckFailure, match=r"pair: wrong values\.[\s\S]*yours 3, expected 2"):
        assert_close(np.array([1.0, 3.0]), [1.0, 2.0], name="pair")


class Rigged(float):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return 0.0

    __hash__ = float.__hash__


def test_rigged_values_are_reduced_to_plain_numbers():
    r = describe(Rigged(5.0))
    assert r.array.dtype == np.float64 and float(r.array) == 5.0 and type(r.array) is np.ndarray
    with pytest.raises(CheckFailure, match="wrong value"):
        check_returned("x", r, 1.0, kind="scalar", rtol=1e-8, atol=0, reveal=False)

    class Weird:
        def __eq__(self, other):
            return True

    assert "expected a single number" in message(Weird(), 1.0)


def test_transport_is_exact_and_rejects_malformed():
    values = np.array([0.1, -0.0, np.inf, np.nan, 1e-310, 123456.789])
    back = decode(encode(describe(values)))
    assert back.dtype == "float64" and back.type_name == "numpy.ndarray"
    np.testing.assert_array_equal(back.array, values)
    pair = decode(encode(describe((np.arange(3.0), np.ones(2, dtype=np.float32)))))
    assert [i.dtype for i in pair.items] == ["float64", "float32"]
    for bad in ({"type": "x", "shape": [2], "data": ["0x1p+0"]}, {"type": "x", "shape": "?", "data": []}, [], {"items": 5}):
        with pytest.raises(ValueError):
            decode(bad)


def labels_message(got, expected):
    from graders.kernel.checks import check_labels

    with pytest.raises(CheckFailure) as info:
        check_labels("predict", describe(got), expected, reveal=False)
    return str(info.value)


def test_labels_as_booleans_or_0_1_numbers_pass():
    from graders.kernel.checks import check_labels

    expected = np.array([[True, False, True]])
    for got in (expected, expected.astype(int), expected.astype(np.int8), expected.astype(float),
                np.round(np.array([[0.7, 0.2, 0.51]]))):
        check_labels("predict", describe(got), expected, reveal=False)


def test_labels_wrong_or_not_labels_fail():
    expected = np.array([[True, False, True]])
    assert labels_message(np.array([[0, 1, 1]]), expected).startswith("predict: wrong labels.\n")
    assert labels_message(np.array([[0.7, 0.2, 0.51]]), expected) == (
        "predict: expected labels (booleans, or 0/1 as integers or floats), got 3 of 3 entries that are neither 0 nor 1, "
        "such as 0.7 (probabilities? compare A2 with 0.5 to get labels)")
    assert labels_message(np.array([[1, 0, 2]]), expected).endswith("such as 2")
    assert labels_message(np.array([[1, 0]]), expected) == "predict: expected shape (1, 3), got shape (1, 2)"
    assert labels_message([[True, False, True]], expected).startswith("predict: expected a numpy array of labels, got list")


def test_cause_line_round_trip():
    from graders.kernel.checks import CAUSES, cause, cause_of, ignored_argument

    text = "E: wrong values.\n  hint: your values are 2 times the expected ones" + cause(CAUSES["mse_scaling"], "divide by 2n")
    assert text.endswith("\n  cause: mean squared error scaling (1/n) instead of 1/(2n)\n  hint: divide by 2n")
    assert cause_of(text) == CAUSES["mse_scaling"]
    assert cause_of("x" + cause(ignored_argument("seed"), "use it")) == "ignores its seed argument"
    assert cause_of("no cause here") is None


def test_named_stages_are_check_returneds_first_stages():
    from graders.kernel.checks import check_defined, check_scalar

    missing, raised = Returned("", missing=True), Returned("", error="ZeroDivisionError: division by zero")
    for got in (missing, raised):
        with pytest.raises(CheckFailure) as named:
            check_defined("f(1)", got)
        assert str(named.value) == message(got, None, kind="scalar").replace("thing", "f(1)")
    check_defined("f(1)", describe([1, 2]))  # defined and returned: the type is not its business
    with pytest.raises(CheckFailure, match=r"^f\(1\): expected a single number \(a float\), got list"):
        check_scalar("f(1)", describe([1, 2]))
    check_scalar("f(1)", describe(1.5))


def test_slope_judge_message_pinned():
    from graders.kernel.checks import check_slope

    slopes = np.array([1.0, -2.0, 4.0])
    kw = dict(of="E", along="m", places=["p", "q", "r"], counted="points", floor=1e-9, causes={2.0: "\n  cause: x"})
    check_slope("dEdm on the data", slopes * (1 + 1e-9), slopes, **kw)  # within the tolerance
    with pytest.raises(CheckFailure) as info:
        check_slope("dEdm on the data", 2 * slopes, slopes, **kw)
    assert str(info.value) == (
        "dEdm on the data: not the slope of E along m.\n"
        "  compared with central differences of E (step 1e-05); relative error must be <= 1e-06\n"
        "  mismatched: 3 of 3 points\n"
        "  worst at p: yours 2, relative error 0.5\n"
        "  hint: your values are 2 times the slope (an extra factor 2?)\n"
        "  cause: x"
    )


def test_a_pandas_column_is_told_by_its_name_and_length_with_the_way_to_an_array() -> None:
    """A learner's load_prices returning df["price_b"]: the message names the column, not 60 rows."""
    import pandas as pd

    column = pd.Series(np.linspace(90.0, 110.0, 60), name="price_b")
    with pytest.raises(CheckFailure) as info:
        check_returned("prices_a", describe(column), column.to_numpy(), kind="array", rtol=1e-12, atol=0.0, reveal=False)
    message = str(info.value)
    assert message == ("prices_a: expected a numpy array, got pandas.Series: a Series named 'price_b' of 60 values "
                       "of dtype float64; .to_numpy() turns it into one")
    check_returned("prices_a", describe(column.to_numpy()), column.to_numpy(), kind="array", rtol=1e-12, atol=0.0, reveal=False)
    table = describe(pd.DataFrame({"price_a": [1.0], "price_b": [2.0]}))
    assert table.text == "a DataFrame of 1 rows and columns ['price_a', 'price_b']"
