"""Everyday ERPNext flows that went wrong (issue 14), each in a real site with real ERPNext documents.

Every test here failed on the code before its fix (see the commit that added it)."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from crm_archive.tests.test_tiering import archive_with_customer
from crm_archive.tests.utils import ensure_user, make_customer, make_sales_invoice

# ERPNext's test records (its INR, USD and EUR companies): the currency test needs a second currency
test_dependencies = ["Customer Archive"]


def settings(**values):
	for key, value in values.items():
		frappe.db.set_single_value("CRM Archive Settings", key, value)
	frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")


class TestLeadConversion(FrappeTestCase):
	def test_converting_a_lead_links_its_archive_instead_of_a_second_one(self):
		from erpnext.crm.doctype.lead.lead import make_customer as lead_to_customer

		settings(auto_create_archive=1)
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": "_Lead",
				"last_name": "Convert",
				"company_name": "_Lead Co 转化",
			}
		).insert(ignore_permissions=True)
		archive = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Lead Convert", "lead": lead.name}
		).insert(ignore_permissions=True)
		customer = lead_to_customer(lead.name)
		customer.customer_group = frappe.db.get_value("Customer Group", {"is_group": 0}, "name")
		customer.territory = frappe.db.get_value("Territory", {"is_group": 0}, "name")
		customer.insert(ignore_permissions=True)

		archives = frappe.get_all(
			"Customer Archive",
			filters=[["customer", "=", customer.name]],
			or_filters=[],
			pluck="name",
		)
		self.assertEqual(archives, [archive.name])
		self.assertEqual(frappe.db.count("Customer Archive", {"lead": lead.name}), 1)
		self.assertEqual(frappe.db.get_value("Customer", customer.name, "crm_archive"), archive.name)


class TestBlockModeIsForPeople(FrappeTestCase):
	def setUp(self):
		settings(duplicate_check="Warn", auto_create_archive=1)

	def tearDown(self):
		settings(duplicate_check="Warn")

	def test_app_saves_never_raise_under_block(self):
		from crm_archive.lifecycle.store import move
		from crm_archive.tiering.store.engine import retier

		first = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Block Twin", "mobile_no": "13800138111"}
		).insert(ignore_permissions=True)
		second = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Block Twin", "mobile_no": "13800138111"}
		)
		second.flags.ignore_duplicates = True
		second.insert(ignore_permissions=True)
		settings(duplicate_check="Block")

		# a person typing the same mobile is stopped
		third = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Block Third", "mobile_no": "13800138111"}
		)
		self.assertRaises(frappe.ValidationError, third.insert, ignore_permissions=True)

		# the app's own saves are not: an automatic move, a re-tier, a new Customer's archive
		self.assertTrue(move(second.name, "Intentional", "Manual"))
		retier(archives=[first.name, second.name], trigger="Manual")
		customer = make_customer("_Block Twin")
		self.assertEqual(frappe.db.count("Customer Archive", {"customer": customer}), 1)


class TestReminderPerPerson(FrappeTestCase):
	def setUp(self):
		settings(enable_reminders=1, update_reminder_days=0)

	def test_dedupe_per_person_closes_through_todo_and_keeps_kind_in_a_field(self):
		from crm_archive.reminders.store import run_daily

		old = ensure_user("rem.old@example.com")
		new = ensure_user("rem.new@example.com")
		today = getdate(nowdate())
		archive = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": "_Remind Person",
				"account_manager": old,
				"next_follow_up_date": add_days(today, -1),
			}
		).insert(ignore_permissions=True)
		run_daily(today)
		todo = frappe.get_doc("ToDo", {"reference_name": archive.name, "status": "Open"})
		self.assertEqual((todo.allocated_to, todo.crm_reminder), (old, "follow_up"))
		self.assertNotIn("[crm_archive", todo.description)  # no internal tag a person would see

		# the manager is changed behind the form's back (Data Import with hooks, a script): the daily
		# pass hands the reminder to the new account manager and closes the old one through ToDo
		frappe.db.set_value("Customer Archive", archive.name, "account_manager", new)
		# a person edits the reminder's text in the desk (the editor wraps it in HTML)
		todo.description = "<div><p>" + todo.description + " — called twice</p></div>"
		todo.save(ignore_permissions=True)
		run_daily(today)
		open_ = frappe.get_all(
			"ToDo",
			{"reference_name": archive.name, "status": "Open"},
			["allocated_to", "crm_reminder"],
		)
		self.assertEqual([(t.allocated_to, t.crm_reminder) for t in open_], [(new, "follow_up")])
		# closed through ToDo's own save: the archive's assignment list no longer names the old manager
		assigned = frappe.parse_json(frappe.db.get_value("Customer Archive", archive.name, "_assign") or "[]")
		self.assertNotIn(old, assigned)
		self.assertIn(new, assigned)


class TestMergeKeepsIdNumber(FrappeTestCase):
	def test_survivor_without_id_number_takes_the_duplicates(self):
		from frappe.utils.password import get_decrypted_password

		from crm_archive.duplicates.store import merge_archives

		dup = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Merge Id", "id_number": "11010519491231002X"}
		).insert(ignore_permissions=True)
		keep = frappe.get_doc({"doctype": "Customer Archive", "full_name": "_Merge Id Keep"})
		keep.flags.ignore_duplicates = True
		keep.insert(ignore_permissions=True)
		merge_archives(dup.name, keep.name)
		self.assertEqual(
			get_decrypted_password("Customer Archive", keep.name, "id_number", raise_exception=False),
			"11010519491231002X",
		)
		self.assertTrue(frappe.db.get_value("Customer Archive", keep.name, "id_number_hash"))


class TestCustomerResave(FrappeTestCase):
	def test_resaving_a_customer_after_its_archive_was_made_keeps_the_link(self):
		settings(auto_create_archive=1)
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": "_Resave Customer",
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
			}
		)
		customer.insert(ignore_permissions=True)
		archive = frappe.db.get_value("Customer Archive", {"customer": customer.name}, "name")
		self.assertTrue(archive)
		# the form still holds the document as inserted; the user edits and saves it
		customer.customer_details = "rings on Fridays"
		customer.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Customer", customer.name, "crm_archive"), archive)


class TestPackedRows(FrappeTestCase):
	def test_names_with_separator_characters_do_not_crash_a_retier(self):
		from crm_archive.tiering.store.engine import retier

		for odd in ("_Pipe | Co", "_Unit\x1fSep Co"):
			customer = frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": odd,
					"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
					"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
				}
			).insert(ignore_permissions=True)
			archive = frappe.db.get_value("Customer Archive", {"customer": customer.name}, "name")
			if not archive:
				archive = (
					frappe.get_doc(
						{"doctype": "Customer Archive", "full_name": odd, "customer": customer.name}
					)
					.insert(ignore_permissions=True)
					.name
				)
			make_sales_invoice(customer.name, 1200)
			retier(archives=[archive], trigger="Manual")
			retier(trigger="Manual")
			self.assertEqual(frappe.db.get_value("Customer Archive", archive, "lifetime_spend"), 1200)


class TestLockedWithoutATier(FrappeTestCase):
	def test_a_locked_archive_without_a_tier_does_not_stop_a_retier(self):
		"""A tier lock on an archive that has no tier yet (locked before its first re-tier): the run
		writes its metrics and leaves the tier empty; the review flag stays 0, not NULL (the column is NOT
		NULL, and `NULL in (…)` is NULL)."""
		from crm_archive.tiering.store.engine import retier

		archive = archive_with_customer("_Locked No Tier")
		make_sales_invoice(frappe.db.get_value("Customer Archive", archive.name, "customer"), 700)
		frappe.db.set_value(
			"Customer Archive", archive.name, {"tier": None, "tier_locked": 1, "flag_for_review": 0}
		)
		retier(archives=[archive.name], trigger="Manual")
		row = frappe.db.get_value(
			"Customer Archive", archive.name, ["tier", "review_required", "lifetime_spend"], as_dict=True
		)
		self.assertEqual((row.tier, row.review_required, row.lifetime_spend), (None, 0, 700))


class TestTierLocksDuringARun(FrappeTestCase):
	def setUp(self):
		from crm_archive.tests.test_tiering import make_rule_set

		make_rule_set("_Race Rules", grace=0)

	def test_a_lock_made_while_a_full_retier_runs_is_kept(self):
		"""The run reads chunk by chunk under row locks: a manager's lock committed between the run's
		start and the chunk of that archive is what the chunk sees."""
		from unittest.mock import patch

		from crm_archive.tiering.store import engine, jobs, queries

		a = archive_with_customer("_Race A")
		b = archive_with_customer("_Race B")
		frappe.flags.crm_archive_hooks_off = True  # B's stored tier is stale: the run will change it
		try:
			make_sales_invoice("_Race B", 50000)
		finally:
			frappe.flags.crm_archive_hooks_off = False
		real_evaluate = engine.R.evaluate

		def evaluate_and_lock_b(m_list, *args, **kwargs):
			if any(m.customer == "_Race A" for m in m_list):
				# the manager's save of B lands while the run is busy with A's chunk
				doc = frappe.get_doc("Customer Archive", b.name)
				doc.update({"tier_locked": 1, "locked_tier": "普通客户", "tier_lock_reason": "contract"})
				doc.save()
			return real_evaluate(m_list, *args, **kwargs)

		with patch.object(engine, "CHUNK", 1), patch.object(engine.R, "evaluate", evaluate_and_lock_b):
			engine.retier(archives=[a.name, b.name], trigger="Scheduled")
		tier, locked_tier = frappe.db.get_value("Customer Archive", b.name, ["tier", "locked_tier"])
		self.assertEqual((tier, locked_tier), ("普通客户", "普通客户"))

	def test_a_full_run_locks_only_what_it_writes_and_keeps_a_lock_made_after_its_first_pass(self):
		"""A full run reads every archive without locks first; those it would write are read again under
		row locks: a manager's lock committed between the two passes is what the write sees, and on a
		night where nothing changed no row is locked at all."""
		from unittest.mock import patch

		from crm_archive.tiering.store import engine

		archive_with_customer("_Race C")
		d = archive_with_customer("_Race D")
		frappe.flags.crm_archive_hooks_off = True  # D's stored figures are stale: the run will write it
		try:
			make_sales_invoice("_Race D", 50000)
		finally:
			frappe.flags.crm_archive_hooks_off = False
		first_pass = engine.unlocked_chunks

		def first_pass_then_lock_d():
			yield from first_pass()
			doc = frappe.get_doc("Customer Archive", d.name)
			doc.update({"tier_locked": 1, "locked_tier": "普通客户", "tier_lock_reason": "contract"})
			doc.save()

		archives = frappe.db.count("Customer Archive")
		with (
			patch.object(engine, "CHUNK", 1),
			patch.object(engine, "unlocked_chunks", first_pass_then_lock_d),
		):
			stats = engine.retier(trigger="Scheduled")
		self.assertEqual(stats["evaluated"], archives)
		self.assertGreaterEqual(stats["written_under_lock"], 1)
		values = frappe.db.get_value("Customer Archive", d.name, ["tier", "locked_tier", "window_spend"])
		self.assertEqual(values, ("普通客户", "普通客户", 50000.0))  # the lock kept, the figures written
		with patch.object(engine, "CHUNK", 1):
			again = engine.retier(trigger="Scheduled")
		self.assertEqual(
			(again["evaluated"], again["written_under_lock"], again["changed"]), (archives, 0, 0)
		)

	def test_incremental_jobs_do_not_block_or_skip_the_nightly_run(self):
		"""Only full runs exclude each other: an incremental job neither waits for a full run (it would
		outlive its queue's timeout) nor makes the nightly run skip itself."""
		import time

		import pymysql

		from crm_archive.tiering.store import engine, jobs, queries

		other = pymysql.connect(
			host=frappe.conf.db_host or "127.0.0.1",
			port=int(frappe.conf.db_port or 3306),
			user=frappe.conf.db_name,
			password=frappe.conf.db_password,
			database=frappe.conf.db_name,
		)
		try:
			with other.cursor() as cur:
				cur.execute("SELECT GET_LOCK(%s, 0)", (jobs.FULL_LOCK_NAME,))
				self.assertEqual(cur.fetchone()[0], 1)
			archive = frappe.get_doc(
				{
					"doctype": "Customer Archive",
					"full_name": "_Lock Job",
					"customer": make_customer("_Lock Job"),
				}
			).insert(ignore_permissions=True)
			started = time.monotonic()
			jobs.retier_customer_job(["_Lock Job"], "Invoice Submit")
			self.assertLess(time.monotonic() - started, 5)
			self.assertTrue(frappe.db.get_value("Customer Archive", archive.name, "tier"))
			# a second full run while one holds the lock: skipped, and says so
			self.assertIn("skipped", jobs.retier_all(publish_progress=False))
		finally:
			other.close()
		self.assertLessEqual(jobs.INCREMENTAL_WAIT_S, 60)


class TestOneRoundingRule(FrappeTestCase):
	"""Average order value is rounded as ERPNext rounds currency (System Settings' rounding method), in the
	engine, the preview and the reports alike."""

	def test_engine_preview_and_report_round_alike(self):
		from frappe.utils import flt

		from crm_archive.crm_archive.report.customer_value_analysis import customer_value_analysis
		from crm_archive.tests.test_tiering import make_rule_set
		from crm_archive.tiering.store import engine, jobs, queries

		make_rule_set("_Round Rules", grace=0)
		archive = archive_with_customer("_Round Co")
		customer = archive.customer
		for amount in (25.02, 25.02, 25.03, 25.03):  # 100.10 / 4 = 25.025
			make_sales_invoice(customer, amount)
		for method in ("Banker's Rounding", "Commercial Rounding"):
			frappe.db.set_single_value("System Settings", "rounding_method", method)
			frappe.clear_cache()
			expected = flt(100.10 / 4, 2, method)
			self.assertEqual(expected, 25.02 if method == "Banker's Rounding" else 25.03)
			as_of = getdate(nowdate())
			engine_read = queries.fetch_metrics_packed(as_of, 365, [customer])[customer]
			preview = queries.fetch_metrics(as_of, 365, [customer])[customer]
			self.assertEqual(engine_read.average_order_value, expected, method)
			self.assertEqual(preview.average_order_value, expected, method)
			engine.retier(archives=[archive.name], trigger="Manual")
			self.assertEqual(
				frappe.db.get_value("Customer Archive", archive.name, "average_order_value"), expected
			)


class TestCompanyCurrencies(FrappeTestCase):
	def test_sums_over_companies_with_different_currencies_are_refused(self):
		"""ERPNext's test companies keep INR, USD and EUR beside the CNY company: once one of them invoices,
		a rule set or report without a Company would add USD to CNY."""
		from crm_archive.crm_archive.report.customer_value_analysis import customer_value_analysis
		from crm_archive.tests.test_tiering import make_rule_set
		from crm_archive.tests.utils import test_company
		from crm_archive.tiering.store import engine, jobs, queries

		usd = frappe.db.get_value("Company", {"default_currency": "USD"}, "name")
		self.assertTrue(usd, "the site has a USD company (ERPNext's test records)")
		rule_set = make_rule_set("_Mixed Rules")
		rule_set.company = None  # Frappe fills the Company from the user's default; the manager empties it
		rule_set.save()  # one currency invoiced so far: fine
		archive = archive_with_customer("_Two Currency Co")
		customer = archive.customer
		make_sales_invoice(customer, 100)
		make_sales_invoice(customer, 100, company=usd)

		rule_set.description = "edited"
		with self.assertRaises(frappe.ValidationError) as raised:
			rule_set.save()
		self.assertIn("currenc", str(raised.exception).lower())
		# the engine skips that customer (its sum would add USD to CNY) and says so in the Error Log
		self.assertEqual(engine.retier(archives=[archive.name])["mixed_currencies"], 1)
		self.assertNotEqual(frappe.db.get_value("Customer Archive", archive.name, "lifetime_spend"), 200)
		self.assertRaises(frappe.ValidationError, customer_value_analysis.execute, {})
		# naming the company is the way out
		rule_set.reload()
		rule_set.company = test_company()
		rule_set.save()
		engine.retier(archives=[archive.name])
		self.assertEqual(frappe.db.get_value("Customer Archive", archive.name, "lifetime_spend"), 100)
		self.assertTrue(customer_value_analysis.execute({"company": test_company()})[1])


class TestReportsShowTheManager(FrappeTestCase):
	def test_account_manager_column_is_not_given_the_customers_name(self):
		"""Frappe's User link formatter shows row.full_name for any User link in the row: a row that
		carries the customer's name under that key shows it as the account manager."""
		from crm_archive.crm_archive.report.customer_value_analysis import customer_value_analysis
		from crm_archive.crm_archive.report.follow_ups_due import follow_ups_due

		manager = ensure_user("col.manager@example.com")
		frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": "_Column Customer",
				"account_manager": manager,
				"next_follow_up_date": add_days(nowdate(), -2),
			}
		).insert(ignore_permissions=True)
		frappe.get_doc("Customer Archive", {"full_name": "_Column Customer"}).db_set(
			"customer", make_customer("_Column Customer")
		)
		for report, module in (
			("Follow-ups Due", follow_ups_due),
			("Customer Value Analysis", customer_value_analysis),
		):
			columns, data = module.execute({})[:2]
			rows = [r for r in data if isinstance(r, dict) and r.get("account_manager") == manager]
			self.assertTrue(rows, report)
			for row in rows:
				self.assertNotIn("full_name", row, report)
				self.assertEqual(row.get("account_manager_full_name"), "col.manager", report)
			self.assertIn("customer_name", [c.get("fieldname") for c in columns], report)


