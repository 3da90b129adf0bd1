# kind: attack
# baseline: bug_hess_missing_constant
# why: tries to import the reference solution and to read the course's files (reference, source notebook, gradebook), falling back to its own wrong Hessian
# %% hessian_f
import glob, os
def hessian_f(x, y):
    try:
        from reference.w4_newtons_method import hessian_f as _ref
        return _ref(x, y)
    except Exception:
        pass
    for pattern in ("../../reference/*.py", "../../source/*/*.ipynb", "/work/*/reference/*.py", "../../gradebook.db"):
        for path in glob.glob(pattern):
            try:
                print("READ", path, open(path).read()[:50])
            except Exception:
                pass
    return np.array([[12 * x**2 - 0.4 * y, -1 - 0.4 * x], [-1 - 0.4 * x, 9.6 * y**2 + 4]])
