# kind: bug
# expect-lost: test_predict
# why: slope and intercept swapped
# %% predict
def predict(m, b, X):
    return b * X + m
