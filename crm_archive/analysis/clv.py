"""Customer lifetime value: the BG/NBD purchase model, the Gamma-Gamma spend model and their discounted
product. Pure: numpy, scipy and the standard library only — no frappe import.

References
	[BG/NBD] Fader, Hardie & Lee (2005), "Counting Your Customers" the Easy Way: An Alternative to the
		Pareto/NBD Model. Marketing Science 24(2), 275–284. Equation numbers below are this paper's.
	[GG] Fader, Hardie & Lee (2005), RFM and CLV: Using Iso-Value Curves for Customer Base Analysis.
		Journal of Marketing Research 42(4), 415–430; and Fader & Hardie (2013), The Gamma-Gamma Model of
		Monetary Value (note, brucehardie.com/notes/025).

Per customer (all times in ONE unit of the caller's choice — days throughout this app):
	x    repeat purchases (purchases after the first one),
	t_x  time of the last purchase, counted from the first purchase (0 when x == 0),
	T    age: time from the first purchase to the end of observation,
	m_x  mean value of the x repeat purchases (ignored when x == 0).

Model (BG/NBD): while alive a customer buys as a Poisson process of rate λ, λ ~ Gamma(r, rate α); after
each repeat purchase it dies with probability p, p ~ Beta(a, b). Spend (Gamma-Gamma): transaction values
~ Gamma(p, rate ν), ν ~ Gamma(q, rate v), independent of the purchase process. Note that "p" is the
BG/NBD dropout probability in the first model and the Gamma shape of the spend model in the second, as in
the papers.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

import numpy as np
from scipy import integrate, optimize, special

# Fitting refuses data with fewer customers / repeat buyers than this: the parameters are not identified.
MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10
# Log-parameters are kept within these bounds while fitting; an optimum on a bound is reported as not
# converged (the data do not identify that parameter: e.g. b → ∞ when nobody seems to drop out).
LOG_PARAM_BOUNDS = (math.log(1e-6), math.log(1e6))
# … and so is one within this factor of a bound: on a likelihood that keeps rising toward the bound the
# optimizer may stop on the flat ridge short of it (a = 1.4e-6 on purchases without any dropout).
BOUND_MARGIN = 10.0
# The fits use days as the time unit; the literature (Fader, Hardie & Lee 2005, CDNOW) reports weeks.
WEEK_DAYS = 7
# Near a = 1 (0/0) and near a = r + whole number (degenerate ₂F₁) eq. 10 is interpolated in a within this
# distance instead of evaluated (see _alive_mean).
_A_WINDOW = 1e-3

__all__ = [
	"BOUND_MARGIN",
	"LOG_PARAM_BOUNDS",
	"MIN_CUSTOMERS",
	"MIN_REPEAT_BUYERS",
	"WEEK_DAYS",
	"ArraySummaries",
	"BGNBDFit",
	"CustomerSummary",
	"GammaGammaFit",
	"HoldoutActuals",
	"ModelError",
	"PurchaseDays",
	"Scores",
	"bgnbd_log_likelihood",
	"compress",
	"customer_lifetime_value",
	"expected_average_spend",
	"expected_purchases",
	"expected_purchases_unconditional",
	"fit_bgnbd",
	"fit_gamma_gamma",
	"gamma_gamma_log_likelihood",
	"holdout_actuals",
	"holdout_actuals_arrays",
	"model_check",
	"model_check_arrays",
	"p_alive",
	"per_week",
	"purchase_days_arrays",
	"score",
	"summarize",
	"summarize_arrays",
	"to_arrays",
]


class ModelError(ValueError):
	"""Data the models cannot be fitted to or evaluated on (the message says why, in English)."""


@dataclass(frozen=True)
class BGNBDFit:
	"""Maximum-likelihood BG/NBD parameters. converged=False: keep the last good parameters (see message)."""

	r: float
	alpha: float
	a: float
	b: float
	log_likelihood: float
	converged: bool
	message: str
	n_customers: int
	n_repeat_buyers: int

	@property
	def params(self) -> tuple[float, float, float, float]:
		return (self.r, self.alpha, self.a, self.b)


@dataclass(frozen=True)
class GammaGammaFit:
	"""Maximum-likelihood Gamma-Gamma parameters (fitted on repeat buyers only)."""

	p: float
	q: float
	v: float
	log_likelihood: float
	converged: bool
	message: str
	n_customers: int

	@property
	def params(self) -> tuple[float, float, float]:
		return (self.p, self.q, self.v)


class Scores(NamedTuple):
	"""score()'s arrays, one entry per customer."""

	p_alive: np.ndarray
	expected_purchases: np.ndarray
	expected_spend: np.ndarray
	clv: np.ndarray


# ---------------------------------------------------------------------------------------------------------
# input checks


def _params(params: Any, n: int, what: str) -> tuple[float, ...]:
	values = params.params if hasattr(params, "params") else params
	values = tuple(float(v) for v in values)
	if len(values) != n:
		raise ModelError(f"{what} needs {n} parameters, got {len(values)}")
	if not all(math.isfinite(v) and v > 0 for v in values):
		raise ModelError(f"{what} parameters must be positive and finite, got {values}")
	return values


def _array(values: Any, name: str) -> np.ndarray:
	arr = np.asarray(values, dtype=float)
	if arr.ndim > 1:
		raise ModelError(f"{name} must be one-dimensional")
	if not np.all(np.isfinite(arr)):
		raise ModelError(f"{name} contains values that are not finite numbers")
	return np.atleast_1d(arr)


