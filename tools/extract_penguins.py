"""Extract source/w2_linear_regression/data/penguins.csv from the palmerpenguins package.

Needs `pip install palmerpenguins==0.1.6` (CC0 data, see the data folder's README.md); not a
dependency of the course, which ships the extracted CSV.
"""

import csv
import importlib.resources as ir
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "source" / "w2_linear_regression" / "data" / "penguins.csv"

if __name__ == "__main__":
    src = ir.files("palmerpenguins") / "data" / "penguins.csv"
    with src.open(newline="") as fh, OUT.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["flipper_length_mm", "body_mass_g"])
        for row in csv.DictReader(fh):
            x, y = row["flipper_length_mm"], row["body_mass_g"]
            if x != "NA" and y != "NA":  # two penguins have no measurements
                writer.writerow([x, y])
    print(f"wrote {OUT}")
