"""The incremental night equals the full run (issue 28), in a real ERPNext site with real Sales Invoices.

Thirty simulated days of random invoices (some dated back, some ahead), cancellations, credit notes, tier
locks lifted and set, and Customer links changed behind the app's back. Each night is first run as a
full recompute (re-tier every archive, then the lifecycle pass) inside a savepoint, its result kept and
rolled back; then the nightly re-tier runs as it would (incremental when it can) with the same lifecycle
pass. Every archive's figures, tier, grace, lifecycle state, its Customer's group, and the log rows of the
night must be identical, every day. The replay also shows each source of change (changes.SOURCES) was
the only one to name an archive the full run changed at least once: none of them is dead weight, and
dropping any would make this test fail."""

import random
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.lifecycle.store import daily as lifecycle_daily
from crm_archive.tests.test_tiering import archive_with_customer, make_rule_set
from crm_archive.tests.utils import make_customer, make_sales_invoice, use_default_rule_set
from crm_archive.tiering import changes as C
from crm_archive.tiering.store import engine, incremental
from crm_archive.tiering.store.rule_sets import load_rule_set

RULES = [
	{"tier": "VIP", "priority": 1, "min_window_spend": 3000, "min_invoice_count": 2, "max_recency_days": 6},
	{"tier": "重要客户", "priority": 2, "condition": "recency_days <= 9 and window_spend >= 1000"},
	{"tier": "普通客户", "priority": 3, "condition": "days_since_first_purchase > 12 or invoice_count >= 1"},
]

FIELDS = (
	"name",
	"customer",
	"tier",
	"qualified_tier",
	"tier_pending_since",
	"tier_rule",
	"tier_reason",
	"window_spend",
	"lifetime_spend",
	"invoice_count",
	"average_order_value",
	"first_purchase_date",
	"last_purchase_date",
	"tier_locked",
	"review_required",
	"lifecycle_state",
)
TIER_FIELDS = FIELDS[2:13]
LOG_FIELDS = (
	"customer_archive",
	"event_type",
	"from_value",
	"to_value",
	"trigger",
	"rule_set",
	"rule_row",
	"metrics_snapshot",
	"reference_name",
)
DAYS = 30


def snapshot() -> dict:
	rows = frappe.db.sql(
		f"""select {", ".join(f"a.`{f}`" for f in FIELDS)}, c.`customer_group`
		from `tabCustomer Archive` a left join `tabCustomer` c on c.`name` = a.`customer`""",
		as_dict=True,
	)
	out = {r.name: r for r in rows}
	# and the tiers' Email Groups: the replay's emails in them (the night syncs only the archives whose tier
	# it changed and those edited since the last night; a full run syncs every archive)
	out["(tier email groups)"] = frappe.db.sql(
		"""select `email_group`, `email`, `unsubscribed` from `tabEmail Group Member`
		where `email` like 'replay.%%' order by `email_group`, `email`"""
	)
	return out


def new_logs(before: set) -> list:
	rows = frappe.db.sql(
		f"select `name`, {', '.join(f'`{f}`' for f in LOG_FIELDS)} from `tabCustomer Archive Log`",
		as_dict=True,
	)
	return sorted(tuple(r[f] or "" for f in LOG_FIELDS) for r in rows if r.name not in before)


def log_names() -> set:
	return set(frappe.db.sql_list("select `name` from `tabCustomer Archive Log`"))


