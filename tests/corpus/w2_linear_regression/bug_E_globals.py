# kind: bug
# expect-lost: test_E test_dEdm
# why: E and dEdm written with the notebook's x_mm and y_g instead of their X and Y: right on the course data only
# expect-message: test_E: E on a hidden data set of 37 points: exactly the same result as on the course data, although the data passed in differ.
# expect-message: test_E: cause: global variables instead of arguments
# expect-message: test_dEdm: cause: global variables instead of arguments
# %% E
def E(m, b, X, Y):
    n = len(x_mm)
    return np.sum((m * x_mm + b - y_g) ** 2) / (2 * n)
# %% dEdm
def dEdm(m, b, X, Y):
    n = len(x_mm)
    return np.sum((m * x_mm + b - y_g) * x_mm) / n
