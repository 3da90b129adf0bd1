# kind: bug
# expect-lost: test_nn_model
# why: takes the hidden size from layer_sizes' default (2) instead of its n_h argument
# expect-message: test_nn_model: nn_model(n_h=3, num_iterations=1, seed=4): your parameters are those of the run with n_h=2.
# expect-message: test_nn_model: cause: ignores its n_h argument
# %% nn_model
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    n_x, n_h_used, n_y = layer_sizes(X, Y)
    parameters = initialize_parameters(n_x, n_h_used, n_y, seed)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters
