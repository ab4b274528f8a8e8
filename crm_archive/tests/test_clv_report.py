"""Customer Lifetime Value in a real ERPNext site: the report, the nightly refresh of p_alive /
expected_purchases_90d / clv_12m on the archives, a tier rule condition on p_alive and Churn Risk's
P(alive) column — on Sales Invoices made through ERPNext (returns and same-day invoices included).

The invoices are dated in 2023–2024 (before any benchmark data, which is dated in the last two years), and
the expected figures are computed by crm_archive/analysis/clv.py's own functions from the submitted
invoices read back row by row — so the report's aggregate, its vectorised summaries and its fits are checked
against the pure reference path on exactly the data the site holds."""

import dataclasses
import json
import math
import random
from datetime import date, timedelta
from unittest.mock import patch

import frappe
import numpy as np
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from crm_archive.analysis import clv
from crm_archive.analysis.store import lifetime_value as S
from crm_archive.crm_archive.report.churn_risk.churn_risk import execute as churn_risk
from crm_archive.crm_archive.report.customer_lifetime_value.customer_lifetime_value import execute
from crm_archive.tests.utils import ensure_user, make_customer, make_sales_invoice
from crm_archive.tiering import rules as R
from crm_archive.tiering.store import engine
from crm_archive.tiering.store.conditions import validate_condition

REP = "crm.clv.rep@example.com"
OTHER = "crm.clv.other@example.com"
START = date(2023, 1, 2)
CAL_END = date(2024, 3, 31)
AS_OF = date(2024, 6, 30)
EARLY = date(2023, 2, 20)  # too few repeat buyers by then
N_CUSTOMERS = 30
N_REP = 6
SEED = 33


def make_archive_for(name, manager):
	doc = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": name,
			"customer": make_customer(name),
			"account_manager": manager,
		}
	)
	doc.flags.ignore_duplicates = True
	return doc.insert()


def invoice_rows(until):
	"""Every submitted invoice up to `until`, row by row: the reference path's input."""
	return frappe.db.sql(
		"""select customer, posting_date, base_net_total from `tabSales Invoice`
		where docstatus = 1 and posting_date <= %s""",
		until,
	)


def purchase_plan(seed=SEED):
	"""(customer index, day, amount) of N_CUSTOMERS customers drawn from the models' own processes —
	purchase rates λ ~ Gamma(2, 1/60 a day), dropout after each repeat purchase p ~ Beta(1, 4), spend
	~ Gamma(4, ν) with ν ~ Gamma(3, 1/600) — first purchases in 2023, 2–8 invoices each on different days. With
	seed 33 both fits converge to interior optima at As Of and at the Calibration End (checked in pure
	Python), which a handful of regular buyers would not give (their rates look identical: r → ∞)."""
	rng = random.Random(seed)
	plan = []
	for i in range(N_CUSTOMERS):
		lam = rng.gammavariate(2.0, 1 / 60)
		p = rng.betavariate(1.0, 4.0)
		nu = rng.gammavariate(3.0, 1 / 600)
		day = START + timedelta(days=rng.randrange(0, 300))
		mine = []
		while day <= AS_OF and len(mine) < 8:
			mine.append((i, day, round(rng.gammavariate(4.0, 1 / nu))))
			if len(mine) > 1 and rng.random() < p:
				break
			day += timedelta(days=max(1, round(rng.expovariate(lam))))
		if len(mine) < 2:
			later = mine[0][1] + timedelta(days=rng.randint(5, 60))
			mine.append((i, later, round(rng.gammavariate(4.0, 1 / nu))))
		plan += [row for row in mine if row[1] <= AS_OF]
	return plan


