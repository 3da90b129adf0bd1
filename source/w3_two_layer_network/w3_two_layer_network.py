# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-01", "locked": true, "schema_version": 3, "solution": false}
# # Week 3 — The chain rule at work: a two-layer network
#
# No straight line separates the two classes below: points near the top-right and the
# bottom-left corners are class 1, the other two corners class 0 (an "XOR" pattern). A
# network with one hidden layer can bend its decision boundary. You will build it piece by
# piece — forward pass, log-loss cost, **backpropagation** (the chain rule, layer by layer),
# the update, the training loop — and check your gradients against finite differences.
#
# **Shapes.** $X$ is $(n_x, m)$: one column per example. $Y$ is $(n_y, m)$ with 0/1 entries.
# Parameters: $W_1$ $(n_h, n_x)$, $b_1$ $(n_h, 1)$, $W_2$ $(n_y, n_h)$, $b_2$ $(n_y, 1)$.
#
# **The data** is made here, from fixed seeds, by `make_blobs` in the course's `graders`
# package: four Gaussian blobs (standard deviation 0.6) centred at $(\pm1.5, \pm1.5)$, 400
# training points and 200 held-out points drawn the same way.
#
# **Grading.** Nine exercises, 15 points. Hidden checks use other shapes and random
# parameters, check `backward_propagation` against finite differences, and compare training
# step by step on short runs and by cost and held-out accuracy on long ones.

# %% nbgrader={"grade": false, "grade_id": "code-02", "locked": true, "schema_version": 3, "solution": false}
import numpy as np
import matplotlib.pyplot as plt

from graders import assert_close, gradient_check
from graders.coursedata import make_blobs

X_train, Y_train = make_blobs(400, seed=0)
X_test, Y_test = make_blobs(200, seed=1)

# %% tags=["skip-when-grading"]
plt.figure(figsize=(5, 5))
plt.scatter(X_train[0], X_train[1], c=Y_train[0], cmap="coolwarm", s=12)
plt.xlabel("$x_1$"); plt.ylabel("$x_2$"); plt.title("Training data: opposite corners share a label")
plt.show()


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-04", "locked": true, "schema_version": 3, "solution": false}
# ## 1. Building blocks (1 + 1 + 1 points)
#
# `sigmoid(z)`: $\sigma(z) = 1/(1+e^{-z})$ elementwise, same shape as `z`.
# `layer_sizes(X, Y, n_h=2)`: the tuple $(n_x, n_h, n_y)$ read from the shapes.
# `initialize_parameters(n_x, n_h, n_y, seed=3)`: exactly as follows, so that everyone's
# training can be compared step by step: `rng = np.random.default_rng(seed)`, then
# `W1 = rng.standard_normal((n_h, n_x)) * 0.01` **first**, then
# `W2 = rng.standard_normal((n_y, n_h)) * 0.01`; both biases are zero columns.

# %% nbgrader={"grade": false, "grade_id": "sigmoid", "locked": false, "schema_version": 3, "solution": true}
def sigmoid(z):
    """Elementwise 1 / (1 + exp(-z)), same shape as z."""
    ### BEGIN SOLUTION
    return 1 / (1 + np.exp(-z))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_sigmoid", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""sigmoid is elementwise and keeps the shape."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_sigmoid", globals())
### END HIDDEN TESTS
assert_close(sigmoid(np.array([0.0, np.log(3.0)])), np.array([0.5, 0.75]), name="sigmoid([0, log 3])")
assert_close(sigmoid(np.zeros((2, 3))), np.full((2, 3), 0.5), name="sigmoid of a 2x3 zero matrix")


# %% nbgrader={"grade": false, "grade_id": "layer_sizes", "locked": false, "schema_version": 3, "solution": true}
def layer_sizes(X, Y, n_h=2):
    """(n_x, n_h, n_y): input size, hidden size, output size."""
    ### BEGIN SOLUTION
    return X.shape[0], n_h, Y.shape[0]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_layer_sizes", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""layer_sizes reads n_x and n_y from the shapes."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_layer_sizes", globals())
### END HIDDEN TESTS
assert tuple(layer_sizes(np.zeros((5, 7)), np.zeros((2, 7)), 4)) == (5, 4, 2)
assert tuple(layer_sizes(X_train, Y_train)) == (2, 2, 1), "n_h defaults to 2"


