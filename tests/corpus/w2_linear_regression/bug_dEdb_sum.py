# kind: bug
# expect-lost: test_dEdb
# why: a sum instead of a mean
# %% dEdb
def dEdb(m, b, X, Y):
    return float(np.sum(m * X + b - Y))