class TestCustomerLifetimeValue(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_user(REP), ensure_user(OTHER)
		cls.archives = {}  # archive name → customer
		cls.rep_archives = set()
		docs = []
		for i in range(N_CUSTOMERS):
			manager = REP if i < N_REP else OTHER
			doc = make_archive_for(f"_CLV Customer {i:02d}", manager)
			docs.append(doc)
			cls.archives[doc.name] = doc.customer
			if manager == REP:
				cls.rep_archives.add(doc.name)
		for i, day, amount in purchase_plan():
			make_sales_invoice(docs[i].customer, amount, posting_date=day)
		# two invoices on one day are one purchase (of 300)
		cls.same_day = docs[0].customer
		cls.same_day_date = date(2024, 5, 20)
		make_sales_invoice(cls.same_day, 100, posting_date=cls.same_day_date)
		make_sales_invoice(cls.same_day, 200, posting_date=cls.same_day_date)
		# a credit note nets its invoice's day to nothing (no purchase that day)
		cls.returner = docs[1].customer
		cls.return_date = date(2024, 6, 1)
		bought = make_sales_invoice(cls.returner, 500, posting_date=cls.return_date)
		make_sales_invoice(
			cls.returner, 500, posting_date=cls.return_date, is_return=True, return_against=bought.name
		)
		# customers who bought once
		for i in range(4):
			doc = make_archive_for(f"_CLV One-Off {i}", OTHER)
			cls.archives[doc.name] = doc.customer
			make_sales_invoice(doc.customer, 60 + i, posting_date=date(2024, 1, 10) + timedelta(days=7 * i))
		# a cancelled invoice never counts
		make_sales_invoice(docs[2].customer, 7777, posting_date=date(2024, 6, 15)).cancel()

	def tearDown(self):
		frappe.set_user("Administrator")

	def run_report(self, **filters):
		filters = {
			"as_of": str(AS_OF),
			"calibration_end": str(CAL_END),
			"horizon_days": 180,
			"discount_rate": 1,
			**filters,
		}
		columns, rows, message, chart, summary = execute(filters)
		return columns, {r["customer_archive"]: r for r in rows}, message, chart, summary

	def reference(self, until=AS_OF):
		"""The pure path: clv.summarize over the invoices row by row, then the fits."""
		summaries = clv.summarize(invoice_rows(until), until)
		x, t_x, T, m = clv.to_arrays(summaries)
		return summaries, clv.fit_bgnbd(x, t_x, T), clv.fit_gamma_gamma(x, m)

	# --- the report -------------------------------------------------------------------------------------

	def test_values_are_clv_functions_of_the_same_summaries(self):
		columns, rows, message, chart, summary = self.run_report()
		summaries, bg, gg = self.reference()
		self.assertTrue(bg.converged and gg.converged, (bg.message, gg.message))
		labels = {s["label"]: s["value"] for s in summary}
		# fitted in days, shown as the literature reports them: α per week (α in days ÷ 7); r, a, b unitless
		self.assertNotIn("α", labels)
		for label, value in zip(("r", "α (per week)", "a", "b"), clv.per_week(bg.params), strict=True):
			self.assertAlmostEqual(labels[label], round(value, 6), delta=1e-5 * max(1, value), msg=label)
		for label, value in zip(("p", "q", "v"), gg.params, strict=True):
			self.assertAlmostEqual(labels[label], round(value, 6), delta=1e-5 * max(1, value), msg=label)
		self.assertAlmostEqual(labels["Log-Likelihood (BG/NBD)"], bg.log_likelihood, places=1)
		self.assertAlmostEqual(labels["Log-Likelihood (Gamma-Gamma)"], gg.log_likelihood, places=1)
		self.assertEqual(labels["Customers Fitted"], len(summaries))
		self.assertEqual(labels["Repeat Buyers"], sum(1 for s in summaries.values() if s.x > 0))
		self.assertEqual(labels["Parameters"], "Fitted")
		self.assertIsNone(message)
		mine = {name: c for name, c in self.archives.items()}
		self.assertEqual(set(rows) & set(mine), set(mine))  # every archive of ours bought
		for name, customer in mine.items():
			s, row = summaries[customer], rows[name]
			want = clv.score(bg, gg, s.x, s.t_x, s.T, s.m_x, 180, 0.01)
			self.assertEqual((row["purchase_days"], row["last_purchase_date"]), (s.x + 1, s.last_purchase))
			for key, value in zip(
				("p_alive", "expected_purchases", "expected_spend", "clv"), want, strict=True
			):
				self.assertAlmostEqual(row[key], float(value[0]), delta=2e-5 * max(1.0, abs(float(value[0]))))
			self.assertAlmostEqual(
				row["p_alive"], float(clv.p_alive(bg, s.x, s.t_x, s.T)[0]), delta=2e-5, msg=name
			)
			self.assertAlmostEqual(
				row["expected_purchases"],
				float(clv.expected_purchases(bg, 180, s.x, s.t_x, s.T)[0]),
				delta=2e-5 * max(1.0, row["expected_purchases"]),
			)
			self.assertAlmostEqual(
				row["clv"],
				float(
					clv.customer_lifetime_value(
						bg, gg, s.x, s.t_x, s.T, s.m_x, horizon=180, discount_rate_per_period=0.01
					)[0]
				),
				delta=2e-5 * max(1.0, row["clv"]),
			)
		self.assertEqual(
			[r["clv"] for r in rows.values()], sorted((r["clv"] for r in rows.values()), reverse=True)
		)
		# same-day invoices are one purchase; the returned day is none; the cancelled invoice nothing
		same = summaries[self.same_day]
		self.assertEqual(same.last_purchase, self.same_day_date)
		day_rows = [r for r in invoice_rows(AS_OF) if r[0] == self.same_day]
		self.assertEqual(same.x + 1, len({r[1] for r in day_rows}))
		returner = summaries[self.returner]
		self.assertNotEqual(returner.last_purchase, self.return_date)
		self.assertEqual(
			returner.x + 1,
			len({r[1] for r in invoice_rows(AS_OF) if r[0] == self.returner and r[1] != self.return_date}),
		)
		self.assertEqual(
			[c["fieldname"] for c in columns],
			[
				"customer_archive",
				"customer_name",
				"tier",
				"account_manager",
				"purchase_days",
				"last_purchase_date",
				"p_alive",
				"expected_purchases",
				"expected_spend",
				"clv",
			],
		)
		# the model check: a fit on the calibration period, expected vs actual per week of the holdout
		self.assertEqual(chart["type"], "line")
		self.assertEqual(len(chart["data"]["labels"]), math.ceil((AS_OF - CAL_END).days / 7))
		self.assertEqual(len(chart["data"]["datasets"]), 2)

	def test_array_summaries_match_summarize_on_the_site(self):
		purchases = S.fetch_purchases(AS_OF)
		by_arrays = S.summaries(purchases)
		by_rows = clv.summarize(invoice_rows(AS_OF), AS_OF)
		self.assertEqual([purchases.names[k] for k in by_arrays.customer], list(by_rows))
		x, t_x, T, m = clv.to_arrays(by_rows)
		self.assertEqual(by_arrays.x.tolist(), x.tolist())
		self.assertEqual(by_arrays.t_x.tolist(), t_x.tolist())
		self.assertEqual(by_arrays.T.tolist(), T.tolist())
		self.assertTrue(np.allclose(by_arrays.m_x, m, rtol=1e-12))
		cal = S.summaries(purchases, purchases.day_of(CAL_END))
		self.assertEqual(len(cal.x), len(clv.summarize(invoice_rows(AS_OF), CAL_END)))
		# an IN list of customers reads the same arrays for them
		few = S.fetch_purchases(AS_OF, customers=[self.same_day, self.returner])
		self.assertEqual(sorted(few.names), sorted([self.same_day, self.returner]))

	def test_a_rep_sees_only_their_archives(self):
		_c, all_rows, *_ = self.run_report()
		frappe.set_user(REP)
		columns, rows, message, chart, summary = self.run_report()
		ours = set(self.archives)
		self.assertEqual(set(rows) & ours, self.rep_archives)
		# nothing of another archive anywhere in the response: not its name, customer or any of its figures
		response = json.dumps([columns, list(rows.values()), message, chart, summary], default=str)
		for name in ours - self.rep_archives:
			self.assertNotIn(name, response)
			self.assertNotIn(self.archives[name], response)
			for key in ("p_alive", "expected_purchases", "expected_spend", "clv"):
				value = all_rows[name][key]
				if any(r[key] == value for r in rows.values()):
					continue  # the same figure as one of the rep's own (same history: e.g. the spend)
				self.assertNotIn(repr(value), response, (name, key))
		# the model check sums only the rep's customers: clv.model_check on exactly those
		cal_rows = [r for r in invoice_rows(AS_OF) if r[0] in {self.archives[n] for n in self.rep_archives}]
		_s, cal_bg, _gg = self.reference(CAL_END)
		want = clv.model_check(
			cal_bg,
			clv.summarize(cal_rows, CAL_END),
			clv.holdout_actuals(cal_rows, CAL_END, AS_OF, period_days=7),
		)
		actual, expected = chart["data"]["datasets"]
		self.assertEqual(actual["values"], [r["actual"] for r in want])
		for got, w in zip(expected["values"], want, strict=True):
			self.assertAlmostEqual(got, round(w["expected"], 2), delta=0.011)
		# through the desk's runner (report roles, the session user) the same rows
		from frappe.desk.query_report import run

		result = run(
			"Customer Lifetime Value",
			filters={"as_of": str(AS_OF), "calibration_end": str(CAL_END), "horizon_days": 180},
		)
		self.assertEqual({r["customer_archive"] for r in result["result"]} & ours, self.rep_archives)

	def test_too_few_repeat_buyers_is_a_clear_message(self):
		summaries = clv.summarize(invoice_rows(EARLY), EARLY)
		repeat = sum(1 for s in summaries.values() if s.x > 0)
		self.assertTrue(len(summaries) < clv.MIN_CUSTOMERS or repeat < clv.MIN_REPEAT_BUYERS)
		with self.assertRaises(frappe.ValidationError) as caught:
			execute({"as_of": str(EARLY)})
		self.assertIn("Too few repeat buyers to fit the model", str(caught.exception))
		self.assertIn(f"{len(summaries)} customers, of whom {repeat} bought again", str(caught.exception))
		# in Chinese for a Chinese user
		frappe.local.lang = "zh"
		try:
			with self.assertRaises(frappe.ValidationError) as caught:
				execute({"as_of": str(EARLY)})
			self.assertIn("复购客户太少", str(caught.exception))
		finally:
			frappe.local.lang = "en"
		# bad filters
		for bad in (
			{"calibration_end": str(AS_OF)},
			{"calibration_end": "not a date"},
			{"discount_rate": 100},
			{"discount_rate": -1},
			{"horizon_days": -5},
			{"horizon_days": 100000},
			{"company": ["x", "y"]},
		):
			self.assertRaises(frappe.ValidationError, execute, {"as_of": str(AS_OF), **bad})

	def test_a_fit_that_does_not_converge_uses_the_last_good_parameters(self):
		kept = {
			"bg_r": 0.5,
			"bg_alpha": 40.0,
			"bg_a": 0.9,
			"bg_b": 3.0,
			"gg_p": 4.0,
			"gg_q": 3.0,
			"gg_v": 200.0,
		}
		frappe.db.set_single_value(
			"CLV Model", {**kept, "fitted_on": "2024-01-01 02:00:00", "as_of": "2024-01-01"}
		)
		real = clv.fit_bgnbd

		def stuck(*args, **kwargs):
			return dataclasses.replace(
				real(*args, **kwargs), converged=False, message="iteration limit (test)"
			)

		frappe.clear_messages()
		with patch.object(clv, "fit_bgnbd", stuck):
			_c, rows, message, _chart, summary = self.run_report(calibration_end=None)
		labels = {s["label"]: s["value"] for s in summary}
		self.assertEqual(
			(labels["r"], labels["α (per week)"], labels["a"], labels["b"]),
			(0.5, round(40.0 / 7, 6), 0.9, 3.0),
		)
		self.assertEqual(labels["Parameters"], "Last Good")
		# one plain sentence: what it means for the figures and what to do — no optimizer output, no modal
		from frappe.utils import formatdate

		self.assertEqual(
			message,
			"The model could not settle on stable parameters for this data; the figures below use the last "
			f"good fit from {formatdate('2024-01-01')}; more customers with repeat purchases make it reliable.",
		)
		self.assertEqual(frappe.local.message_log, [])
		# the technical detail is kept for an admin, in the Error Log
		from frappe.deferred_insert import save_to_db

		save_to_db()
		detail = frappe.get_all(
			"Error Log",
			filters={"method": ("like", "Customer Lifetime Value%")},
			fields=["error"],
			order_by="creation desc",
			limit=1,
		)
		self.assertTrue(detail and "iteration limit (test)" in detail[0].error, detail)
		# and in Chinese for a Chinese user
		frappe.local.lang = "zh"
		try:
			with patch.object(clv, "fit_bgnbd", stuck):
				_c, _rows, message, _chart, _summary = self.run_report(calibration_end=None)
		finally:
			frappe.local.lang = "en"
		self.assertIn("模型", message)
		self.assertNotIn("iteration limit", message)
		name = next(iter(self.rep_archives))
		s = clv.summarize(invoice_rows(AS_OF), AS_OF)[self.archives[name]]
		self.assertAlmostEqual(
			rows[name]["p_alive"], float(clv.p_alive((0.5, 40.0, 0.9, 3.0), s.x, s.t_x, s.T)[0])
		)

	# --- the nightly refresh, tier conditions and Churn Risk ---------------------------------------------

	def test_nightly_refresh_writes_the_archives_and_a_p_alive_condition_tiers_by_it(self):
		mine = list(self.archives)
		company = S._company_for_refresh()
		stats = S.refresh(as_of=AS_OF, customers=list(self.archives.values()))
		self.assertEqual(stats["archives_updated"], len(mine))
		self.assertTrue(stats["converged"])
		# the expected values: clv.py on the same (company's) invoices
		rows = frappe.db.sql(
			"""select customer, posting_date, base_net_total from `tabSales Invoice`
			where docstatus = 1 and posting_date <= %s and (%s is null or company = %s)""",
			(AS_OF, company, company),
		)
		summaries = clv.summarize(rows, AS_OF)
		x, t_x, T, m = clv.to_arrays(summaries)
		bg, gg = clv.fit_bgnbd(x, t_x, T), clv.fit_gamma_gamma(x, m)
		stored = {
			a.name: a
			for a in frappe.get_all(
				"Customer Archive",
				filters={"name": ("in", mine)},
				fields=["name", "p_alive", "expected_purchases_90d", "clv_12m", "clv_as_of"],
			)
		}
		for name, customer in self.archives.items():
			s = summaries[customer]
			p = clv.p_alive(bg, s.x, s.t_x, s.T)[0]
			e90 = clv.expected_purchases(bg, 90, s.x, s.t_x, s.T)[0]
			value = clv.customer_lifetime_value(
				bg, gg, s.x, s.t_x, s.T, s.m_x, horizon=365, discount_rate_per_period=0.01
			)[0]
			a = stored[name]
			self.assertEqual(a.clv_as_of, AS_OF)
			self.assertAlmostEqual(a.p_alive, p, delta=2e-5, msg=name)
			self.assertAlmostEqual(a.expected_purchases_90d, e90, delta=2e-5 * max(1, e90), msg=name)
			self.assertAlmostEqual(a.clv_12m, value, delta=1e-4 * max(1, value), msg=name)
		model = frappe.get_single("CLV Model")
		self.assertAlmostEqual(model.bg_r, bg.r, delta=1e-5 * bg.r)
		self.assertEqual((model.n_customers, getdate(model.as_of)), (len(summaries), AS_OF))
		self.assertIn("Fitted on", model.last_run_status)

		# a rule set whose condition uses p_alive: tiers follow the stored values in a real re-tier
		values = sorted(stored[n].p_alive for n in mine)
		threshold = round(values[len(values) // 2], 4)
		# (built as the engine loads a rule set, not saved: a rule set insert on this shared test site can
		# deadlock with other engineers' runs, and would roll back the class's whole transaction)
		conditions = (f"p_alive >= {threshold}", "expected_purchases_90d >= 0 and clv_12m >= 0")
		for condition in conditions:
			validate_condition(condition)  # what saving the rule set checks: the names are known
		self.assertRaises(frappe.ValidationError, validate_condition, "p_dead >= 0.5")
		rule_set = R.RuleSet(
			name="_CLV p_alive rules",
			rules=(
				R.Rule(tier="VIP", priority=1, condition=conditions[0], row_id="1"),
				R.Rule(tier="普通客户", priority=2, condition=conditions[1], row_id="2"),
			),
			default_tier="潜在客户",
			window_days=365,
		)
		loaded = (rule_set, None)
		with patch.object(engine, "load_rule_set", lambda *a, **k: loaded):
			engine.retier(archives=mine, as_of=AS_OF)
		tiers = dict(
			frappe.get_all(
				"Customer Archive", filters={"name": ("in", mine)}, fields=["name", "tier"], as_list=True
			)
		)
		for name in mine:
			want = "VIP" if stored[name].p_alive >= threshold else "普通客户"
			self.assertEqual(tiers[name], want, (name, stored[name].p_alive, threshold))
		self.assertIn("VIP", tiers.values())
		self.assertIn("普通客户", tiers.values())
		snapshot = frappe.get_all(
			"Customer Archive Log",
			filters={"customer_archive": mine[0], "rule_set": rule_set.name},
			pluck="metrics_snapshot",
			limit=1,
		)
		self.assertAlmostEqual(json.loads(snapshot[0])["p_alive"], stored[mine[0]].p_alive)

		# nobody can write the predictions through the form or REST
		doc = frappe.get_doc("Customer Archive", mine[0])
		doc.p_alive, doc.clv_12m = 0.999, 10**9
		doc.flags.ignore_duplicates = True
		doc.save()
		self.assertAlmostEqual(
			frappe.db.get_value("Customer Archive", mine[0], "p_alive"), stored[mine[0]].p_alive
		)

		# Churn Risk shows P(alive) by the kept parameters, as of its date
		# (dated in 2023–2024, the archives were churned by the lifecycle pass of today: Existing again)
		for name in self.rep_archives:
			frappe.db.set_value(
				"Customer Archive", name, "lifecycle_state", "Existing", update_modified=False
			)
		_c, churn_rows, *_ = churn_risk({"as_of": str(AS_OF), "churn_after_days": 30, "account_manager": REP})
		by_name = {r["customer_archive"]: r for r in churn_rows}
		found = [n for n in mine if n in by_name]
		self.assertTrue(found)
		self.assertLessEqual(set(found), self.rep_archives)
		for name in found:
			s = summaries[self.archives[name]]
			kept = (model.bg_r, model.bg_alpha, model.bg_a, model.bg_b)
			self.assertAlmostEqual(
				by_name[name]["p_alive"], float(clv.p_alive(kept, s.x, s.t_x, s.T)[0]), delta=1e-9
			)

	def test_an_archive_whose_customer_never_bought_gets_no_prediction_and_stops_nothing(self):
		"""The predicted columns are NOT NULL in a Frappe v15 table: a customer without a purchase day gets
		0 and no `clv_as_of` (no prediction: a condition on them matches nothing), and the others are written."""
		from crm_archive.tiering.store import predictions

		frappe.db.savepoint("never_bought")  # the fit it saves would change what the other tests see
		try:
			never = make_archive_for("_CLV Never Bought", REP)
			name, customer = next(iter(self.archives.items()))
			stats = S.refresh(as_of=AS_OF, customers=[never.customer, customer])
			self.assertEqual(stats["archives_updated"], 2)
			self.assertEqual(
				frappe.db.get_value("Customer Archive", never.name, ["p_alive", "clv_12m", "clv_as_of"]),
				(0.0, 0.0, None),
			)
			self.assertEqual(frappe.db.get_value("Customer Archive", name, "clv_as_of"), AS_OF)
			self.assertNotIn(never.customer, predictions.fetch([never.customer, customer]))
		finally:
			frappe.db.rollback(save_point="never_bought")
			frappe.clear_document_cache("CLV Model", "CLV Model")

	def test_the_refresh_skips_thin_data_and_keeps_yesterdays_values(self):
		name = next(iter(self.archives))
		frappe.db.set_value(
			"Customer Archive", name, {"p_alive": 0.42, "clv_as_of": AS_OF}, update_modified=False
		)
		stats = S.refresh(as_of=EARLY, customers=[self.archives[name]])
		self.assertIn("Too few repeat buyers", stats["skipped"])
		self.assertEqual(frappe.db.get_value("Customer Archive", name, "p_alive"), 0.42)
		self.assertIn("Too few repeat buyers", frappe.db.get_single_value("CLV Model", "last_run_status"))

	# --- the nightly schedule: refit when due, rescore every night -----------------------------------------

	def stored_scores(self):
		return {
			a.name: a
			for a in frappe.get_all(
				"Customer Archive",
				filters={"name": ("in", list(self.archives))},
				fields=["name", "customer", "p_alive", "expected_purchases_90d", "clv_12m", "clv_as_of"],
			)
		}

	def company_summaries(self, until):
		company = S._company_for_refresh()
		rows = frappe.db.sql(
			"""select customer, posting_date, base_net_total from `tabSales Invoice`
			where docstatus = 1 and posting_date <= %s and (%s is null or company = %s)""",
			(until, company, company),
		)
		return clv.summarize(rows, until)

	def test_refresh_without_refit_keeps_the_parameters_and_rescores_everyone(self):
		frappe.db.set_single_value("CLV Model", {"refit_every_days": 7, "refit_growth": 10})
		customers = list(self.archives.values())
		first = S.refresh(as_of=AS_OF, customers=customers, refit=True)
		self.assertTrue(first["refitted"] and first["converged"], first)
		kept = S.last_good()
		self.assertEqual(kept.as_of, AS_OF)
		self.assertEqual(kept.n_purchase_days, first["purchase_days"])
		fitted_on = frappe.db.get_single_value("CLV Model", "fitted_on")
		before = self.stored_scores()

		night = AS_OF + timedelta(days=3)  # no invoice since: 3 days < 7, purchase days unchanged
		stats = S.refresh(as_of=night, customers=customers)
		self.assertFalse(stats["refitted"], stats)
		self.assertIsNone(stats["refit_reason"])
		self.assertEqual(stats["purchase_days"], first["purchase_days"])
		self.assertEqual(stats["parameters_as_of"], AS_OF)
		# the parameters are kept exactly, with their dates
		again = S.last_good()
		self.assertEqual((again.bg, again.gg, again.as_of), (kept.bg, kept.gg, AS_OF))
		self.assertEqual(frappe.db.get_single_value("CLV Model", "fitted_on"), fitted_on)
		status = frappe.db.get_single_value("CLV Model", "last_run_status")
		self.assertIn("not refitted tonight", status)
		self.assertIn(f"Next refit due by {AS_OF + timedelta(days=7)}", status)
		# … and every archive's scores are those of the kept parameters three days on (T grew for everyone)
		summaries = self.company_summaries(night)
		after = self.stored_scores()
		decayed = 0
		for name, a in after.items():
			s = summaries[a.customer]
			self.assertEqual(a.clv_as_of, night)
			p = float(clv.p_alive(kept.bg, s.x, s.t_x, s.T)[0])
			e90 = float(clv.expected_purchases(kept.bg, 90, s.x, s.t_x, s.T)[0])
			value = float(
				clv.customer_lifetime_value(
					kept.bg, kept.gg, s.x, s.t_x, s.T, s.m_x, horizon=365, discount_rate_per_period=0.01
				)[0]
			)
			self.assertAlmostEqual(a.p_alive, p, delta=2e-5, msg=name)
			self.assertAlmostEqual(a.expected_purchases_90d, e90, delta=2e-5 * max(1, e90), msg=name)
			self.assertAlmostEqual(a.clv_12m, value, delta=1e-4 * max(1, value), msg=name)
			# nobody bought: P(alive) can only fall with time
			self.assertLessEqual(a.p_alive, before[name].p_alive + 1e-9, name)
			decayed += a.p_alive < before[name].p_alive - 1e-6
		self.assertGreater(decayed, len(after) // 2)
		# the report says when the parameters behind those stored scores were fitted
		from frappe.utils import formatdate

		_c, _rows, _m, _chart, summary = self.run_report(calibration_end=None)
		labels = {s["label"]: s["value"] for s in summary}
		self.assertEqual(
			labels["Nightly Fit On"], f"{formatdate(getdate(fitted_on))} (data as of {formatdate(AS_OF)})"
		)
		# refit=False keeps the parameters even past the schedule
		late = S.refresh(as_of=AS_OF + timedelta(days=30), customers=customers, refit=False)
		self.assertFalse(late["refitted"])
		self.assertEqual(S.last_good().bg, kept.bg)

	def test_refresh_past_the_schedule_or_after_growth_refits(self):
		frappe.db.set_single_value("CLV Model", {"refit_every_days": 7, "refit_growth": 10})
		customers = list(self.archives.values())
		S.refresh(as_of=AS_OF, customers=customers, refit=True)
		kept = S.last_good()

		week = AS_OF + timedelta(days=7)
		stats = S.refresh(as_of=week, customers=customers)
		self.assertTrue(stats["refitted"], stats)
		self.assertIn("is 7 days old", stats["refit_reason"])
		self.assertEqual(frappe.db.get_single_value("CLV Model", "last_refit_reason"), stats["refit_reason"])
		refitted = S.last_good()
		self.assertEqual(refitted.as_of, week)
		# the new parameters are the fit on the data as of that night (T is a week longer: they move)
		x, t_x, T, _m = clv.to_arrays(self.company_summaries(week))
		want = clv.fit_bgnbd(x, t_x, T)
		for got, w in zip(refitted.bg, want.params, strict=True):
			self.assertAlmostEqual(got, w, delta=1e-5 * w)
		self.assertNotEqual(refitted.bg, kept.bg)
		self.assertIn("Fitted on", frappe.db.get_single_value("CLV Model", "last_run_status"))

		# the data moving by more than the threshold refits before the week is out: new purchase days
		frappe.db.set_single_value("CLV Model", "refit_growth", 2)
		base = stats["purchase_days"]
		new_days = math.floor(base * 0.02) + 1
		# (one-off buyers coming back: a data set on which the small fit converges, checked in pure Python)
		names = sorted(c for c in self.archives.values() if "One-Off" in c)
		self.assertGreaterEqual(len(names), new_days)
		for i in range(new_days):
			make_sales_invoice(names[i], 100 + i, posting_date=week + timedelta(days=1))
		grown = S.refresh(as_of=week + timedelta(days=2), customers=customers)
		self.assertEqual(grown["purchase_days"], base + new_days)
		self.assertTrue(grown["refitted"] and grown["converged"], grown)
		self.assertIn("purchase days moved", grown["refit_reason"])
		self.assertEqual(S.last_good().as_of, week + timedelta(days=2))
		self.assertEqual(S.last_good().n_purchase_days, base + new_days)
		# below the threshold: scores only
		quiet = S.refresh(as_of=week + timedelta(days=3), customers=customers)
		self.assertFalse(quiet["refitted"], quiet)
