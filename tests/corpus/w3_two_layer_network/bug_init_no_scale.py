# kind: bug
# expect-lost: test_initialize_parameters test_nn_model
# why: forgets the * 0.01 on the weights
# expect-message: test_initialize_parameters: cause: the x0.01 scale is missing
# expect-message: test_nn_model: hint: nn_model runs your own initialize_parameters, which fails its own check (see the test cell of initialize_parameters): fix initialize_parameters first
# %% initialize_parameters
def initialize_parameters(n_x, n_h, n_y, seed=3):
    rng = np.random.default_rng(seed)
    parameters = {}
    parameters["W1"] = rng.standard_normal((n_h, n_x))
    parameters["b1"] = np.zeros((n_h, 1))
    parameters["W2"] = rng.standard_normal((n_y, n_h))
    parameters["b2"] = np.zeros((n_y, 1))
    return parameters
