# kind: bug
# expect-lost: test_optimal_omega
# why: the last exercise left as the release stub
# %% optimal_omega
def optimal_omega(prices_a, prices_b):
    # YOUR CODE HERE
    raise NotImplementedError()
