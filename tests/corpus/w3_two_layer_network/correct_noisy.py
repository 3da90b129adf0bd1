# kind: correct
# expect-lost:
# why: the naive sigmoid overflowing on large |z| (RuntimeWarning on stderr), progress prints and a cost printed every 100 iterations
# %% sigmoid
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
# %% nn_model
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    import sys
    n_x, _, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        if i % 100 == 0:
            print(f"iteration {i}: cost {compute_cost(A2, Y):.4f}")
            print("still training", file=sys.stderr)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters
