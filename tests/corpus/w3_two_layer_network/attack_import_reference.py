# kind: attack
# baseline: bug_no_sigmoid_derivative
# why: looks for reference/ beside and above the working folder and uses its backward pass when found
# %% backward_propagation
import os, sys
_ref = None
_here = os.path.abspath(".")
for _ in range(8):
    if os.path.isfile(os.path.join(_here, "reference", "w3_two_layer_network.py")):
        sys.path.insert(0, _here)
        from reference.w3_two_layer_network import backward_propagation as _ref
        break
    _here = os.path.dirname(_here)
def backward_propagation(parameters, cache, X, Y):
    if _ref is not None:
        return _ref(parameters, cache, X, Y)
    m = X.shape[1]
    dZ2 = cache["A2"] - Y
    dW2 = dZ2 @ cache["A1"].T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = parameters["W2"].T @ dZ2
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
