# kind: correct
# expect-lost:
# why: labels as 0/1 integers, (A2 > 0.5).astype(int), as most two-layer-network courses write it (course-spec: full marks)
# %% predict
def predict(X, parameters):
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(int)
