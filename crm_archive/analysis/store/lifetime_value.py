"""The Frappe side of the customer lifetime value models (the pure models: crm_archive/analysis/clv.py).

fetch_purchases()   one aggregate over `tabSales Invoice` (docstatus = 1) grouped by customer, read from
                    the tiering's covering index (customer, docstatus, posting_date, …, base_net_total,
                    company): per customer, its invoices' days and net amounts packed into two strings,
                    parsed into numpy arrays (no Python object per invoice)
clv.summarize_arrays()   x, t_x, T, m_x per customer, in days (same-day invoices one purchase, returns net)
fit()               BG/NBD + Gamma-Gamma on every customer; a fit that does not converge keeps the last good
                    parameters (the CLV Model single)
refresh()           the nightly job: refit when due (refit_reason), score every customer with the
                    parameters in use, write p_alive, expected_purchases_90d, clv_12m on the archives
                    set-based (UPDATE … JOIN, 1,000 archives a statement), then the re-tier that reads
                    them (nightly)

When the models are refitted — on a schedule, or earlier when the data moved (refit_reason):
- the kept fit's data is REFIT_EVERY_DAYS (CLV Model: Refit Every (Days), default 7) or more days older than
  tonight's run (0: every night), or
- the number of purchase days (customer × day with a net purchase: what the purchase model counts) moved by
  more than REFIT_GROWTH (Refit When Purchase Days Grow By, default 10 %) since that fit, or
- nothing usable is kept: no fit yet, no spend parameters, a fit for another Company, a fit on later data
  than tonight's (a back-dated run), or one saved before the purchase days were recorded.
Why a schedule and not every night: the parameters are four (and three) population figures estimated from
every customer's history; a night adds a small fraction of the purchase days (of a year's history, a
three-hundredth on average) and moves the maximum-likelihood estimate far less than its own standard error
— refitting nightly buys no accuracy, and a week's drift is bounded by the growth trigger (a promotion
that doubles the buying refits the next night). A refit that does not converge keeps the last good
parameters and is retried every night (their data stays old, so the schedule stays due) — the status says so.

What is refreshed every night, refit or not: every customer's scores, with the parameters in use. They are
functions of the customer's own (x, t_x, T) and T — the time since the first purchase — grows for every
customer every night: P(alive) of a customer who bought nothing decays, so scoring only the customers with
invoices submitted or cancelled since the last run would leave every other customer's P(alive), expected
purchases and CLV a day staler each night, silently. Scoring all is cheap (vectorised numpy, ~0.15 s at
100k customers; the read of the invoice aggregate ~2 s and the write ~6 s dominate — docs/benchmarks.md).
The CLV Model single records the parameters' fit date and data date, the purchase days they saw, why the
last refit happened (Last Refit Reason) and, each night, whether the models were refitted or only the
scores (Last Run Status, with the date the next refit is due).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import frappe
import numpy as np
from frappe import _
from frappe.utils import flt, formatdate, getdate, now_datetime, nowdate

from crm_archive.analysis import clv

HORIZON_90D = 90
HORIZON_12M = 365  # the archive's CLV (12 Months), discounted per 30 days
STEP_DAYS = 30  # the discount rate is per 30 days (clv.score's step)
DEFAULT_DISCOUNT = 0.01
WRITE_CHUNK = 1000  # archives per UPDATE … JOIN (and per commit in a real run)
LOCK_NAME = "crm_archive:clv_refresh"
FEW = 2000  # up to this many customers an IN list, more: the whole aggregate
REFIT_EVERY_DAYS = 7  # defaults of the CLV Model's Refit Every (Days) …
REFIT_GROWTH = 0.10  # … and Refit When Purchase Days Grow By (10 %)
BG_NAMES = ("r", "alpha", "a", "b")
GG_NAMES = ("p", "q", "v")


# --- reading ---------------------------------------------------------------------------------------------


@dataclass
class Purchases:
	"""Every submitted invoice up to as_of as parallel arrays, grouped by customer (within one, in the
	index's posting-date order; the summaries sort what is not). customer holds codes into names; day counts days relative to as_of (as_of is 0, earlier days negative); amount is the
	invoice's base_net_total (credit notes negative)."""

	as_of: date
	names: list[str]
	customer: np.ndarray
	day: np.ndarray
	amount: np.ndarray
	companies: set[str] = field(default_factory=set)  # the companies that invoiced them …
	spanning: bool = False  # … and whether one customer was invoiced by several (then some may be missing)
	codes: dict[str, int] = field(default_factory=dict)

	def code(self, customer: str) -> int | None:
		if not self.codes and self.names:
			self.codes = {name: i for i, name in enumerate(self.names)}
		return self.codes.get(customer)

	def day_of(self, when) -> int:
		return (getdate(when) - self.as_of).days


def fetch_purchases(as_of, company: str | None = None, customers=None) -> Purchases:
	"""One GROUP BY over the covering index: per customer its invoice count and the invoices' day offsets
	and amounts as comma-separated text — 100k rows for 1M invoices, each decoded by the driver once; numpy
	parses the text (np.fromstring), so no Python object is made per invoice."""
	as_of = getdate(as_of)
	conditions = ["`docstatus` = 1", "`posting_date` <= %(as_of)s", "`customer` is not null"]
	values: dict = {"as_of": as_of}
	if company:
		conditions.append("`company` = %(company)s")
		values["company"] = company
	if customers is not None:
		customers = tuple(customers)
		if not customers:
			return _empty(as_of)
		conditions.append("`customer` in %(customers)s")
		values["customers"] = customers
	# The customer's name last, so that splitting five times leaves it whole whatever it holds. The two lists
	# have no ORDER BY (it costs a sort per customer, ~20% of the query): both are built from the one row
	# stream, so they stay paired, and that stream is the covering index's (customer, docstatus,
	# posting_date, …) order — should a plan ever give another, clv.purchase_days_arrays sorts. The first
	# and last company ride along for the currency check (from the same index).
	rows = frappe.db.sql(
		f"""set statement group_concat_max_len = 4294967295 for
		select concat_ws(char(31), count(*), min(`company`), max(`company`),
			group_concat(datediff(`posting_date`, %(as_of)s) separator ','),
			group_concat(cast(`base_net_total` as double) separator ','),
			`customer`)
		from `tabSales Invoice` where {" and ".join(conditions)} group by `customer`""",
		values,
	)
	n = len(rows)
	if not n:
		return _empty(as_of)
	counts = np.empty(n, dtype=np.int64)
	names, days, amounts = [None] * n, [None] * n, [None] * n
	companies, spanning = set(), False
	sep = chr(31)
	for i, (packed,) in enumerate(rows):
		count, low, high, day_text, amount_text, names[i] = packed.split(sep, 5)
		counts[i] = int(count)
		days[i], amounts[i] = day_text, amount_text
		companies.add(low)
		if high != low:
			companies.add(high)
			spanning = True
	del rows
	day = _parse(days, np.int64, int(counts.sum()))
	amount = _parse(amounts, np.float64, int(counts.sum()))
	customer = np.repeat(np.arange(n, dtype=np.int64), counts)
	return Purchases(as_of, names, customer, day, amount, companies, spanning)


def mixed_currencies(purchases: Purchases, company: str | None) -> list[str]:
	"""The currencies these invoices' companies keep, when more than one (a sum or a spend model over them
	would add CNY to USD); [] when the Company is named or only one currency is involved."""
	if company or len(purchases.companies) < 2:
		return []
	currency = dict(frappe.get_all("Company", fields=["name", "default_currency"], as_list=True))
	seen = {currency.get(c) for c in purchases.companies} - {None, ""}
	if len(seen) > 1:
		return sorted(seen)
	if purchases.spanning:  # a customer's middle companies are not in min/max: ask the table
		from crm_archive.tiering.store.rule_sets import mixed_currencies as table_check

		return table_check(company)
	return []


def _parse(parts: list[str], dtype, expected: int) -> np.ndarray:
	text = ",".join(parts)
	parts.clear()
	out = np.fromstring(text, dtype=dtype, sep=",") if text else np.zeros(0, dtype=dtype)
	if len(out) != expected:
		raise ValueError(f"parsed {len(out)} values where the aggregate counted {expected}")
	return out


def _empty(as_of) -> Purchases:
	none = np.zeros(0, dtype=np.int64)
	return Purchases(as_of, [], none, none.copy(), np.zeros(0))


def summaries(purchases: Purchases, until: int = 0) -> clv.ArraySummaries:
	"""x, t_x, T, m_x per customer at day `until` (0: as_of; a calibration end: its negative offset)."""
	return clv.summarize_arrays(purchases.customer, purchases.day, purchases.amount, until)


# --- the last good parameters (the CLV Model single) ---------------------------------------------------


@dataclass(frozen=True)
class LastGood:
	bg: tuple[float, float, float, float]
	gg: tuple[float, float, float] | None
	fitted_on: object
	as_of: date | None
	company: str | None = None
	n_purchase_days: int = 0  # the purchase days the fit saw (0: saved before they were recorded)


def last_good() -> LastGood | None:
	values = frappe.db.get_singles_dict("CLV Model", cast=True)
	bg = tuple(flt(values.get(f"bg_{n}")) for n in BG_NAMES)
	if not all(v > 0 for v in bg):
		return None
	gg = tuple(flt(values.get(f"gg_{n}")) for n in GG_NAMES)
	return LastGood(
		bg,
		gg if all(v > 0 for v in gg) and gg[1] > 1 else None,
		values.get("fitted_on"),
		getdate(values.get("as_of")) if values.get("as_of") else None,
		values.get("company") or None,
		int(values.get("n_purchase_days") or 0),
	)


def refit_settings() -> tuple[int, float]:
	"""(Refit Every (Days), Refit When Purchase Days Grow By as a fraction) of the CLV Model; the defaults
	when never saved."""
	values = frappe.db.get_singles_dict("CLV Model")  # uncast: None when never saved
	every, growth = values.get("refit_every_days"), values.get("refit_growth")
	return (
		REFIT_EVERY_DAYS if every in (None, "") else max(int(flt(every)), 0),
		REFIT_GROWTH if growth in (None, "") else max(flt(growth), 0.0) / 100,
	)


def purchase_days(s: clv.ArraySummaries) -> int:
	"""Customer × day with a net purchase: what the purchase model counts (x + 1 per customer)."""
	return int(len(s.x) + s.x.sum())


def refit_reason(
	kept: LastGood | None, as_of: date, company: str | None, days: int, every: int, growth: float
) -> str | None:
	"""Why the models are refitted tonight (a translated sentence), or None: the kept parameters serve and
	only the scores are refreshed. See the module docstring for the policy and why."""
	if kept is None:
		return _("No fitted parameters are kept yet.")
	if kept.gg is None:
		return _("No spend model parameters are kept yet.")
	if kept.as_of is None or as_of < kept.as_of:
		return _("The kept parameters were fitted on data as of {0}, after this run's date {1}.").format(
			kept.as_of, as_of
		)
	if (kept.company or None) != (company or None):
		return _("The kept parameters were fitted for another company ({0}).").format(
			kept.company or _("all companies")
		)
	age = (as_of - kept.as_of).days
	if age >= every:
		return _(
			"The last fit, on data as of {0}, is {1} days old; the models are refitted every {2} days."
		).format(kept.as_of, age, every)
	if not kept.n_purchase_days:
		return _("The kept fit does not record how many purchase days it saw.")
	moved = abs(days - kept.n_purchase_days) / kept.n_purchase_days
	if moved > growth:
		return _(
			"The purchase days moved by {0}% since the last fit ({1} then, {2} now; refit above {3}%)."
		).format(round(moved * 100, 1), kept.n_purchase_days, days, round(growth * 100, 1))
	return None


def discount_rate() -> float:
	"""The CLV Model's discount rate per 30 days as a fraction (its field is a percentage)."""
	value = frappe.db.get_singles_dict("CLV Model").get("discount_rate")  # uncast: None when never saved
	return DEFAULT_DISCOUNT if value in (None, "") else flt(value) / 100


def save_fit(model: Model, as_of: date, company: str | None, n_purchase_days: int | None = None):
	"""Keep converged parameters as the last good ones. The fit's dates, Company and purchase days — what
	the refit schedule reads — move with the purchase model's parameters only: a night whose BG/NBD fit did
	not converge leaves the schedule due (retried the next night) even when the spend model converged."""
	values = {}
	if model.bg_fit is not None and model.bg_fit.converged:
		values.update({f"bg_{n}": v for n, v in zip(BG_NAMES, model.bg_fit.params, strict=True)})
		values["bg_log_likelihood"] = model.bg_fit.log_likelihood
		values["n_customers"] = model.bg_fit.n_customers
		values["n_repeat_buyers"] = model.bg_fit.n_repeat_buyers
		values["n_purchase_days"] = n_purchase_days or 0
		values.update({"fitted_on": now_datetime(), "as_of": as_of, "company": company})
	if model.gg_fit is not None and model.gg_fit.converged:
		values.update({f"gg_{n}": v for n, v in zip(GG_NAMES, model.gg_fit.params, strict=True)})
		values["gg_log_likelihood"] = model.gg_fit.log_likelihood
	if values:
		frappe.db.set_single_value("CLV Model", values)


# --- fitting ---------------------------------------------------------------------------------------------


class TooFewBuyers(Exception):
	"""Not enough customers / repeat buyers to fit; the message is translated and plain, `detail` keeps the
	optimizer's words (for an admin, never the desk)."""

	def __init__(self, message: str, detail: str = ""):
		super().__init__(message)
		self.detail = detail


@dataclass
class Model:
	"""The parameters to use and how they were found. bg_fit / gg_fit: this data's fits (None when not
	attempted); *_fallback: the fit did not converge and the last good parameters are used instead (or, with
	none kept yet, the fit's own estimates: no_fallback lists those)."""

	bg: tuple[float, ...]
	gg: tuple[float, ...]
	bg_fit: clv.BGNBDFit | None
	gg_fit: clv.GammaGammaFit | None
	bg_fallback: bool = False
	gg_fallback: bool = False
	fallback_from: object = None
	no_fallback: tuple[str, ...] = ()

	@property
	def converged(self) -> bool:
		return all(f is None or f.converged for f in (self.bg_fit, self.gg_fit))

	def notice(self) -> str | None:
		"""One plain sentence for the desk when a fit did not converge: what it means for the figures shown
		and what makes it reliable — no optimizer output (that is `technical`, for an admin)."""
		if self.converged:
			return None
		if self.bg_fallback or self.gg_fallback:
			return _(
				"The model could not settle on stable parameters for this data; the figures below use the last good fit from {0}; more customers with repeat purchases make it reliable."
			).format(formatdate(getdate(self.fallback_from)))
		return _(
			"The model could not settle on stable parameters for this data and no earlier good fit is kept, so the figures below are rough; more customers with repeat purchases make it reliable."
		)

	@property
	def technical(self) -> list[str]:
		"""What did not converge, with the optimizer's message: for the CLV Model's Last Run Status and the
		Error Log, never for the report's readers."""
		out = []
		for fit, fell_back, what in (
			(self.bg_fit, self.bg_fallback, _("The purchase model (BG/NBD)")),
			(self.gg_fit, self.gg_fallback, _("The spend model (Gamma-Gamma)")),
		):
			if fit is None or fit.converged:
				continue
			if fell_back:
				out.append(
					_(
						"{0} did not converge on this data ({1}); the last good parameters, fitted on {2}, are used."
					).format(what, fit.message, self.fallback_from)
				)
			else:
				out.append(
					_(
						"{0} did not converge on this data ({1}) and no earlier parameters are kept yet: its estimates are used as they are."
					).format(what, fit.message)
				)
		return out


def fit(s: clv.ArraySummaries, kept: LastGood | None = None) -> Model:
	"""Both models on these summaries. TooFewBuyers (translated) when the data cannot identify them; a fit
	that does not converge falls back to the kept parameters."""
	n, repeat = len(s.x), int(np.count_nonzero(s.x))
	if n < clv.MIN_CUSTOMERS or repeat < clv.MIN_REPEAT_BUYERS:
		raise TooFewBuyers(
			_(
				"Too few repeat buyers to fit the model: {0} customers, of whom {1} bought again on another day; at least {2} customers and {3} repeat buyers are needed."
			).format(n, repeat, clv.MIN_CUSTOMERS, clv.MIN_REPEAT_BUYERS)
		)
	try:
		bg_fit = clv.fit_bgnbd(s.x, s.t_x, s.T)
		if not bg_fit.converged and kept:  # a second start, from the last good optimum
			again = clv.fit_bgnbd(s.x, s.t_x, s.T, initial=kept.bg)
			bg_fit = again if again.converged else bg_fit
		gg_fit = clv.fit_gamma_gamma(s.x, s.m_x)
		if not gg_fit.converged and kept and kept.gg:
			again = clv.fit_gamma_gamma(s.x, s.m_x, initial=kept.gg)
			gg_fit = again if again.converged else gg_fit
	except clv.ModelError as e:
		raise TooFewBuyers(_("The models cannot be fitted to this data: {0}").format(str(e))) from e
	model = Model(bg_fit.params, gg_fit.params, bg_fit, gg_fit)
	no_fallback = []
	if not bg_fit.converged:
		if kept:
			model.bg, model.bg_fallback, model.fallback_from = kept.bg, True, kept.fitted_on
		else:
			no_fallback.append("bg")
	if not gg_fit.converged:
		if kept and kept.gg:
			model.gg, model.gg_fallback, model.fallback_from = kept.gg, True, kept.fitted_on
		elif gg_fit.q > 1:
			no_fallback.append("gg")
		else:
			raise TooFewBuyers(
				_(
					"The spend model could not settle on stable parameters for this data and no earlier good fit is kept: the customers' spend varies too much to estimate an average; more customers with repeat purchases make it reliable."
				),
				f"Gamma-Gamma did not converge: {gg_fit.message}",
			)
	model.no_fallback = tuple(no_fallback)
	return model


def log_likelihoods(model: Model, s: clv.ArraySummaries) -> tuple[float, float]:
	"""The log-likelihoods of the parameters in use on this data (the fits' own when they converged)."""
	if model.bg_fit and not model.bg_fallback:
		bg = model.bg_fit.log_likelihood
	else:
		x, t_x, T, w = clv.compress(s.x, s.t_x, s.T)
		bg = clv.bgnbd_log_likelihood(model.bg, x, t_x, T, w)
	if model.gg_fit and not model.gg_fallback:
		gg = model.gg_fit.log_likelihood
	else:
		gg = clv.gamma_gamma_log_likelihood(model.gg, s.x, s.m_x)
	return bg, gg


# --- the nightly refresh ---------------------------------------------------------------------------------


def _company_for_refresh() -> str | None:
	"""The active tier rule set's Company (the tier conditions compare within it)."""
	from crm_archive.tiering.store.rule_sets import load_rule_set

	loaded = load_rule_set()
	return loaded[1] if loaded else None


def refresh(as_of=None, customers=None, commit: bool | None = None, refit: bool | None = None) -> dict:
	"""The nightly CLV step on every customer's invoices up to as_of (the active rule set's Company, if it
	names one): refit both models when due (refit_reason; refit=True forces it, False skips it while
	parameters are kept), score every customer with the parameters in use and write p_alive,
	expected_purchases_90d, clv_12m and clv_as_of on the archives — of `customers` only when given (the fit
	and the scores still use everyone) — set-based; archives whose customer has no purchase day get no
	prediction (clv_as_of empty, figures 0). Returns figures; skipped (with the reason in the CLV Model's Last Run Status) when another
	refresh runs, the currencies are mixed or the data are too thin to fit."""
	commit = (not frappe.flags.in_test) if commit is None else commit
	as_of = getdate(as_of or nowdate())
	if not frappe.db.sql("select get_lock(%s, 0)", LOCK_NAME)[0][0]:
		return {"skipped": "another CLV refresh is running"}
	try:
		company = _company_for_refresh()
		purchases = fetch_purchases(as_of, company)
		currencies = mixed_currencies(purchases, company)
		if currencies:
			return _skipped(
				_(
					"Skipped: the companies keep different currencies ({0}); name a Company in the active tier rule set."
				).format(", ".join(currencies)),
				commit,
			)
		s = summaries(purchases)
		kept = last_good()
		days = purchase_days(s)
		every, growth = refit_settings()
		reason = refit_reason(kept, as_of, company, days, every, growth)
		if refit and reason is None:
			reason = _("A refit was asked for.")
		elif refit is False and kept is not None and kept.gg is not None:
			reason = None  # only the scores, whatever the schedule says
		if reason is None:
			model = Model(kept.bg, kept.gg, None, None)
		else:
			try:
				model = fit(s, kept)
			except TooFewBuyers as e:
				return _skipped(_("Skipped: {0}").format(" ".join(filter(None, (str(e), e.detail)))), commit)
		p_alive, expected, value = (a.tolist() for a in score_archive_metrics(model, s))
		names = [purchases.names[k] for k in s.customer.tolist()]
		values = dict(zip(names, zip(p_alive, expected, value, strict=True), strict=True))
		written = write_archive_metrics(values, as_of, customers, commit)
		if reason is not None:
			save_fit(model, as_of, company, days)
		in_use = last_good() if reason is not None else kept
		status = _run_status(model, reason, in_use, len(s.x), as_of, every)
		run = {"last_run_on": now_datetime(), "last_run_status": status, "archives_updated": written}
		if reason is not None:
			run["last_refit_reason"] = reason
		frappe.db.set_single_value("CLV Model", run)
		if commit:
			frappe.db.commit()
		return {
			"customers": len(s.x),
			"repeat_buyers": int(np.count_nonzero(s.x)),
			"purchase_days": days,
			"archives_updated": written,
			"refitted": reason is not None,
			"refit_reason": reason,
			"converged": model.converged,
			"fallback": model.bg_fallback or model.gg_fallback,
			"parameters_as_of": in_use.as_of if in_use else None,
		}
	finally:
		frappe.db.sql("select release_lock(%s)", LOCK_NAME)


def _run_status(
	model: Model, reason, in_use: LastGood | None, customers: int, as_of: date, every: int
) -> str:
	"""The night in one or two sentences for the CLV Model's Last Run Status: refitted (and whether it
	converged) or scores only, with the parameters' data date and when the next refit is due."""
	due = ""
	if in_use and in_use.as_of:
		# a refit that did not converge leaves the kept data date behind: retried the next night
		when = max(in_use.as_of + timedelta(days=every), as_of + timedelta(days=1))
		due = " " + _("Next refit due by {0}.").format(when)
	if reason is None:
		return (
			_(
				"Scores refreshed for {0} customers with the parameters fitted on data as of {1} (not refitted tonight)."
			).format(customers, in_use.as_of)
			+ due
		)
	if model.technical:
		return "; ".join(model.technical) + due
	return (
		_("Fitted on {0} customers ({1} repeat buyers).").format(
			model.bg_fit.n_customers, model.bg_fit.n_repeat_buyers
		)
		+ due
	)


def _skipped(status: str, commit: bool) -> dict:
	frappe.db.set_single_value("CLV Model", {"last_run_on": now_datetime(), "last_run_status": status})
	if commit:
		frappe.db.commit()
	frappe.logger("crm_archive").info(f"CLV refresh: {status}")
	return {"skipped": status}


def score_archive_metrics(model: Model, s: clv.ArraySummaries):
	"""(p_alive, expected purchases in 90 days, CLV over 12 months) arrays, one entry per customer of s."""
	rate = discount_rate()
	ninety = clv.score(model.bg, model.gg, s.x, s.t_x, s.T, s.m_x, HORIZON_90D, rate, step=STEP_DAYS)
	year = clv.customer_lifetime_value(
		model.bg,
		model.gg,
		s.x,
		s.t_x,
		s.T,
		s.m_x,
		horizon=HORIZON_12M,
		discount_rate_per_period=rate,
		step=STEP_DAYS,
	)
	return ninety.p_alive, ninety.expected_purchases, year


PREDICTED_COLUMNS = ("p_alive", "expected_purchases_90d", "clv_12m", "clv_as_of")


def write_archive_metrics(values: dict[str, tuple], as_of: date, customers=None, commit: bool = False) -> int:
	"""UPDATE … JOIN a derived table of up to WRITE_CHUNK archives per statement (by primary key): each
	archive with a customer gets its customer's values, or empty ones. `modified` is not touched (the values
	are the engine's, like the tier metrics)."""
	filters = {"customer": ("is", "set")}
	if customers is not None:
		filters["customer"] = ("in", list(customers) or [""])
	archives = frappe.get_all(
		"Customer Archive", filters=filters, fields=["name", "customer"], order_by="name", as_list=True
	)
	cols = ("name", *PREDICTED_COLUMNS)
	first = "SELECT " + ", ".join(f"%s AS `{c}`" for c in cols)
	rest = "SELECT " + ", ".join(["%s"] * len(cols))
	sets = ", ".join(f"a.`{c}` = t.`{c}`" for c in PREDICTED_COLUMNS)
	for start in range(0, len(archives), WRITE_CHUNK):
		part = archives[start : start + WRITE_CHUNK]
		params = []
		for name, customer in part:
			scores = [float(x) for x in values.get(customer) or ()]
			if scores and all(math.isfinite(x) for x in scores):
				params.extend((name, *scores, as_of))
			else:
				# no purchase day (or a score that is not a number): no prediction, clv_as_of empty; the
				# figures are NOT NULL columns in a Frappe v15 table, so they hold 0
				params.extend((name, 0.0, 0.0, 0.0, None))
		derived = " UNION ALL ".join([first] + [rest] * (len(part) - 1))
		frappe.db.sql(
			f"UPDATE `tabCustomer Archive` a JOIN ({derived}) t ON a.name = t.name SET {sets}", params
		)
		if commit:
			frappe.db.commit()  # a rep's save waits for one chunk at most
	return len(archives)


# --- for the reports -------------------------------------------------------------------------------------


def p_alive_for(customers: list[str], as_of, company: str | None = None) -> dict[str, float]:
	"""P(alive) as of a date of these customers, by the last good parameters (the nightly fit): {} before
	the first fit. One aggregate over their invoices (or over every customer when they are many)."""
	kept = last_good()
	if not kept or not customers:
		return {}
	wanted = set(customers)
	purchases = fetch_purchases(as_of, company, list(wanted) if len(wanted) <= FEW else None)
	s = summaries(purchases)
	names = [purchases.names[k] for k in s.customer]
	keep = np.array([n in wanted for n in names], dtype=bool)
	if not keep.any():
		return {}
	alive = clv.p_alive(kept.bg, s.x[keep], s.t_x[keep], s.T[keep])
	return dict(zip((n for n, k in zip(names, keep, strict=True) if k), alive.tolist(), strict=True))
