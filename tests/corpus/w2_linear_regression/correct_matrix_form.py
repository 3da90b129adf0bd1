# kind: correct
# expect-lost:
# why: design-matrix form with @, a parameter vector updated in place, np.std(ddof=0), a list result
# %% load_data
def load_data(path):
    return pd.read_csv(path, sep=",", header=0)
# %% normalize
def normalize(values):
    v = np.asarray(values, dtype=float)
    return (v - v.mean()) / np.std(v, ddof=0)
# %% E
def E(m, b, X, Y):
    A = np.column_stack([X, np.ones(len(X))])
    r = A @ np.array([m, b]) - Y
    return float(r @ r) / (2 * len(Y))
# %% dEdm
def dEdm(m, b, X, Y):
    A = np.column_stack([X, np.ones(len(X))])
    return float((A.T @ (A @ np.array([m, b]) - Y))[0] / len(Y))
# %% dEdb
def dEdb(m, b, X, Y):
    A = np.column_stack([X, np.ones(len(X))])
    return float((A.T @ (A @ np.array([m, b]) - Y))[1] / len(Y))
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    theta = np.array([m, b], dtype=float)
    for _ in range(num_iterations):
        grad = np.array([dEdm(theta[0], theta[1], X, Y), dEdb(theta[0], theta[1], X, Y)])
        theta -= learning_rate * grad
    return [theta[0], theta[1]]
