"""Finite-N simulator of the plastic network [Eqs. 1-3].

Schemes
-------
``scheme="heun"`` (default): Heun's method (explicit trapezoid, second order in dt) on the joint state
(x, A).  With f_x = -x + (J + A) phi(x) + I(t) and f_A = (-A + (k/N) phi phi^T)/p, the predictor is
x~ = x + dt f_x, A~ = (1 - dt/p) A + (dt k/(pN)) phi phi^T, and the step

    x_{n+1} = x_n + dt/2 [f_x(x_n, A_n, t_n) + f_x(x~, A~, t_n + dt)]                   [Eq. 1]
    A_{n+1} = a A_n + c1 phi phi^T + c2 phi~ phi~^T                                      [Eq. 3]
    a = 1 - dt/p + (dt/p)^2/2,  c1 = dt k (1 - dt/p)/(2pN),  c2 = dt k/(2pN),  phi~ = phi(x~).

(A~ phi~ = (1 - dt/p) A_n phi~ + (dt k/(pN)) phi (phi . phi~): A~ is never formed.)

``scheme="euler"``: forward Euler, x_{n+1} = x_n + dt f_x, A_{n+1} = a A_n + c1 phi phi^T with
a = 1 - dt/p, c1 = dt k/(pN) (first order; the scheme of the earlier releases).

Both are checked against dense reference integrators (:mod:`dmft.simulation.reference`), and their order of
convergence in dt is measured in ``tests/test_network.py``.

Representation of A (why it is cheap and exact)
-----------------------------------------------
A is an exponentially filtered sum of outer products (Sec. II).  Unrolling either recursion over the
last n steps since a "fold" gives, exactly,

    A_{n0+n} = a^n [ A_base + sum_i w_i u_i u_i^T ],   w_i = c a^{-(s_i + 1)},

with one entry (Euler) or two (Heun) per step s_i since the fold, so the simulator keeps a dense
``A_base`` plus the buffered activation vectors u_i.  A product A v is then one N^2 matrix-vector
product and O(N B) work; no N x N array is written.  Every B steps the buffer is folded into
``A_base`` with one BLAS-3 update (N^2 B flops, a single write of A_base).  The naive dense update
writes several N x N temporaries per step (see :mod:`dmft.simulation.reference`).  ``B`` is chosen so that a^{-B}
stays below 1e3 (no loss of precision in the rescaled weights).

Tr A and ||A||_F^2, hence PR_A [Eq. 22], follow exactly from the recursion of A: with
A' = a A + c1 u u^T + c2 w w^T,
tr A' = a tr A + c1 |u|^2 + c2 |w|^2 and
||A'||^2 = a^2 ||A||^2 + 2a (c1 u^T A u + c2 w^T A w) + c1^2 |u|^4 + c2^2 |w|^4 + 2 c1 c2 (u . w)^2,
whose quadratic forms come for free from the step.

Protocols
---------
halt()/release() the synapses (Sec. VII, Fig. 7a), perturb()/clamp()/unclamp() neurons,
shuffle_J() while A is halted (Fig. 7b), anneal() lowers g gradually (Sec. IV B), and an
external input ``input_fn(t) -> array(N)``.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from dmft.params import Params
from dmft.progress import progress_bar

DEFAULT_DT = 0.05
SCHEMES = ("heun", "euler")


def check_step(params: Params, dt: float) -> float:
    """Validate the step ``dt`` for the parameters; return it as float.

    Forward Euler is stable for a linear mode with rate lambda when |1 + dt lambda| < 1; Heun's region,
    |1 + z + z^2/2| <= 1, contains that disc (on it the amplification is |cos theta|).  The
    synaptic modes decay at -1/p: we require dt < p (so 1 - dt/p > 0, no sign flips).  The
    neuronal modes lie within distance ||W|| <= 2g + |k| of -1 (operator-norm bound on J + A), so
    we require dt (1 + 2g + |k|) < 2.
    """
    try:
        dt = float(dt)
    except (TypeError, ValueError):
        raise ValueError(f"dt must be a positive number, got {dt!r}") from None
    if not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"dt must be a positive finite number, got {dt}")
    if dt >= params.p:
        raise ValueError(
            f"dt = {dt} is too large for p = {params.p}: forward Euler on the synapses needs dt < p "
            f"(use dt <= {params.p / 10:.3g} for accuracy)")
    bound = 2.0 / (1.0 + 2.0 * params.g + abs(params.k))
    if dt >= bound:
        raise ValueError(
            f"dt = {dt} is too large for stability at g = {params.g}, k = {params.k}: "
            f"need dt < 2 / (1 + 2g + |k|) = {bound:.3g}")
    return dt


def check_size(N) -> int:
    """N as an int, if the simulator's state (J and A_base: 2 N^2 doubles) fits in half the memory."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise ValueError(f"N must be an integer >= 1, got {N!r}")
    need = 2 * 8 * int(N) ** 2
    avail = _physical_memory()
    if avail and need > avail / 2:
        raise ValueError(f"N = {N} needs {need / 2**30:.3g} GiB for J and A (2 N^2 doubles); this machine has "
                         f"{avail / 2**30:.3g} GiB: use N <= {int(math.sqrt(avail / 32))}")
    return int(N)


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def check_duration(name: str, T, allow_zero: bool = False) -> float:
    try:
        T = float(T)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {T!r}") from None
    if not math.isfinite(T) or T < 0 or (T == 0 and not allow_zero):
        allowed = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {allowed}, got {T}")
    return T


