# kind: bug
# expect-lost: test_E
# why: a sum instead of a mean
# %% E
def E(m, b, X, Y):
    return float(np.sum((m * X + b - Y) ** 2) / 2)
