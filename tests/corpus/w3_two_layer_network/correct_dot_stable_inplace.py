# kind: correct
# expect-lost:
# why: np.dot, a numerically stable sigmoid, the sigmoid derivative computed from Z1, in-place updates returning the same dict
# %% sigmoid
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -z))
# %% forward_propagation
def forward_propagation(X, parameters):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = np.dot(W1, X) + b1
    A1 = sigmoid(Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = sigmoid(Z2)
    cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    return A2, cache
# %% compute_cost
def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.multiply(np.log(A2), Y) + np.multiply(np.log(1 - A2), 1 - Y)
    return float(-np.sum(logprobs) / m)
# %% backward_propagation
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = np.dot(dZ2, cache["A1"].T) / m
    db2 = np.mean(dZ2, axis=1, keepdims=True)
    s = sigmoid(cache["Z1"])
    dZ1 = np.dot(parameters["W2"].T, dZ2) * s * (1 - s)
    dW1 = np.dot(dZ1, X.T) / m
    db1 = np.mean(dZ1, axis=1).reshape(-1, 1)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
# %% update_parameters
def update_parameters(parameters, grads, learning_rate=1.2):
    for name in ("W1", "b1", "W2", "b2"):
        parameters[name] = parameters[name] - learning_rate * grads["d" + name]
    return parameters
