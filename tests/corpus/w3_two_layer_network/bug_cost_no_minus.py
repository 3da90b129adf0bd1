# kind: bug
# expect-lost: test_compute_cost
# why: the log loss without its minus sign (negative costs)
# expect-message: test_compute_cost: cause: cost without the minus sign
# %% compute_cost
def compute_cost(A2, Y):
    m = Y.shape[1]
    cost = np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
    return float(cost)