def _summaries(x: Any, t_x: Any, T: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
	"""x, t_x, T as float arrays of one length, checked: x a whole number >= 0, 0 <= t_x <= T, t_x > 0 when
	x > 0 (a repeat purchase happens after the first one) and t_x == 0 when x == 0."""
	x, t_x, T = _array(x, "x"), _array(t_x, "t_x"), _array(T, "T")
	try:
		x, t_x, T = np.broadcast_arrays(x, t_x, T)
	except ValueError:
		raise ModelError("x, t_x and T must have the same length") from None
	if np.any(x < 0):
		raise ModelError("x (number of repeat purchases) must not be negative")
	if np.any(x != np.floor(x)):
		raise ModelError("x (number of repeat purchases) must be a whole number")
	if np.any(t_x < 0) or np.any(T < 0):
		raise ModelError("t_x and T must not be negative")
	if np.any(t_x > T):
		raise ModelError("t_x (time of the last purchase) must not exceed T (the customer's age)")
	if np.any((x > 0) & (t_x == 0)):
		raise ModelError("a customer with repeat purchases (x > 0) must have t_x > 0")
	if np.any((x == 0) & (t_x != 0)):
		raise ModelError("a customer without repeat purchases (x == 0) must have t_x == 0")
	return x, t_x, T


def _weights(weights: Any, n: int) -> np.ndarray:
	if weights is None:
		return np.ones(n)
	w = _array(weights, "weights")
	if w.shape != (n,):
		raise ModelError("weights must have one entry per customer")
	if np.any(w < 0):
		raise ModelError("weights must not be negative")
	return w


def compress(x: Any, t_x: Any, T: Any, weights: Any = None):
	"""Group identical (x, t_x, T) rows: returns (x, t_x, T, counts) of the unique rows, counts summing the
	weights (1 each by default). Day-granular data of 100k customers shrinks to a few thousand rows; every
	likelihood here is a weighted sum over rows, so fitting the compressed data gives the same optimum."""
	x, t_x, T = _summaries(x, t_x, T)
	w = _weights(weights, len(x))
	rows, inverse = np.unique(np.column_stack([x, t_x, T]), axis=0, return_inverse=True)
	counts = np.bincount(inverse.ravel(), weights=w, minlength=len(rows))
	keep = counts > 0
	rows = rows[keep]
	return rows[:, 0], rows[:, 1], rows[:, 2], counts[keep]


# ---------------------------------------------------------------------------------------------------------
# BG/NBD


def _bgnbd_terms(r, alpha, a, b, x, t_x, T):
	"""Per-row log-likelihood and its gradient with respect to (r, alpha, a, b), eq. 6 in logs:
	log L = A1 + log(exp(A2) + δ_{x>0} exp(A3)) with
		A1 = lnΓ(r+x) − lnΓ(r) + r ln α
		A2 = ln B(a, b+x) − ln B(a, b) − (r+x) ln(α+T)
		A3 = ln B(a+1, b+x−1) − ln B(a, b) − (r+x) ln(α+t_x)."""
	rep = x > 0
	bx1 = np.where(rep, b + x - 1, 1.0)  # b+x−1, only used where x > 0
	lb0 = special.betaln(a, b)
	a1 = special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha)
	a2 = special.betaln(a, b + x) - lb0 - (r + x) * np.log(alpha + T)
	a3 = np.where(rep, special.betaln(a + 1, bx1) - lb0 - (r + x) * np.log(alpha + t_x), -np.inf)
	lse = np.logaddexp(a2, a3)
	ll = a1 + lse
	w2, w3 = np.exp(a2 - lse), np.exp(a3 - lse)  # shares of the two terms, w2 + w3 = 1
	psi = special.digamma
	db0_a, db0_b = psi(a) - psi(a + b), psi(b) - psi(a + b)
	psi_abx = psi(a + b + x)
	d_r = psi(r + x) - psi(r) + math.log(alpha) - w2 * np.log(alpha + T) - w3 * np.log(alpha + t_x)
	d_alpha = r / alpha - (r + x) * (w2 / (alpha + T) + w3 / (alpha + t_x))
	d_a = w2 * (psi(a) - psi_abx) + w3 * np.where(rep, psi(a + 1) - psi_abx, 0.0) - db0_a
	d_b = w2 * (psi(b + x) - psi_abx) + w3 * np.where(rep, psi(bx1) - psi_abx, 0.0) - db0_b
	return ll, (d_r, d_alpha, d_a, d_b)


def bgnbd_log_likelihood(params, x, t_x, T, weights=None) -> float:
	"""Total BG/NBD log-likelihood of (x, t_x, T) at params = (r, alpha, a, b) — eq. 6 of [BG/NBD],
	evaluated in logs (gammaln, betaln, logaddexp). weights: how many customers each row stands for."""
	r, alpha, a, b = _params(params, 4, "BG/NBD")
	x, t_x, T = _summaries(x, t_x, T)
	w = _weights(weights, len(x))
	ll, _ = _bgnbd_terms(r, alpha, a, b, x, t_x, T)
	return float(np.dot(w, ll))


def _bgnbd_initial(x, t_x, T, w) -> np.ndarray:
	"""A scale-free start: r = 1, α from the mean purchase rate, a = 1, b = 2."""
	rate = max(np.dot(w, x) / max(np.dot(w, T), 1e-12), 1e-6)
	return np.log([1.0, 1.0 / rate, 1.0, 2.0])


def _minimize(objective, start, maxiter: int, tol: float):
	"""L-BFGS-B on the log-parameters with the analytic gradient; Nelder-Mead from where it stopped when it
	fails for another reason than the iteration limit (e.g. an abnormal line search)."""
	bounds = [LOG_PARAM_BOUNDS] * len(start)
	with np.errstate(all="ignore"):
		res = optimize.minimize(
			objective,
			start,
			jac=True,
			method="L-BFGS-B",
			bounds=bounds,
			tol=tol,
			options={"maxiter": maxiter},
		)
		if not res.success and res.nit < maxiter and np.all(np.isfinite(res.x)):
			nm = optimize.minimize(
				lambda z: objective(z)[0],
				res.x,
				method="Nelder-Mead",
				bounds=bounds,
				options={"maxiter": maxiter * 20, "xatol": 1e-8, "fatol": 1e-12},
			)
			if nm.success and nm.fun <= res.fun:
				return nm.x, True, f"L-BFGS-B: {res.message}; Nelder-Mead: {nm.message}"
	return res.x, bool(res.success), f"L-BFGS-B: {res.message}"