class TestWordsAPersonReads(FrappeTestCase):
	def test_tier_reason_uses_labels_and_timeline_has_no_tags_or_null_headcount(self):
		from crm_archive.tests.test_tiering import make_rule_set
		from crm_archive.tiering.store import engine, jobs, queries

		make_rule_set("_Words Rules", grace=0)
		customer = make_customer("_Words Co")
		archive = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Words Co", "customer": customer, "headcount": 0}
		).insert(ignore_permissions=True)
		make_sales_invoice(customer, 40000)
		engine.retier(archives=[archive.name], trigger="Manual")
		reason = frappe.db.get_value("Customer Archive", archive.name, "tier_reason")
		self.assertNotIn("window_spend", reason)
		self.assertIn("Window Spend", reason)

		doc = frappe.get_doc("Customer Archive", archive.name)
		doc.headcount = None  # the form sends null for an emptied Int field
		doc.remarks = "met at the fair"
		doc.save(ignore_version=False)
		version = frappe.get_last_doc("Version", {"ref_doctype": "Customer Archive", "docname": archive.name})
		changed = [c[0] for c in frappe.parse_json(version.data).get("changed", [])]
		self.assertNotIn("headcount", changed)


class TestWrongDataStaysOut(FrappeTestCase):
	"""Each refusal names the field, in the form's save and over REST alike (Data Import calls the same
	save: crm_archive/tests/test_data_import.py)."""

	def refused(self, field_label, **values):
		doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": "_Wrong Data", **values})
		doc.flags.ignore_duplicates = True
		with self.assertRaises(frappe.ValidationError) as raised:
			doc.insert(ignore_permissions=True)
		self.assertIn(field_label, str(raised.exception))
		self.assertFalse(frappe.db.exists("Customer Archive", {"full_name": "_Wrong Data"}))

	def accepted(self, **values):
		doc = frappe.get_doc({"doctype": "Customer Archive", "full_name": "_Right Data", **values})
		doc.flags.ignore_duplicates = True
		return doc.insert(ignore_permissions=True)

	def test_mainland_id_number(self):
		kind = "Resident Identity Card"
		# GB 11643 check digit wrong (the last character of a valid number changed)
		self.refused("ID Number", id_type=kind, id_number="110105194912310021")
		self.refused("ID Number", id_type=kind, id_number="11010519491231002")  # 17 characters
		self.refused("ID Number", id_type=kind, id_number="11010519491331002X")  # month 13
		# the birth date inside must agree with Date of Birth
		self.refused(
			"Date of Birth", id_type=kind, id_number="11010519491231002X", date_of_birth="1950-01-01"
		)
		doc = self.accepted(id_type=kind, id_number="11010519491231002x", date_of_birth="1949-12-31")
		self.assertTrue(doc.id_number_hash)
		# another kind of ID is not held to the mainland format, but needs its kind
		self.accepted(id_type="Passport", id_number="E12345678")
		# the kind defaults to the mainland card, so a number typed without its kind is checked as one
		self.refused("ID Number", id_number="E12345678")

	def test_mobile_with_letters_is_refused_not_turned_into_digits(self):
		self.refused("Mobile No", mobile_no="1380013800A")
		self.refused("Mobile No", mobile_no="138-CALL-NOW1")
		self.assertEqual(self.accepted(mobile_no="138 0013 8000").mobile_no, "+8613800138000")

	def test_dates_are_plausible(self):
		self.refused("Date of Birth", date_of_birth="1776-07-04")
		self.refused("First Contact Date", first_contact_date=add_days(nowdate(), 3))
		self.refused("First Contact Date", first_contact_date="1899-12-31")
		self.accepted(date_of_birth="1931-05-02", first_contact_date=nowdate())


