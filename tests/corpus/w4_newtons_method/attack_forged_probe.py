# kind: attack
# baseline: bug_grad_missing_xy
# why: replaces the probe in the kernel so the test cell sends forged results (numbers of its own choosing) for gradient_f
# %% gradient_f
import graders.kernel.probe as _probe
from IPython.display import display as _display
def _forged(assignment, grade_id, namespace):
    results = {f"gradient_f/{i}": {"type": "numpy.ndarray", "text": "", "dtype": "float64", "shape": [2], "data": [0.0.hex(), 0.0.hex()]} for i in range(6)}
    _display({_probe.MIME: {"assignment": assignment, "grade_id": grade_id, "results": results}, "text/plain": "forged"}, raw=True)
_probe.probe = _forged
def gradient_f(x, y):
    return np.array([4 * x**3 + 8 * x - 0.4 * x * y, 3.2 * y**3 + 4 * y - x - 0.2 * x**2])
