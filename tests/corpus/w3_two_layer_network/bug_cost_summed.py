# kind: bug
# expect-lost: test_compute_cost
# why: the log loss summed over the examples instead of averaged (training does not use the cost, so nn_model keeps its points)
# %% compute_cost
def compute_cost(A2, Y):
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
