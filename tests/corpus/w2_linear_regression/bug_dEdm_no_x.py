# kind: bug
# expect-lost: test_dEdm
# why: forgot the inner derivative x_i of the chain rule
# %% dEdm
def dEdm(m, b, X, Y):
    return float(np.mean(m * X + b - Y))
