# kind: correct
# expect-lost:
# why: np.linalg.inv and while loops, x -= step in place, the Hessian built entry by entry
# %% newtons_method_1d
def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25):
    x = x0
    k = 0
    while k < num_iterations:
        x -= dfdx(x) * (1.0 / d2fdx2(x))
        k += 1
    return x
# %% hessian_f
def hessian_f(x, y):
    H = np.zeros((2, 2))
    H[0, 0] = 12 * x * x + 8 - 0.4 * y
    H[0, 1] = -(1 + 0.4 * x)
    H[1, 0] = H[0, 1]
    H[1, 1] = 9.6 * y * y + 4
    return H
# %% newtons_method_2d
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x = np.array(x0, dtype=float)
    i = 0
    while i < num_iterations:
        H_inv = np.linalg.inv(hessian(x[0], x[1]))
        x -= H_inv @ grad(x[0], x[1])
        i += 1
    return x
