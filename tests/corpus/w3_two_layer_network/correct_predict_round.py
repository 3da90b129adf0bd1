# kind: correct
# expect-lost:
# why: labels as 0.0/1.0 floats from np.round(A2) (course-spec: full marks)
# %% predict
def predict(X, parameters):
    A2, cache = forward_propagation(X, parameters)
    predictions = np.round(A2)
    return predictions
