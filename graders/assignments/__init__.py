"""Hidden checks, one module per assignment (inputs and judges; expected values live in reference/)."""

#: The course's assignments, in term order (ids from the course spec).
ASSIGNMENTS = ("w1_cost_minimization", "w2_linear_regression", "w3_two_layer_network", "w4_newtons_method")
