# kind: bug
# expect-lost: test_nn_model
# why: calls update_parameters without the learning rate, so training always runs at 1.2
# expect-message: test_nn_model: nn_model(n_h=3, num_iterations=3, learning_rate=0.5, seed=6): your parameters are those of the run with learning_rate=1.2 (the default).
# expect-message: test_nn_model: cause: ignores its learning_rate argument
# %% nn_model
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    n_x, _, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads)
    return parameters
