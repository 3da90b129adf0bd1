# kind: bug
# expect-lost: test_newtons_method_2d
# why: the Hessian evaluated once at the start and reused at every step
# %% newtons_method_2d
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x = np.array(x0, dtype=float)
    H = hessian(x[0], x[1])
    for _ in range(num_iterations):
        x = x - np.linalg.solve(H, grad(x[0], x[1]))
    return x
