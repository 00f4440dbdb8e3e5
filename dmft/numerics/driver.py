"""The self-consistency driver: how every Monte Carlo DMFT fixed point F(x) = x is solved.

A DMFT solver (the stationary C of :mod:`dmft.theory.stationary`, the two-replica Q of :mod:`dmft.theory.replica`) is a
*problem* that plugs into :class:`Driver`.  The problem says what is iterated; the driver says how:

- **Fixed random numbers.**  ``problem.engine(window, n_paths)`` builds a map whose random numbers are held
  fixed (a *replica*): its output F(x) is then a smooth, deterministic function of the input x, and Anderson
  mixing (:meth:`Driver.anderson`) drives it to F(x) = x to a set tolerance.  A replica is solved when both
  its residual and its quasi-Newton step are below ``tol``: along a slow mode (eigenvalue 1 - delta) the
  residual understates the distance to the fixed point by 1/delta, the step does not.
- **A stall guard.**  When the residual stops falling (a saddle-node "ghost" of the map, met at large p and k,
  where the least-squares step of Anderson mixing settles on the minimum of |F(x) - x| instead of a root), the
  driver takes plain damped steps for a while, which follow the map through the bottleneck (:data:`STALL_WINDOW`).
- **Window growth.**  When the answer has not decayed inside the window, ``problem.grow`` gives the iterate on
  a longer one (:meth:`Driver.converge`), or None past the problem's cap: the verdict ``"cap"``.
- **Replicas for the error bar, then one pooled solve.**  Independent replicas (new random numbers) are
  solved until their spread says the standard error of the answer is below the target
  (:meth:`Driver.replicas`); the answer is one more solve on all their paths together, because a single
  solve's noise, fed back through the slow modes, biases it by an amount that falls with its paths
  (:meth:`Driver.pooled`).  When the problem can pool its engines (``pool_engine``), that solve reuses the
  replicas' own random numbers: its map is then the paths-weighted mean of theirs, so it starts from their
  mean within the second-order (bias) terms it exists to capture and needs fewer evaluations; otherwise it
  draws fresh ones.  :func:`weighted_replicas` and :func:`tail_error` turn the spread into errors.
- **A budget.**  More than ``settings.max_evaluations`` evaluations raise :class:`BudgetExhausted`.

The problem's interface (duck-typed):

``engine(window, n_paths)``
    a replica: an object, with its own random numbers, whose map the problem evaluates (each replica is a new
    engine);
``evaluate(engine, x) -> Evaluation``
    one evaluation of the map at x;
``admissible(x) -> bool``
    whether a quasi-Newton step stayed physical (else the driver falls back to damping);
``grow(x, window) -> (x, window) | None``
    the iterate on the next, longer window (None: beyond the cap);
``regrid(values, old_window, new_window)``
    an array of the old window's grid on the new one (replicas already solved follow a grown window);
``record(ev, window) -> dict``
    what a solved replica keeps: arrays on the window's grid and scalars; ``value_key`` names the array whose
    element ``target_index`` sets the stopping rule (relative SE below ``settings.target_rel_err``).
``pool_engine(engines, window, n_paths) -> engine | None`` (optional)
    one engine on the random numbers of the solved replicas' engines (all of the final window), limited to
    ``n_paths`` paths; None if they cannot be pooled.

Verdicts (``how``): ``"solved"``, ``"not_converged"`` (max_iter reached), ``"trivial"`` (the map collapsed to
the trivial solution x = 0), ``"cap"`` (the window would grow past its cap).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
import numpy as np

from dmft.errors import UnphysicalSolutionError

TERMINAL = ("trivial", "cap")      # verdicts that end a solve without an answer
# Anderson has stalled when the best residual of its last STALL_WINDOW iterations is not below STALL_FACTOR times
# the best before them; it then takes STALL_WINDOW plain damped steps (see Driver.anderson).
STALL_WINDOW, STALL_FACTOR = 10, 0.7


class BudgetExhausted(Exception):
    """More evaluations of the map than ``max_evaluations``; carries the last iterate and its window."""

    def __init__(self, x, window):
        super().__init__("evaluation budget exhausted")
        self.x, self.window = x, window


@dataclass
class Evaluation:
    """One evaluation of a problem's map.

    F         : the output, in the layout of the input x.
    scale     : residuals and steps are rms over x[:n_measured], divided by this.
    n_measured: the leading part of x that the residual measures (the rest, e.g. a cross-covariance, is
                iterated along but not measured).
    trivial   : the map has collapsed to the trivial solution (x = 0).
    truncated : the answer has not decayed inside the window (it must grow).
    outside   : the map is undefined at this x (e.g. network B has no solution of the requested kind there): F is
                not data; the driver steps back halfway towards its last iterate where the map was defined.
    out       : whatever the problem keeps from this evaluation (paths, standard errors, tapers...).
    """

    F: np.ndarray
    scale: float
    n_measured: int
    trivial: bool = False
    truncated: bool = False
    outside: bool = False
    out: dict = field(default_factory=dict)


class Driver:
    """Solves one problem's self-consistency with the settings ``st`` (fields as in
    :class:`dmft.theory.stationary.SolverSettings`: mixing, tol, anderson_memory, max_iter, max_evaluations,
    n_samples, max_samples, min_replicas, max_replicas, target_rel_err).  ``history`` collects the residual
    of every evaluation; ``bar`` is a progress bar (anything with ``update()``)."""

    def __init__(self, problem, st, history: list, bar):
        self.problem, self.st, self.history, self.bar = problem, st, history, bar
        self.iterations = 0
        self.residuals = []         # the final residual of every replica solve
        self.all_solved = True
        self.pairs = []             # Anderson secant pairs, passed from replica to replica
        self.solved_engines = []    # (window, engine) of each solved replica, for a pooled solve

    # ------------------------------------------------------------------ one replica
    def anderson(self, engine, x, st=None, pairs=None):
        """Solve F(x) = x for one replica by Anderson-accelerated damped iteration.

        ``pairs`` holds the secant pairs (x_j - x_i, f_j - f_i), f = F(x) - x, that Anderson mixing uses; passed
        on to the next replica, they still describe the Jacobian (the replicas' maps differ only by their random
        numbers), so it starts with a quasi-Newton step instead of plain damping.  A pair never straddles two
        replicas.  Returns (x, last Evaluation, residual, iterations, how), how in "solved", "not_converged",
        "trivial", "grow"."""
        st = st or self.st
        pairs = [] if pairs is None else pairs
        prev = None
        ev, res = None, float("nan")
        recent = []                 # residuals since the last stall check
        plain_until = 0             # iterations up to this one take plain damped steps (a stall was detected)
        inside = None               # the last iterate where the map was defined
        for it in range(1, st.max_iter + 1):
            if len(self.history) >= st.max_evaluations:
                raise BudgetExhausted(x.copy(), None)
            ev = self.problem.evaluate(engine, x)
            self.bar.update()
            if not np.all(np.isfinite(ev.F)):
                raise UnphysicalSolutionError("single-site paths produced NaN (parameters out of range?)")
            n = ev.n_measured
            f = ev.F - x
            res = float(np.sqrt(np.mean(f[:n] ** 2))) / ev.scale
            self.history.append(res)
            if ev.trivial:
                return x * 0, ev, res, it, "trivial"
            if ev.outside:
                # backtrack: a quasi-Newton or damped step left the map's domain (its F is not data, and no secant
                # pair may use it); halve the step from the last iterate inside, or the iterate itself at the start
                x = 0.5 * x if inside is None else inside + 0.5 * (x - inside)
                pairs.clear()
                prev, recent = None, []
                continue
            inside = x.copy()
            # not decayed near the end of the window: judged once the iterate has relaxed, and always before a
            # solution is accepted (a warm-started replica can be "solved" in one step on a window that
            # truncates the answer; a taper then hides the truncation)
            if ev.truncated and (it >= 4 or res < st.tol):
                return x + st.mixing * f, ev, res, it, "grow"
            recent.append(res)
            if len(recent) > STALL_WINDOW and min(recent[-STALL_WINDOW:]) > STALL_FACTOR * min(recent[:-STALL_WINDOW]):
                # Anderson has stalled: near a saddle-node "ghost" (large p and k: a slow mode that plain iteration
                # crosses in tens of steps) its least-squares step settles on the minimum of |F(x) - x|, which is not
                # a root.  Plain damped steps follow the map through it; Anderson resumes afterwards.
                plain_until, recent, prev = it + STALL_WINDOW, [], None
                pairs.clear()
            if prev is not None and it > plain_until:
                pairs.append((x - prev[0], f - prev[1]))
                del pairs[:-st.anderson_memory]
            prev = (x.copy(), f.copy()) if it >= plain_until else None
            if pairs:
                dX = np.array([d[0] for d in pairs]).T
                dF = np.array([d[1] for d in pairs]).T
                gamma = np.linalg.lstsq(dF, f, rcond=None)[0]
                x_new = x + st.mixing * f - (dX + st.mixing * dF) @ gamma
            else:
                x_new = x + st.mixing * f
            if not np.all(np.isfinite(x_new)) or not self.problem.admissible(x_new):
                x_new = x + st.mixing * f          # fall back to plain damping
                pairs.clear()
            step = float(np.sqrt(np.mean((x_new - x)[:n] ** 2))) / ev.scale
            if res < st.tol and step < st.tol:
                return x, ev, res, it, "solved"
            x = x_new
        return x, ev, res, st.max_iter, "not_converged"

    def converge(self, x, window, n_paths, engine=None, st=None, pairs=None):
        """Solve one replica, growing the window while the answer has not decayed inside it.
        Returns (x, window, engine, last Evaluation, residual, how); how "cap" when the window would grow
        past the problem's cap."""
        pairs = [] if pairs is None else pairs
        engine = engine or self.problem.engine(window, n_paths)
        while True:
            try:
                x, ev, res, its, how = self.anderson(engine, x, st, pairs)
            except BudgetExhausted as stop:
                raise BudgetExhausted(stop.x, window) from None
            self.iterations += its
            if how != "grow":
                return x, window, engine, ev, res, how
            grown = self.problem.grow(x, window)
            if grown is None:
                return x, window, engine, ev, res, "cap"
            x, window = grown
            engine = self.problem.engine(window, n_paths)
            pairs.clear()                     # secant pairs of the old grid do not apply

    # ------------------------------------------------------------------ replicas and the pooled answer
    def _solve_once(self, x, window, n_paths, engine, records):
        """A replica solve; replicas already recorded follow the window if it grows."""
        x_new, new_window, engine, ev, res, how = self.converge(x, window, n_paths, engine, pairs=self.pairs)
        if new_window != window:
            for r in records:
                for key, v in r.items():
                    if isinstance(v, np.ndarray) and v.ndim == 1 and key != "x":
                        r[key] = self.problem.regrid(v, window, new_window)
        self.all_solved &= how == "solved"
        self.residuals.append(res)
        return x_new, new_window, engine, ev, how

    def replicas(self, x, window):
        """Independent replicas, each warm-started from the mean of those before, until the standard error of a
        solve on all their paths (at most max_samples) is below the target; replicas double their paths when
        many more would be needed.  Returns (x, window, records, engine, last Evaluation, how)."""
        st, key = self.st, self.problem.value_key
        records, engine, n_samples, ev, how = [], None, st.n_samples, None, "solved"
        while len(records) < st.max_replicas:
            if engine is not None:
                engine = self.problem.engine(window, n_samples)     # a new replica: new random numbers
            x, window, engine, ev, how = self._solve_once(x, window, n_samples, engine, records)
            if how in TERMINAL:
                return x, window, records, engine, ev, how
            if hasattr(self.problem, "pool_engine"):
                self.solved_engines.append((window, engine))
            rec = self.problem.record(ev, window)
            rec["weight"] = n_samples
            records.append(rec)
            x = self.problem.warm_start(x, weighted_replicas(records, key)[0])
            if len(records) >= st.min_replicas:
                i0 = self.problem.target_index       # (it may move when the window grows)
                total = sum(r["weight"] for r in records)
                mean, err, _ = weighted_replicas(records, key, n_paths=min(total, st.max_samples))
                if err[i0] <= st.target_rel_err * abs(mean[i0]):
                    break
                if total >= st.max_samples:
                    break          # more replicas cannot make the pooled answer better: reported by the caller
                needed = total * ((err[i0] / (st.target_rel_err * abs(mean[i0]))) ** 2 - 1) / n_samples
                if needed > 4 and 2 * n_samples <= st.max_samples:
                    n_samples *= 2
        return x, window, records, engine, ev, how

    def pooled(self, x, window, records):
        """The answer: one more solve on as many paths as all the replicas together (at most max_samples), on
        the replicas' own random numbers if the problem can pool them (see the module docstring), else on fresh
        ones.  Returns (x, window, last Evaluation, how, n_paths)."""
        n_pool = min(sum(r["weight"] for r in records), self.st.max_samples)
        engine = None
        pool = getattr(self.problem, "pool_engine", None)
        solved = self.solved_engines
        if pool is not None and solved and all(w == window for w, _ in solved):
            engine = pool([e for _, e in solved], window, n_pool)
        x, window, _, ev, how = self._solve_once(x, window, n_pool, engine, records)
        return x, window, ev, how, n_pool


