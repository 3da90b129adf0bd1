"""What a student's function returned, reduced to plain data.

A result crosses from the student's kernel to the grading process as JSON: numbers travel as
``float.hex`` strings (exact, NaN and infinities included) and everything else as a type name
and a short ``repr``. Nothing the student returns survives as a live object, so a value with a
rigged ``__eq__`` or a patched numpy in the kernel cannot influence a comparison made here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Returned", "describe", "encode", "decode", "MAX_ELEMENTS", "MAX_ITEMS"]

#: Larger arrays are not shipped back (no graded function returns more than this).
MAX_ELEMENTS = 200_000
#: A returned tuple/list of at most this many items is kept item by item (e.g. load_prices).
MAX_ITEMS = 8
_REPR_LIMIT = 200


@dataclass(frozen=True)
class Returned:
    """One call's outcome: a value (numeric or not), an exception, or a missing function."""

    type_name: str
    array: np.ndarray | None = None  # float64 copy when the value is numeric
    dtype: str | None = None  # the value's own dtype ("float64", "int64", "bool", ...)
    items: tuple["Returned", ...] | None = None  # for tuples and lists
    error: str | None = None  # "ZeroDivisionError: division by zero" when the call raised
    missing: bool = False  # the function is not defined
    text: str = ""  # short repr, for messages about non-numeric values

    @property
    def is_numeric(self) -> bool:
        return self.array is not None

    @property
    def is_scalar(self) -> bool:
        return self.array is not None and self.array.ndim == 0


def _type_name(obj: Any) -> str:
    cls = type(obj)
    module = cls.__module__
    if module in ("builtins", None):
        return cls.__qualname__
    if module.startswith("numpy"):
        return "numpy." + cls.__qualname__
    return f"{module}.{cls.__qualname__}"


def _pandas_summary(obj: Any) -> str | None:
    """A Series or DataFrame told by its shape and names, not by its rows (whose one-line repr
    is a run of index and value pairs no student can read); None for anything else."""
    module = type(obj).__module__ or ""
    if not module.startswith("pandas"):
        return None
    try:
        kind = type(obj).__name__
        if obj.ndim == 1:
            return f"a {kind} named {obj.name!r} of {len(obj)} values of dtype {obj.dtype}"
        columns = [str(c) for c in list(obj.columns)[:8]]
        return f"a {kind} of {len(obj)} rows and columns {columns}"
    except Exception:  # noqa: BLE001 - a rigged or odd object: its repr instead
        return None


def _short_repr(obj: Any) -> str:
    summary = _pandas_summary(obj)
    if summary is not None:
        return summary
    try:
        text = repr(obj)
    except Exception as exc:  # a repr that raises is itself informative
        text = f"<repr failed: {type(exc).__name__}>"
    text = " ".join(text.split())  # one line: messages quote it inline
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


def describe(obj: Any, *, depth: int = 0) -> Returned:
    """Reduce a live value to a :class:`Returned` (runs wherever the value lives)."""
    name = _type_name(obj)
    if isinstance(obj, (tuple, list)) and depth == 0 and len(obj) <= MAX_ITEMS and not _all_numbers(obj):
        items = tuple(describe(x, depth=depth + 1) for x in obj)
        return Returned(type_name=name, items=items, text=_short_repr(obj))
    # Exact builtin/numpy number types only: a subclass with rigged methods is converted
    # through float() below, which reads the true value.
    if isinstance(obj, (bool, int, float, np.number, np.bool_)):
        try:
            value = float(obj)
        except (OverflowError, TypeError, ValueError):
            return Returned(type_name=name, text=_short_repr(obj))
        dtype = np.asarray(obj).dtype.name if isinstance(obj, (np.number, np.bool_)) else type(obj).__name__
        return Returned(type_name=name, array=np.asarray(value, dtype=np.float64), dtype=dtype, text=_short_repr(obj))
    if isinstance(obj, np.ndarray) or isinstance(obj, (tuple, list)):
        try:
            arr = np.array(obj)
        except Exception:
            return Returned(type_name=name, text=_short_repr(obj))
        if arr.dtype.kind in "biuf" and arr.size <= MAX_ELEMENTS:
            return Returned(
                type_name=name,
                array=np.array(arr, dtype=np.float64),
                dtype=arr.dtype.name,
                text=_short_repr(obj),
            )
        return Returned(type_name=name, dtype=arr.dtype.name, text=_short_repr(obj))
    return Returned(type_name=name, text=_short_repr(obj))


def _all_numbers(seq: Any) -> bool:
    return all(isinstance(x, (bool, int, float, np.number)) for x in seq)


# --- JSON transport -------------------------------------------------------------------------


def encode(returned: Returned) -> dict[str, Any]:
    out: dict[str, Any] = {"type": returned.type_name, "text": returned.text}
    if returned.missing:
        out["missing"] = True
    if returned.error is not None:
        out["error"] = returned.error
    if returned.dtype is not None:
        out["dtype"] = returned.dtype
    if returned.array is not None:
        out["shape"] = list(returned.array.shape)
        out["data"] = [float(x).hex() for x in returned.array.ravel()]
    if returned.items is not None:
        out["items"] = [encode(item) for item in returned.items]
    return out


def decode(data: Any, *, depth: int = 0) -> Returned:
    """Rebuild a :class:`Returned` from JSON sent by the kernel; reject anything malformed.

    The kernel is untrusted: every field is type-checked and bounded here.
    """
    if not isinstance(data, dict) or depth > 1:
        raise ValueError("malformed result")
    type_name = str(data.get("type", "?"))[:_REPR_LIMIT]
    text = str(data.get("text", ""))[:_REPR_LIMIT]
    error = data.get("error")
    if error is not None:
        return Returned(type_name=type_name, error=str(error)[:2000], text=text)
    if data.get("missing"):
        return Returned(type_name=type_name, missing=True)
    dtype = data.get("dtype")
    dtype = None if dtype is None else str(dtype)[:40]
    array = None
    if "data" in data:
        shape = data.get("shape")
        values = data["data"]
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise ValueError("malformed shape")
        if not isinstance(values, list) or len(values) > MAX_ELEMENTS or len(values) != math.prod(shape):
            raise ValueError("malformed data")
        array = np.array([float.fromhex(str(v)) for v in values], dtype=np.float64).reshape(shape)
    items = None
    if "items" in data:
        raw = data["items"]
        if not isinstance(raw, list) or len(raw) > MAX_ITEMS:
            raise ValueError("malformed items")
        items = tuple(decode(item, depth=depth + 1) for item in raw)
    return Returned(type_name=type_name, array=array, dtype=dtype, items=items, text=text)
