"""Record- and field-level permissions over every read path, with real users and real sessions."""

import json

import frappe
from frappe.model.workflow import WorkflowPermissionError, WorkflowTransitionError, apply_workflow
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from crm_archive.lifecycle.store import mark_inactive_churned
from crm_archive.tests.rest import Session
from crm_archive.tests.utils import make_customer, make_sales_invoice

PWD = "Crm#Test#2026"
DENIED = (WorkflowPermissionError, WorkflowTransitionError)
USERS = {
	"rep_a": ("crm.rep.a@example.com", ["CRM Archive User"]),
	"rep_b": ("crm.rep.b@example.com", ["CRM Archive User"]),
	"manager": ("crm.manager@example.com", ["CRM Archive Manager"]),
	"auditor": ("crm.auditor@example.com", ["CRM Archive Auditor"]),
	"reviewer": ("crm.reviewer@example.com", ["CRM Archive Reviewer"]),
}
SECRET_MOBILE = "+8613900001111"
SECRET_EMAIL = "secret.b@example.com"
SECRET_ID = "110101199003071233"
SECRET_NOTE = "pays late; confidential"


def text(response) -> str:
	"""Response body with JSON decoded (Chinese names are \\u-escaped in the raw body)."""
	try:
		return json.dumps(response.json, ensure_ascii=False)
	except Exception:
		return response.get_data(as_text=True)


def make_user(email, roles):
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.new_password = PWD
	user.save(ignore_permissions=True)
	user.add_roles(*roles)
	return email


class TestPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.u = {k: make_user(email, roles) for k, (email, roles) in USERS.items()}
		cls.a = cls.archive("_Perm A 甲", cls.u["rep_a"], "+8613900002222", "a@example.com")
		cls.b = cls.archive("_Perm B 乙", cls.u["rep_b"], SECRET_MOBILE, SECRET_EMAIL)
		cls.ia = cls.interaction(cls.a, "call with A")
		cls.ib = cls.interaction(cls.b, "call with B")
		frappe.db.commit()
		cls.sessions = {k: Session(email, PWD) for k, email in cls.u.items()}

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in (cls.ia, cls.ib):
			frappe.delete_doc("Customer Interaction", name, force=True, ignore_permissions=True)
		for name in (cls.a, cls.b):
			frappe.db.delete("Customer Archive Log", {"customer_archive": name})
			frappe.delete_doc("Customer Archive", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	@classmethod
	def archive(cls, name, manager, mobile, email):
		doc = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": name,
				"account_manager": manager,
				"mobile_no": mobile,
				"email_id": email,
				"id_number": SECRET_ID,
				"confidential_notes": SECRET_NOTE,
				"company_name": "Perm Co",
			}
		).insert(ignore_permissions=True)
		return doc.name

	@classmethod
	def interaction(cls, archive, summary):
		return (
			frappe.get_doc(
				{"doctype": "Customer Interaction", "customer_archive": archive, "summary": summary}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def tearDown(self):
		frappe.set_user("Administrator")

	# --- in-process read paths ---------------------------------------------------------------------------

	def test_rep_sees_only_own_archives_in_process(self):
		frappe.set_user(self.u["rep_a"])
		names = frappe.get_list("Customer Archive", pluck="name", limit_page_length=0)
		self.assertIn(self.a, names)
		self.assertNotIn(self.b, names)
		self.assertFalse(frappe.has_permission("Customer Archive", "read", doc=self.b))
		self.assertTrue(frappe.has_permission("Customer Archive", "read", doc=self.a))
		self.assertRaises(
			frappe.PermissionError, frappe.get_doc("Customer Archive", self.b).check_permission, "read"
		)
		self.assertEqual(frappe.db.count("Customer Archive", {"name": self.b}), 1)  # raw db is not the API
		inter = frappe.get_list("Customer Interaction", pluck="name", limit_page_length=0)
		self.assertIn(self.ia, inter)
		self.assertNotIn(self.ib, inter)
		logs = frappe.get_list("Customer Archive Log", fields=["customer_archive"], limit_page_length=0)
		self.assertNotIn(self.b, {r.customer_archive for r in logs})

	def test_rep_cannot_log_interaction_on_foreign_archive(self):
		frappe.set_user(self.u["rep_a"])
		doc = frappe.get_doc(
			{"doctype": "Customer Interaction", "customer_archive": self.b, "summary": "sneaky"}
		)
		self.assertRaises(frappe.PermissionError, doc.insert)

	def test_assignment_and_share_grant_access(self):
		from frappe.desk.form.assign_to import add as assign

		frappe.set_user("Administrator")
		assign({"assign_to": [self.u["rep_a"]], "doctype": "Customer Archive", "name": self.b})
		frappe.set_user(self.u["rep_a"])
		self.assertIn(self.b, frappe.get_list("Customer Archive", pluck="name", limit_page_length=0))
		self.assertTrue(frappe.has_permission("Customer Archive", "read", doc=self.b))
		frappe.set_user("Administrator")
		from frappe.desk.form.assign_to import set_status

		set_status("Customer Archive", self.b, assign_to=self.u["rep_a"], status="Cancelled")
		frappe.set_user(self.u["rep_a"])
		self.assertFalse(frappe.has_permission("Customer Archive", "read", doc=self.b))
		frappe.set_user("Administrator")
		frappe.share.add("Customer Archive", self.b, self.u["rep_a"], read=1)
		frappe.set_user(self.u["rep_a"])
		self.assertTrue(frappe.has_permission("Customer Archive", "read", doc=self.b))
		frappe.set_user("Administrator")
		frappe.share.remove("Customer Archive", self.b, self.u["rep_a"])
		frappe.set_user(self.u["rep_a"])
		self.assertFalse(frappe.has_permission("Customer Archive", "read", doc=self.b))

	# --- REST with real sessions ---------------------------------------------------------------------

	def rest_probe(self, who, target):
		"""Every REST read path for one archive; returns the response texts (leaks are searched in them)."""
		s = self.sessions[who]
		name = frappe.db.get_value("Customer Archive", target, "full_name")
		out = {}
		out["get"] = s.get(f"/api/resource/Customer Archive/{target}")
		out["list"] = s.get(
			"/api/resource/Customer Archive",
			{"fields": json.dumps(["name", "full_name"]), "limit_page_length": 0},
		)
		out["client.get_list"] = s.method(
			"frappe.client.get_list",
			doctype="Customer Archive",
			fields=["name", "full_name"],
			limit_page_length=0,
		)
		out["client.get"] = s.method("frappe.client.get", doctype="Customer Archive", name=target)
		out["client.get_value"] = s.method(
			"frappe.client.get_value",
			doctype="Customer Archive",
			fieldname="full_name",
			filters={"name": target},
		)
		out["client.get_count"] = s.method(
			"frappe.client.get_count", doctype="Customer Archive", filters={"name": target}
		)
		out["reportview.get"] = s.method(
			"frappe.desk.reportview.get",
			doctype="Customer Archive",
			fields=["`tabCustomer Archive`.`name`", "`tabCustomer Archive`.`full_name`"],
			filters=[],
			start=0,
			page_length=500,
		)
		out["reportview.get_count"] = s.method(
			"frappe.desk.reportview.get_count",
			doctype="Customer Archive",
			filters=[["Customer Archive", "name", "=", target]],
		)
		out["search_link"] = s.method(
			"frappe.desk.search.search_link", doctype="Customer Archive", txt=name[:6]
		)
		out["interactions"] = s.method(
			"frappe.client.get_list",
			doctype="Customer Interaction",
			fields=["name", "customer_archive", "summary"],
			limit_page_length=0,
		)
		out["open_count"] = s.method(
			"frappe.desk.notifications.get_open_count", doctype="Customer Archive", name=target
		)
		out["getdoc"] = s.get(
			"/api/method/frappe.desk.form.load.getdoc", {"doctype": "Customer Archive", "name": target}
		)
		return out, name

	def test_rest_rep_cannot_read_other_reps_archive(self):
		out, name = self.rest_probe("rep_a", self.b)
		leaks = [k for k, r in out.items() if r.status_code == 200 and (self.b in text(r) or name in text(r))]
		# get_count answers 0, never 1
		self.assertEqual(out["client.get_count"].json.get("message"), 0, text(out["client.get_count"]))
		self.assertEqual(out["reportview.get_count"].json.get("message"), 0)
		self.assertEqual(leaks, [], f"rep A read rep B's archive via {leaks}")
		self.assertIn(out["get"].status_code, (403, 404))
		# and the same paths do return rep A's own archive
		own, own_name = self.rest_probe("rep_a", self.a)
		self.assertEqual(own["get"].status_code, 200)
		self.assertIn(own_name, text(own["list"]))
		self.assertIn(self.a, text(own["search_link"]))

	def test_leak_probe_figure(self):
		"""≥ 200 cross-user read attempts over every read path, with real sessions: leaks found = 0."""
		frappe.set_user("Administrator")
		extra = [
			self.archive(f"_Probe B{i} 乙{i}", self.u["rep_b"], f"+86139000{i:05d}", f"b{i}@example.com")
			for i in range(12)
		]
		for name in extra:
			self.interaction(name, f"secret talk {name}")
		frappe.db.commit()
		attempts, leaks = 0, []
		try:
			for target in [self.b, *extra]:
				for who in ("rep_a", "auditor"):
					out, full_name = self.rest_probe(who, target)
					for path, r in out.items():
						attempts += 1
						body = text(r)
						if who == "rep_a" and r.status_code == 200 and (target in body or full_name in body):
							leaks.append((who, path, target))
						if who == "auditor":
							mobile, email = frappe.db.get_value(
								"Customer Archive", target, ["mobile_no", "email_id"]
							)
							if mobile in body or email in body:
								leaks.append((who, path, target))
		finally:
			for name in extra:
				frappe.db.delete("Customer Interaction", {"customer_archive": name})
				frappe.db.delete("Customer Archive Log", {"customer_archive": name})
				frappe.db.delete("Customer Archive", {"name": name})
			frappe.db.commit()
		print(f"\npermission probe: {attempts} cross-user read attempts, {len(leaks)} leaks")
		self.assertGreaterEqual(attempts, 200)
		self.assertEqual(leaks, [])

	def test_rest_manager_reads_everything(self):
		out, name = self.rest_probe("manager", self.b)
		self.assertEqual(out["get"].status_code, 200)
		for key in ("list", "client.get_list", "reportview.get", "client.get"):
			self.assertIn(name, text(out[key]), key)
		doc = out["get"].json["data"]
		self.assertEqual(doc["mobile_no"], SECRET_MOBILE)
		self.assertEqual(doc["confidential_notes"], SECRET_NOTE)
		self.assertNotEqual(doc.get("id_number"), SECRET_ID)  # masked even for managers

	def test_field_levels_hide_contact_details_from_auditor(self):
		s = self.sessions["auditor"]
		responses = [
			s.get(f"/api/resource/Customer Archive/{self.b}"),
			s.method("frappe.client.get", doctype="Customer Archive", name=self.b),
			s.get(
				"/api/resource/Customer Archive",
				{"fields": json.dumps(["name", "mobile_no", "email_id", "confidential_notes"])},
			),
			s.method(
				"frappe.client.get_list",
				doctype="Customer Archive",
				fields=["name", "mobile_no", "email_id"],
				limit_page_length=0,
			),
			s.method(
				"frappe.desk.reportview.get",
				doctype="Customer Archive",
				fields=[
					"`tabCustomer Archive`.`name`",
					"`tabCustomer Archive`.`mobile_no`",
					"`tabCustomer Archive`.`email_id`",
				],
				filters=[],
				start=0,
				page_length=500,
			),
			s.method(
				"frappe.client.get_value",
				doctype="Customer Archive",
				fieldname=["mobile_no", "email_id"],
				filters={"name": self.b},
			),
			s.method("frappe.desk.search.search_link", doctype="Customer Archive", txt="13900001111"),
			s.get(
				"/api/method/frappe.desk.form.load.getdoc", {"doctype": "Customer Archive", "name": self.b}
			),
		]
		self.assertEqual(responses[0].status_code, 200)  # the auditor reads the archive's business data
		self.assertIn("Perm Co", text(responses[0]))
		for i, r in enumerate(responses):
			body = text(r)
			for secret in (SECRET_MOBILE, SECRET_EMAIL, SECRET_NOTE, SECRET_ID):
				self.assertNotIn(secret, body, f"auditor saw {secret} via probe {i}")

	def test_export_honours_record_and_field_permissions(self):
		fields = json.dumps(
			[
				"`tabCustomer Archive`.`name`",
				"`tabCustomer Archive`.`full_name`",
				"`tabCustomer Archive`.`mobile_no`",
				"`tabCustomer Archive`.`email_id`",
				"`tabCustomer Archive`.`confidential_notes`",
			]
		)
		params = {
			"doctype": "Customer Archive",
			"file_format_type": "CSV",
			"fields": fields,
			"filters": "[]",
			"title": "Customer Archive",
		}
		r = self.sessions["auditor"].post("/api/method/frappe.desk.reportview.export_query", params)
		body = r.get_data(as_text=True)
		self.assertEqual(r.status_code, 200, body[:300])
		self.assertIn(self.b, body)  # auditors export business data
		for secret in (SECRET_MOBILE, SECRET_EMAIL, SECRET_NOTE):
			self.assertNotIn(secret, body)
		r = self.sessions["rep_a"].post("/api/method/frappe.desk.reportview.export_query", params)
		self.assertNotIn(
			self.b, r.get_data(as_text=True)
		)  # reps have no export right, and never rep B's rows

	def test_rep_does_not_see_confidential_level(self):
		frappe.set_user("Administrator")
		frappe.db.set_value("Customer Archive", self.b, "confidential_notes", SECRET_NOTE)
		r = self.sessions["rep_b"].get(f"/api/resource/Customer Archive/{self.b}")
		self.assertEqual(r.status_code, 200)
		self.assertEqual(r.json["data"]["mobile_no"], SECRET_MOBILE)  # own archive: contact details
		self.assertNotIn(SECRET_NOTE, text(r))

	def test_id_number_encrypted_at_rest(self):
		raw = frappe.db.sql(
			"select id_number, id_number_hash from `tabCustomer Archive` where name=%s", self.b
		)[0]
		self.assertNotIn(SECRET_ID, raw[0] or "")
		self.assertTrue(set(raw[0]) <= {"*"})
		self.assertEqual(len(raw[1]), 64)
		auth = frappe.db.sql(
			"select `password` from `__Auth` where doctype='Customer Archive' and name=%s and fieldname='id_number'",
			self.b,
		)
		self.assertTrue(auth and SECRET_ID not in auth[0][0])
		versions = frappe.get_all(
			"Version", filters={"ref_doctype": "Customer Archive", "docname": self.b}, pluck="data"
		)
		self.assertFalse(any(SECRET_ID in (v or "") for v in versions))
		frappe.set_user(self.u["manager"])
		self.assertEqual(frappe.get_doc("Customer Archive", self.b).reveal_id_number(), SECRET_ID)
		frappe.set_user(self.u["rep_b"])
		self.assertRaises(frappe.PermissionError, frappe.get_doc("Customer Archive", self.b).reveal_id_number)
		frappe.set_user("Administrator")
		self.assertTrue(
			frappe.db.exists(
				"Customer Archive Log", {"customer_archive": self.b, "event_type": "ID Number Revealed"}
			)
		)


class TestLifecycleWorkflow(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.rep = make_user(*USERS["rep_a"])
		cls.manager = make_user(*USERS["manager"])

	def tearDown(self):
		frappe.set_user("Administrator")

	def new_archive(self, name, customer=None):
		return frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": name,
				"account_manager": self.rep,
				"customer": customer,
			}
		).insert(ignore_permissions=True)

	def moves(self, archive):
		return frappe.get_all(
			"Customer Archive Log",
			filters={"customer_archive": archive, "event_type": "Lifecycle Change"},
			fields=["from_value", "to_value", "trigger", "user"],
			order_by="creation asc",
		)

	def test_manual_moves_gated_by_role(self):
		archive = self.new_archive("_WF Manual")
		frappe.set_user(self.rep)
		doc = apply_workflow(frappe.get_doc("Customer Archive", archive.name), "Mark Intentional")
		self.assertEqual(doc.lifecycle_state, "Intentional")
		self.assertRaises(
			DENIED, apply_workflow, frappe.get_doc("Customer Archive", archive.name), "Convert to Existing"
		)
		doc = apply_workflow(frappe.get_doc("Customer Archive", archive.name), "Back to Potential")
		self.assertEqual(doc.lifecycle_state, "Potential")
		doc = apply_workflow(frappe.get_doc("Customer Archive", archive.name), "Mark Intentional")
		# nobody reaches Existing without a linked Customer, not even a manager
		frappe.set_user(self.manager)
		self.assertRaises(
			DENIED, apply_workflow, frappe.get_doc("Customer Archive", archive.name), "Convert to Existing"
		)
		frappe.set_user("Administrator")
		frappe.db.set_value(
			"Customer Archive", archive.name, "customer", make_customer("_WF Manual Customer")
		)
		frappe.set_user(self.manager)
		doc = apply_workflow(frappe.get_doc("Customer Archive", archive.name), "Convert to Existing")
		self.assertEqual(doc.lifecycle_state, "Existing")
		frappe.set_user(self.rep)
		self.assertRaises(
			DENIED, apply_workflow, frappe.get_doc("Customer Archive", archive.name), "Mark Churned"
		)
		frappe.set_user(self.manager)
		apply_workflow(frappe.get_doc("Customer Archive", archive.name), "Mark Churned")
		doc = apply_workflow(frappe.get_doc("Customer Archive", archive.name), "Win Back")
		self.assertEqual(doc.lifecycle_state, "Intentional")
		frappe.set_user("Administrator")
		moves = [(m.from_value, m.to_value, m.trigger) for m in self.moves(archive.name)]
		self.assertEqual(
			moves,
			[
				("Potential", "Intentional", "Workflow"),
				("Intentional", "Potential", "Workflow"),
				("Potential", "Intentional", "Workflow"),
				("Intentional", "Existing", "Workflow"),
				("Existing", "Churned", "Workflow"),
				("Churned", "Intentional", "Workflow"),
			],
		)
		self.assertEqual(self.moves(archive.name)[0].user, self.rep)

	def test_rep_cannot_set_state_directly(self):
		archive = self.new_archive("_WF Direct", make_customer("_WF Direct Customer"))
		frappe.set_user(self.rep)
		doc = frappe.get_doc("Customer Archive", archive.name)
		doc.lifecycle_state = "Existing"
		self.assertRaises(WorkflowPermissionError, doc.save)

	def test_automatic_moves_on_invoice_and_inactivity(self):
		customer = make_customer("_WF Auto Customer")
		archive = self.new_archive("_WF Auto", customer)
		frappe.set_user(self.rep)
		make_sales_invoice(customer, 500, posting_date=add_days(nowdate(), -5))
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Customer Archive", archive.name, "lifecycle_state"), "Existing")
		self.assertEqual(mark_inactive_churned(as_of=add_days(nowdate(), 170)), 0)
		self.assertGreaterEqual(mark_inactive_churned(as_of=add_days(nowdate(), 175)), 1)
		self.assertEqual(frappe.db.get_value("Customer Archive", archive.name, "lifecycle_state"), "Churned")
		make_sales_invoice(customer, 800)
		self.assertEqual(frappe.db.get_value("Customer Archive", archive.name, "lifecycle_state"), "Existing")
		moves = [(m.from_value, m.to_value, m.trigger) for m in self.moves(archive.name)]
		self.assertEqual(
			moves,
			[
				("Potential", "Existing", "Invoice Submit"),
				("Existing", "Churned", "Inactivity"),
				("Churned", "Existing", "Invoice Submit"),
			],
		)


class TestReview(FrappeTestCase):
	def test_two_person_review(self):
		manager = make_user(*USERS["manager"])
		reviewer = make_user(*USERS["reviewer"])
		reviewer2 = make_user("crm.reviewer2@example.com", ["CRM Archive Reviewer", "CRM Archive Manager"])
		frappe.set_user(manager)
		doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": "_Review Me"}).insert()
		self.assertFalse(doc.review_required)
		doc.flag_for_review = 1
		doc.save()
		self.assertTrue(doc.review_required)
		frappe.set_user(reviewer2)
		doc = frappe.get_doc("Customer Archive", doc.name)
		doc.full_name = "_Review Me 2"
		doc.save()
		self.assertRaises(frappe.PermissionError, frappe.get_doc("Customer Archive", doc.name).verify)
		frappe.set_user(manager)
		self.assertRaises(frappe.PermissionError, frappe.get_doc("Customer Archive", doc.name).verify)
		frappe.set_user(reviewer)
		frappe.get_doc("Customer Archive", doc.name).verify()
		frappe.set_user("Administrator")
		v = frappe.db.get_value("Customer Archive", doc.name, ["verified", "verified_by"], as_dict=True)
		self.assertEqual((v.verified, v.verified_by), (1, reviewer))
		frappe.set_user(manager)
		doc = frappe.get_doc("Customer Archive", doc.name)
		doc.remarks = "not a key field"
		doc.save()
		self.assertEqual(frappe.db.get_value("Customer Archive", doc.name, "verified"), 1)
		doc.email_id = "changed@example.com"
		doc.save()
		self.assertEqual(frappe.db.get_value("Customer Archive", doc.name, "verified"), 0)
		frappe.set_user("Administrator")
		self.assertTrue(
			frappe.db.exists(
				"Customer Archive Log", {"customer_archive": doc.name, "event_type": "Verification"}
			)
		)
		# a VIP archive needs review without a flag
		frappe.db.set_value("Customer Tier", "VIP", "dedicated_account_manager", 1)
		doc = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": "_Review VIP",
				"tier_locked": 1,
				"locked_tier": "VIP",
				"tier_lock_reason": "key",
			}
		).insert()
		self.assertTrue(frappe.db.get_value("Customer Archive", doc.name, "review_required"))


