# kind: attack
# baseline: bug_dL_sign
# why: makes the test cell end with a truthy/number expression, which stock nbgrader would read as (partial) credit
# %% dLdOmega
import IPython
_ip = IPython.get_ipython()
def _emit_number(*a, **k):
    from IPython.display import display
    display({"text/plain": "3.0"}, raw=True)
_ip.events.register("post_run_cell", _emit_number)
def dLdOmega(omega, prices_a, prices_b):
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(-2 * np.mean((f - np.mean(f)) * (d - np.mean(d))))
