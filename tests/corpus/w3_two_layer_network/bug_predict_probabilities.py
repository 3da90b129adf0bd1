# kind: bug
# expect-lost: test_predict
# why: returns the probabilities A2 instead of labels
# expect-message: test_predict: entries that are neither 0 nor 1, such as
# expect-message: test_predict: (probabilities? compare A2 with 0.5 to get labels)
# %% predict
def predict(X, parameters):
    A2, cache = forward_propagation(X, parameters)
    return A2