# %% nbgrader={"grade": false, "grade_id": "initialize_parameters", "locked": false, "schema_version": 3, "solution": true}
def initialize_parameters(n_x, n_h, n_y, seed=3):
    """Small random weights (W1 drawn first, then W2) and zero biases."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_h, n_x)) * 0.01
    W2 = rng.standard_normal((n_y, n_h)) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_initialize_parameters", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""initialize_parameters draws W1 then W2 from default_rng(seed)."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_initialize_parameters", globals())
### END HIDDEN TESTS
p = initialize_parameters(2, 4, 1, seed=3)
rng = np.random.default_rng(3)
assert_close(p["W1"], rng.standard_normal((4, 2)) * 0.01, name="W1", rtol=0, atol=0)
assert_close(p["W2"], rng.standard_normal((1, 4)) * 0.01, name="W2", rtol=0, atol=0)
assert_close(p["b1"], np.zeros((4, 1)), name="b1")
assert_close(p["b2"], np.zeros((1, 1)), name="b2")


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-05", "locked": true, "schema_version": 3, "solution": false}
# ## 2. Forward propagation and the cost (2 + 1 points)
#
# $$Z_1 = W_1 X + b_1,\quad A_1 = \sigma(Z_1),\quad Z_2 = W_2 A_1 + b_2,\quad A_2 = \sigma(Z_2).$$
#
# `forward_propagation(X, parameters)` returns `(A2, cache)` with
# `cache = {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}` (broadcasting adds $b$ to every column).
#
# `compute_cost(A2, Y)`: the log loss
# $\mathcal{L} = -\frac{1}{m}\sum \bigl[Y \log A_2 + (1-Y)\log(1-A_2)\bigr]$, the sum over
# *all* entries, divided by the number of examples $m$ (columns), as a float.

# %% nbgrader={"grade": false, "grade_id": "forward_propagation", "locked": false, "schema_version": 3, "solution": true}
def forward_propagation(X, parameters):
    """Return (A2, cache) with cache = {"Z1", "A1", "Z2", "A2"}."""
    ### BEGIN SOLUTION
    Z1 = parameters["W1"] @ X + parameters["b1"]
    A1 = sigmoid(Z1)
    Z2 = parameters["W2"] @ A1 + parameters["b2"]
    A2 = sigmoid(Z2)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_forward_propagation", "locked": true, "points": 2, "schema_version": 3, "solution": false}
"""forward_propagation returns A2 and the cache of every layer."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_forward_propagation", globals())
### END HIDDEN TESTS
p = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.0]]), "W2": np.array([[2.0]]), "b2": np.array([[-1.0]])}
A2, cache = forward_propagation(np.array([[1.0, 0.0], [1.0, 2.0]]), p)
assert_close(cache["Z1"], np.array([[0.0, -2.0]]), name="Z1")
assert_close(cache["A1"], sigmoid(np.array([[0.0, -2.0]])), name="A1")
assert_close(cache["Z2"], 2 * sigmoid(np.array([[0.0, -2.0]])) - 1, name="Z2")
assert_close(A2, cache["A2"], name="A2 returned and A2 in the cache")


# %% nbgrader={"grade": false, "grade_id": "compute_cost", "locked": false, "schema_version": 3, "solution": true}
def compute_cost(A2, Y):
    """Log loss averaged over the m examples (columns), summed over the outputs."""
    ### BEGIN SOLUTION
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_compute_cost", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""compute_cost averages the log loss over the examples."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_compute_cost", globals())
### END HIDDEN TESTS
assert_close(compute_cost(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])), np.log(2), name="cost of two coin flips")
assert_close(compute_cost(np.array([[0.9, 0.2], [0.5, 0.5]]), np.array([[1.0, 0.0], [1.0, 1.0]])),
             -(np.log(0.9) + np.log(0.8) + 2 * np.log(0.5)) / 2, name="cost with two outputs")


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-06", "locked": true, "schema_version": 3, "solution": false}
# ## 3. Backpropagation: the chain rule, layer by layer (4 points)
#
# The computation graph, for one example: $x \to z_1 = W_1x + b_1 \to a_1 = \sigma(z_1) \to
# z_2 = W_2a_1 + b_2 \to a_2 = \sigma(z_2) \to \mathcal{L}(a_2, y)$.
# Walk it backwards, multiplying local derivatives:
#
# 1. For the sigmoid output with the log loss, $\frac{\partial\mathcal L}{\partial z_2}
#    = \frac{\partial\mathcal L}{\partial a_2}\,\sigma'(z_2) = a_2 - y$ (check it: $\sigma' = \sigma(1-\sigma)$).
# 2. $z_2$ is linear in $W_2$ and $b_2$: $\frac{\partial\mathcal L}{\partial W_2} = dZ_2\, a_1^\top$,
#    $\frac{\partial\mathcal L}{\partial b_2} = dZ_2$.
# 3. Going back through $W_2$: $\frac{\partial\mathcal L}{\partial a_1} = W_2^\top dZ_2$; then through
#    the hidden sigmoid: $dZ_1 = \frac{\partial\mathcal L}{\partial a_1} \odot\ ?$ — fill in.
# 4. $dW_1$ and $db_1$ follow as in step 2, with $x$ in place of $a_1$.
#
# With $m$ examples in columns, every gradient is the **average** over the examples:
# divide the sums by $m$, and keep biases as columns (`np.sum(..., axis=1, keepdims=True)`).
#
# `backward_propagation(parameters, cache, X, Y)` returns `{"dW1", "db1", "dW2", "db2"}`, each of
# the same shape as its parameter. The test below checks your gradients against central
# differences of **your own** cost with `graders.gradient_check`.

