# kind: correct
# expect-lost:
# why: the reference solution itself
