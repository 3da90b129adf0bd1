# kind: bug
# expect-lost: test_compute_cost
# why: only the Y * log(A2) half of the log loss
# expect-message: test_compute_cost: cause: cost without the (1 - Y) term
# %% compute_cost
def compute_cost(A2, Y):
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2)) / m)