# %% nbgrader={"grade": false, "grade_id": "backward_propagation", "locked": false, "schema_version": 3, "solution": true}
def backward_propagation(parameters, cache, X, Y):
    """Gradients of compute_cost with respect to W1, b1, W2, b2, by the chain rule."""
    ### BEGIN SOLUTION
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * A1 * (1 - A1)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_backward_propagation", "locked": true, "points": 4, "schema_version": 3, "solution": false}
"""backward_propagation is the gradient of compute_cost (checked by finite differences)."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_backward_propagation", globals())
### END HIDDEN TESTS
rng = np.random.default_rng(0)
Xs, Ys = rng.normal(size=(3, 5)), (rng.random((1, 5)) < 0.5).astype(float)
p = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=(4, 1)), "W2": rng.normal(size=(1, 4)), "b2": rng.normal(size=(1, 1))}
grads = backward_propagation(p, forward_propagation(Xs, p)[1], Xs, Ys)
for name in ("W1", "b1", "W2", "b2"):
    def cost_of(values, name=name):
        return compute_cost(forward_propagation(Xs, {**p, name: values})[0], Ys)
    assert np.shape(grads["d" + name]) == p[name].shape, f"d{name} has shape {np.shape(grads['d' + name])}, expected {p[name].shape}"
    check = gradient_check(cost_of, grads["d" + name], p[name], n_samples=None)
    assert check.ok, f"d{name} differs from finite differences: max relative error {check.max_rel_error:.2g} at index {check.worst_index}"


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-07", "locked": true, "schema_version": 3, "solution": false}
# ## 4. Update and train (1 + 3 points)
#
# `update_parameters(parameters, grads, learning_rate=1.2)`: one gradient step on every
# parameter, $W \leftarrow W - \alpha\, dW$ (return a new dict, or the same one updated in place).
#
# `nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3)`: read the sizes,
# initialise **once** with `seed`, then repeat forward, backward, update; return the parameters.

# %% nbgrader={"grade": false, "grade_id": "update_parameters", "locked": false, "schema_version": 3, "solution": true}
def update_parameters(parameters, grads, learning_rate=1.2):
    """One gradient step: each parameter minus learning_rate times its gradient (a new dict)."""
    ### BEGIN SOLUTION
    return {name: parameters[name] - learning_rate * grads["d" + name] for name in ("W1", "b1", "W2", "b2")}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_update_parameters", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""update_parameters steps against the gradient."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_update_parameters", globals())
### END HIDDEN TESTS
p = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))}
g = {"dW1": np.full((2, 2), 0.5), "db1": np.ones((2, 1)), "dW2": np.full((1, 2), -1.0), "db2": np.full((1, 1), 2.0)}
new = update_parameters(p, g, learning_rate=0.1)
assert_close(new["W1"], np.full((2, 2), 0.95), name="W1 after one step")
assert_close(new["b1"], np.full((2, 1), -0.1), name="b1 after one step")
assert_close(new["W2"], np.full((1, 2), 1.1), name="W2 after one step")
assert_close(new["b2"], np.full((1, 1), -0.2), name="b2 after one step")


# %% nbgrader={"grade": false, "grade_id": "nn_model", "locked": false, "schema_version": 3, "solution": true}
def nn_model(X, Y, n_h, num_iterations=10, learning_rate=1.2, seed=3):
    """Initialise with `seed`, then num_iterations rounds of forward, backward, update."""
    ### BEGIN SOLUTION
    n_x, _, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    for _ in range(num_iterations):
        A2, cache = forward_propagation(X, parameters)
        grads = backward_propagation(parameters, cache, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_nn_model", "locked": true, "points": 3, "schema_version": 3, "solution": false}
"""nn_model initialises once, then trains; it lowers the cost."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_nn_model", globals())
### END HIDDEN TESTS
p0 = nn_model(X_train, Y_train, 4, num_iterations=0)
assert_close(p0["W1"], initialize_parameters(2, 4, 1, seed=3)["W1"], name="nn_model with 0 iterations: W1")
trained = nn_model(X_train, Y_train, 4, num_iterations=1000)
before = compute_cost(forward_propagation(X_train, p0)[0], Y_train)
after = compute_cost(forward_propagation(X_train, trained)[0], Y_train)
assert after < before - 0.3, f"the cost went from {before:.4f} to {after:.4f} in 1000 iterations"


# %% [markdown] nbgrader={"grade": false, "grade_id": "md-08", "locked": true, "schema_version": 3, "solution": false}
# `predict(X, parameters)` returns the labels $A_2 > 0.5$ as an array of shape $(n_y, m)$: booleans, or the same labels as 0/1 integers or floats (`np.round(A2)` does too) (1 point).

# %% nbgrader={"grade": false, "grade_id": "predict", "locked": false, "schema_version": 3, "solution": true}
def predict(X, parameters):
    """Boolean array of shape (n_y, m): True where the network's output exceeds 0.5."""
    ### BEGIN SOLUTION
    A2, _ = forward_propagation(X, parameters)
    return A2 > 0.5
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test_predict", "locked": true, "points": 1, "schema_version": 3, "solution": false}
"""predict returns the labels of shape (n_y, m): booleans, or 0/1 integers or floats."""
### BEGIN HIDDEN TESTS
from graders.kernel.probe import probe
probe("w3_two_layer_network", "test_predict", globals())
### END HIDDEN TESTS
p = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.0]]), "W2": np.array([[4.0]]), "b2": np.array([[-2.0]])}
out = np.asarray(predict(np.array([[3.0, -3.0, 0.0], [0.0, 0.0, 0.0]]), p))
assert out.shape == (1, 3), f"expected shape (1, 3), got {out.shape}"
assert out.dtype == bool or (np.issubdtype(out.dtype, np.number) and np.isin(out, (0, 1)).all()), (
    f"expected booleans, or the labels as 0/1 integers or floats; got {out.dtype}: {out.tolist()}")
assert out.astype(bool).tolist() == [[True, False, False]], out.tolist()

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-09", "locked": true, "schema_version": 3, "solution": false}
# ## 5. Training, seen

# %% tags=["skip-when-grading"]
costs, parameters = [], initialize_parameters(2, 4, 1, seed=3)
for i in range(3000):
    A2, cache = forward_propagation(X_train, parameters)
    costs.append(compute_cost(A2, Y_train))
    parameters = update_parameters(parameters, backward_propagation(parameters, cache, X_train, Y_train))
plt.figure(figsize=(6, 3.5)); plt.plot(costs); plt.xlabel("iteration"); plt.ylabel("cost"); plt.title("Training cost, n_h = 4")
plt.show()

def boundary(params, title, ax):
    g1, g2 = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200))
    grid = np.vstack([g1.ravel(), g2.ravel()])
    ax.contourf(g1, g2, forward_propagation(grid, params)[0].reshape(g1.shape), levels=[0, 0.5, 1], cmap="coolwarm", alpha=0.3)
    ax.scatter(X_test[0], X_test[1], c=Y_test[0], cmap="coolwarm", s=10)
    ax.set_title(title)

fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
boundary(initialize_parameters(2, 4, 1, seed=3), "before training", axes[0])
boundary(parameters, "after 3000 iterations", axes[1])
plt.show()
print(f"held-out accuracy: {np.mean(predict(X_test, parameters) == (Y_test > 0.5)):.1%}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-11", "locked": true, "schema_version": 3, "solution": false}
# ## 6. How many hidden units?
#
# One hidden unit gives one straight boundary, which cannot solve XOR; two can, in
# principle; more make training easier. Try it:

# %% tags=["skip-when-grading"]
for n_h in (1, 2, 3, 4, 8):
    p = nn_model(X_train, Y_train, n_h, num_iterations=3000)
    acc = np.mean(predict(X_test, p) == (Y_test > 0.5))
    print(f"n_h = {n_h}: final cost {compute_cost(forward_propagation(X_train, p)[0], Y_train):.3f}, held-out accuracy {acc:.1%}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "md-13", "locked": true, "schema_version": 3, "solution": false}
# ## What you did
#
# You wrote the forward pass, derived every gradient of a two-layer network by the chain rule,
# verified them numerically, and trained the network to bend its boundary around an XOR
# pattern. Next week: second derivatives, and Newton's method.
