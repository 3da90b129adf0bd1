"""Generate source/w1_cost_minimization/data/prices.csv (fictional, seeded, reproducible).

No real public series of one product's monthly price from two suppliers exists with a licence
that lets us ship it, so the course data is simulated and the notebook says so. The model:
a shared market level that drifts (a random walk with a small upward trend), supplier A
tracking it closely with larger month-to-month noise, supplier B tracking it with a lag and
smaller noise, both rounded to cents. Run `python tools/make_prices.py` to regenerate; the
test suite checks the committed file equals what this script produces.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240117
MONTHS = 60
START = "2019-01-01"
OUT = Path(__file__).resolve().parents[1] / "source" / "w1_cost_minimization" / "data" / "prices.csv"


def make_prices(seed: int = SEED, months: int = MONTHS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    level = 100.0 + np.cumsum(0.25 + rng.normal(0.0, 1.5, months))
    price_a = level + rng.normal(0.0, 4.0, months)
    lagged = np.concatenate([[level[0]], level[:-1]])
    price_b = 0.97 * lagged + 6.0 + rng.normal(0.0, 2.5, months)
    dates = pd.date_range(START, periods=months, freq="MS").strftime("%Y-%m-%d")
    return pd.DataFrame({"date": dates, "price_a": np.round(price_a, 2), "price_b": np.round(price_b, 2)})


def to_csv_text(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, float_format="%.2f", lineterminator="\n")


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(to_csv_text(make_prices()))
    print(f"wrote {OUT}", file=sys.stderr)