class TestWrongDataOverRest(FrappeTestCase):
	"""Its own class: the HTTP session needs committed data, and nothing else of these tests may be
	committed with it."""

	def test_rest_gives_the_same_refusal(self):
		from crm_archive.tests.rest import Session
		from crm_archive.tests.test_permissions import PWD, make_user

		# a manager: only managers write the ID number (permission level 2)
		manager = make_user("wrong.manager@example.com", ["CRM Archive Manager"])
		frappe.db.delete("Customer Archive", {"full_name": "_Wrong Rest"})
		frappe.db.commit()
		response = Session(manager, PWD).post(
			"/api/resource/Customer Archive",
			{"full_name": "_Wrong Rest", "id_type": "Resident Identity Card", "id_number": "123"},
		)
		self.assertEqual(response.status_code, 417, response.text)
		self.assertIn("ID Number", response.text)
		self.assertFalse(frappe.db.exists("Customer Archive", {"full_name": "_Wrong Rest"}))


class TestNoWorkflowActionClutter(FrappeTestCase):
	def test_archive_saves_leave_no_workflow_action_rows(self):
		"""Frappe makes a Workflow Action per document and state for every role that could act; on an
		archive nobody acts on them (the form's action menu is the way) and every rep's list fills up."""
		rep = ensure_user("wf.rep@example.com")
		doc = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "_Workflow Clutter", "account_manager": rep}
		).insert(ignore_permissions=True)
		doc.remarks = "second save"
		doc.save(ignore_permissions=True)
		from crm_archive.lifecycle.store import move

		move(doc.name, "Intentional", "Manual")
		self.assertEqual(
			frappe.db.count(
				"Workflow Action", {"reference_doctype": "Customer Archive", "reference_name": doc.name}
			),
			0,
		)
		# the workflow itself still works: its actions are offered on the form
		from frappe.model.workflow import get_transitions

		actions = {t.action for t in get_transitions(frappe.get_doc("Customer Archive", doc.name))}
		self.assertIn("Back to Potential", actions)


