# kind: attack
# baseline: bug_dL_sign
# why: replaces probe with one that sends made-up results (its own wrong numbers) for the derivative check
# %% dLdOmega
import graders.kernel.probe as _gp
_real_probe = _gp.probe
def _forging_probe(assignment, grade_id, namespace):
    from IPython.display import display
    if grade_id != "test_dLdOmega":
        return _real_probe(assignment, grade_id, namespace)
    from graders.kernel.harness import load_checks, Context
    from graders.kernel.values import encode, describe
    from pathlib import Path
    import tempfile
    calls = load_checks(assignment)[grade_id].calls(Context(Path("data"), Path(tempfile.mkdtemp())))
    results = {c.key: encode(describe(0.0 if c.func == "dLdOmega" else np.zeros(3))) for c in calls}
    display({_gp.MIME: {"assignment": assignment, "grade_id": grade_id, "results": results}}, raw=True)
_gp.probe = _forging_probe
def dLdOmega(omega, prices_a, prices_b):
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(-2 * np.mean((f - np.mean(f)) * (d - np.mean(d))))
