"""Tiering in a real ERPNext site with real submitted Sales Invoices."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.access.table import refresh as refresh_access
from crm_archive.tests.utils import make_archive, make_customer, make_sales_invoice
from crm_archive.tiering.store import engine, index, jobs, queries

RULES = [
	{"tier": "VIP", "priority": 1, "min_window_spend": 100000, "min_invoice_count": 3},
	{"tier": "重要客户", "priority": 2, "min_window_spend": 30000},
	{"tier": "普通客户", "priority": 3, "min_invoice_count": 1},
]


def make_rule_set(name, grace=10, rules=None, active=1, window=365):
	if frappe.db.exists("Tier Rule Set", name):
		frappe.db.set_value("Tier Rule Set", name, "is_active", 0)
		frappe.delete_doc("Tier Rule Set", name, force=True)
	return frappe.get_doc(
		{
			"doctype": "Tier Rule Set",
			"rule_set_name": name,
			"is_active": active,
			"window_days": window,
			"default_tier": "潜在客户",
			"downgrade_grace_days": grace,
			"rules": rules or RULES,
		}
	).insert()


def archive_with_customer(name):
	customer = make_customer(name)
	return make_archive(full_name=name, customer=customer)


def state(archive):
	return frappe.db.get_value(
		"Customer Archive",
		archive,
		[
			"tier",
			"qualified_tier",
			"tier_pending_since",
			"window_spend",
			"lifetime_spend",
			"invoice_count",
			"tier_reason",
		],
		as_dict=True,
	)


def logs(archive):
	return frappe.get_all(
		"Customer Archive Log",
		filters={"customer_archive": archive, "event_type": "Tier Change"},
		fields=["from_value", "to_value", "trigger", "rule_row", "metrics_snapshot", "reference_name"],
		order_by="creation asc, timestamp asc",
	)


class TestTiering(FrappeTestCase):
	def setUp(self):
		make_rule_set("_Test Tier Rules")

	def test_defaults_installed(self):
		self.assertEqual(frappe.db.get_value("Customer Tier", "VIP", "rank"), 40)
		self.assertTrue(frappe.db.exists("Customer Tier", "重要客户"))
		self.assertTrue(index.has_index())
		self.assertEqual(frappe.db.count("Tier Rule Set", {"is_active": 1}), 1)

	def test_new_archive_gets_default_tier(self):
		archive = make_archive(full_name="Prospect")
		self.assertEqual(state(archive.name).tier, "潜在客户")

	def test_purchase_crossing_threshold_upgrades_and_logs(self):
		a = archive_with_customer("_CRM Tier Up")
		self.assertEqual(state(a.name).tier, "潜在客户")
		si1 = make_sales_invoice(a.customer, 20000)
		self.assertEqual(si1.crm_tier, "潜在客户")  # tier at invoice time
		s = state(a.name)
		self.assertEqual((s.tier, s.invoice_count, s.window_spend), ("普通客户", 1, 20000))
		si2 = make_sales_invoice(a.customer, 10000)  # exactly at the 30,000 threshold
		self.assertEqual(si2.crm_tier, "普通客户")
		self.assertEqual(state(a.name).tier, "重要客户")
		rows = logs(a.name)
		self.assertEqual(
			[(r.from_value, r.to_value) for r in rows][-2:],
			[("潜在客户", "普通客户"), ("普通客户", "重要客户")],
		)
		self.assertEqual(rows[-1].trigger, "Invoice Submit")
		self.assertEqual(rows[-1].reference_name, si2.name)
		self.assertEqual(json.loads(rows[-1].metrics_snapshot)["window_spend"], 30000)
		self.assertIn("_Test Tier Rules #2", state(a.name).tier_reason)
		# idempotent: running again changes nothing and logs nothing
		n = len(logs(a.name))
		stats = engine.retier(archives=[a.name])
		self.assertEqual(stats["tier_changes"], 0)
		self.assertEqual(len(logs(a.name)), n)

	def test_return_downgrades_only_after_grace(self):
		a = archive_with_customer("_CRM Tier Return")
		si = make_sales_invoice(a.customer, 35000)
		self.assertEqual(state(a.name).tier, "重要客户")
		make_sales_invoice(a.customer, 10000, is_return=True, return_against=si.name)
		s = state(a.name)
		self.assertEqual(s.window_spend, 25000)  # net of the return
		self.assertEqual(s.invoice_count, 1)  # the return is not a purchase
		self.assertEqual((s.tier, s.qualified_tier), ("重要客户", "普通客户"))
		self.assertEqual(getdate(s.tier_pending_since), getdate(nowdate()))
		engine.retier(archives=[a.name], as_of=add_days(nowdate(), 9), trigger="Scheduled")
		self.assertEqual(state(a.name).tier, "重要客户")
		engine.retier(archives=[a.name], as_of=add_days(nowdate(), 10), trigger="Scheduled")
		s = state(a.name)
		self.assertEqual((s.tier, s.tier_pending_since), ("普通客户", None))
		self.assertEqual((logs(a.name)[-1].to_value, logs(a.name)[-1].trigger), ("普通客户", "Scheduled"))

	def test_cancel_reverts(self):
		make_rule_set("_Test Tier Rules", grace=0)
		a = archive_with_customer("_CRM Tier Cancel")
		si = make_sales_invoice(a.customer, 40000)
		self.assertEqual(state(a.name).tier, "重要客户")
		si.cancel()
		s = state(a.name)
		self.assertEqual((s.tier, s.window_spend, s.invoice_count), ("潜在客户", 0, 0))
		self.assertEqual(logs(a.name)[-1].trigger, "Invoice Cancel")

	def test_draft_invoices_never_count(self):
		a = archive_with_customer("_CRM Tier Draft")
		make_sales_invoice(a.customer, 50000, submit=False)
		engine.retier(archives=[a.name])
		self.assertEqual(state(a.name).window_spend, 0)

	def test_customer_who_stops_buying_drops_at_nightly_run(self):
		make_rule_set("_Test Tier Rules", grace=0)
		a = archive_with_customer("_CRM Tier Idle")
		make_sales_invoice(a.customer, 5000, posting_date=add_days(nowdate(), -300))
		self.assertEqual(state(a.name).tier, "普通客户")
		jobs.retier_all(trigger="Scheduled", as_of=add_days(nowdate(), 70), publish_progress=False)
		s = state(a.name)
		self.assertEqual((s.tier, s.window_spend, s.lifetime_spend), ("潜在客户", 0, 5000))

	def test_rule_set_activation_retiers_everyone(self):
		a = archive_with_customer("_CRM Tier Activate")
		make_sales_invoice(a.customer, 1000)
		self.assertEqual(state(a.name).tier, "普通客户")
		generous = make_rule_set(
			"_Test Generous", rules=[{"tier": "VIP", "priority": 1, "min_invoice_count": 1}]
		)
		self.assertEqual(state(a.name).tier, "VIP")
		self.assertEqual(logs(a.name)[-1].trigger, "Rule Set Activated")
		self.assertEqual(frappe.db.get_all("Tier Rule Set", {"is_active": 1}, pluck="name"), [generous.name])

	def test_locked_tier_stays(self):
		a = archive_with_customer("_CRM Tier Locked")
		a.reload()
		a.tier_locked = 1
		a.locked_tier = "VIP"
		a.tier_lock_reason = "Strategic account"
		a.save()
		self.assertEqual(state(a.name).tier, "VIP")
		self.assertEqual(logs(a.name)[-1].trigger, "Override")
		make_sales_invoice(a.customer, 31000)
		s = state(a.name)
		self.assertEqual((s.tier, s.qualified_tier), ("VIP", "重要客户"))
		# unlocking hands the tier back to the rules (a downgrade: grace starts)
		a.reload()
		a.tier_locked = 0
		a.save()
		s = state(a.name)
		self.assertEqual((s.tier, s.qualified_tier), ("VIP", "重要客户"))
		self.assertIsNotNone(s.tier_pending_since)

	def test_rep_cannot_lock_or_write_tier(self):
		a = archive_with_customer("_CRM Tier Rep")
		user = "crm.tier.rep@example.com"
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{"doctype": "User", "email": user, "first_name": "Rep", "send_welcome_email": 0}
			).insert()
		frappe.get_doc("User", user).add_roles("CRM Archive User")
		frappe.db.set_value("Customer Archive", a.name, "account_manager", user)
		refresh_access(a.name)  # a direct write skips the document events that keep access rows
		frappe.set_user(user)
		try:
			doc = frappe.get_doc("Customer Archive", a.name)
			doc.tier_locked, doc.locked_tier, doc.tier_lock_reason = 1, "VIP", "please"
			self.assertRaises(frappe.PermissionError, doc.save)
			doc = frappe.get_doc("Customer Archive", a.name)
			doc.tier = "VIP"
			doc.window_spend = 999999
			doc.save()
		finally:
			frappe.set_user("Administrator")
		s = state(a.name)
		self.assertEqual((s.tier, s.window_spend), ("潜在客户", 0))

	def test_preview_writes_nothing(self):
		a = archive_with_customer("_CRM Tier Preview")
		make_sales_invoice(a.customer, 1000)
		draft = make_rule_set(
			"_Test Draft", active=0, rules=[{"tier": "VIP", "priority": 1, "min_invoice_count": 1}]
		)
		n_logs = frappe.db.count("Customer Archive Log")
		modified = frappe.db.get_value("Customer Archive", a.name, "modified")
		result = draft.preview()
		self.assertEqual(frappe.db.count("Customer Archive Log"), n_logs)
		self.assertEqual(state(a.name).tier, "普通客户")
		self.assertEqual(frappe.db.get_value("Customer Archive", a.name, "modified"), modified)
		self.assertGreaterEqual(result["preview"].get("VIP", 0), 1)
		moves = {(m["from"], m["to"]): m["count"] for m in result["matrix"]}
		self.assertGreaterEqual(moves.get(("普通客户", "VIP"), 0), 1)
		self.assertEqual(result["archives"], frappe.db.count("Customer Archive"))

	def test_bad_condition_refused_with_its_error(self):
		for expr, error in (("window_spend >=", "SyntaxError"), ("spend_total > 5", "NameError")):
			with self.assertRaises(frappe.ValidationError) as ctx:
				make_rule_set(
					"_Test Bad", active=0, rules=[{"tier": "VIP", "priority": 1, "condition": expr}]
				)
			self.assertIn(error, str(ctx.exception))
		self.assertFalse(frappe.db.exists("Tier Rule Set", "_Test Bad"))

	def test_condition_rows(self):
		rules = [
			{"tier": "VIP", "priority": 1, "condition": "window_spend >= 5000 and invoice_count >= 2"},
			{
				"tier": "普通客户",
				"priority": 2,
				"condition": "recency_days is not None and recency_days <= 30",
			},
		]
		make_rule_set("_Test Conditions", grace=0, rules=rules)
		a = archive_with_customer("_CRM Tier Cond")
		make_sales_invoice(a.customer, 3000)
		self.assertEqual(state(a.name).tier, "普通客户")
		make_sales_invoice(a.customer, 2000)
		self.assertEqual(state(a.name).tier, "VIP")

	def test_metrics_are_set_based_and_net(self):
		a = archive_with_customer("_CRM Metrics A")
		b = archive_with_customer("_CRM Metrics B")
		make_sales_invoice(a.customer, 1000, posting_date=add_days(nowdate(), -10))
		si = make_sales_invoice(a.customer, 3000, posting_date=add_days(nowdate(), -5))
		make_sales_invoice(a.customer, 500, is_return=True, return_against=si.name)
		make_sales_invoice(b.customer, 7000, posting_date=add_days(nowdate(), -400)).cancel()
		make_sales_invoice(b.customer, 2000, posting_date=add_days(nowdate(), -400))
		rows = {
			r["customer"]: r
			for r in queries.fetch_metric_rows(getdate(nowdate()), 365, [a.customer, b.customer])
		}
		self.assertEqual(set(rows), {a.customer, b.customer})
		m = queries.metrics_from_row(rows[a.customer], getdate(nowdate()))
		self.assertEqual((m.window_spend, m.lifetime_spend, m.invoice_count), (3500, 3500, 2))
		self.assertEqual(m.recency_days, 5)
		self.assertEqual(m.average_order_value, 1750)
		m = queries.metrics_from_row(rows[b.customer], getdate(nowdate()))
		self.assertEqual(
			(m.window_spend, m.lifetime_spend, m.invoice_count, m.lifetime_invoice_count), (0, 2000, 0, 1)
		)

	def test_log_is_append_only(self):
		a = archive_with_customer("_CRM Log Only")
		make_sales_invoice(a.customer, 1000)
		name = frappe.get_all("Customer Archive Log", {"customer_archive": a.name}, pluck="name")[0]
		log = frappe.get_doc("Customer Archive Log", name)
		log.to_value = "VIP"
		self.assertRaises(frappe.PermissionError, log.save)
		self.assertRaises(frappe.PermissionError, log.delete)
		for role in ("CRM Archive Manager", "CRM Archive User", "System Manager"):
			for perm in frappe.get_all(
				"DocPerm", {"parent": "Customer Archive Log", "role": role}, ["write", "delete"]
			):
				self.assertFalse(perm.write or perm.delete)


class TestMoneyRounding(FrappeTestCase):
	def test_the_fast_rounding_equals_erpnexts_for_every_method(self):
		"""The engine rounds averages with round() away from ties and with ERPNext's flt at them: the same
		cents as flt(value, 2, method) for every rounding method, ties and float near-ties included."""
		import random

		from frappe.utils import flt

		from crm_archive.tiering.metrics import nearest_cents

		rng = random.Random(5)
		values = [rng.uniform(-1e6, 1e6) for _ in range(20000)]
		values += [n / 1000 for n in range(-20005, 20005, 5)]  # every x.xx5 tie
		values += [rng.randrange(1, 10**7) / rng.choice((3, 7, 9, 11, 13, 1000, 2000)) for _ in range(20000)]
		values += [v + e for v in (2.675, 1.005, 0.125, 1234.565) for e in (-1e-9, 0, 1e-9, 1e-12)]
		for method in ("Banker's Rounding (legacy)", "Banker's Rounding", "Commercial Rounding"):
			fast = nearest_cents(lambda value, method=method: flt(value, 2, method))
			wrong = [v for v in values if fast(v) != flt(v, 2, method)]
			self.assertEqual(wrong, [], method)


class TestFullRunFirstPass(FrappeTestCase):
	"""A full run's first pass: archives read on a second connection while this one aggregates, and
	evaluated while the aggregate streams in (engine.AlongsideRead, engine.StreamedPass)."""

	def test_a_second_connection_reads_what_this_one_reads(self):
		# first in its class: this transaction has written nothing, so both see the committed rows
		self.assertEqual(frappe.db.transaction_writes, 0)
		self.assertTrue(engine.AlongsideRead.possible())
		read = engine.AlongsideRead().result()
		self.assertEqual(read, list(engine.unlocked_chunks()))

	def test_the_streamed_pass_writes_what_a_pass_after_the_aggregate_writes(self):
		import threading
		from unittest.mock import patch

		make_rule_set("_Streamed Rules", grace=0)
		stale, fresh = [], []
		frappe.flags.crm_archive_hooks_off = True  # their stored figures are stale: the run must write them
		try:
			for i in range(5):
				archive = archive_with_customer(f"_Streamed {i}")
				make_sales_invoice(archive.customer, 20000 * (i + 1))
				(stale if i % 2 else fresh).append(archive.name)
		finally:
			frappe.flags.crm_archive_hooks_off = False
		make_archive(full_name="_Streamed Without Customer")

		class HereRead(engine.AlongsideRead):
			"""The second read made on this connection (a second one cannot see this test's rows)."""

			def __init__(self, then=None):
				self.chunks, self.error = list(engine.unlocked_chunks()), None
				self.read = threading.Event()
				self.read.set()
				self.thread = threading.Thread(target=lambda: None)
				self.thread.start()
				self.thread.join()

			@staticmethod
			def possible():
				return True

		def run(alongside_class):
			frappe.db.savepoint("streamed")
			with (
				patch.object(engine, "CHUNK", 1),
				patch.object(queries, "STREAM_BATCH", 2),
				patch.object(engine, "AlongsideRead", alongside_class),
			):
				stats = engine.retier(trigger="Scheduled")
			after = {a: state(a) for a in stale + fresh}
			frappe.db.rollback(save_point="streamed")
			return stats, after

		class NoSecondRead(engine.AlongsideRead):
			@staticmethod
			def possible():
				return False

		streamed, streamed_after = run(HereRead)
		plain, plain_after = run(NoSecondRead)
		self.assertGreater(streamed["evaluated_while_streaming"], 0)
		self.assertEqual(plain["evaluated_while_streaming"], 0)
		self.assertEqual(streamed_after, plain_after)
		for key in ("evaluated", "changed", "tier_changes", "written_under_lock"):
			self.assertEqual(streamed[key], plain[key], key)
		self.assertGreaterEqual(streamed["written_under_lock"], 5)
		self.assertEqual(streamed_after[stale[0]].window_spend, 40000)