class TestDemoLooksUsed(FrappeTestCase):
	def test_the_demos_last_step_leaves_open_reminders(self):
		"""make_demo ends with a_day_of_use: reminders are on and the daily pass has run."""
		from crm_archive.devtools.demo import a_day_of_use

		settings(enable_reminders=0)
		rep = ensure_user("demo.rep@example.com")
		archive = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": "_Demo Due",
				"account_manager": rep,
				"next_follow_up_date": add_days(nowdate(), -1),
			}
		).insert(ignore_permissions=True)
		stats = a_day_of_use(commit=False)  # the test's rollback undoes it
		self.assertGreaterEqual(stats["open_reminders"], 1)
		self.assertTrue(
			frappe.db.exists("ToDo", {"reference_name": archive.name, "allocated_to": rep, "status": "Open"})
		)


class TestMetricsTabRecency(FrappeTestCase):
	def test_form_shows_the_same_recency_as_the_value_report(self):
		from frappe.desk.form.load import getdoc

		from crm_archive.crm_archive.report.customer_value_analysis import customer_value_analysis
		from crm_archive.tests.test_tiering import make_rule_set

		make_rule_set("_Recency Rules", grace=0)
		archive = archive_with_customer("_Recency Co")
		customer = archive.customer
		make_sales_invoice(customer, 700, posting_date=add_days(nowdate(), -3))
		data = customer_value_analysis.execute({})[1]
		report = next(r["recency_days"] for r in data if r["customer_archive"] == archive.name)
		self.assertEqual(report, 3)
		getdoc("Customer Archive", archive.name)
		form = frappe.response.docs[-1]
		self.assertEqual(form.recency_days, report)