def weighted_replicas(replicas, key="C", n_paths=None):
    """Mean of the replicas' ``key`` weighted by their number of paths, and the standard error of an
    estimate made from ``n_paths`` paths (default: all the replicas' paths together), assuming each
    replica's variance is sigma^2 / (its paths).  Returns (mean, SE, R)."""
    w = np.array([r["weight"] for r in replicas], dtype=float)
    v = np.array([np.asarray(r[key], dtype=float) for r in replicas])
    W = w.sum()
    mean = np.tensordot(w, v, axes=1) / W
    R = len(replicas)
    if R < 2:
        return mean, np.full_like(mean, np.nan), R
    sigma2 = np.tensordot(w, (v - mean) ** 2, axes=1) / (R - 1)
    return mean, np.sqrt(sigma2 / (W if n_paths is None else n_paths)), R


def tail_error(err, sem, taper, replicas):
    """The replica spread is no error estimate where the replicas' tapers cut the estimate to zero (they all
    agree on zero there) while the pooled solve, with more paths, keeps it.  There the error is the pooled
    solve's sampling SE ``sem`` times the amplification by the self-consistency that the spread shows where every
    replica kept the estimate (the median ratio of spread to sampling SE).  The same holds past the pooled
    solve's own cut (``taper`` < 1), where it set the estimate to zero because it was below 4 such SE."""
    kept = np.ones(err.size, dtype=bool)
    for r in replicas:
        if r.get("taper") is not None and r["taper"].size == err.size:
            kept &= r["taper"] >= 1.0
    ok = kept & (sem > 0)
    amp = max(float(np.median(err[ok] / sem[ok])), 1.0) if ok.sum() > 10 else 1.0
    return np.where(kept & (taper >= 1.0), err, np.maximum(err, amp * sem))


def tightened(st, factor: float = 10.0, used: int = 0):
    """Settings for a retry: tol / factor, twice the iterations, and what is left of the evaluation budget."""
    return replace(st, tol=st.tol / factor, max_iter=2 * st.max_iter,
                   max_evaluations=max(1, st.max_evaluations - used))


__all__ = ["BudgetExhausted", "Driver", "Evaluation", "TERMINAL", "tail_error", "tightened", "weighted_replicas"]
