# kind: bug
# expect-lost: test_gradient_f
# why: d/dy of -0.2x^2 y written as -0.4xy (differentiated along x)
# %% gradient_f
def gradient_f(x, y):
    return np.array([4 * x**3 + 8 * x - y - 0.4 * x * y, 3.2 * y**3 + 4 * y - x - 0.4 * x * y])
