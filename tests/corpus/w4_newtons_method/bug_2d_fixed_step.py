# kind: bug
# expect-lost: test_newtons_method_2d
# why: gradient descent with a fixed step size, the Hessian never used
# %% newtons_method_2d
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x = np.array(x0, dtype=float)
    for _ in range(num_iterations):
        x = x - 0.01 * grad(x[0], x[1])
    return x
