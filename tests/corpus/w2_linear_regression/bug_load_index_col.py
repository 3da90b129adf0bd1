# kind: bug
# expect-lost: test_load_data
# why: reads the first column as the index, so it is not a column any more
# %% load_data
def load_data(path):
    return pd.read_csv(path, index_col=0)
