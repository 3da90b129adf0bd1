# kind: bug
# expect-lost: test_newtons_method_1d
# why: gradient descent with a fixed step size: f'' never used
# %% newtons_method_1d
def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25):
    x = x0
    for _ in range(num_iterations):
        x = x - 0.1 * dfdx(x)
    return x
