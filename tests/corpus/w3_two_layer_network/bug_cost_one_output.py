# kind: bug
# expect-lost: test_compute_cost
# why: np.dot(Y, log(A2).T), right for one output unit only (an n_y x n_y matrix otherwise)
# expect-message: test_compute_cost: compute_cost with 2 outputs and m = 5 examples
# expect-message: test_compute_cost: cause: cost right only for one output unit
# %% compute_cost
def compute_cost(A2, Y):
    m = Y.shape[1]
    logprobs = np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)
    cost = -logprobs / m
    cost = np.squeeze(cost)
    return cost