@dataclass
class Trajectory:
    """What :meth:`PlasticNetwork.run` records.

    t       : times of the records (after burn-in, starting at 0), spacing ``record_dt``.
    x       : (n_records, n_recorded_neurons) preactivations.
    phi     : phi(x), same shape.
    PR_A    : participation ratio of A at each record [Eq. 22].
    state   : "chaos" | "fixed_point" | "quiescent" at the end of the run (see classify_state).
    settled_at : time at which the run was detected to have settled (None if never).
    """

    t: np.ndarray
    x: np.ndarray
    phi: np.ndarray
    PR_A: np.ndarray
    record_dt: float
    state: str
    settled_at: Optional[float]
    rms_x: float
    rms_velocity: float
    params: Params
    N: int
    dt: float
    seed: Optional[int]
    neurons: np.ndarray
    wall_s: float
    settings: dict = field(default_factory=dict)


def classify_state(rms_x: float, rms_velocity: float, *, x_tol: float = 1e-4,
                   v_tol: float = 1e-5) -> str:
    """Name the state from the RMS preactivation and RMS velocity |dx/dt|/sqrt(N).

    quiescent: rms_x < x_tol (the trivial fixed point x = 0); fixed_point: rms_velocity < v_tol
    (a non-trivial fixed point); chaos otherwise.
    """
    if rms_x < x_tol:
        return "quiescent"
    if rms_velocity < v_tol:
        return "fixed_point"
    return "chaos"