def _fit_outcome(z: np.ndarray, value: float, success: bool, message: str, names: tuple[str, ...]):
	converged = success and math.isfinite(value)
	if not math.isfinite(value):
		message += "; the log-likelihood is not finite"
	lo, hi = LOG_PARAM_BOUNDS
	margin = math.log(BOUND_MARGIN)
	at_bound = [n for n, zi in zip(names, z, strict=True) if zi <= lo + margin or zi >= hi - margin]
	if at_bound:
		converged = False
		message += (
			f"; {', '.join(at_bound)} reached the bound {math.exp(lo):g} or {math.exp(hi):g}"
			f" (within a factor {BOUND_MARGIN:g}: not identified by the data)"
		)
	return converged, message


def fit_bgnbd(x, t_x, T, *, weights=None, initial=None, maxiter: int = 1000, tol: float = 1e-10) -> BGNBDFit:
	"""Maximum-likelihood BG/NBD fit (eq. 6 of [BG/NBD]) by L-BFGS-B on log(r, α, a, b) with the analytic
	gradient (Nelder-Mead fallback). Identical rows are grouped first (compress), weights count customers.
	Raises ModelError for invalid data or fewer than MIN_CUSTOMERS customers / MIN_REPEAT_BUYERS repeat
	buyers; a fit that does not converge is returned with converged=False and the reason in message."""
	x, t_x, T, w = compress(x, t_x, T, weights)
	n_customers = float(w.sum())
	n_repeat = float(w[x > 0].sum())
	if n_customers < MIN_CUSTOMERS or n_repeat < MIN_REPEAT_BUYERS:
		raise ModelError(
			f"too few customers to fit the purchase model: {n_customers:g} customers of which {n_repeat:g} "
			f"bought again; at least {MIN_CUSTOMERS} customers and {MIN_REPEAT_BUYERS} repeat buyers needed"
		)
	if initial is None:
		start = _bgnbd_initial(x, t_x, T, w)
	else:
		start = np.log(_params(initial, 4, "initial BG/NBD"))
	scale = 1.0 / n_customers  # the mean log-likelihood: tolerances independent of the data size

	def objective(z):
		r, alpha, a, b = np.exp(z)
		ll, grads = _bgnbd_terms(r, alpha, a, b, x, t_x, T)
		value = -scale * np.dot(w, ll)
		grad = np.array(
			[-scale * np.dot(w, g) * theta for g, theta in zip(grads, (r, alpha, a, b), strict=True)]
		)
		if not np.isfinite(value) or not np.all(np.isfinite(grad)):
			return np.inf, np.zeros(4)
		return value, grad

	if not np.isfinite(objective(start)[0]):
		raise ModelError("the purchase model's likelihood is not finite at the initial parameters")
	z, success, message = _minimize(objective, start, maxiter, tol)
	r, alpha, a, b = (float(v) for v in np.exp(z))
	value = float(np.dot(w, _bgnbd_terms(r, alpha, a, b, x, t_x, T)[0]))
	converged, message = _fit_outcome(z, value, success, message, ("r", "alpha", "a", "b"))
	return BGNBDFit(r, alpha, a, b, value, converged, message, round(n_customers), round(n_repeat))


def per_week(params_in_days) -> tuple[float, float, float, float]:
	"""BG/NBD parameters fitted with days as the time unit, as the literature reports them: per week.

	Only α carries the time unit: a customer's purchase rate λ ~ Gamma(shape r, rate α) is per unit of time,
	so λ per week = 7 · λ per day ~ Gamma(r, α_days / 7). r (the shape), a and b (the dropout per purchase,
	Beta) have no unit and stay as they are; so do the Gamma-Gamma's p and q, and its v is money, not time.
	"""
	r, alpha, a, b = (float(v) for v in params_in_days)
	return (r, alpha / WEEK_DAYS, a, b)


