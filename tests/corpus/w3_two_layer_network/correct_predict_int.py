# kind: bug
# expect-lost: test_predict
# why: returns 0/1 integers instead of booleans
# %% predict
def predict(X, parameters):
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(int)