class PlasticNetwork:
    """N rate neurons with quenched couplings J and Hebbian couplings A [Eqs. 1-3].

    Parameters
    ----------
    params : Params
    N      : number of neurons.
    dt     : time step (default 0.05); validated by :func:`check_step`.
    scheme : "heun" (default, second order) or "euler" (first order); see the module docstring.
    seed   : seed of the generator for J and the initial state.
    x0     : initial preactivations (default N(0, 1) i.i.d.).
    J      : explicit coupling matrix (default N(0, g^2/N) i.i.d. entries).
    A0     : initial plastic couplings (default zero).
    input_fn : optional external input I(t) -> array of shape (N,), added to Eq. 1.
    """

    def __init__(self, params: Params, N: int, *, dt: float = DEFAULT_DT, seed: Optional[int] = None,
                 x0=None, J=None, A0=None, input_fn: Optional[Callable[[float], np.ndarray]] = None,
                 fold_every: Optional[int] = None, scheme: str = "heun"):
        if not isinstance(params, Params):
            raise ValueError(f"params must be a dmft.Params, got {type(params).__name__}")
        self.params = params
        self.N = N = check_size(N)
        self.dt = check_step(params, dt)
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
        self.scheme = scheme
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        nl = params.nonlinearity
        self._phi, self._dphi = nl.phi, nl.dphi
        # J = g_scale * J0; keeping the scale separate makes annealing in g an O(1) operation.
        if J is None:
            self._J0 = self.rng.standard_normal((N, N)) / math.sqrt(N)
            self._g_scale = params.g
        else:
            J = np.array(J, dtype=float)
            if J.shape != (N, N) or not np.all(np.isfinite(J)):
                raise ValueError(f"J must be a finite array of shape ({N}, {N})")
            self._J0, self._g_scale = J, 1.0
        if x0 is None:
            x0 = self.rng.standard_normal(N)
        self.x = np.array(x0, dtype=float).reshape(-1)
        if self.x.shape != (N,) or not np.all(np.isfinite(self.x)):
            raise ValueError(f"x0 must be a finite array of shape ({N},)")
        self.t = 0.0
        self.input_fn = input_fn
        self.plastic = True
        self._clamped = False
        # Plastic couplings: A = a^n (A_base + U[:j]^T diag(w[:j]) U[:j]) after n steps since the last fold
        # (j = n entries for Euler, 2n for Heun); A_base None means zero.
        r = self.dt / params.p
        self._a_predict = 1.0 - r                 # the Euler (predictor) decay of A in one step
        c = self.dt * params.k / (params.p * N)   # the Euler (predictor) weight of phi phi^T
        if scheme == "heun":
            self._a, self._c1, self._c2 = 1.0 - r + 0.5 * r * r, 0.5 * c * (1.0 - r), 0.5 * c
        else:
            self._a, self._c1, self._c2 = 1.0 - r, c, 0.0
        self._c_predict = c
        if fold_every is None:
            fold_every = max(1, min(64, int(math.log(1e3) / -math.log(self._a))))
        self.fold_every = int(fold_every)
        per_step = 2 if scheme == "heun" else 1
        self._U = np.empty((per_step * self.fold_every, N))
        self._w = np.empty(per_step * self.fold_every)
        self._j = 0          # buffered entries
        self._n = 0          # steps since the last fold
        self._A_base = None
        self._trA = 0.0
        self._fro2 = 0.0
        if A0 is not None:
            self.set_A(A0)

    # ------------------------------------------------------------------ couplings
    @property
    def J(self) -> np.ndarray:
        """The quenched couplings (a new array)."""
        return self._g_scale * self._J0

    @property
    def A(self) -> np.ndarray:
        """The plastic couplings A(t), materialised as a new N x N array."""
        A = np.zeros((self.N, self.N)) if self._A_base is None else self._A_base.copy()
        j = self._j
        if j:
            A += (self._U[:j].T * self._w[:j]) @ self._U[:j]
        if self._n:
            A *= self._a ** self._n
        return A

    def set_A(self, A) -> None:
        A = np.array(A, dtype=float)
        if A.shape != (self.N, self.N) or not np.all(np.isfinite(A)):
            raise ValueError(f"A must be a finite array of shape ({self.N}, {self.N})")
        self._A_base, self._j, self._n = A, 0, 0
        self._trA = float(np.trace(A))
        self._fro2 = float(np.sum(A * A))

    def fold(self) -> None:
        """Absorb the buffered outer products into the dense A_base (one BLAS-3 update)."""
        j = self._j
        if self._n == 0:
            return
        if j:
            low_rank = (self._U[:j].T * self._w[:j]) @ self._U[:j]
            if self._A_base is None:
                self._A_base = low_rank
            else:
                self._A_base += low_rank
        if self._A_base is not None:
            self._A_base *= self._a ** self._n
        self._j = self._n = 0

    def A_times(self, v: np.ndarray) -> np.ndarray:
        """A(t) v without forming A (v may be a vector or an (N, m) block)."""
        j = self._j
        if self._A_base is None and j == 0:
            return np.zeros_like(v, dtype=float)
        out = self._A_base @ v if self._A_base is not None else 0.0
        if j:
            U = self._U[:j]
            coef = U @ v
            coef = (self._w[:j] * coef.T).T
            out = out + U.T @ coef
        if self._n:
            out = out * (self._a ** self._n)
        return out

    def W_times(self, v: np.ndarray) -> np.ndarray:
        """(J + A(t)) v."""
        out = self._J0 @ v
        if self._g_scale != 1.0:
            out *= self._g_scale
        return out + self.A_times(v)

    @property
    def PR_A(self) -> float:
        """Participation ratio of A [Eq. 22], (tr A)^2 / ||A||_F^2, from the exact recursions."""
        return self._trA ** 2 / self._fro2 if self._fro2 > 0 else float("nan")

    # ------------------------------------------------------------------ protocols
    def halt(self) -> None:
        """Freeze A at its current value (Sec. VII)."""
        self.fold()
        self.plastic = False

    def release(self) -> None:
        """Let A evolve again according to Eq. 3."""
        self.plastic = True

    def perturb(self, size: float, rng: Optional[np.random.Generator] = None) -> np.ndarray:
        """Add an i.i.d. Gaussian kick of RMS ``size`` to x; returns the kick."""
        rng = self.rng if rng is None else rng
        kick = size * rng.standard_normal(self.N)
        self.x = self.x + kick
        return kick

    def clamp(self, value=0.0) -> None:
        """Hold the neurons at ``value`` (scalar or array) until :meth:`unclamp`."""
        self.x = np.broadcast_to(np.asarray(value, dtype=float), (self.N,)).copy()
        self._clamped = True

    def unclamp(self) -> None:
        self._clamped = False

    def shuffle_J(self, rng: Optional[np.random.Generator] = None) -> None:
        """Randomly permute the entries of J (preserves its statistics, destroys J-A alignment)."""
        rng = self.rng if rng is None else rng
        flat = self._J0.reshape(-1)
        self._J0 = flat[rng.permutation(flat.size)].reshape(self.N, self.N)

    def set_g(self, g: float) -> None:
        """Rescale J to a new g (J -> J g / g_old); the deformation protocol uses it."""
        new = self.params.with_(g=g)
        if self.params.g == 0:
            raise ValueError("cannot rescale J from g = 0")
        self._g_scale *= new.g / self.params.g
        self.params = new
        check_step(new, self.dt)

    def anneal(self, g_target: float, duration: float, *, steps: int = 50, progress=None) -> None:
        """Deformation ("annealing") protocol of Sec. IV B: lower (or raise) g linearly to
        ``g_target`` over ``duration``, in ``steps`` equal stages, while the network runs."""
        duration = check_duration("duration", duration)
        g0 = self.params.g
        stage = duration / steps
        for i in progress_bar(range(1, steps + 1), progress, desc="anneal", total=steps):
            self.set_g(g0 + (g_target - g0) * i / steps)
            self.advance(stage)

    # ------------------------------------------------------------------ dynamics
    def velocity(self) -> np.ndarray:
        """dx/dt at the current state [Eq. 1] (zero while clamped)."""
        if self._clamped:
            return np.zeros(self.N)
        drive = self.W_times(self._phi(self.x))
        if self.input_fn is not None:
            drive = drive + self.input_fn(self.t)
        return drive - self.x

    def step(self) -> None:
        """One step of Eqs. 1 and 3 with the network's scheme (Heun or forward Euler)."""
        phi = self._phi(self.x)
        Aphi = self.A_times(phi)
        plastic = self.plastic and not (self._c1 == 0.0 and self._A_base is None and self._j == 0)
        x_new, phi_pred, Aphi_pred = self.x, phi, None
        if not self._clamped:
            f1 = self._drive(phi, Aphi, self.t) - self.x
            if self.scheme == "euler":
                x_new = self.x + self.dt * f1
            else:
                x_pred = self.x + self.dt * f1
                phi_pred = self._phi(x_pred)
                Aphi_pred = self.A_times(phi_pred)
                # A~ phi~ with A~ = (1 - dt/p) A + (dt k/(pN)) phi phi^T, the predictor of A
                Apred_phi = (self._a_predict * Aphi_pred + self._c_predict * float(phi @ phi_pred) * phi
                             if plastic else Aphi_pred)
                f2 = self._drive(phi_pred, Apred_phi, self.t + self.dt) - x_pred
                x_new = self.x + 0.5 * self.dt * (f1 + f2)
        if plastic:
            if self.scheme == "heun" and Aphi_pred is None:     # clamped: x~ = x
                Aphi_pred = Aphi
            self._learn(phi, Aphi, phi_pred, Aphi_pred)
        self.x = x_new
        self.t += self.dt

    def _drive(self, phi: np.ndarray, Aphi: np.ndarray, t: float) -> np.ndarray:
        """(J + A) phi + I(t), given A phi."""
        drive = self._J0 @ phi
        if self._g_scale != 1.0:
            drive *= self._g_scale
        drive += Aphi
        if self.input_fn is not None:
            drive += self.input_fn(t)
        return drive

    def _learn(self, u, Au, w, Aw) -> None:
        """A <- a A + c1 u u^T (+ c2 w w^T for Heun) [Eq. 3], buffered; tr A and ||A||_F^2 follow exactly."""
        a, c1, c2 = self._a, self._c1, self._c2
        uu = float(u @ u)
        cross = 2 * a * c1 * float(u @ Au)
        self._trA = a * self._trA + c1 * uu
        fro2 = a * a * self._fro2 + cross + c1 * c1 * uu * uu
        j, scale = self._j, self._a ** (-(self._n + 1))
        self._U[j], self._w[j] = u, c1 * scale
        j += 1
        if c2:
            ww, uw = float(w @ w), float(u @ w)
            self._trA += c2 * ww
            fro2 += 2 * a * c2 * float(w @ Aw) + c2 * c2 * ww * ww + 2 * c1 * c2 * uw * uw
            self._U[j], self._w[j] = w, c2 * scale
            j += 1
        self._fro2 = fro2
        self._j, self._n = j, self._n + 1
        if self._n == self.fold_every:
            self.fold()

    def advance(self, duration: float) -> None:
        """Integrate for ``duration`` without recording."""
        for _ in range(int(round(duration / self.dt))):
            self.step()

    def run(self, T: float, *, burn: float = 0.0, record_dt: float = 0.25,
            neurons: Optional[Sequence[int]] = None, stop_when_settled: bool = False,
            settle_check_every: float = 10.0, progress=None) -> Trajectory:
        """Burn in for ``burn``, then integrate for ``T`` (the recorded duration) and record.

        record_dt : spacing of the records (rounded to a multiple of dt).
        neurons   : indices to record (default all).
        stop_when_settled : stop early once the state is a fixed point or quiescent.
        progress  : None (automatic: a bar on stderr for runs longer than a few seconds),
                    True or False.
        """
        T = check_duration("T", T)
        burn = check_duration("burn", burn, allow_zero=True)
        every = max(1, int(round(check_duration("record_dt", record_dt) / self.dt)))
        idx = np.arange(self.N) if neurons is None else np.asarray(neurons, dtype=int)
        n_burn = int(round(burn / self.dt))
        n_rec = int(round(T / self.dt)) // every
        if n_rec < 2:
            raise ValueError(f"T = {T} gives fewer than 2 records at record_dt = {record_dt}")
        check_every = max(1, int(round(settle_check_every / self.dt)))
        start = time.perf_counter()
        xs = np.empty((n_rec, idx.size))
        prs = np.empty(n_rec)
        settled_at = None
        total = n_burn + n_rec * every
        bar = progress_bar(None, progress, desc="simulate", total=total,
                           auto=self.N * self.N * total > 2e10)
        for _ in range(n_burn):
            self.step()
            bar.update()
        r_done = 0
        for r in range(n_rec):
            xs[r] = self.x[idx]
            prs[r] = self.PR_A
            r_done = r + 1
            for _ in range(every):
                self.step()
            bar.update(every)
            if stop_when_settled and (r * every) % check_every < every:
                v = self.velocity()
                st = classify_state(_rms(self.x), _rms(v))
                if st != "chaos":
                    settled_at = self.t
                    break
        bar.close()
        xs, prs = xs[:r_done], prs[:r_done]
        v = self.velocity()
        rx, rv = _rms(self.x), _rms(v)
        state = classify_state(rx, rv)
        if state != "chaos" and settled_at is None:
            settled_at = self.t
        if not np.all(np.isfinite(xs)):
            raise FloatingPointError("simulation produced non-finite values; reduce dt")
        return Trajectory(
            t=np.arange(r_done) * every * self.dt, x=xs, phi=self._phi(xs), PR_A=prs,
            record_dt=every * self.dt, state=state, settled_at=settled_at, rms_x=rx,
            rms_velocity=rv, params=self.params, N=self.N, dt=self.dt, seed=self.seed,
            neurons=idx, wall_s=time.perf_counter() - start,
            settings=dict(T=T, burn=burn, record_dt=every * self.dt, fold_every=self.fold_every,
                          scheme=self.scheme))

    def copy(self) -> "PlasticNetwork":
        """An independent copy of the full state (J is shared read-only)."""
        new = object.__new__(PlasticNetwork)
        new.__dict__.update(self.__dict__)
        new.x = self.x.copy()
        new._U = self._U.copy()
        new._w = self._w.copy()
        new._A_base = None if self._A_base is None else self._A_base.copy()
        new.rng = np.random.default_rng(self.rng.integers(2**63))
        return new


def _rms(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(v * v)))
