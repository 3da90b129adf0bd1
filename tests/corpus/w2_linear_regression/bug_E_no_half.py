# kind: bug
# expect-lost: test_E
# why: the mean squared error without the 1/2
# %% E
def E(m, b, X, Y):
    return float(np.mean((m * X + b - Y) ** 2))
