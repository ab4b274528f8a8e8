# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_to_date, getdate, now_datetime, nowdate

from crm_archive.crm_archive.report.lifecycle_funnel.lifecycle_funnel import execute
from crm_archive.tests.utils import ensure_user

MANAGER = "crm.funnel.manager@example.com"
REP = "crm.funnel.rep@example.com"


def make_test_archive(full_name, manager, state, moves=()):
	"""An archive in `state` now, with its past moves [(from, to, days_ago)] in the log."""
	doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": full_name, "account_manager": manager})
	doc.flags.ignore_duplicates = True
	doc.insert()
	frappe.db.set_value("Customer Archive", doc.name, "lifecycle_state", state)
	for frm, to, days_ago in moves:
		frappe.get_doc(
			{
				"doctype": "Customer Archive Log",
				"customer_archive": doc.name,
				"event_type": "Lifecycle Change",
				"from_value": frm,
				"to_value": to,
				"trigger": "Workflow",
				"timestamp": add_to_date(now_datetime(), days=-days_ago),
			}
		).insert(ignore_permissions=True)
	return doc.name


class TestLifecycleFunnel(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.today = getdate(nowdate())
		ensure_user(MANAGER), ensure_user(REP)
		make_test_archive("_LF Potential", MANAGER, "Potential")
		make_test_archive("_LF Interested", MANAGER, "Intentional", [("Potential", "Intentional", 5)])
		make_test_archive(
			"_LF Converted",
			MANAGER,
			"Existing",
			[("Potential", "Intentional", 20), ("Intentional", "Existing", 10)],
		)
		cls.churned = make_test_archive("_LF Churned", REP, "Churned", [("Existing", "Churned", 3)])
		make_test_archive("_LF Won Back", MANAGER, "Existing", [("Churned", "Existing", 2)])
		make_test_archive("_LF Warming Again", MANAGER, "Intentional", [("Churned", "Intentional", 1)])
		# a move long ago: outside the default 90 days
		make_test_archive("_LF Old Move", MANAGER, "Intentional", [("Potential", "Intentional", 200)])

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_counts_conversions_and_chart(self):
		columns, rows, _m, chart, summary = execute({"account_manager": MANAGER})  # the last 90 days
		stage = {r["stage"]: (r["moved"], r["conversion"]) for r in rows}
		# now: Potential 1, Intentional 3, Existing 2; moves in the last 90 days out of each stage:
		# Potential 2, Intentional 1, Churned 2 → base = now in the stage + moved out of it
		self.assertEqual(
			stage,
			{
				"Potential → Intentional": (2, 66.7),  # 2 / (1 + 2)
				"Intentional → Existing": (1, 25.0),  # 1 / (3 + 1)
				"Potential → Existing": (0, 0.0),
				"Existing → Churned": (0, 0.0),
				"Churned → Intentional": (1, 50.0),  # 1 / (0 + 2)
				"Churned → Existing": (1, 50.0),
			},
		)
		self.assertEqual(
			{s["label"]: s["value"] for s in summary},
			{"Potential": 1, "Intentional": 3, "Existing": 2, "Churned": 0, "Win-backs": 2},
		)
		self.assertEqual(chart["type"], "bar")
		self.assertEqual(chart["data"]["labels"], ["Potential", "Intentional", "Existing", "Churned"])
		self.assertEqual(chart["data"]["datasets"][0]["values"], [1, 3, 2, 0])
		self.assertEqual([c["fieldname"] for c in columns], ["stage", "moved", "conversion"])

	def test_period(self):
		_c, rows, *_ = execute(
			{
				"account_manager": MANAGER,
				"from_date": str(add_days(self.today, -7)),
				"to_date": str(self.today),
			}
		)
		moved = {r["stage"]: r["moved"] for r in rows}
		self.assertEqual(
			(moved["Potential → Intentional"], moved["Intentional → Existing"], moved["Churned → Existing"]),
			(1, 0, 1),
		)
		_c, rows, *_ = execute(
			{
				"account_manager": MANAGER,
				"from_date": str(add_days(self.today, -365)),
				"to_date": str(add_days(self.today, -30)),
			}
		)
		self.assertEqual({r["stage"]: r["moved"] for r in rows}["Potential → Intentional"], 1)  # the old move

	def test_record_permissions(self):
		frappe.set_user(REP)
		_c, rows, _m, _chart, summary = execute({})
		moved = {r["stage"]: r["moved"] for r in rows}
		self.assertEqual(moved["Existing → Churned"], 1)
		self.assertEqual(sum(moved.values()), 1)  # the manager's archives' moves are not counted
		self.assertEqual(
			{s["label"]: s["value"] for s in summary},
			{"Potential": 0, "Intentional": 0, "Existing": 0, "Churned": 1, "Win-backs": 0},
		)
