# kind: bug
# expect-lost: test_nn_model
# why: trains on the notebook's X_train, Y_train whatever X and Y it is given (right on the course data only)
# expect-message: test_nn_model: nn_model(n_h=3, num_iterations=1, seed=4): your parameters are those of the same run on the course data (X_train, Y_train).
# expect-message: test_nn_model: cause: global variables instead of arguments
# %% nn_model
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    n_x, _, n_y = layer_sizes(X_train, Y_train, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    for i in range(num_iterations):
        A2, cache = forward_propagation(X_train, parameters)
        grads = backward_propagation(parameters, cache, X_train, Y_train)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters
