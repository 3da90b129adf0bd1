"""reference.w3_two_layer_network proven by means that do not trust it."""

from __future__ import annotations

import numpy as np
import pytest

from graders import gradient_check
from graders.assignments.w3_two_layer_network import make_blobs, random_case
from reference import w3_two_layer_network as ref


@pytest.mark.parametrize("n_x,n_h,n_y,m", [(2, 3, 1, 7), (4, 5, 2, 9), (3, 1, 3, 2), (6, 4, 1, 40)])
def test_backward_is_the_gradient_of_the_cost(n_x, n_h, n_y, m):
    rng = np.random.default_rng(n_x * 100 + m)
    X, Y = rng.normal(size=(n_x, m)), (rng.random((n_y, m)) < 0.5).astype(float)
    p = {"W1": rng.normal(size=(n_h, n_x)), "b1": rng.normal(size=(n_h, 1)),
         "W2": rng.normal(size=(n_y, n_h)), "b2": rng.normal(size=(n_y, 1))}
    grads = ref.backward_propagation(p, ref.forward_propagation(X, p)[1], X, Y)
    for name in p:
        def cost_of(values, name=name):
            return ref.compute_cost(ref.forward_propagation(X, {**p, name: values})[0], Y)
        result = gradient_check(cost_of, grads["d" + name], p[name], n_samples=None)
        assert result.ok, (name, result)


def test_genuine_caches_for_the_hidden_backprop_cases():
    for seed, shape in enumerate([(3, 4, 1, 4), (5, 6, 2, 5), (2, 3, 1, 3)]):
        params, cache, X, _ = random_case(seed, *shape)
        _, fresh = ref.forward_propagation(X, params)
        for key in cache:
            np.testing.assert_allclose(fresh[key], cache[key], rtol=1e-10, atol=1e-12)


def test_initialisation_follows_the_spec():
    p = ref.initialize_parameters(3, 4, 2, seed=7)
    rng = np.random.default_rng(7)
    np.testing.assert_array_equal(p["W1"], rng.standard_normal((4, 3)) * 0.01)
    np.testing.assert_array_equal(p["W2"], rng.standard_normal((2, 4)) * 0.01)
    assert p["b1"].shape == (4, 1) and p["b2"].shape == (2, 1) and not p["b1"].any() and not p["b2"].any()


def test_training_lowers_the_cost_and_generalises():
    X, Y = make_blobs(400, seed=0)
    Xt, Yt = make_blobs(200, seed=1)
    costs = []
    p = ref.initialize_parameters(2, 4, 1)
    for _ in range(1000):
        A2, cache = ref.forward_propagation(X, p)
        costs.append(ref.compute_cost(A2, Y))
        p = ref.update_parameters(p, ref.backward_propagation(p, cache, X, Y))
    assert costs[-1] < 0.2 < 0.69 < costs[0]
    trained = ref.nn_model(X, Y, 4, num_iterations=1000)
    np.testing.assert_allclose(trained["W1"], p["W1"], rtol=1e-12)
    accuracy = np.mean(ref.predict(Xt, trained) == (Yt > 0.5))
    assert accuracy >= 0.9, accuracy
    # a straight line cannot do it: one hidden unit stays far below
    one = ref.nn_model(X, Y, 1, num_iterations=1000)
    assert np.mean(ref.predict(Xt, one) == (Yt > 0.5)) < 0.8


def test_predict_is_boolean():
    X, Y = make_blobs(10, seed=2)
    out = ref.predict(X, ref.initialize_parameters(2, 3, 1))
    assert out.dtype == bool and out.shape == (1, 10)
