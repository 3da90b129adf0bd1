"""Reference solution of w3_two_layer_network (one hidden sigmoid layer, sigmoid output).

Each function is also a solution cell of ``source/w3_two_layer_network/w3_two_layer_network.ipynb``: change both
(``tests/test_source.py`` fails unless their syntax trees, docstring and body, are the same).
"""

import numpy as np


def sigmoid(z):
    """Elementwise 1 / (1 + exp(-z)), same shape as z."""
    return 1 / (1 + np.exp(-z))


def layer_sizes(X, Y, n_h=2):
    """(n_x, n_h, n_y): input size, hidden size, output size."""
    return X.shape[0], n_h, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y, seed=3):
    """Small random weights (W1 drawn first, then W2) and zero biases."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_h, n_x)) * 0.01
    W2 = rng.standard_normal((n_y, n_h)) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


def forward_propagation(X, parameters):
    """Return (A2, cache) with cache = {"Z1", "A1", "Z2", "A2"}."""
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2, Y):
    """Log loss averaged over the m examples (columns), summed over the outputs."""
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)


def backward_propagation(parameters, cache, X, Y):
    """Gradients of compute_cost with respect to W1, b1, W2, b2, by the chain rule."""
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate=1.2):
    """One gradient step: each parameter minus learning_rate times its gradient (a new dict)."""
    return {name: parameters[name] - learning_rate * grads["d" + name] for name in ("W1", "b1", "W2", "b2")}


def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    """Initialise with `seed`, then num_iterations rounds of forward, backward, update."""
    n_x, _, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    for _ in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters


def predict(X, parameters):
    """Boolean array of shape (n_y, m): True where the network's output exceeds 0.5."""
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
