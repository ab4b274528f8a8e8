"""The desk's server side (issue 15), in a real site over HTTP as different users: finding archives the way
Chinese users type (list filter, awesome bar, link fields), the 客户进程 Kanban board whose drag is a
workflow transition, and the stored reading that the search and the duplicate check use."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.archive import reading
from crm_archive.lifecycle.store import KANBAN_BOARD
from crm_archive.tests.rest import Session
from crm_archive.tests.test_permissions import PWD, make_user
from crm_archive.tests.utils import make_customer

USERS = {
	"rep_a": ("crm.desk.rep.a@example.com", ["CRM Archive User"]),
	"rep_b": ("crm.desk.rep.b@example.com", ["CRM Archive User"]),
	"manager": ("crm.desk.manager@example.com", ["CRM Archive Manager"]),
}
TYPED = ("zhangwei", "zhang wei", "ZhangWei", "zw", "张伟", "張偉")


def body(response):
	assert response.status_code == 200, (response.status_code, response.get_data(as_text=True)[:500])
	return response.json.get("message")


def archive(full_name, manager, **values):
	return (
		frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": full_name, "account_manager": manager, **values}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestStoredReading(FrappeTestCase):
	def test_reading_is_kept_true_on_every_save(self):
		name = archive("张伟", "Administrator", company_name="_Reading Co")
		doc = frappe.get_doc("Customer Archive", name)
		for typed in TYPED:
			self.assertIn(typed.lower(), doc.name_search.lower(), typed)
		self.assertEqual(doc.name_pinyin, "zhang wei")
		doc.full_name = "曾小贤"
		doc.save(ignore_permissions=True)
		stored = frappe.db.get_value("Customer Archive", name, ["name_search", "name_pinyin"], as_dict=True)
		self.assertEqual(stored.name_pinyin, "zeng xiao xian")  # 曾 as a surname reads zeng, not ceng
		self.assertIn("zxx", stored.name_search)
		self.assertNotIn("zhang", stored.name_search)

	def test_backfill_fills_archives_saved_before_the_columns(self):
		from crm_archive.archive.store.search import backfill_name_readings

		name = archive("單田芳", "Administrator")
		frappe.db.set_value("Customer Archive", name, {"name_search": None, "name_pinyin": None})
		self.assertGreaterEqual(backfill_name_readings(), 1)
		stored = frappe.db.get_value("Customer Archive", name, ["name_search", "name_pinyin"], as_dict=True)
		self.assertEqual(stored.name_pinyin, "shan tian fang")
		self.assertIn("单田芳", stored.name_search)  # the Simplified form of a Traditional name

	def test_same_reading_in_the_same_company_is_a_possible_duplicate_on_save(self):
		frappe.db.set_single_value("CRM Archive Settings", "duplicate_check", "Warn")
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		first = archive("张伟", "Administrator", company_name="_Dup Reading 有限公司")
		elsewhere = archive("张伟", "Administrator", company_name="_Other Co", city="_Elsewhere")
		frappe.clear_messages()
		doc = frappe.get_doc(
			{"doctype": "Customer Archive", "full_name": "張偉", "company_name": "_Dup Reading 有限公司"}
		).insert(ignore_permissions=True)
		messages = " ".join(
			str((json.loads(m) if isinstance(m, str) else m).get("message", ""))
			for m in frappe.local.message_log
		)
		self.assertIn(first, messages)
		self.assertNotIn(elsewhere, messages)
		doc.delete(ignore_permissions=True)


class TestFindByPinyin(FrappeTestCase):
	"""Over HTTP as two reps: each finds their own 张伟 by every typed form, never the other's."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.u = {k: make_user(email, roles) for k, (email, roles) in USERS.items()}
		cls.mine = archive("张伟", cls.u["rep_a"], company_name="_Pinyin A Co")
		cls.traditional = archive("張偉", cls.u["rep_a"], company_name="_Pinyin A2 Co")
		cls.theirs = archive("张伟", cls.u["rep_b"], company_name="_Pinyin B Co", city="_B City")
		cls.other = archive("王小明", cls.u["rep_a"], company_name="_Pinyin A Co")
		frappe.db.commit()
		cls.sessions = {k: Session(email, PWD) for k, email in cls.u.items()}

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in (cls.mine, cls.traditional, cls.theirs, cls.other):
			frappe.db.delete("Customer Archive Log", {"customer_archive": name})
			frappe.delete_doc("Customer Archive", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def names(self, rows):
		return {row["value"] if isinstance(row, dict) else row[0] for row in rows}

	def test_link_field_search(self):
		"""A Customer Archive link field (here: the interaction's) through Frappe's search_link."""
		for typed in TYPED:
			rows = body(
				self.sessions["rep_a"].method(
					"frappe.desk.search.search_link",
					doctype="Customer Archive",
					txt=typed,
					reference_doctype="Customer Interaction",
					page_length=10,
				)
			)
			found = self.names(rows)
			self.assertIn(self.mine, found, typed)
			self.assertIn(self.traditional, found, typed)  # 張偉 found by 张伟 and the other way round
			self.assertNotIn(self.theirs, found, typed)
			self.assertNotIn(self.other, found, typed)
		rows = body(
			self.sessions["rep_b"].method(
				"frappe.desk.search.search_link", doctype="Customer Archive", txt="zw"
			)
		)
		self.assertEqual(self.names(rows) & {self.mine, self.traditional, self.theirs}, {self.theirs})

	def test_link_field_search_ranks_the_exact_name_first(self):
		rows = body(
			self.sessions["rep_a"].method(
				"frappe.desk.search.search_link", doctype="Customer Archive", txt="张伟"
			)
		)
		self.assertEqual(rows[0]["value"], self.mine)
		self.assertIn("张伟", rows[0]["description"])
		self.assertNotIn("zhangwei", json.dumps(rows, ensure_ascii=False))  # no search key as a label

	def test_awesome_bar_search(self):
		"""The awesome bar (crm_archive_desk.js) asks the same search without a reference doctype or
		filters, five rows; the page of another rep's archive stays closed."""
		for typed in ("wangxiaoming", "wang xiao ming", "wxm", "王小明"):
			rows = body(
				self.sessions["rep_a"].method(
					"frappe.desk.search.search_link", doctype="Customer Archive", txt=typed, page_length=5
				)
			)
			self.assertIn(self.other, self.names(rows), typed)
		rows = body(
			self.sessions["rep_b"].method(
				"frappe.desk.search.search_link", doctype="Customer Archive", txt="wxm", page_length=5
			)
		)
		self.assertNotIn(self.other, self.names(rows))

	def test_list_search(self):
		"""The list's name filter sends `name_search like %typed%` to Frappe's list query."""
		for typed in TYPED:
			rows = body(
				self.sessions["rep_a"].get(
					"/api/method/frappe.desk.reportview.get",
					{
						"doctype": "Customer Archive",
						"fields": json.dumps(["`tabCustomer Archive`.`name`"]),
						"filters": json.dumps([["Customer Archive", "name_search", "like", f"%{typed}%"]]),
						"page_length": 20,
					},
				)
			)
			found = {value[0] for value in rows["values"]} if rows else set()
			self.assertIn(self.mine, found, typed)
			self.assertIn(self.traditional, found, typed)
			self.assertNotIn(self.theirs, found, typed)
		rows = body(
			self.sessions["rep_b"].get(
				"/api/method/frappe.desk.reportview.get",
				{
					"doctype": "Customer Archive",
					"fields": json.dumps(["`tabCustomer Archive`.`name`"]),
					"filters": json.dumps([["Customer Archive", "name_search", "like", "%zw%"]]),
				},
			)
		)
		found = {value[0] for value in rows["values"]} if rows else set()
		self.assertEqual(found & {self.mine, self.traditional, self.theirs}, {self.theirs})


class TestKanbanBoard(FrappeTestCase):
	"""A drag on the 客户进程 board is `frappe.set_value` of the lifecycle state: the workflow allows it for
	the dragging user's roles or refuses it with the reason, and it is logged like any move."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.u = {k: make_user(email, roles) for k, (email, roles) in USERS.items()}
		cls.a = archive("_Kanban A", cls.u["rep_a"])
		cls.b = archive("_Kanban B", cls.u["rep_b"])
		cls.c = archive("_Kanban C", cls.u["rep_a"], customer=make_customer("_Kanban C Customer"))
		frappe.db.commit()
		cls.sessions = {k: Session(email, PWD) for k, email in cls.u.items()}

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		for name in (cls.a, cls.b, cls.c):
			frappe.db.delete("Customer Archive Log", {"customer_archive": name})
			frappe.delete_doc("Customer Archive", name, force=True, ignore_permissions=True)
		frappe.delete_doc("Customer", "_Kanban C Customer", force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def drag(self, who, name, from_state, to_state):
		return self.sessions[who].method(
			"frappe.desk.doctype.kanban_board.kanban_board.update_order_for_single_card",
			board_name=KANBAN_BOARD,
			docname=name,
			from_colname=from_state,
			to_colname=to_state,
			old_index=0,
			new_index=0,
		)

	def state(self, name):
		frappe.db.rollback()  # see what the HTTP requests committed
		return frappe.db.get_value("Customer Archive", name, "lifecycle_state")

	def test_board_is_installed_with_a_column_per_state_and_the_card_fields(self):
		board = frappe.get_doc("Kanban Board", KANBAN_BOARD)
		self.assertEqual(board.reference_doctype, "Customer Archive")
		self.assertEqual(board.field_name, "lifecycle_state")
		self.assertEqual(
			[c.column_name for c in board.columns], ["Potential", "Intentional", "Existing", "Churned"]
		)
		self.assertEqual(json.loads(board.fields), ["tier", "account_manager", "next_follow_up_date"])

	def test_a_drag_is_a_workflow_transition(self):
		# allowed for the rep's role, and logged like any move
		body(self.drag("rep_a", self.a, "Potential", "Intentional"))
		self.assertEqual(self.state(self.a), "Intentional")
		log = frappe.get_all(
			"Customer Archive Log",
			filters={"customer_archive": self.a, "event_type": "Lifecycle Change"},
			fields=["from_value", "to_value", "user"],
		)
		self.assertEqual(
			[(r.from_value, r.to_value, r.user) for r in log], [("Potential", "Intentional", self.u["rep_a"])]
		)
		# a move only a manager may make (Convert to Existing): refused for the rep with the reason,
		# nothing changed; the manager's drag goes through
		r = self.drag("rep_a", self.c, "Potential", "Existing")
		self.assertNotEqual(r.status_code, 200)
		self.assertIn("not allowed", r.get_data(as_text=True))
		self.assertEqual(self.state(self.c), "Potential")
		body(self.drag("manager", self.c, "Potential", "Existing"))
		self.assertEqual(self.state(self.c), "Existing")
		# Existing needs a linked Customer, even for a manager
		r = self.drag("manager", self.a, "Intentional", "Existing")
		self.assertNotEqual(r.status_code, 200)
		self.assertEqual(self.state(self.a), "Intentional")
		# another rep's card
		r = self.drag("rep_a", self.b, "Potential", "Intentional")
		self.assertNotEqual(r.status_code, 200)
		self.assertEqual(self.state(self.b), "Potential")
		self.assertNotIn("_Kanban B", r.get_data(as_text=True))
		# and back, by the manager
		body(self.drag("manager", self.a, "Intentional", "Potential"))
		self.assertEqual(self.state(self.a), "Potential")

	def test_the_board_lists_only_archives_the_rep_may_read(self):
		rows = body(
			self.sessions["rep_a"].get(
				"/api/method/frappe.desk.reportview.get",
				{
					"doctype": "Customer Archive",
					"fields": json.dumps(["`tabCustomer Archive`.`name`", "`tabCustomer Archive`.`tier`"]),
					"filters": json.dumps([["Customer Archive", "full_name", "like", "_Kanban%"]]),
					"view": "Kanban",
				},
			)
		)
		self.assertEqual({value[0] for value in rows["values"]}, {self.a, self.c})


class TestReadingModule(FrappeTestCase):
	"""The reading module as the site uses it (OpenCC and pypinyin installed in the bench)."""

	def test_both_scripts_meet(self):
		self.assertEqual(reading.to_simplified("張偉"), "张伟")
		self.assertEqual(reading.to_traditional("张伟"), "張偉")
