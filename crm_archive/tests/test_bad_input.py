"""Bad input over REST with a real session: every malformed input gets a clear error (4xx with a message,
never a 500) or is stored safely; nothing is half-written. Prints `bad input: N tried / N handled`."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.tests.rest import Session
from crm_archive.tests.test_permissions import PWD, make_user

REPORTS = [
	"Customer Value Analysis",
	"Churn Risk",
	"Customer Lifetime Value",
	"Tier Benefits",
	"Follow-ups Due",
	"Tier Distribution and Movements",
	"Lifecycle Funnel",
	"Possible Duplicates",
]
SQLISH = [
	"x' or '1'='1",
	"1; drop table `tabCustomer Archive`; --",
	'") union select password from __Auth --',
	["VIP", "x"],
	{"$ne": 1},
]


class TestBadInput(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.user = make_user("crm.bad.input@example.com", ["CRM Archive Manager"])
		frappe.db.commit()
		cls.s = Session(cls.user, PWD)

	def archive_payloads(self):
		ok = {"full_name": "Bad Input Probe"}
		return [
			{**ok, "email_id": "not-an-email"},
			{**ok, "email_id": "a@b"},
			{**ok, "email_id": "x" * 300 + "@example.com"},
			{**ok, "mobile_no": "12"},
			{**ok, "mobile_no": "call me"},
			{**ok, "mobile_no": "+86 000 0000"},
			{**ok, "date_of_birth": "2999-01-01"},
			{**ok, "date_of_birth": "not a date"},
			{**ok, "date_of_birth": "1990-13-45"},
			{**ok, "headcount": -5},
			{**ok, "headcount": "many"},
			{"full_name": ""},
			{"full_name": "   "},
			{"full_name": "x" * 5000},
			{**ok, "gender": "Robot"},
			{**ok, "industry": "No Such Industry"},
			{**ok, "territory": "Atlantis"},
			{**ok, "customer": "No Such Customer"},
			{**ok, "account_manager": "nobody@nowhere.invalid"},
			{**ok, "first_contact_channel": "Telepathy"},
			{**ok, "social_accounts": [{"platform": "MySpace", "account": "x"}]},
			{**ok, "social_accounts": [{"platform": "WeChat", "account": ""}]},
			{**ok, "lifecycle_state": "Existing"},
			{**ok, "tier_locked": 1, "locked_tier": "Imaginary", "tier_lock_reason": "x"},
			{**ok, "tier_locked": 1, "locked_tier": "VIP"},
			{**ok, "price_preference": "Free"},
			{**ok, "company_size": "Gigantic", "headcount": -1},
		]

	def interaction_payloads(self, archive):
		ok = {"customer_archive": archive, "summary": "probe"}
		return [
			{**ok, "interaction_datetime": "1800-01-01 00:00:00"},
			{**ok, "interaction_datetime": "2999-01-01 00:00:00"},
			{**ok, "interaction_datetime": "yesterday-ish"},
			{**ok, "channel": "Pigeon"},
			{**ok, "interaction_type": "Gossip"},
			{**ok, "summary": ""},
			{**ok, "summary": "   "},
			{**ok, "satisfaction": 7},
			{**ok, "next_follow_up_date": "1999-01-01"},
			{"summary": "no archive"},
			{**ok, "customer_archive": "CA-DOES-NOT-EXIST"},
			{**ok, "next_follow_up_date": "2999-12-31"},
		]

	def test_malformed_inputs_are_refused_cleanly(self):
		tried, handled, problems = 0, 0, []
		n_archives = frappe.db.count("Customer Archive")

		def check(label, response):
			nonlocal tried, handled
			tried += 1
			body = response.get_data(as_text=True)
			if 400 <= response.status_code < 500 and ("exception" in body or "_server_messages" in body):
				handled += 1
			else:
				problems.append(f"{label}: {response.status_code} {body[:400]}")

		for payload in self.archive_payloads():
			check(f"archive {list(payload)}", self.s.post("/api/resource/Customer Archive", payload))
		self.assertEqual(
			frappe.db.count("Customer Archive"), n_archives, "a refused archive was half-written"
		)

		archive = frappe.get_doc({"doctype": "Customer Archive", "full_name": "Probe Target"}).insert()
		frappe.db.commit()
		try:
			n_inter = frappe.db.count("Customer Interaction")
			for payload in self.interaction_payloads(archive.name):
				check(
					f"interaction {list(payload)}", self.s.post("/api/resource/Customer Interaction", payload)
				)
			self.assertEqual(frappe.db.count("Customer Interaction"), n_inter)

			for expr in (
				"window_spend >=",
				"import os",
				"__import__('os')",
				"spend > 1",
				"window_spend.__class__",
			):
				check(
					f"condition {expr}",
					self.s.post(
						"/api/resource/Tier Rule Set",
						{
							"rule_set_name": f"Probe {expr[:10]}",
							"window_days": 365,
							"default_tier": "潜在客户",
							"rules": [{"tier": "VIP", "priority": 1, "condition": expr}],
						},
					),
				)
			for bad in (
				{"window_days": 0},
				{"window_days": -3},
				{"rules": []},
				{"default_tier": "Imaginary"},
				{"downgrade_grace_days": -1},
			):
				payload = {
					"rule_set_name": f"Probe {json.dumps(bad)[:20]}",
					"window_days": 365,
					"default_tier": "潜在客户",
					"rules": [{"tier": "VIP", "priority": 1}],
					**bad,
				}
				check(f"rule set {bad}", self.s.post("/api/resource/Tier Rule Set", payload))
			self.assertFalse(frappe.db.exists("Tier Rule Set", {"rule_set_name": ("like", "Probe%")}))

			# SQL-looking and wrongly typed values into every report filter: a clear error or an empty, safe answer
			for report in REPORTS:
				for value in SQLISH:
					for key in ("tier", "account_manager", "lifecycle_state"):
						tried += 1
						r = self.s.method(
							"frappe.desk.query_report.run",
							report_name=report,
							filters=json.dumps({key: value, "as_of": "2026-11-24"}),
						)
						body = r.get_data(as_text=True)
						if r.status_code == 200 or (400 <= r.status_code < 500 and "exception" in body):
							handled += 1
						else:
							problems.append(f"report {report} {key}={value}: {r.status_code} {body[:160]}")
			# HTML and mixed scripts are stored escaped-safe and come back as text
			r = self.s.post(
				"/api/resource/Customer Interaction",
				{"customer_archive": archive.name, "summary": "<script>alert(1)</script> 客户 😀 Ünïcode"},
			)
			tried += 1
			if r.status_code == 200 and "<script>" not in json.dumps(r.json["data"]["summary"]):
				handled += 1
			else:
				problems.append(f"html summary: {r.status_code} {r.get_data(as_text=True)[:160]}")
		finally:
			frappe.db.delete("Customer Interaction", {"customer_archive": archive.name})
			frappe.db.delete("Customer Archive Log", {"customer_archive": archive.name})
			frappe.delete_doc("Customer Archive", archive.name, force=True)
			frappe.db.commit()
		print(f"\nbad input: {tried} tried / {handled} handled")
		self.assertGreaterEqual(tried, 50)
		self.assertEqual(problems, [])
		self.assertEqual(handled, tried)
