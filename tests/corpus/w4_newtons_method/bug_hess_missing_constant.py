# kind: bug
# expect-lost: test_hessian_f
# why: the constant 8 from 4x^2 dropped in d2f/dx2
# %% hessian_f
def hessian_f(x, y):
    return np.array([[12 * x**2 - 0.4 * y, -1 - 0.4 * x], [-1 - 0.4 * x, 9.6 * y**2 + 4]])
