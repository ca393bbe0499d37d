"""Nonlinear least-squares fitting of registered forms, with goodness-of-fit measures.

Definitions used everywhere (n points, k fitted parameters, RSS residual sum of squares,
TSS total sum of squares about the mean):

    R^2      = 1 - RSS / TSS
    adj-R^2  = 1 - (1 - R^2) (n - 1) / (n - k - 1)   (the original paper's convention: it
               counts all k fitted parameters as regressors besides an intercept; the
               textbook alternative with (n - k) is kept as `adj_r2_nk`)
    AIC      = n ln(RSS / n) + 2k          (Gaussian likelihood, sigma profiled out,
    BIC      = n ln(RSS / n) + k ln(n)      additive constants dropped)
    AICc     = AIC + 2k(k + 1) / (n - k - 1)   (undefined, reported as NaN, if n - k - 1 <= 0)

The estimator is scipy.optimize.least_squares (trust-region reflective, box bounds; the form's
analytic Jacobian where it has one, else 2-point finite differences) started
from every point of the form's start grid; the best converged solution is kept. A fit whose
every start fails is returned with `converged=False` and the optimiser's message: callers
report it, they never substitute a value.

This is the one least-squares entry of the library. Two options change the objective:
  loss  = "linear" (sum of squared residuals) or "huber" (residuals beyond `f_scale` count
          linearly, scipy's robust loss);
  space = "value" (residual f(x) - y) or "log" (residual ln f(x) - ln y, for positive y).
The goodness-of-fit measures are always computed on the value scale (y - yhat), whatever the
loss and space, so that they compare across estimators.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from .forms import N_SCALE, Form, get  # noqa: F401  (N_SCALE: the unit of N, defined with the forms)

TOL = 1e-12      # xtol = ftol = gtol of scipy.optimize.least_squares
LOSSES = ("linear", "huber")
SPACES = ("value", "log")


class FitError(ValueError):
    pass


def goodness(y, yhat, k: int) -> dict:
    y = np.asarray(y, float)
    resid = y - yhat
    n = y.size
    rss = float(resid @ resid)
    tss = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - rss / tss if tss > 0 else np.nan
    adj = 1.0 - (1.0 - r2) * (n - 1) / (n - k - 1) if n > k + 1 else np.nan
    adj_nk = 1.0 - (1.0 - r2) * (n - 1) / (n - k) if n > k else np.nan
    # a perfect fit (RSS = 0) has no finite Gaussian AIC; keep it NaN rather than -inf
    ln_term = n * np.log(rss / n) if rss > 0 else np.nan
    aic = ln_term + 2 * k
    bic = ln_term + k * np.log(n)
    aicc = aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.nan
    return {"n": n, "k": k, "rss": rss, "tss": tss, "r2": r2, "adj_r2": adj, "adj_r2_nk": adj_nk, "aic": aic, "bic": bic,
            "aicc": aicc, "sigma_ml": float(np.sqrt(rss / n)),
            "sigma_unbiased": float(np.sqrt(rss / (n - k))) if n > k else np.nan}


@dataclass
class FitResult:
    form: Form
    theta: np.ndarray
    x: np.ndarray
    y: np.ndarray
    converged: bool
    message: str
    stats: dict = field(default_factory=dict)
    at_bound: tuple[str, ...] = ()
    n_starts_converged: int = 0
    loss: str = "linear"
    f_scale: float = 1.0
    space: str = "value"

    @property
    def options(self) -> dict:
        """The estimator's options, to refit replicates with the same objective."""
        return {"loss": self.loss, "f_scale": self.f_scale, "space": self.space}

    @property
    def params(self) -> dict:
        return dict(zip(self.form.params, map(float, self.theta)))

    def predict(self, x) -> np.ndarray:
        return predict(self.form, self.theta, x)

    @property
    def yhat(self) -> np.ndarray:
        return self.predict(self.x)

    @property
    def residuals(self) -> np.ndarray:
        return self.y - self.yhat

    @property
    def fit_residuals(self) -> np.ndarray:
        """Residuals in the space the fit was made in (y - yhat, or ln y - ln yhat)."""
        return np.log(self.y) - np.log(self.yhat) if self.space == "log" else self.residuals

    def __getattr__(self, name):
        stats = self.__dict__.get("stats", {})
        if name in stats:
            return stats[name]
        raise AttributeError(name)


def scale_x(form: Form, x) -> np.ndarray:
    """Inputs in the units the form is fitted in (N in billions unless the form says otherwise)."""
    return np.asarray(x, dtype=float) / form.x_unit


def predict(form: Form, theta, x) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(form.func(scale_x(form, x), *theta), float)


