# kind: bug
# expect-lost: test_hessian_f
# why: the -0.2x^2 y term forgotten in one of the two mixed partials only
# %% hessian_f
def hessian_f(x, y):
    return np.array([[12 * x**2 + 8 - 0.4 * y, -1 - 0.4 * x], [-1.0, 9.6 * y**2 + 4]])
