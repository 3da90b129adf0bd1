# kind: bug
# expect-lost: test_newtons_method_2d
# why: range(num_iterations - 1): one step too few
# %% newtons_method_2d
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x = np.array(x0, dtype=float)
    for _ in range(num_iterations - 1):
        x = x - np.linalg.solve(hessian(x[0], x[1]), grad(x[0], x[1]))
    return x
