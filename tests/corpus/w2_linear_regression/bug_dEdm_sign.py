# kind: bug
# expect-lost: test_dEdm
# why: the derivative along m with the wrong sign; the author's own gradient_descent is right and keeps its points
# %% dEdm
def dEdm(m, b, X, Y):
    return float(np.mean((Y - m * X - b) * X))
