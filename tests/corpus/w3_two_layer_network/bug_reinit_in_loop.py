# kind: bug
# expect-lost: test_nn_model
# why: parameters re-initialised inside the training loop
# %% nn_model
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    n_x, _, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    for _ in range(num_iterations):
        parameters = initialize_parameters(n_x, n_h, n_y, seed)
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters
