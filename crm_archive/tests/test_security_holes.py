"""One named regression test per hole an adversarial probe or a code read found (issue: permissions that
hold against a rep, an auditor or a reviewer who tries). Real users, real HTTP sessions, real ERPNext."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.access import table as access
from crm_archive.tests.rest import Session
from crm_archive.tests.test_permissions import PWD, make_user
from crm_archive.tests.test_permissions import text as body
from crm_archive.tests.utils import make_customer

USERS = {
	"rep_a": ("sec.rep.a@example.com", ["CRM Archive User", "Sales User"]),
	"rep_b": ("sec.rep.b@example.com", ["CRM Archive User", "Sales User"]),
	"rep_c": ("sec.rep.c@example.com", ["CRM Archive User", "Sales User"]),
	"manager": ("sec.manager@example.com", ["CRM Archive Manager", "Sales Manager"]),
	"auditor": ("sec.auditor@example.com", ["CRM Archive Auditor"]),
	"reviewer": ("sec.reviewer@example.com", ["CRM Archive Reviewer"]),
	"rep_reviewer": ("sec.rep.reviewer@example.com", ["CRM Archive User", "CRM Archive Reviewer"]),
}
B_NAME = "Secq Bname 乙"
B_MOBILE = "+8613987650042"
B_EMAIL = "secq.b.mail@example.com"
B_WECHAT = "wx_secq_b"
B_NOTE = "secq-confidential-b"
A_MOBILE = "+8613987650041"
A_NOTE = "secq-confidential-a"


class TestSecurityHoles(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.purge(frappe.get_all("Customer Archive", {"full_name": ("like", "Secq%")}, pluck="name"))
		cls.u = {k: make_user(email, roles) for k, (email, roles) in USERS.items()}
		cls.a = cls.archive("Secq Aname 甲", cls.u["rep_a"], A_MOBILE, "secq.a.mail@example.com", A_NOTE)
		cls.b = cls.archive(B_NAME, cls.u["rep_b"], B_MOBILE, B_EMAIL, B_NOTE, wechat=B_WECHAT)
		frappe.db.commit()
		cls.s = {k: Session(email, PWD) for k, email in cls.u.items()}

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.purge([cls.a, cls.b])
		super().tearDownClass()

	@classmethod
	def purge(cls, names):
		"""This class's archives with everything pointing at them (also what an aborted run left)."""
		for name in names:
			frappe.db.delete("ToDo", {"reference_type": "Customer Archive", "reference_name": name})
			frappe.db.delete("DocShare", {"share_doctype": "Customer Archive", "share_name": name})
			frappe.db.delete("Customer Archive Log", {"customer_archive": name})
			frappe.db.sql("update `tabCustomer` set `crm_archive` = null where `crm_archive` = %s", name)
			frappe.delete_doc("Customer Archive", name, force=True, ignore_permissions=True)
		frappe.db.commit()

	def tearDown(self):
		frappe.set_user("Administrator")

	@classmethod
	def archive(cls, name, manager, mobile, email, note, wechat=None):
		doc = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": name,
				"account_manager": manager,
				"mobile_no": mobile,
				"email_id": email,
				"confidential_notes": note,
				"id_number": "110101199003074573",
				"company_name": "Secq Co",
				"social_accounts": [{"platform": "WeChat", "account": wechat}] if wechat else [],
			}
		).insert(ignore_permissions=True)
		return doc.name

	def assertNoMarkers(self, response, *markers):
		text = body(response)
		for marker in markers:
			self.assertNotIn(marker, text, f"{marker} leaked ({response.status_code})")

	def rep_a_cannot_read_b(self):
		r = self.s["rep_a"].get(f"/api/resource/Customer Archive/{self.b}")
		self.assertEqual(r.status_code, 403, body(r)[:300])
		self.assertNoMarkers(r, B_NAME, B_MOBILE)

	# --- access comes only from facts the app owns ---------------------------------------------------------

	def test_self_made_todo_grants_nothing(self):
		r = self.s["rep_a"].post(
			"/api/resource/ToDo",
			{
				"allocated_to": self.u["rep_a"],
				"reference_type": "Customer Archive",
				"reference_name": self.b,
				"description": "mine now",
			},
		)
		self.assertNotEqual(r.status_code, 200, body(r)[:300])
		self.rep_a_cannot_read_b()

	def test_todo_from_a_manager_cannot_be_repointed_by_the_rep(self):
		frappe.set_user(self.u["manager"])
		todo = frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": self.u["rep_a"],
				"reference_type": "Customer Archive",
				"reference_name": self.a,
				"description": "call A",
			}
		).insert(ignore_permissions=True)
		frappe.set_user("Administrator")
		frappe.db.commit()
		r = self.s["rep_a"].post(
			"/api/method/frappe.client.set_value",
			{"doctype": "ToDo", "name": todo.name, "fieldname": "reference_name", "value": self.b},
		)
		self.assertNotEqual(r.status_code, 200, body(r)[:300])
		self.rep_a_cannot_read_b()
		frappe.delete_doc("ToDo", todo.name, force=True, ignore_permissions=True)
		frappe.db.commit()

	def test_self_made_share_grants_nothing(self):
		r = self.s["rep_a"].method(
			"frappe.share.add", doctype="Customer Archive", name=self.b, user=self.u["rep_a"], read=1
		)
		self.assertNotEqual(r.status_code, 200, body(r)[:300])
		r = self.s["rep_a"].post(
			"/api/resource/DocShare",
			{"share_doctype": "Customer Archive", "share_name": self.b, "user": self.u["rep_a"], "read": 1},
		)
		self.assertNotEqual(r.status_code, 200, body(r)[:300])
		self.rep_a_cannot_read_b()

	def test_manager_assignment_grants_and_closing_it_revokes(self):
		frappe.set_user(self.u["manager"])
		from frappe.desk.form.assign_to import add, set_status

		add({"doctype": "Customer Archive", "name": self.b, "assign_to": [self.u["rep_c"]]})
		frappe.set_user("Administrator")
		frappe.db.commit()
		r = self.s["rep_c"].get(f"/api/resource/Customer Archive/{self.b}")
		self.assertEqual(r.status_code, 200, body(r)[:300])
		frappe.set_user(self.u["manager"])
		set_status("Customer Archive", self.b, assign_to=self.u["rep_c"], status="Cancelled")
		frappe.set_user("Administrator")
		frappe.db.commit()
		r = self.s["rep_c"].get(f"/api/resource/Customer Archive/{self.b}")
		self.assertEqual(r.status_code, 403, body(r)[:300])

	def test_reassigned_archive_is_invisible_to_the_old_account_manager(self):
		doc = frappe.get_doc("Customer Archive", self.a)
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": self.u["rep_a"],
				"reference_type": "Customer Archive",
				"reference_name": self.a,
				"crm_reminder": "follow_up",
				"description": "[crm_archive:follow_up] follow up",
			}
		).insert(ignore_permissions=True)
		frappe.set_user(self.u["manager"])
		doc.account_manager = self.u["rep_c"]
		doc.save()
		frappe.set_user("Administrator")
		frappe.db.commit()
		try:
			r = self.s["rep_a"].get(f"/api/resource/Customer Archive/{self.a}")
			self.assertEqual(r.status_code, 403, body(r)[:300])
			self.assertEqual(self.s["rep_c"].get(f"/api/resource/Customer Archive/{self.a}").status_code, 200)
			reminder = frappe.get_all(
				"ToDo",
				filters={"reference_name": self.a, "crm_reminder": "follow_up", "status": "Open"},
				pluck="allocated_to",
			)
			self.assertEqual(reminder, [self.u["rep_c"]])
		finally:
			frappe.db.set_value("Customer Archive", self.a, "account_manager", self.u["rep_a"])
			access.refresh(self.a)
			frappe.db.delete("ToDo", {"reference_name": self.a, "crm_reminder": "follow_up"})
			frappe.db.commit()

	def test_access_rows_rebuilt_from_scratch_agree_with_incremental(self):
		frappe.set_user(self.u["manager"])
		from frappe.share import add as share

		share("Customer Archive", self.a, self.u["rep_c"], read=1)
		frappe.set_user("Administrator")
		incremental = access.snapshot()
		self.assertIn((self.a, self.u["rep_c"], "Share"), incremental)
		self.assertEqual(incremental, access.expected())
		access.rebuild_all()
		self.assertEqual(access.snapshot(), incremental)
		frappe.db.rollback()

	def test_nightly_access_check_in_step_when_one_grant_has_two_sources(self):
		"""Two open assignments of B to the same rep (made by a manager): one access row, and the nightly
		digest still finds the table in step (a rebuild's duplicate must not count twice)."""
		access.daily_check()
		frappe.set_user(self.u["manager"])
		try:
			for _ in range(2):
				frappe.get_doc(
					{
						"doctype": "ToDo",
						"allocated_to": self.u["rep_c"],
						"reference_type": "Customer Archive",
						"reference_name": self.b,
						"description": "secq twice",
					}
				).insert(ignore_permissions=True)
			frappe.set_user("Administrator")
			self.assertEqual(
				frappe.db.count(
					"Customer Archive Access",
					{"archive": self.b, "user": self.u["rep_c"], "reason": "Assignment"},
				),
				1,
			)
			self.assertTrue(access.in_step())
			self.assertEqual(access.daily_check(), {"archives_refreshed": 0, "compared": "digest"})
		finally:
			frappe.set_user("Administrator")
			frappe.db.rollback()

	def test_nightly_access_check_repairs_every_kind_of_drift_and_only_its_archives(self):
		"""Direct SQL edits drift the table four ways, one at a time; each is seen (the digest differs) and
		exactly its archive repaired, and a night with nothing drifted compares digests only."""
		access.daily_check()  # whatever other tests left: converged first, so the counts below are ours
		self.assertEqual(access.daily_check(), {"archives_refreshed": 0, "compared": "digest"})
		rep_a, rep_b, rep_c = self.u["rep_a"], self.u["rep_b"], self.u["rep_c"]
		gone = "Secq-no-such-archive"

		def insert(archive, user, reason):
			frappe.db.sql(
				f"""insert into {access.ACCESS} (`name`, `archive`, `user`, `reason`, `creation`, `modified`,
					`owner`, `modified_by`, `docstatus`, `idx`)
				values (md5(concat_ws('|', %(archive)s, %(user)s, %(reason)s)), %(archive)s, %(user)s,
					%(reason)s, now(6), now(6), 'Administrator', 'Administrator', 0, 0)""",
				{"archive": archive, "user": user, "reason": reason},
			)

		drifts = {
			"missing: rep_a's own row of A": (
				lambda: frappe.db.sql(
					f"delete from {access.ACCESS} where `archive` = %s and `user` = %s", (self.a, rep_a)
				),
				1,
			),
			"extra: rep_c given B": (lambda: insert(self.b, rep_c, "Share"), 1),
			"edited in place: B's account-manager row now names rep_c": (
				lambda: frappe.db.sql(
					f"update {access.ACCESS} set `user` = %s where `archive` = %s and `user` = %s",
					(rep_c, self.b, rep_b),
				),
				1,
			),
			"a row of an archive that does not exist": (lambda: insert(gone, rep_c, "Owner"), 0),
		}
		try:
			for what, (drift, refreshed) in drifts.items():
				with self.subTest(what):
					drift()
					self.assertFalse(access.in_step())
					self.assertEqual(
						access.daily_check(), {"archives_refreshed": refreshed, "compared": "rows"}
					)
					self.assertTrue(access.in_step())
					self.assertEqual(access.snapshot(), access.expected())
					rows = frappe.db.sql(
						f"select `archive`, `user`, `reason` from {access.ACCESS} where `archive` in %s",
						[[self.a, self.b, gone]],
					)
					self.assertIn((self.a, rep_a, "Account Manager"), rows)
					self.assertIn((self.b, rep_b, "Account Manager"), rows)
					self.assertFalse([r for r in rows if r[1] == rep_c], rows)
			self.assertEqual(access.daily_check(), {"archives_refreshed": 0, "compared": "digest"})
		finally:
			frappe.db.rollback()

	# --- contact data through other doctypes, child tables and expressions --------------------------------

	def test_social_accounts_via_the_child_doctype(self):
		for user in ("rep_a", "auditor"):
			for r in (
				self.s[user].method(
					"frappe.client.get_list",
					doctype="Customer Archive Social Account",
					parent="Customer Archive",
					fields=["parent", "account", "platform"],
					limit_page_length=0,
				),
				self.s[user].get(
					"/api/resource/Customer Archive Social Account",
					{"parent": "Customer Archive", "fields": '["parent","account"]', "limit_page_length": 0},
				),
				self.s[user].method(
					"frappe.desk.reportview.get",
					doctype="Customer Archive Social Account",
					parent="Customer Archive",
					fields=["parent", "account"],
				),
			):
				self.assertNoMarkers(r, B_WECHAT)

	def test_child_table_expression_hidden_from_auditor(self):
		r = self.s["auditor"].method(
			"frappe.client.get_list",
			doctype="Customer Archive",
			fields=["name", "`tabCustomer Archive Social Account`.`account`"],
			limit_page_length=0,
		)
		self.assertNoMarkers(r, B_WECHAT)

	def test_customer_link_expression_reads_no_foreign_archive(self):
		customer = make_customer("Secq Customer Of B")
		frappe.db.set_value("Customer Archive", self.b, "customer", customer)
		frappe.db.set_value("Customer", customer, "crm_archive", self.b)
		frappe.db.commit()
		r = self.s["rep_a"].method(
			"frappe.client.get_list",
			doctype="Customer",
			fields=["name", "crm_archive.full_name", "crm_archive.mobile_no", "crm_archive.email_id"],
			filters={"name": customer},
		)
		self.assertNoMarkers(r, B_NAME, B_MOBILE, B_EMAIL)
		r = self.s["auditor"].method(
			"frappe.client.get_list",
			doctype="Customer",
			fields=["name", "crm_archive.mobile_no"],
			filters={"name": customer},
		)
		self.assertNoMarkers(r, B_MOBILE)

	def test_version_history_keeps_no_contact_or_confidential_values(self):
		doc = frappe.get_doc("Customer Archive", self.a)
		doc.mobile_no = "+8613987650049"
		doc.confidential_notes = "secq-confidential-a-2"
		doc.save(ignore_permissions=True, ignore_version=False)  # tests skip Versions by default
		frappe.db.commit()
		latest = frappe.get_all(
			"Version",
			{"ref_doctype": "Customer Archive", "docname": self.a},
			pluck="data",
			order_by="creation desc",
		)[0]
		self.assertIn("mobile_no", latest)  # the change is recorded (who and which field)
		for user in ("auditor", "reviewer"):
			r = self.s[user].get(
				"/api/method/frappe.desk.form.load.getdoc", {"doctype": "Customer Archive", "name": self.a}
			)
			self.assertEqual(r.status_code, 200)
			self.assertNoMarkers(r, "secq-confidential-a-2", A_NOTE)
			if user == "auditor":
				self.assertNoMarkers(r, A_MOBILE, "8613987650049")

	# --- names by ID, search --------------------------------------------------------------------------------

	def test_link_title_of_an_archive_the_rep_cannot_read(self):
		r = self.s["rep_a"].method(
			"frappe.desk.search.get_link_title", doctype="Customer Archive", docname=self.b
		)
		self.assertNoMarkers(r, B_NAME)

	def test_search_ignoring_user_permissions(self):
		for method in ("frappe.desk.search.search_widget", "frappe.desk.search.search_link"):
			r = self.s["rep_a"].method(
				method, doctype="Customer Archive", txt="Secq", ignore_user_permissions=1, page_length=50
			)
			self.assertNoMarkers(r, B_NAME)

	# --- filters, sort keys and group-by counts ------------------------------------------------------------

	def test_filters_and_sort_on_unreadable_fields_are_refused(self):
		cases = [
			("auditor", {"filters": json.dumps({"mobile_no": ["like", "+86139876500%"]})}),
			("auditor", {"order_by": "mobile_no desc"}),
			(
				"auditor",
				{"filters": json.dumps([["Customer Archive Social Account", "account", "like", "wx_%"]])},
			),
			("reviewer", {"filters": json.dumps({"confidential_notes": ["like", "secq%"]})}),
			("rep_a", {"filters": json.dumps({"id_number_hash": ["is", "set"]})}),
		]
		for user, params in cases:
			r = self.s[user].get("/api/resource/Customer Archive", {"fields": '["name"]', **params})
			self.assertEqual(r.status_code, 403, (user, params, body(r)[:300]))
		r = self.s["auditor"].method(
			"frappe.client.get_count", doctype="Customer Archive", filters={"email_id": ["like", "secq%"]}
		)
		self.assertEqual(r.status_code, 403, body(r)[:300])

	def test_group_by_count_counts_only_readable_archives(self):
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"allocated_to": self.u["rep_b"],
				"reference_type": "Customer Archive",
				"reference_name": self.b,
				"description": "count me",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		r = self.s["rep_a"].method(
			"frappe.desk.listview.get_group_by_count",
			doctype="Customer Archive",
			current_filters="[]",
			field="assigned_to",
		)
		self.assertEqual(r.status_code, 200, body(r)[:300])
		self.assertNotIn(self.u["rep_b"], body(r))
		r = self.s["auditor"].method(
			"frappe.desk.listview.get_group_by_count",
			doctype="Customer Archive",
			current_filters="[]",
			field="mobile_no",
		)
		self.assertNoMarkers(r, B_MOBILE)

	# --- reports -------------------------------------------------------------------------------------------

	def test_prepared_report_of_another_user(self):
		from frappe.core.doctype.prepared_report.prepared_report import generate_report

		frappe.set_user(self.u["manager"])
		filters = {"company": frappe.defaults.get_global_default("company")}
		prepared = frappe.get_doc(
			{
				"doctype": "Prepared Report",
				"report_name": "Customer Value Analysis",
				"filters": json.dumps(filters),
			}
		)
		prepared.flags.ignore_permissions = True
		prepared.db_insert()
		generate_report(prepared.name)
		frappe.set_user("Administrator")
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("Prepared Report", prepared.name, "status"), "Completed")
		run = "frappe.desk.query_report.run"
		r = self.s["rep_a"].method(
			run,
			report_name="Customer Value Analysis",
			filters={**filters, "prepared_report_name": prepared.name},
		)
		self.assertNoMarkers(r, B_NAME)
		self.assertNotEqual(r.status_code, 200)
		r = self.s["rep_a"].method(
			run, report_name="Customer Value Analysis", filters=filters, user=self.u["manager"]
		)
		self.assertNoMarkers(r, B_NAME)
		r = self.s["rep_a"].get(f"/api/resource/Prepared Report/{prepared.name}")
		self.assertEqual(r.status_code, 403)
		r = self.s["rep_a"].method(
			"frappe.core.doctype.prepared_report.prepared_report.download_attachment", dn=prepared.name
		)
		self.assertNoMarkers(r, B_NAME)
		frappe.delete_doc("Prepared Report", prepared.name, force=True, ignore_permissions=True)
		frappe.db.commit()

	def test_rep_cannot_link_a_customer_they_could_not_read_through_the_app(self):
		customer = make_customer("Secq Unlinked Customer")
		frappe.db.commit()
		r = self.s["rep_a"].post(
			"/api/method/frappe.client.set_value",
			{"doctype": "Customer Archive", "name": self.a, "fieldname": "remarks", "value": "mine to edit"},
		)
		self.assertEqual(r.status_code, 200, body(r)[:300])  # the rep does write this archive
		r = self.s["rep_a"].post(
			"/api/method/frappe.client.set_value",
			{"doctype": "Customer Archive", "name": self.a, "fieldname": "customer", "value": customer},
		)
		self.assertNotEqual(r.status_code, 200, body(r)[:300])
		self.assertFalse(frappe.db.get_value("Customer Archive", self.a, "customer"))

	# --- tier rules -----------------------------------------------------------------------------------------

	def test_tier_rule_preview_is_for_managers_only(self):
		rule_set = frappe.get_all("Tier Rule Set", pluck="name", limit=1)[0]
		doc = frappe.get_doc("Tier Rule Set", rule_set).as_dict()
		doc["rules"] = [
			dict(r, condition=f"customer == '{self.b}' and lifetime_spend > 0") for r in doc["rules"]
		]
		r = self.s["rep_a"].method("run_doc_method", method="preview", docs=json.dumps(doc, default=str))
		self.assertEqual(r.status_code, 403, body(r)[:300])
		r = self.s["rep_a"].method("run_doc_method", method="preview", dt="Tier Rule Set", dn=rule_set)
		self.assertEqual(r.status_code, 403, body(r)[:300])

	def test_unbounded_condition_is_refused_at_save(self):
		frappe.set_user(self.u["manager"])
		doc = frappe.get_doc(
			{
				"doctype": "Tier Rule Set",
				"rule_set_name": "Secq Unbounded",
				"window_days": 365,
				"default_tier": frappe.get_all("Customer Tier", pluck="name", limit=1)[0],
				"rules": [
					{
						"tier": frappe.get_all("Customer Tier", pluck="name", limit=1)[0],
						"priority": 1,
						"condition": "9**9**9 > 1",
					}
				],
			}
		)
		self.assertRaises(frappe.ValidationError, doc.insert)
		frappe.db.rollback()

	# --- merge and review -------------------------------------------------------------------------------------

	def test_rename_with_merge_is_not_open_to_reps(self):
		"""Two archives the rep may write, linked to different Customers: Frappe's rename-with-merge would
		merge them, skipping merge_archives' role check and its refusal of two different Customers."""
		second = self.archive("Secq Aname Two", self.u["rep_a"], "+8613987650043", "secq.a2@example.com", "n")
		for name, customer in ((self.a, "Secq Merge Customer A"), (second, "Secq Merge Customer A2")):
			customer = make_customer(customer)
			frappe.db.set_value("Customer Archive", name, "customer", customer)
		frappe.db.commit()
		try:
			for method, args in (
				("frappe.model.rename_doc.update_document_title", {"docname": second, "new_name": self.a}),
				("frappe.client.rename_doc", {"old_name": second, "new_name": self.a}),
			):
				r = self.s["rep_a"].method(method, doctype="Customer Archive", merge=1, **args)
				self.assertNotEqual(r.status_code, 200, body(r)[:300])
			self.assertTrue(frappe.db.exists("Customer Archive", second))
		finally:
			frappe.db.set_value("Customer Archive", self.a, "customer", None)
			if frappe.db.exists("Customer Archive", second):
				frappe.delete_doc("Customer Archive", second, force=True, ignore_permissions=True)
			frappe.db.commit()

	def test_reviewer_cannot_verify_their_own_edit(self):
		frappe.db.set_value("Customer Archive", self.a, "account_manager", self.u["rep_reviewer"])
		access.refresh(self.a)
		frappe.db.commit()
		session = self.s["rep_reviewer"]
		r = session.post(
			"/api/method/frappe.client.set_value",
			{"doctype": "Customer Archive", "name": self.a, "fieldname": "remarks", "value": "edited by me"},
		)
		self.assertEqual(r.status_code, 200, body(r)[:300])
		# a later automatic save (a lifecycle move) must not make the edit someone else's
		doc = frappe.get_doc("Customer Archive", self.a)
		doc.flags.lifecycle_trigger = "Inactivity"
		doc.save(ignore_permissions=True)
		frappe.db.commit()
		self.assertEqual(
			frappe.db.get_value("Customer Archive", self.a, "last_editor"), self.u["rep_reviewer"]
		)
		forged = frappe.get_doc("Customer Archive", self.a).as_dict()
		forged["modified_by"] = self.u["manager"]
		forged["last_editor"] = self.u["manager"]
		r = session.method("run_doc_method", method="verify", docs=json.dumps(forged, default=str))
		self.assertNotEqual(r.status_code, 200, body(r)[:300])
		r = session.method("run_doc_method", method="verify", dt="Customer Archive", dn=self.a)
		self.assertNotEqual(r.status_code, 200, body(r)[:300])
		self.assertFalse(frappe.db.get_value("Customer Archive", self.a, "verified"))
		frappe.db.set_value("Customer Archive", self.a, "account_manager", self.u["rep_a"])
		access.refresh(self.a)
		frappe.db.commit()
