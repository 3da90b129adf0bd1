# kind: bug
# expect-lost: test_E
# why: the mean squared error without the 1/2
# expect-message: test_E: cause: mean squared error scaling (1/n) instead of 1/(2n)
# %% E
def E(m, b, X, Y):
    return float(np.mean((m * X + b - Y) ** 2))
