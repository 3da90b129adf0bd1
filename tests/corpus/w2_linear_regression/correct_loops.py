# kind: correct
# expect-lost:
# why: explicit loops, manual mean and std, tuple-assignment update
# %% normalize
def normalize(values):
    values = [float(v) for v in values]
    n = len(values)
    mean = sum(values) / n
    std = (sum((v - mean) ** 2 for v in values) / n) ** 0.5
    return np.array([(v - mean) / std for v in values])
# %% predict
def predict(m, b, X):
    return np.array([m * x + b for x in X])
# %% E
def E(m, b, X, Y):
    total = 0.0
    for x, y in zip(X, Y):
        total += (m * x + b - y) ** 2
    return total / (2 * len(X))
# %% dEdm
def dEdm(m, b, X, Y):
    total = 0.0
    for x, y in zip(X, Y):
        total += (m * x + b - y) * x
    return total / len(X)
# %% dEdb
def dEdb(m, b, X, Y):
    total = 0.0
    for x, y in zip(X, Y):
        total += m * x + b - y
    return total / len(X)
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    for i in range(num_iterations):
        m, b = m - learning_rate * dEdm(m, b, X, Y), b - learning_rate * dEdb(m, b, X, Y)
    return m, b
