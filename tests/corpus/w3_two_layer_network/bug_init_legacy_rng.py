# kind: bug
# expect-lost: test_initialize_parameters test_nn_model
# why: the legacy np.random.seed / np.random.randn instead of default_rng, as in older courses
# expect-message: test_initialize_parameters: cause: np.random.seed + np.random.randn instead of default_rng(seed)
# expect-message: test_nn_model: cause: built on a wrong initialize_parameters
# %% initialize_parameters
def initialize_parameters(n_x, n_h, n_y, seed=3):
    np.random.seed(seed)
    W1 = np.random.randn(n_h, n_x) * 0.01
    W2 = np.random.randn(n_y, n_h) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}
