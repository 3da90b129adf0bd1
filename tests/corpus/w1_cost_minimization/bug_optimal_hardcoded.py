# kind: bug
# expect-lost: test_optimal_omega
# why: the optimum computed once on the course data and returned as a constant
# %% optimal_omega
def optimal_omega(prices_a, prices_b):
    return 0.32341578754678213