class TestPrintProfile(FrappeTestCase):
	def test_profile_print_leaves_out_protected_fields(self):
		make_user(*USERS["manager"])
		make_user(*USERS["auditor"])
		archive = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": "_Print 客户",
				"mobile_no": SECRET_MOBILE,
				"email_id": SECRET_EMAIL,
				"confidential_notes": SECRET_NOTE,
				"company_name": "Print Co",
			}
		).insert(ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "Customer Interaction",
				"customer_archive": archive.name,
				"summary": "<b>visited</b> 上门拜访",
			}
		).insert(ignore_permissions=True)
		frappe.set_user(USERS["manager"][0])
		html = frappe.get_print("Customer Archive", archive.name, "Customer Profile")
		self.assertIn(SECRET_MOBILE, html)
		self.assertIn("上门拜访", html)
		self.assertIn("&lt;b&gt;visited", html)  # escaped
		frappe.set_user(USERS["auditor"][0])
		html = frappe.get_print("Customer Archive", archive.name, "Customer Profile")
		self.assertIn("Print Co", html)
		for secret in (SECRET_MOBILE, SECRET_EMAIL, SECRET_NOTE):
			self.assertNotIn(secret, html)
		frappe.set_user("Administrator")


class TestTeamView(FrappeTestCase):
	"""A group sales person sees the archives of the sales persons below it in ERPNext's tree."""

	def employee(self, user, name):
		from crm_archive.tests.utils import test_company

		existing = frappe.db.get_value("Employee", {"user_id": user}, "name")
		if existing:
			return existing
		return (
			frappe.get_doc(
				{
					"doctype": "Employee",
					"first_name": name,
					"gender": "Male",
					"date_of_birth": "1990-01-01",
					"date_of_joining": "2020-01-01",
					"company": test_company(),
					"status": "Active",
					"user_id": user,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)

	def test_team_lead_sees_team_archives_only(self):
		lead = make_user("crm.team.lead@example.com", ["CRM Archive User"])
		member = make_user("crm.team.member@example.com", ["CRM Archive User"])
		outsider = make_user("crm.team.outsider@example.com", ["CRM Archive User"])
		root = frappe.db.get_value("Sales Person", {"is_group": 1}, "name", order_by="lft") or "Sales Team"
		group = frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": "_CRM Team Lead",
				"is_group": 1,
				"parent_sales_person": root,
				"employee": self.employee(lead, "Lead"),
			}
		).insert(ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "Sales Person",
				"sales_person_name": "_CRM Team Member",
				"is_group": 0,
				"parent_sales_person": group.name,
				"employee": self.employee(member, "Member"),
			}
		).insert(ignore_permissions=True)
		mine = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Team Member Archive", "account_manager": member}
		).insert(ignore_permissions=True)
		other = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": "_Team Outsider Archive",
				"account_manager": outsider,
			}
		).insert(ignore_permissions=True)
		frappe.set_user(lead)
		try:
			names = frappe.get_list("Customer Archive", pluck="name", limit_page_length=0)
			self.assertIn(mine.name, names)
			self.assertNotIn(other.name, names)
			self.assertTrue(frappe.has_permission("Customer Archive", "read", doc=mine.name))
			frappe.set_user(member)
			self.assertNotIn(
				other.name, frappe.get_list("Customer Archive", pluck="name", limit_page_length=0)
			)
		finally:
			frappe.set_user("Administrator")
