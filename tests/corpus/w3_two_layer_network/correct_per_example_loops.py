# kind: correct
# expect-lost:
# why: backpropagation one example at a time in a loop, gradients averaged at the end; a while loop for training; predict via np.round-free comparison
# %% backward_propagation
def backward_propagation(parameters, cache, X, Y):
    m = X.shape[1]
    W2 = parameters["W2"]
    dW1 = np.zeros_like(parameters["W1"]); db1 = np.zeros_like(parameters["b1"])
    dW2 = np.zeros_like(W2); db2 = np.zeros_like(parameters["b2"])
    for i in range(m):
        x, y = X[:, i:i + 1], Y[:, i:i + 1]
        a1, a2 = cache["A1"][:, i:i + 1], cache["A2"][:, i:i + 1]
        dz2 = a2 - y
        dW2 += dz2 @ a1.T
        db2 += dz2
        dz1 = (W2.T @ dz2) * a1 * (1 - a1)
        dW1 += dz1 @ x.T
        db1 += dz1
    return {"dW1": dW1 / m, "db1": db1 / m, "dW2": dW2 / m, "db2": db2 / m}
# %% nn_model
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    n_x, n_y = X.shape[0], Y.shape[0]
    parameters = initialize_parameters(n_x, n_h, n_y, seed=seed)
    i = 0
    while i < num_iterations:
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate=learning_rate)
        i += 1
    return parameters
# %% predict
def predict(X, parameters):
    A2, cache = forward_propagation(X, parameters)
    return np.array(A2 > 0.5, dtype=bool)
