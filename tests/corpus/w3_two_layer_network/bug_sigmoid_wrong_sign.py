# kind: bug
# expect-lost: test_sigmoid test_forward_propagation test_nn_model test_predict
# why: 1 / (1 + exp(z)): every function built on the sigmoid fails with it
# %% sigmoid
def sigmoid(z):
    return 1 / (1 + np.exp(z))
