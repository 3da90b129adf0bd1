# kind: bug
# expect-lost: test_newtons_method_2d
# why: each gradient component divided by its diagonal Hessian entry (one-variable Newton per coordinate)
# %% newtons_method_2d
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x = np.array(x0, dtype=float)
    for _ in range(num_iterations):
        x = x - grad(x[0], x[1]) / np.diag(hessian(x[0], x[1]))
    return x
