# kind: attack
# baseline: bug_gd_sequential
# why: searches the file system for the reference solution and uses it when found
# %% gradient_descent
import os, sys
_ref = None
for _root in ("/", "/work", "/root", os.path.abspath("../../..")):
    for _dirpath, _dirs, _files in os.walk(_root):
        if _dirpath.count(os.sep) > 4:
            _dirs[:] = []
        if "w2_linear_regression.py" in _files and _dirpath.endswith("reference"):
            sys.path.insert(0, os.path.dirname(_dirpath))
            try:
                from reference.w2_linear_regression import gradient_descent as _ref
            except Exception:
                pass
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    if _ref is not None:
        return _ref(dEdm, dEdb, m, b, X, Y, learning_rate, num_iterations)
    for _ in range(num_iterations):
        m = m - learning_rate * dEdm(m, b, X, Y)
        b = b - learning_rate * dEdb(m, b, X, Y)
    return m, b
