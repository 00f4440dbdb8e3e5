"""The DMFT: solvers of the single-site, two-replica and tangent self-consistencies, the fixed-point theory,
the Jacobian spectrum, and the phase boundaries built from them."""
