# kind: bug
# expect-lost: test_update_parameters test_nn_model
# why: the update adds the gradient (uphill)
# %% update_parameters
def update_parameters(parameters, grads, learning_rate=1.2):
    return {name: parameters[name] + learning_rate * grads["d" + name] for name in ("W1", "b1", "W2", "b2")}