class TestIncrementalNight(FrappeTestCase):
	@classmethod
	def tearDownClass(cls):
		use_default_rule_set()
		super().tearDownClass()

	def make_customers(self):
		self.rng = random.Random(28)
		self.start = add_days(nowdate(), -(DAYS + 12))
		make_rule_set("_Replay Rules", grace=3, window=20, rules=RULES)
		self.customers = []
		for i in range(24):
			archive = archive_with_customer(f"_Replay {i:02d}")
			self.customers.append(archive.customer)
			frappe.db.set_value("Customer Archive", archive.name, "email_id", f"replay.{i:02d}@example.com")
		self.mail_rng = random.Random(2028)  # (its own: the days' other draws stay as they were)
		self.spare = [make_customer(f"_Replay Spare {i}") for i in range(4)]
		self.invoices = []  # submitted, not returns: (name, customer, amount)
		with hooks_off():
			for customer in self.customers + self.spare:
				for _ in range(self.rng.randint(0, 3)):
					self.invoice(customer, add_days(self.start, -self.rng.randint(0, 25)))

	def invoice(self, customer, posting_date):
		amount = self.rng.choice((400, 900, 1500, 2600))
		si = make_sales_invoice(customer, amount, posting_date=posting_date)
		self.invoices.append((si.name, customer, amount, getdate(posting_date)))

	def day(self, today):
		"""What a day brings: invoices (today's, backdated, ahead), a cancellation, a credit note, a lock set
		or lifted (saved by a manager, as the desk does), a Customer link changed by a script."""
		rng = self.rng
		with hooks_off():
			for _ in range(rng.randint(1, 4)):
				when = rng.choice((today, today, today, add_days(today, -2), add_days(today, 3)))
				self.invoice(rng.choice(self.customers), when)
			if self.invoices and rng.random() < 0.35:
				name, *_ = self.invoices.pop(rng.randrange(len(self.invoices)))
				if not frappe.db.exists("Sales Invoice", {"return_against": name, "docstatus": 1}):
					frappe.get_doc("Sales Invoice", name).cancel()
			if self.invoices and rng.random() < 0.35:
				name, customer, amount, posted = rng.choice(self.invoices)
				make_sales_invoice(
					customer,
					amount / 2,
					posting_date=max(posted, getdate(today)),
					is_return=True,
					return_against=name,
				)
		if rng.random() < 0.3:
			archive = frappe.get_doc("Customer Archive", {"customer": rng.choice(self.customers)})
			if archive.tier_locked:
				archive.tier_locked = 0
			else:
				archive.update({"tier_locked": 1, "locked_tier": "重要客户", "tier_lock_reason": "replay"})
			archive.save()
		if rng.random() < 0.25:
			linked = set(
				frappe.get_all("Customer Archive", {"customer": ("in", self.spare)}, pluck="customer")
			)
			free = [c for c in self.spare if c not in linked]
			if free:
				archive = frappe.db.get_value("Customer Archive", {"customer": rng.choice(self.customers)})
				old = frappe.db.get_value("Customer Archive", archive, "customer")
				frappe.db.set_value("Customer Archive", archive, "customer", free[0])  # no hooks: a script
				self.customers[self.customers.index(old)] = free[0]
				self.spare[self.spare.index(free[0])] = old
		if self.mail_rng.random() < 0.3:
			# No Marketing changed by a script (no save: the night's edits source syncs it), or the email
			# changed in the desk (the save syncs it, the old email leaving the group)
			archive = frappe.db.get_value(
				"Customer Archive", {"customer": self.mail_rng.choice(self.customers)}
			)
			if self.mail_rng.random() < 0.5:
				marked = frappe.db.get_value("Customer Archive", archive, "no_marketing")
				frappe.db.set_value("Customer Archive", archive, "no_marketing", 0 if marked else 1)
			else:
				doc = frappe.get_doc("Customer Archive", archive)
				doc.email_id = f"replay.{self.mail_rng.randrange(10**6)}@example.com"
				doc.save()

	def test_every_night_equals_the_full_run(self):
		# the replay's days pass in seconds: without the overlap (which only adds archives, each written as
		# a full run writes it) the night reads the least it may, the hardest case for equality
		with patch.object(incremental, "OVERLAP", timedelta(0)):
			self.replay()

	def replay(self):
		self.make_customers()
		first = incremental.nightly_retier(as_of=self.start, full=True)
		self.assertEqual((first["mode"], first["full_reason"]), ("full", "asked"))
		lifecycle_daily(self.start)
		unique = {s: 0 for s in C.SOURCES}
		modes, read = [], []
		today = self.start
		for n in range(1, DAYS + 1):
			today = add_days(today, 2 if n == 12 else 1)  # day 12: a missed night
			self.day(today)
			if n == 20:  # the rules change during the day
				first_row = frappe.get_doc("Tier Rule Set", "_Replay Rules").rules[0].name
				frappe.db.set_value("Tier Rule", first_row, "min_window_spend", 3500)  # its re-tier job lost
			rule_set, _company = load_rule_set()
			sources = incremental.changed_archives(incremental.last_night(), getdate(today), rule_set)
			before_night = snapshot()
			logs_before = log_names()

			frappe.db.savepoint("replay_full")
			engine.retier(trigger="Scheduled", as_of=today)
			lifecycle_daily(today)
			full, full_logs = snapshot(), new_logs(logs_before)
			frappe.db.rollback(save_point="replay_full")
			self.assertEqual(snapshot(), before_night, "the savepoint gave the night's state back")

			if n == 25:  # a failed night: nothing recorded, so the next one is full
				with patch.object(incremental, "retier", side_effect=RuntimeError("the database went away")):
					self.assertRaises(RuntimeError, incremental.nightly_retier, as_of=today)
				frappe.db.rollback(save_point="replay_full")
				continue
			stats = incremental.nightly_retier(as_of=today)
			lifecycle_daily(today)
			modes.append((n, stats["mode"], stats.get("full_reason")))
			if stats["mode"] == "incremental":
				read.append(stats["evaluated"] / (len(full) - 1))
			self.assertEqual(snapshot(), full, f"day {n} ({stats['mode']}): archives differ from a full run")
			self.assertEqual(new_logs(logs_before), full_logs, f"day {n}: log rows differ from a full run")

			changed = {
				a
				for a, row in full.items()
				if a != "(tier email groups)"
				and tuple(row[f] for f in TIER_FIELDS) != tuple(before_night[a][f] for f in TIER_FIELDS)
			}
			for s in C.SOURCES:
				others = set().union(*(sources[o] for o in C.SOURCES if o != s))
				unique[s] += len((changed & sources[s]) - others)

		by_day = {n: (mode, reason) for n, mode, reason in modes}
		self.assertEqual(by_day[12], ("full", "missed"))
		self.assertEqual(by_day[20], ("full", "rules"))
		self.assertEqual(by_day[26], ("full", "missed"))  # after the failed night
		incremental_days = [n for n, mode, _r in modes if mode == "incremental"]
		self.assertGreaterEqual(len(incremental_days), DAYS - 5)
		self.assertLess(sum(read) / len(read), 0.5, "an incremental night reads a part of the archives")
		for s in C.SOURCES:
			self.assertGreater(unique[s], 0, f"no night needed the {s} source alone: {unique}")

	def test_rules_that_read_predictions_or_compute_with_recency_run_in_full(self):
		incremental.nightly_retier(full=True)
		make_rule_set(
			"_Replay Predicted", rules=[{"tier": "VIP", "priority": 1, "condition": "p_alive > 0.5"}]
		)
		incremental.nightly_retier(full=True)
		self.assertEqual(incremental.nightly_retier()["full_reason"], "predictions")
		make_rule_set(
			"_Replay Computed", rules=[{"tier": "VIP", "priority": 1, "condition": "recency_days / 7 < 2"}]
		)
		incremental.nightly_retier(full=True)
		self.assertEqual(incremental.nightly_retier()["full_reason"], "unbounded")
		make_rule_set(
			"_Replay Bounded", rules=[{"tier": "VIP", "priority": 1, "condition": "recency_days < 14"}]
		)
		incremental.nightly_retier(full=True)
		self.assertEqual(incremental.nightly_retier()["mode"], "incremental")
		settings = frappe.get_single("CRM Archive Settings")
		self.assertEqual(
			(getdate(settings.last_night_on), settings.last_night_mode),
			(getdate(nowdate()), "Changed Archives"),
		)

	def test_a_rank_change_runs_in_full(self):
		incremental.nightly_retier(full=True)
		self.assertEqual(incremental.nightly_retier()["mode"], "incremental")
		rank = frappe.db.get_value("Customer Tier", "VIP", "rank")
		frappe.db.set_value("Customer Tier", "VIP", "rank", rank + 1)
		self.assertEqual(incremental.nightly_retier()["full_reason"], "rules")


class hooks_off:
	"""The invoices' own after-submit re-tier off, so the night alone must find what the day changed."""

	def __enter__(self):
		frappe.flags.crm_archive_hooks_off = True

	def __exit__(self, *exc):
		frappe.flags.crm_archive_hooks_off = False