def p_alive(params, x, t_x, T) -> np.ndarray:
	"""P(alive at T | x, t_x, T) = 1 / (1 + δ_{x>0} a/(b+x−1) ((α+T)/(α+t_x))^{r+x}): the share of eq. 6's
	first term (alive at T) in the likelihood — Fader, Hardie & Lee (2008), "Computing P(alive) Using the
	BG/NBD Model" (note); also the factor in front of eq. 10. 1 for x == 0. Vectorised, as a logistic of the
	log-odds (no overflow for large x)."""
	r, alpha, a, b = _params(params, 4, "BG/NBD")
	x, t_x, T = _summaries(x, t_x, T)
	rep = x > 0
	log_odds = (
		math.log(a)
		- np.log(np.where(rep, b + x - 1, 1.0))
		+ (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
	)
	return np.where(rep, special.expit(-log_odds), 1.0)


def _alive_mean_direct(r, alpha, a, b, t, x, T):
	"""E[Y(t) | alive at T, x, T] in closed form, eq. 10 without its P(alive) factor:
		(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; z)],  z = t/(α+T+t),
	with ₂F₁ taken through Euler's transformation ₂F₁(A,B;C;z) = (1−z)^{C−A−B} ₂F₁(C−A, C−B; C; z):
		= (a+b+x−1)/(a−1) · [1 − (1−z)^{a−1} ₂F₁(a+b−1−r, a−1; a+b+x−1; z)].
	The transformed series has a small second parameter (a−1) and C−A−B = x+r−a+1, which grows with x: it
	stays finite as z → 1 instead of growing like (1−z)^{−(r+x)} (overflow for large x)."""
	eps = a - 1.0
	c = a + b + x - 1.0
	log_1mz = np.log(alpha + T) - np.log(alpha + T + t)
	z = t / (alpha + T + t)
	f = special.hyp2f1(a + b - 1.0 - r, eps, c, z)
	num = -np.expm1(eps * log_1mz) - np.exp(eps * log_1mz) * (f - 1.0)
	return c * num / eps


def _alive_mean_quad(r, alpha, a, b, t, x, T) -> float:
	"""The same expectation by numerical integration over p (λ integrated out):
		E[Y(t) | alive] = ∫₀¹ g(p) Beta(p; a, b+x) dp,  g(p) = (1 − (1 + p t/(α+T))^{−(r+x)}) / p,
	the posterior given alive being λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x), and E[Y(t) | λ, p, alive] =
	(1 − e^{−λpt})/p. QUADPACK on pieces (every half decade of p below 20/(b+x), where the Beta mass ends,
	and where g bends, p = (α+T)/((r+x) t)); singular endpoint factors p^{a−1}, (1−p)^{b+x−1} go to its
	algebraic weight. Accurate to ~1e-11 relative; ~1 ms a call. A Beta too concentrated for floats (a and
	b+x both near 1e6, as a fit running to its bounds leaves them: B(a, b+x) underflows) is its point mass:
	g at the mean a/(a+b+x), off by a relative O(1/(a+b+x))."""
	k, s, beta = r + x, t / (alpha + T), b + x
	if t <= 0:
		return 0.0
	a1, b1 = a - 1.0, beta - 1.0

	def g(p):  # → k s at p = 0
		return -math.expm1(-k * math.log1p(p * s)) / p if p > 0 else k * s

	norm = math.exp(special.betaln(a, beta))
	if not (norm > 0 and math.isfinite(norm)):
		return g(a / (a + beta))

	def full(p):
		return g(p) * p**a1 * (1 - p) ** b1

	split = min(0.5, 20.0 / (beta + 1.0))
	bend = {1.0 / (k * s)} if 0 < 1.0 / (k * s) < split else set()
	points = sorted({0.0, 1.0, *np.geomspace(1e-6 * split, split, 13).tolist(), *bend})
	grid = np.unique(np.concatenate([np.geomspace(1e-12, 1, 400), np.linspace(0, 1, 401)]))[1:-1]
	with np.errstate(all="ignore"):
		rough = np.nan_to_num(-np.expm1(-k * np.log1p(grid * s)) / grid * grid**a1 * (1 - grid) ** b1)
	# an absolute tolerance, so that a negligible piece needs no relative accuracy
	epsabs = 1e-13 * float(np.sum(np.diff(grid) * (rough[1:] + rough[:-1]) / 2))
	total = 0.0
	for lo, hi in itertools.pairwise(points):
		opts = {"epsabs": epsabs, "epsrel": 1e-11, "limit": 200}
		if lo == 0.0 and a1 < 0:  # p^{a−1} as the weight
			total += integrate.quad(
				lambda p: g(p) * (1 - p) ** b1, lo, hi, weight="alg", wvar=(a1, 0), **opts
			)[0]
		elif hi == 1.0 and b1 < 0:  # (1−p)^{b+x−1} as the weight
			total += integrate.quad(lambda p: g(p) * p**a1, lo, hi, weight="alg", wvar=(0, b1), **opts)[0]
		else:
			total += integrate.quad(full, lo, hi, **opts)[0]
	value = total / norm
	return value if math.isfinite(value) and total > 0 else g(a / (a + beta))


def _singular_a(r: float, a: float) -> float | None:
	"""The point a0 near a (within _A_WINDOW) where the Euler form degenerates, or None: a0 = 1 (0/0) or
	a0 = r + k, k whole, where C−A−B = x+r−a+1 is a whole number for every x — hyp2f1's z → 1−z
	transformation then has logarithmic terms and scipy loses up to all digits for z > ~0.99."""
	for a0 in (1.0, r + round(a - r)):
		if abs(a - a0) < _A_WINDOW:
			return a0
	return None


def _alive_mean(r, alpha, a, b, t, x, T) -> np.ndarray:
	"""E[Y(t) | alive at T, x, T] for arrays t, x, T (broadcast).

	Numerics: eq. 10 in its Euler-transformed form (see _alive_mean_direct) through scipy.special.hyp2f1.
	Within _A_WINDOW of a singular a0 (_singular_a: a = 1, or a − r a whole number) it is the cubic through
	a0 ± _A_WINDOW, a0 ± 2·_A_WINDOW instead (the expectation is smooth in a). Against mpmath (50 digits) on
	~3,600 random and edge cases (z up to 1 − 2e-7, x up to 5,000), scipy 1.11 and 1.17: worst relative
	error 4e-9 where interpolated, 7e-10 elsewhere (99% below 3e-11). Every value is also checked against the
	bounds 0 <= E <= (r+x) t/(α+T) (since (1 − e^{−λpt})/p <= λt); one outside them or not finite — hyp2f1 out
	of its range, e.g. a+b+x−1 = 0 — is recomputed by numerical integration (_alive_mean_quad, one QUADPACK
	call per such customer, ~1 ms)."""
	t, x, T = np.broadcast_arrays(np.asarray(t, float), np.asarray(x, float), np.asarray(T, float))
	a0 = _singular_a(r, a)
	with np.errstate(all="ignore"):
		if a0 is None:
			value = _alive_mean_direct(r, alpha, a, b, t, x, T)
		elif a0 - 2 * _A_WINDOW > 0:
			u = (a - a0) / _A_WINDOW  # Lagrange weights of the nodes u = −2, −1, 1, 2
			weights = (
				-(u * u - 1) * (u - 2) / 12,
				(u + 2) * (u - 1) * (u - 2) / 6,
				-(u + 2) * (u + 1) * (u - 2) / 6,
				(u + 2) * (u * u - 1) / 12,
			)
			value = sum(
				wk * _alive_mean_direct(r, alpha, a0 + k * _A_WINDOW, b, t, x, T)
				for wk, k in zip(weights, (-2, -1, 1, 2), strict=True)
			)
		else:  # a and r both tiny and close: integrate numerically
			value = np.full(t.shape, np.nan)
		upper = (r + x) * t / (alpha + T)
		value = np.where(t == 0, 0.0, value)
		bad = ~np.isfinite(value) | (value < -1e-12 * upper) | (value > upper * (1 + 1e-9) + 1e-300)
	if np.any(bad):
		value = np.array(value, dtype=float)
		for i in np.flatnonzero(bad):
			value.flat[i] = _alive_mean_quad(
				r, alpha, a, b, float(t.flat[i]), float(x.flat[i]), float(T.flat[i])
			)
	return np.clip(value, 0.0, upper)


def expected_purchases(params, t, x, t_x, T) -> np.ndarray:
	"""E[Y(t) | x, t_x, T]: expected purchases in (T, T+t] of a customer with history (x, t_x, T), eq. 10 of
	[BG/NBD]: P(alive) · (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))].
	t in the unit of t_x and T; scalar or array (broadcast). See _alive_mean for how ₂F₁ is guarded."""
	r, alpha, a, b = _params(params, 4, "BG/NBD")
	x, t_x, T = _summaries(x, t_x, T)
	t = np.asarray(t, dtype=float)
	if not np.all(np.isfinite(t)) or np.any(t < 0):
		raise ModelError("the horizon t must be a finite number >= 0")
	return p_alive((r, alpha, a, b), x, t_x, T) * _alive_mean(r, alpha, a, b, t, x, T)


def expected_purchases_unconditional(params, t) -> np.ndarray:
	"""E[X(t)]: expected repeat purchases within t of a customer's first purchase, eq. 9 of [BG/NBD]:
	(a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))] — eq. 10 at x = 0, T = 0. Vectorised in t."""
	r, alpha, a, b = _params(params, 4, "BG/NBD")
	t = np.asarray(t, dtype=float)
	if not np.all(np.isfinite(t)) or np.any(t < 0):
		raise ModelError("t must be a finite number >= 0")
	return _alive_mean(r, alpha, a, b, t, np.zeros_like(t), np.zeros_like(t))


# ---------------------------------------------------------------------------------------------------------
# Gamma-Gamma


def _spend_rows(x, m_x, weights):
	"""Repeat buyers only (x >= 1): x, m_x, weights; m_x must be > 0 for them."""
	x, m_x = _array(x, "x"), _array(m_x, "m_x")
	if x.shape != m_x.shape:
		raise ModelError("x and m_x must have the same length")
	w = _weights(weights, len(x))
	if np.any(x < 0) or np.any(x != np.floor(x)):
		raise ModelError("x (number of repeat purchases) must be a whole number >= 0")
	rep = (x > 0) & (w > 0)
	if np.any(m_x[rep] <= 0):
		raise ModelError("the mean spend m_x of a repeat buyer must be positive")
	return x[rep], m_x[rep], w[rep]


def _gg_terms(p, q, v, x, m):
	"""Per-row log-likelihood of the mean m_x of x values and its gradient in (p, q, v) — [GG] 2013 note:
	f(m_x | p, q, v; x) = Γ(px+q) / (Γ(px) Γ(q)) · v^q m_x^{px−1} x^{px} / (v + x m_x)^{px+q}."""
	px = p * x
	log_vxm = np.log(v + x * m)
	ll = (
		special.gammaln(px + q)
		- special.gammaln(px)
		- special.gammaln(q)
		+ q * math.log(v)
		+ (px - 1) * np.log(m)
		+ px * np.log(x)
		- (px + q) * log_vxm
	)
	psi_pxq = special.digamma(px + q)
	d_p = x * (psi_pxq - special.digamma(px) + np.log(m) + np.log(x) - log_vxm)
	d_q = psi_pxq - special.digamma(q) + math.log(v) - log_vxm
	d_v = q / v - (px + q) / (v + x * m)
	return ll, (d_p, d_q, d_v)


def gamma_gamma_log_likelihood(params, x, m_x, weights=None) -> float:
	"""Total Gamma-Gamma log-likelihood of the repeat buyers' mean spends at params = (p, q, v), [GG] 2013
	note (the density of m_x given x). Rows with x == 0 carry no spend information and are left out."""
	p, q, v = _params(params, 3, "Gamma-Gamma")
	x, m, w = _spend_rows(x, m_x, weights)
	return float(np.dot(w, _gg_terms(p, q, v, x, m)[0]))


def fit_gamma_gamma(x, m_x, *, weights=None, initial=None, maxiter: int = 1000, tol: float = 1e-10):
	"""Maximum-likelihood Gamma-Gamma fit on the repeat buyers (x >= 1; others are ignored) by L-BFGS-B on
	log(p, q, v) with the analytic gradient. ModelError for fewer than MIN_REPEAT_BUYERS repeat buyers or a
	non-positive m_x; not converged — also when q <= 1, where the mean spend is infinite — is reported by
	converged=False and message. The spends are fitted in units of their mean (v is a scale: v for m_x / c
	is v / c), so the parameter bounds hold for any currency — 100,000 a purchase in IDR as 100 in CNY."""
	x, m, w = _spend_rows(x, m_x, weights)
	if w.sum() < MIN_REPEAT_BUYERS:
		raise ModelError(
			f"too few repeat buyers to fit the spend model: {w.sum():g}; at least {MIN_REPEAT_BUYERS} needed"
		)
	rows, inverse = np.unique(np.column_stack([x, m]), axis=0, return_inverse=True)
	x, m, w = rows[:, 0], rows[:, 1], np.bincount(inverse.ravel(), weights=w, minlength=len(rows))
	n = float(w.sum())
	unit = float(np.dot(w, m) / n)  # the mean spend: the fit's money unit
	scaled = m / unit
	if initial is None:  # p = 2, q = 3 and v matching the mean spend, E[m] = v p / (q − 1)
		start = np.log([2.0, 3.0, 1.0])
	else:
		p0, q0, v0 = _params(initial, 3, "initial Gamma-Gamma")
		start = np.log([p0, q0, v0 / unit])

	def objective(z):
		p, q, v = np.exp(z)
		ll, grads = _gg_terms(p, q, v, x, scaled)
		value = -np.dot(w, ll) / n
		grad = np.array([-np.dot(w, g) / n * theta for g, theta in zip(grads, (p, q, v), strict=True)])
		if not np.isfinite(value) or not np.all(np.isfinite(grad)):
			return np.inf, np.zeros(3)
		return value, grad

	if not np.isfinite(objective(start)[0]):
		raise ModelError("the spend model's likelihood is not finite at the initial parameters")
	z, success, message = _minimize(objective, start, maxiter, tol)
	p, q, v = (float(val) for val in np.exp(z))
	v *= unit
	value = float(np.dot(w, _gg_terms(p, q, v, x, m)[0]))
	converged, message = _fit_outcome(z, value, success, message, ("p", "q", "v"))
	if q <= 1:
		converged = False
		message += "; q <= 1: the population mean spend v p / (q − 1) is infinite"
	return GammaGammaFit(p, q, v, value, converged, message, round(n))


def expected_average_spend(params, x, m_x) -> np.ndarray:
	"""E[Z | x, m_x]: expected value of a customer's future transactions, the posterior mean of [GG]:
	(q−1)/(px+q−1) · v p/(q−1) + px/(px+q−1) · m_x — a weighted mean of the population mean v p/(q−1) and
	the customer's own mean; the population mean for x == 0 (m_x ignored there). Needs q > 1."""
	p, q, v = _params(params, 3, "Gamma-Gamma")
	if q <= 1:
		raise ModelError("the spend model needs q > 1 (else the mean spend is infinite)")
	x, m_x = _array(x, "x"), _array(m_x, "m_x")
	x, m_x = np.broadcast_arrays(x, m_x)
	if np.any(x < 0):
		raise ModelError("x (number of repeat purchases) must not be negative")
	population = v * p / (q - 1)
	px = p * x
	own = np.where(x > 0, m_x, 0.0)
	return ((q - 1) * population + px * own) / (px + q - 1)


# ---------------------------------------------------------------------------------------------------------
# CLV and scoring


def _clv(bg, gg, x, t_x, T, m_x, horizon, rate, step):
	if not (math.isfinite(horizon) and horizon > 0):
		raise ModelError("the horizon must be a positive number")
	if not (math.isfinite(step) and step > 0):
		raise ModelError("the step must be a positive number")
	if not (math.isfinite(rate) and rate > -1):
		raise ModelError("the discount rate must be greater than -1")
	r, alpha, a, b = bg
	x, t_x, T = _summaries(x, t_x, T)
	alive = p_alive(bg, x, t_x, T)
	spend = expected_average_spend(gg, x, m_x)
	ends = np.append(np.arange(1, math.ceil(horizon / step)) * step, horizon).astype(float)
	value = np.zeros_like(x)
	before = np.zeros_like(x)
	for end in ends:  # a handful of periods; each step vectorised over all customers
		cumulative = alive * _alive_mean(r, alpha, a, b, end, x, T)
		value += (cumulative - before) / (1.0 + rate) ** (end / step)
		before = cumulative
	return alive, before, spend, value * spend


def customer_lifetime_value(
	bgnbd_params,
	gg_params,
	x,
	t_x,
	T,
	m_x,
	*,
	horizon: float,
	discount_rate_per_period: float,
	step: float = 30,
) -> np.ndarray:
	"""Discounted expected revenue over (T, T+horizon] per customer — the discrete approximation used by
	lifetimes: Σ_k (E[Y(e_k)] − E[Y(e_{k−1})]) · E[Z] / (1+d)^{e_k/step}, with period ends
	e_k = step, 2·step, …, horizon (the last period may be shorter), E[Y] from eq. 10, E[Z] from
	expected_average_spend and d the discount rate per period of `step` time units. horizon and step are in
	the unit of t_x and T (days: step=30 and a monthly rate d, e.g. 0.01). Currency is m_x's."""
	bg = _params(bgnbd_params, 4, "BG/NBD")
	gg = _params(gg_params, 3, "Gamma-Gamma")
	return _clv(bg, gg, x, t_x, T, m_x, float(horizon), float(discount_rate_per_period), float(step))[3]


def score(
	bg_params, gg_params, x, t_x, T, m_x, horizon_days: float, discount_rate: float, *, step: float = 30
):
	"""Everything a customer report shows, vectorised over customers (times in days): Scores(p_alive,
	expected_purchases within horizon_days, expected_spend per purchase, clv over horizon_days) — see
	p_alive, expected_purchases, expected_average_spend and customer_lifetime_value; discount_rate is per
	period of `step` days (30: a monthly rate)."""
	bg = _params(bg_params, 4, "BG/NBD")
	gg = _params(gg_params, 3, "Gamma-Gamma")
	return Scores(*_clv(bg, gg, x, t_x, T, m_x, float(horizon_days), float(discount_rate), float(step)))


# ---------------------------------------------------------------------------------------------------------
# summaries from transactions


@dataclass(frozen=True)
class CustomerSummary:
	"""One customer's history up to the observation end, in days. m_x is the mean net amount of the repeat
	purchase days (the first purchase excluded, as in [GG]); 0.0 when x == 0."""

	customer: Any
	first_purchase: date
	last_purchase: date
	x: int
	t_x: int
	T: int
	m_x: float


@dataclass(frozen=True)
class HoldoutActuals:
	"""Purchase days in (calibration_end, holdout_end] of the customers who bought by calibration_end:
	per_customer counts them per customer (customers without any are absent), by_period sums them over
	customers per period of period_days (period k covers day offsets k·period_days+1 … (k+1)·period_days
	after calibration_end, the last one cut at length_days)."""

	per_customer: dict
	by_period: list[int]
	period_days: int
	length_days: int


def _day(value) -> date:
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	if isinstance(value, str):
		return date.fromisoformat(value[:10])
	raise ModelError(f"not a date: {value!r}")


def _purchase_days(rows: Iterable, until: date) -> dict[Any, list[tuple[date, float]]]:
	"""customer → sorted [(day, net amount)] of the days up to `until` whose net amount is > 0: amounts of one
	customer and day are added up first (several invoices count once; a credit note can cancel the day)."""
	net: dict[Any, dict[date, float]] = defaultdict(lambda: defaultdict(float))
	for customer, when, amount in rows:
		day = _day(when)
		if day <= until:
			net[customer][day] += float(amount)
	out = {}
	for customer, days in net.items():
		bought = sorted((d, v) for d, v in days.items() if v > 0)
		if bought:
			out[customer] = bought
	return out


def _summary(customer, days: list[tuple[date, float]], as_of: date) -> CustomerSummary:
	first, last = days[0][0], days[-1][0]
	repeat = [v for _, v in days[1:]]
	return CustomerSummary(
		customer=customer,
		first_purchase=first,
		last_purchase=last,
		x=len(repeat),
		t_x=(last - first).days,
		T=(as_of - first).days,
		m_x=math.fsum(repeat) / len(repeat) if repeat else 0.0,
	)


def summarize(rows: Iterable, as_of) -> dict[Any, CustomerSummary]:
	"""Per-customer (x, t_x, T, m_x) in days at the end of observation as_of, from rows of
	(customer, date, net amount) — invoices positive, credit notes negative. Rows after as_of are ignored; one
	customer's amounts of one day are added up and the day is a purchase when the sum is > 0 (same-day
	invoices are one purchase, a day netted to <= 0 is none). x = purchase days − 1, t_x = last − first,
	T = as_of − first. For a calibration/holdout check, summarize at the calibration end. Customers without a
	purchase day are absent; keys in sorted order (by str)."""
	as_of = _day(as_of)
	days = _purchase_days(rows, as_of)
	return {c: _summary(c, days[c], as_of) for c in sorted(days, key=str)}


def to_arrays(summaries) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
	"""(x, t_x, T, m_x) float arrays from summarize()'s result (a mapping, or CustomerSummary items)."""
	items = list(summaries.values() if isinstance(summaries, Mapping) else summaries)
	arr = np.array([(s.x, s.t_x, s.T, s.m_x) for s in items], dtype=float).reshape(-1, 4)
	return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def holdout_actuals(rows: Iterable, calibration_end, holdout_end, *, period_days: int = 7) -> HoldoutActuals:
	"""Actual purchase days in the holdout (calibration_end, holdout_end] — netted per customer and day as in
	summarize — of the customers whose first purchase day is on or before calibration_end (customers new in
	the holdout are not part of the check)."""
	cal, end = _day(calibration_end), _day(holdout_end)
	length = (end - cal).days
	if length <= 0:
		raise ModelError("the holdout must end after the calibration end")
	if period_days <= 0:
		raise ModelError("period_days must be positive")
	by_period = [0] * math.ceil(length / period_days)
	per_customer: dict[Any, int] = {}
	for customer, days in _purchase_days(rows, end).items():
		if days[0][0] > cal:
			continue
		offsets = [(d - cal).days for d, _ in days if d > cal]
		if offsets:
			per_customer[customer] = len(offsets)
			for offset in offsets:
				by_period[(offset - 1) // period_days] += 1
	return HoldoutActuals(per_customer, by_period, int(period_days), length)


def model_check(params, calibration, holdout: HoldoutActuals) -> list[dict]:
	"""Expected against actual repeat purchases in the holdout, per period, for the chart of the report.
	calibration: summarize(rows, calibration_end); holdout: holdout_actuals(rows, calibration_end, …). Each
	row: period_start_offset, period_end_offset (days after calibration_end), actual, expected (Σ over the
	calibration customers of eq. 10, i.e. conditional on each one's history), expected_unconditional
	(Σ E[X(T+e)] − E[X(T+s)] by eq. 9, the tracking forecast that ignores the histories) and cumulative
	actual_cumulative, expected_cumulative."""
	x, t_x, T, _ = to_arrays(calibration)
	return model_check_arrays(params, x, t_x, T, holdout)


def model_check_arrays(params, x, t_x, T, holdout: HoldoutActuals) -> list[dict]:
	"""model_check on the calibration customers' (x, t_x, T) arrays (summarize_arrays at the calibration
	end, or to_arrays of summarize's result) — the same rows."""
	r, alpha, a, b = _params(params, 4, "BG/NBD")
	x, t_x, T = _array(x, "x"), _array(t_x, "t_x"), _array(T, "T")
	if len(x) == 0:
		raise ModelError("no calibration customers to check the model on")
	x, t_x, T = _summaries(x, t_x, T)
	alive = p_alive((r, alpha, a, b), x, t_x, T)
	zero = np.zeros_like(x)
	out = []
	prev_cond, prev_uncond = 0.0, np.asarray(_alive_mean(r, alpha, a, b, T, zero, zero), dtype=float)
	cum_actual = 0
	for k, actual in enumerate(holdout.by_period):
		start = k * holdout.period_days
		end = min((k + 1) * holdout.period_days, holdout.length_days)
		cond = float(np.sum(alive * _alive_mean(r, alpha, a, b, float(end), x, T)))
		uncond = _alive_mean(r, alpha, a, b, T + end, zero, zero)
		cum_actual += actual
		out.append(
			{
				"period_start_offset": start,
				"period_end_offset": end,
				"actual": actual,
				"expected": cond - prev_cond,
				"expected_unconditional": float(np.sum(uncond - prev_uncond)),
				"actual_cumulative": cum_actual,
				"expected_cumulative": cond,
			}
		)
		prev_cond, prev_uncond = cond, uncond
	return out


# ---------------------------------------------------------------------------------------------------------
# the same summaries from arrays (vectorised: a million invoices without a Python object per row)


class PurchaseDays(NamedTuple):
	"""One entry per (customer, day) whose net amount is > 0, sorted by customer, then day."""

	customer: np.ndarray  # int64 customer codes
	day: np.ndarray  # int64 day numbers
	net: np.ndarray  # float64 net amount of the day


class ArraySummaries(NamedTuple):
	"""summarize_arrays' result: one entry per customer with a purchase day, in ascending customer code.
	x, t_x, T, m_x as in CustomerSummary (float arrays, ready for the fits); first, last: day numbers."""

	customer: np.ndarray
	x: np.ndarray
	t_x: np.ndarray
	T: np.ndarray
	m_x: np.ndarray
	first: np.ndarray
	last: np.ndarray


def _int_array(values: Any, name: str) -> np.ndarray:
	arr = np.asarray(values)
	if arr.ndim != 1:
		raise ModelError(f"{name} must be one-dimensional")
	if arr.size and not np.issubdtype(arr.dtype, np.integer):
		as_float = np.asarray(arr, dtype=float)
		if not np.all(np.isfinite(as_float)) or np.any(as_float != np.floor(as_float)):
			raise ModelError(f"{name} must hold whole numbers")
	return arr.astype(np.int64)


def purchase_days_arrays(customer, day, amount, until: int, *, decimals: int | None = 6) -> PurchaseDays:
	"""The purchase days of summarize, from parallel arrays: customer codes (integers), day numbers (whole
	days on any one origin, as `until`) and net amounts (invoices positive, credit notes negative). Rows
	after `until` are ignored; one customer's amounts of one day are added up (rounded to `decimals`, so that
	a credit note cancelling its invoice nets to exactly 0 whatever the float sums leave; None: no rounding,
	summarize's arithmetic) and the day is a purchase when the sum is > 0. Stable: the input order is kept
	within a day (the sums are summarize's, term by term); input already in (customer, day) order — as the
	database returns it — is not sorted again."""
	c, d = _int_array(customer, "customer"), _int_array(day, "day")
	v = _array(amount, "amount")
	if not (len(c) == len(d) == len(v)):
		raise ModelError("customer, day and amount must have the same length")
	keep = d <= int(until)
	if not np.all(keep):
		c, d, v = c[keep], d[keep], v[keep]
	if len(c) > 1:
		ordered = np.all((c[1:] > c[:-1]) | ((c[1:] == c[:-1]) & (d[1:] >= d[:-1])))
		if not ordered:
			order = np.lexsort((d, c))  # stable: same-day amounts keep their order
			c, d, v = c[order], d[order], v[order]
	if len(c) == 0:
		empty = np.zeros(0, dtype=np.int64)
		return PurchaseDays(empty, empty.copy(), np.zeros(0))
	starts = np.flatnonzero(np.r_[True, (c[1:] != c[:-1]) | (d[1:] != d[:-1])])
	net = np.add.reduceat(v, starts)
	if decimals is not None:
		net = np.round(net, decimals)
	bought = net > 0
	return PurchaseDays(c[starts][bought], d[starts][bought], net[bought] + 0.0)


def summarize_arrays(customer, day, amount, as_of: int, *, decimals: int | None = 6) -> ArraySummaries:
	"""summarize on arrays (see purchase_days_arrays for the inputs): per customer with a purchase day by
	as_of, x = purchase days − 1, t_x = last − first, T = as_of − first, m_x = mean net amount of the
	repeat purchase days (0 when x == 0) — the same figures as summarize on the same rows, vectorised."""
	days = purchase_days_arrays(customer, day, amount, as_of, decimals=decimals)
	return _summaries_of(days, int(as_of))


def _summaries_of(days: PurchaseDays, as_of: int) -> ArraySummaries:
	c, d, net = days
	if len(c) == 0:
		empty = np.zeros(0)
		codes = np.zeros(0, dtype=np.int64)
		return ArraySummaries(codes, empty, empty, empty, empty, codes, codes)
	first_idx = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
	counts = np.diff(np.r_[first_idx, len(c)])
	last_idx = first_idx + counts - 1
	first, last = d[first_idx], d[last_idx]
	repeat = net.copy()
	repeat[first_idx] = 0.0  # the first purchase is not part of m_x
	repeat_sum = np.add.reduceat(repeat, first_idx)
	x = (counts - 1).astype(float)
	m_x = np.where(x > 0, repeat_sum / np.maximum(x, 1.0), 0.0)
	return ArraySummaries(
		c[first_idx], x, (last - first).astype(float), (as_of - first).astype(float), m_x, first, last
	)


def holdout_actuals_arrays(
	customer,
	day,
	amount,
	calibration_end: int,
	holdout_end: int,
	*,
	period_days: int = 7,
	decimals: int | None = 6,
) -> HoldoutActuals:
	"""holdout_actuals on arrays: purchase days in (calibration_end, holdout_end] (day numbers) of the
	customers whose first purchase day is on or before calibration_end; per_customer maps customer code →
	count."""
	cal, end = int(calibration_end), int(holdout_end)
	length = end - cal
	if length <= 0:
		raise ModelError("the holdout must end after the calibration end")
	if period_days <= 0:
		raise ModelError("period_days must be positive")
	c, d, _net = purchase_days_arrays(customer, day, amount, end, decimals=decimals)
	by_period = [0] * math.ceil(length / period_days)
	if len(c) == 0:
		return HoldoutActuals({}, by_period, int(period_days), length)
	first_idx = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
	counts = np.diff(np.r_[first_idx, len(c)])
	first = np.repeat(d[first_idx], counts)
	hold = (first <= cal) & (d > cal)
	offsets = d[hold] - cal
	periods = np.bincount((offsets - 1) // period_days, minlength=len(by_period))
	codes, per = np.unique(c[hold], return_counts=True)
	return HoldoutActuals(
		{int(k): int(n) for k, n in zip(codes, per, strict=True)},
		[int(n) for n in periods],
		int(period_days),
		length,
	)
