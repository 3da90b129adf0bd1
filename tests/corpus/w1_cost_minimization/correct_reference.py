# kind: correct
# expect-lost:
# why: the reference solution itself, pasted into every exercise cell
