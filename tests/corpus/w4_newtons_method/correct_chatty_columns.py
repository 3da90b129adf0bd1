# kind: correct
# expect-lost:
# why: column vectors inside, grad(*x) calls, prints the gradient's norm at every step (calling grad a second time) and warns on stderr; returns a tuple from newtons_method_2d
# %% newtons_method_1d
import sys
def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25):
    x = float(x0)
    for k in range(num_iterations):
        step = dfdx(x) / d2fdx2(x)
        x = x - step
        print(f"step {k}: x = {x:.6f}")
    print("done", file=sys.stderr)
    return x
# %% newtons_method_2d
import sys
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x = np.asarray(x0, dtype=float).reshape(2, 1)
    for k in range(num_iterations):
        g = np.reshape(grad(*x.ravel()), (2, 1))
        print(f"iteration {k}: |grad| = {np.linalg.norm(grad(*x.ravel())):.3e}")
        x = x - np.linalg.solve(hessian(*x.ravel()), g)
    if num_iterations > 20:
        print("warning: many iterations", file=sys.stderr)
    return tuple(x.ravel())
