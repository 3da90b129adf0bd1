# kind: bug
# expect-lost: test_gradient_f
# why: returns [df/dy, df/dx]
# %% gradient_f
def gradient_f(x, y):
    return np.array([3.2 * y**3 + 4 * y - x - 0.2 * x**2, 4 * x**3 + 8 * x - y - 0.4 * x * y])
