"""Shared SymPy symbols (one place, so every derivation speaks the same notation)."""
import sympy as sp

t, tp = sp.symbols("t t'", real=True)           # times t and t'
tau = sp.Symbol("tau", nonnegative=True)         # lag
u = sp.Symbol("u", nonnegative=True)             # lag of the self-coupling kernel
k = sp.Symbol("k", real=True)                    # plasticity strength
p = sp.Symbol("p", positive=True)                # synaptic time constant
g = sp.Symbol("g", nonnegative=True)             # coupling scale
N = sp.Symbol("N", positive=True)                # number of neurons
C = sp.Symbol("C", real=True)                    # value C(tau) of the autocovariance at the lag
C0 = sp.Symbol("C0", positive=True)              # C(0)
C_ahead = sp.Symbol("C_ahead", real=True)        # C(u + d)
C_behind = sp.Symbol("C_behind", real=True)      # C(u - d), zero for u < d
d = sp.Symbol("d", nonnegative=True)             # plasticity delay (Eq. A8)
alpha, beta = sp.symbols("alpha beta", positive=True)
ktilde = sp.Symbol("ktilde", real=True)
s = sp.Symbol("s", real=True)                    # self-coupling of the Stern network (Eq. 11)
eps = sp.Symbol("epsilon", positive=True)        # g - 1
x = sp.Symbol("x", real=True)
chi = sp.Symbol("chi", positive=True)
lam = sp.Symbol("lambda")                        # complex eigenvalue
