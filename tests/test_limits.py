"""BoundOutputs: every kind of output is bounded per cell; verdicts are never dropped."""

from __future__ import annotations

import nbformat

from graders.autograde.limits import MAX_CELL_OUTPUT_BYTES, BoundOutputs, output_size


def _cell(*outputs):
    cell = nbformat.v4.new_code_cell("display(big)")
    cell.outputs = list(outputs)
    return cell


def test_a_giant_display_is_replaced_by_a_note():
    small = nbformat.v4.new_output("stream", name="stdout", text="hello\n")
    giant = nbformat.v4.new_output("display_data", data={"text/html": "<td>x</td>" * 200_000}, metadata={})
    cell, _ = BoundOutputs().preprocess_cell(_cell(small, giant), {}, 0)
    assert cell.outputs[0] == small
    assert cell.outputs[1].output_type == "stream"
    assert cell.outputs[1].text == (f"[display_data output of {output_size(giant):,} bytes removed: "
                                    f"more than the {MAX_CELL_OUTPUT_BYTES:,} bytes a cell may keep]\n")
    assert sum(output_size(o) for o in cell.outputs) < 1000


def test_outputs_that_fit_are_kept_in_order():
    outs = [nbformat.v4.new_output("display_data", data={"image/png": "A" * 100_000}, metadata={}) for _ in range(6)]
    cell, _ = BoundOutputs().preprocess_cell(_cell(*outs), {}, 0)
    assert [o.output_type for o in cell.outputs] == ["display_data"] * 4 + ["stream"] * 2
    assert sum(output_size(o) for o in cell.outputs) <= MAX_CELL_OUTPUT_BYTES


def test_an_error_output_is_kept_and_cut():
    flood = nbformat.v4.new_output("stream", name="stdout", text="x" * (MAX_CELL_OUTPUT_BYTES + 10))
    error = nbformat.v4.new_output("error", ename="CheckFailed", evalue="headline\n" + "y" * 100_000, traceback=["t"] * 100)
    cell, _ = BoundOutputs().preprocess_cell(_cell(flood, error), {}, 0)
    kept = cell.outputs[-1]
    assert kept.output_type == "error" and kept.ename == "CheckFailed"
    assert kept.evalue.startswith("headline\n") and "characters cut" in kept.evalue
    assert output_size(kept) < 25_000 and len(kept.traceback) == 20
