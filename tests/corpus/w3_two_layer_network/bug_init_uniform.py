# kind: bug
# expect-lost: test_initialize_parameters test_nn_model
# why: rng.random (uniform on [0, 1)) instead of rng.standard_normal
# expect-message: test_initialize_parameters: cause: a uniform draw instead of a normal one
# expect-message: test_initialize_parameters: hint: your weights are uniform draws from [0, 1) (rng.random)
# expect-message: test_nn_model: cause: built on a wrong initialize_parameters
# %% initialize_parameters
def initialize_parameters(n_x, n_h, n_y, seed=3):
    rng = np.random.default_rng(seed)
    W1 = rng.random((n_h, n_x)) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = rng.random((n_y, n_h)) * 0.01
    b2 = np.zeros((n_y, 1))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
