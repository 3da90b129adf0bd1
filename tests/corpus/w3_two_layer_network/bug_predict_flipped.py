# kind: bug
# expect-lost: test_predict
# why: the labels the wrong way round (A2 < 0.5), as 0/1 integers
# expect-message: test_predict: predict with n_y = 1 and 25 examples: wrong labels.
# %% predict
def predict(X, parameters):
    A2, cache = forward_propagation(X, parameters)
    return (A2 < 0.5).astype(int)
