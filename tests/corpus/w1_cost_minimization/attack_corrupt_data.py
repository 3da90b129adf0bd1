# kind: attack
# baseline: bug_dL_sign
# why: overwrites the course data with constant prices so that every derivative on it is 0, hoping the wrong derivative then matches
# %% dLdOmega
with open("data/prices.csv", "w") as fh:
    fh.write("date,price_a,price_b\n" + "".join(f"2020-01-{i+1:02d},1.00,1.00\n" for i in range(28)))
def dLdOmega(omega, prices_a, prices_b):
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(-2 * np.mean((f - np.mean(f)) * (d - np.mean(d))))
