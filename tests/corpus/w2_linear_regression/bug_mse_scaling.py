# kind: bug
# expect-lost: test_E test_dEdm test_dEdb
# why: the mean squared error (1/n) of other courses, and its derivatives, instead of the course's 1/(2n)
# expect-message: test_E: cause: mean squared error scaling (1/n) instead of 1/(2n)
# expect-message: test_dEdm: hint: your values are 2 times the slope (an extra factor 2?)
# expect-message: test_dEdm: cause: mean squared error scaling (1/n) instead of 1/(2n)
# expect-message: test_dEdb: cause: mean squared error scaling (1/n) instead of 1/(2n)
# %% E
def E(m, b, X, Y):
    y_hat = m * X + b
    return np.mean((y_hat - Y) ** 2)
# %% dEdm
def dEdm(m, b, X, Y):
    y_hat = m * X + b
    return 2 * np.mean((y_hat - Y) * X)
# %% dEdb
def dEdb(m, b, X, Y):
    y_hat = m * X + b
    return 2 * np.mean(y_hat - Y)
