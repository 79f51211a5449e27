"""Guaranteed-service safety-stock placement (Graves & Willems): the instance read from a network, the
solvers (breakpoint MILP, pairs MILP, branch and bound, tree dynamic program), the bounds they share, and
the picture of a placement."""
