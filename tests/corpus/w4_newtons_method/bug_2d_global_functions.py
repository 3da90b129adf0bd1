# kind: bug
# expect-lost: test_newtons_method_2d
# why: calls the global gradient_f and hessian_f instead of the functions passed in
# %% newtons_method_2d
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x = np.array(x0, dtype=float)
    for _ in range(num_iterations):
        x = x - np.linalg.solve(hessian_f(x[0], x[1]), gradient_f(x[0], x[1]))
    return x