def _check_inputs(form: Form, x, y):
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = y.shape[-1]
    if form.n_inputs == 1 and x.ndim != 1 or form.n_inputs == 2 and (x.ndim != 2 or x.shape[0] != 2):
        raise FitError(f"{form.name}: x has shape {x.shape}, expected {form.n_inputs} input(s) of length {n}")
    if x.shape[-1] != n:
        raise FitError(f"{form.name}: x has {x.shape[-1]} points but y has {n}")
    if not np.all(np.isfinite(x)) or not np.all(np.isfinite(y)):
        raise FitError(f"{form.name}: NaN or infinite value among the points to fit (x={x.tolist()}, y={y.tolist()})")
    if np.any(x <= 0):
        raise FitError(f"{form.name}: model size must be positive, got {x.tolist()}")
    if n < form.k:
        raise FitError(f"{form.name}: {n} points cannot determine {form.k} parameters {form.params}")
    x_first = x if x.ndim == 1 else x[0]
    if np.unique(x_first).size < 2:
        raise FitError(f"{form.name}: all x values are identical ({x_first[0]:g}); no scaling can be fitted")
    return x, y


def fix_params(form: Form, fixed: dict[str, float]) -> Form:
    """The sub-form with some parameters held at given values (for profile likelihoods)."""
    free = [i for i, p in enumerate(form.params) if p not in fixed]
    unknown = set(fixed) - set(form.params)
    if unknown:
        raise FitError(f"{form.name}: cannot fix unknown parameter(s) {sorted(unknown)}")

    def full(theta_free):
        theta = [fixed.get(p) for p in form.params]
        for i, t in zip(free, theta_free):
            theta[i] = t
        return theta

    def func(x, *theta_free):
        return form.func(x, *full(theta_free))

    def jac(x, *theta_free):
        return form.jac(x, *full(theta_free))[..., free]

    starts = tuple(dict.fromkeys(tuple(s[i] for i in free) for s in form.starts))
    return Form(f"{form.name}|" + ",".join(f"{k}={v:g}" for k, v in sorted(fixed.items())), form.label,
                form.equation, func, tuple(form.params[i] for i in free),
                tuple(form.lower[i] for i in free), tuple(form.upper[i] for i in free), starts,
                n_inputs=form.n_inputs, x_unit=form.x_unit, jac=jac if form.jac is not None else None)


def fit(form: Form | str, x, y, starts=None, max_nfev: int = 2000, loss: str = "linear", f_scale: float = 1.0,
        space: str = "value") -> FitResult:
    """Least-squares fit of `form` to points (x, y); see module docstring for `loss` and `space`."""
    form = get(form) if isinstance(form, str) else form
    if loss not in LOSSES or space not in SPACES:
        raise FitError(f"{form.name}: loss must be one of {LOSSES} and space one of {SPACES}, "
                       f"got loss={loss!r}, space={space!r}")
    x, y = _check_inputs(form, x, y)
    if space == "log" and np.any(y <= 0):
        raise FitError(f"{form.name}: a log-space fit needs positive y, got {y.tolist()}")
    xs = scale_x(form, x)
    lower, upper = np.array(form.lower, float), np.array(form.upper, float)
    log_y = np.log(y) if space == "log" else None

    def resid(theta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            pred = form.func(xs, *theta)
            r = np.log(pred) - log_y if space == "log" else pred - y
        return np.where(np.isfinite(r), r, 1e6)

    def jac(theta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            j = form.jac(xs, *theta)
            if space == "log":  # d ln f = df / f
                j = j / form.func(xs, *theta)[:, None]
        return np.where(np.isfinite(j), j, 0.0)

    best, n_ok, messages = None, 0, []
    for start in (starts if starts is not None else form.starts):
        start = np.clip(np.asarray(start, float), lower + 1e-12, np.where(np.isfinite(upper), upper - 1e-12, np.inf))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = optimize.least_squares(resid, start, jac=jac if form.jac is not None else "2-point",
                                             bounds=(lower, upper), method="trf", loss=loss, f_scale=f_scale,
                                             x_scale="jac", max_nfev=max_nfev, xtol=TOL, ftol=TOL, gtol=TOL)
        except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - defensive
            messages.append(str(exc))
            continue
        if res.status <= 0 or not np.all(np.isfinite(res.x)):
            messages.append(res.message)
            continue
        n_ok += 1
        if best is None or res.cost < best.cost - 1e-15:
            best = res
    if best is None:
        return FitResult(form, np.full(form.k, np.nan), x, y, converged=False,
                         message="no start converged: " + "; ".join(sorted(set(messages)))[:300],
                         loss=loss, f_scale=f_scale, space=space)
    theta = best.x
    tol = 1e-6 * np.maximum(1.0, np.abs(theta))
    at_bound = tuple(p for p, t, lo, hi in zip(form.params, theta, lower, upper)
                     if abs(t - lo) < tol[form.params.index(p)] or abs(t - hi) < tol[form.params.index(p)])
    result = FitResult(form, theta, x, y, converged=True, message=best.message,
                       at_bound=at_bound, n_starts_converged=n_ok, loss=loss, f_scale=f_scale, space=space)
    result.stats = goodness(y, result.yhat, form.k)
    return result