class TestUninstallRemovesWhatInstallAdded(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()
		from crm_archive.install import after_migrate

		after_migrate()  # and should anything have been committed, install puts it back
		frappe.db.commit()

	def test_remove_app_data_leaves_nothing_of_the_app_outside_its_tables(self):
		from crm_archive.install import APP_DOCTYPES, ROLES, remove_app_data
		from crm_archive.reminders.store import run_daily

		settings(enable_reminders=1)
		rep = ensure_user("uninstall.rep@example.com")
		archive = frappe.get_doc(
			{
				"doctype": "Customer Archive",
				"full_name": "_Uninstall Me",
				"account_manager": rep,
				"mobile_no": "13800138999",
				"id_number": "11010519491231002X",
				"next_follow_up_date": add_days(nowdate(), -1),
			}
		).insert(ignore_permissions=True)
		archive.mobile_no = "13800138998"
		archive.save(ignore_version=False)
		run_daily()
		self.assertTrue(frappe.db.exists("ToDo", {"reference_name": archive.name}))

		removed = remove_app_data()
		self.assertFalse(frappe.db.exists("Workflow", "Customer Archive Lifecycle"))
		for state in ("Potential", "Intentional", "Existing", "Churned"):
			self.assertFalse(frappe.db.exists("Workflow State", state), state)
		for role in ROLES:
			self.assertFalse(frappe.db.exists("Role", role), role)
			self.assertFalse(frappe.db.exists("Has Role", {"role": role}), role)
		self.assertFalse(frappe.db.exists("ToDo", {"reference_type": "Customer Archive"}))
		self.assertFalse(frappe.db.exists("Version", {"ref_doctype": ("in", APP_DOCTYPES)}))
		auth = frappe.db.sql("select count(*) from `__Auth` where doctype = 'Customer Archive'")[0][0]
		self.assertEqual(auth, 0)
		self.assertGreaterEqual(removed["__Auth"], 1)
		self.assertGreaterEqual(removed["Version"], 1)
