"""Adversarial, enumerating permission-leak probe (engine; the test is test_leak_probe.py).

It builds a fixture of two sales reps' archives carrying distinctive marker values, then calls — over real
HTTP sessions, as rep A, an auditor and a reviewer — every whitelisted method of frappe, erpnext and
crm_archive it can find (import every module, read `frappe.whitelisted`), every whitelisted controller
method of the documents involved (run_doc_method), and /api/resource for every doctype that reaches archive
data. Arguments come from each method's signature (or the form_dict keys its source reads). Methods that
delete, send messages, change users/sessions, install or execute code are skipped BY RULE (name and
source patterns), never by a hand-kept list. A leak is a response (any status) containing a marker that
user may not see, a filter/order oracle on a field the user cannot read, or a call that grants the rep
access to another rep's archive or changes its data.

Standalone: `bench --site SITE execute crm_archive.tests.leak_probe.run` prints the same summary.
"""

import gzip
import html
import importlib
import inspect
import io
import json
import pkgutil
import re
import sys
import time
import zipfile
from collections import Counter, defaultdict
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from urllib.parse import unquote

import frappe

PWD = "Leak#Probe#2026"
MARK = "leakzq"
USERS = {
	"rep_a": ("probe.rep.a@example.com", ["CRM Archive User", "Sales User"]),
	"rep_b": ("probe.rep.b@example.com", ["CRM Archive User", "Sales User"]),
	"auditor": ("probe.auditor@example.com", ["CRM Archive Auditor"]),
	"reviewer": ("probe.reviewer@example.com", ["CRM Archive Reviewer"]),
	"manager": ("probe.manager@example.com", ["CRM Archive Manager"]),
}
PROBED = ("rep_a", "auditor", "reviewer")
CUSTOMERS = {"a": "Probe Cust A qz", "b": "Probe Cust B qz"}
CAP_RICH = 6  # argument sets per method (and user) taking a doctype or report; contexts are ordered
CAP_PLAIN = 3  # argument sets per other method
SLOW_SECONDS = 4.0  # a method slower than this gets no further argument sets
DEADLINE_SECONDS = 420  # soft budget for the enumerated phase

APP_REPORTS = [
	"Customer Value Analysis",
	"Churn Risk",
	"Customer Lifetime Value",
	"Customer Transaction History",
	"Follow-ups Due",
	"Lifecycle Funnel",
	"Possible Duplicates",
	"Tier Benefits",
	"Tier Distribution and Movements",
	"Customer Pool",
	"Pool Flow",
]
ERPNEXT_REPORTS = ["Customer Ledger Summary", "Customer Addresses And Contacts", "Inactive Customers"]
PREPARED_FILTERS = {"as_of": None, "window_days": 365, "a_share": 70, "b_share": 90}  # as_of: today

RESOURCE_DOCTYPES = [
	"Customer Archive",
	"Customer Archive Social Account",
	"Customer Interaction",
	"Customer Archive Log",
	"Version",
	"ToDo",
	"DocShare",
	"Comment",
	"Communication",
	"File",
	"Prepared Report",
	"Workflow Action",
	"Dashboard Chart",
	"Customer",
	"Contact",
	"Address",
	"Lead",
	"Activity Log",
	"Access Log",
	"Deleted Document",
	"Notification Log",
	"View Log",
	"Error Log",
	"Report",
]
MUST_COVER = [
	"frappe.client.get_list",
	"frappe.client.get_count",
	"frappe.client.get",
	"frappe.client.get_value",
	"frappe.desk.reportview.get",
	"frappe.desk.reportview.get_count",
	"frappe.desk.reportview.export_query",
	"frappe.desk.reportview.get_sidebar_stats",
	"frappe.desk.listview.get_group_by_count",
	"frappe.desk.form.load.getdoc",
	"frappe.desk.form.load.get_docinfo",
	"frappe.desk.search.search_link",
	"frappe.desk.search.search_widget",
	"frappe.desk.search.get_link_title",
	"frappe.desk.query_report.run",
	"frappe.www.printview.get_html_and_style",
]

# --- skip rules: (category, regex on the dotted name, regex on the function's own source) ----------------
SKIP_RULES = [
	(
		"delete/destructive",
		r"delete|remove|cancel|trash|drop|truncate|purge|discard|revert|unlink|detach|clear|reset|rename|merge",
		r"\bdelete_doc\(|\.delete\(\s*\)|frappe\.db\.delete\(|db\.truncate|\bdrop\s+table|rename_doc\(",
	),
	(
		"mail/sms/notify",
		r"sendmail|send_|_send\b|\bsend\b|\.email\.|mail|sms|notify|notification\b|newsletter|whatsapp|push_",
		r"sendmail\(|send_sms\(|\.send\(|create_notification|make_notification|send_notification|"
		r"enqueue_create_notification|SMTPServer|smtplib",
	),
	(
		"users/passwords/roles/sessions",
		r"log_?out|log_?in\b|login|(?:set|update|reset|change|forgot|new|verify|test)_?password|"
		r"password_(?:reset|strength|change)|sign_?up|impersonat|add_role|remove_role|set_role|role_profile|"
		r"update_user|create_user|add_user|user_type|session|\botp\b|2fa|two_factor|api_key|api_secret|"
		r"generate_keys|oauth|token|ldap|social_login|switch_user|update_profile|deactivat|disable_user",
		r"\.add_roles\(|\.remove_roles\(|update_password\(|_set_password|set_new_password|login_manager|"
		r"clear_sessions|delete_session|\.logout\(",
	),
	(
		"install/migrate/backup/system",
		r"install|migrate|backup|restore|reload|rebuild|setup_wizard|setup_complete|update_app|upgrade|"
		r"bench|restart|start_import|data_import|upload|unzip|\bsync|enqueue|schedul|_job\b|\bjob_|"
		r"optimize|compress",
		r"install_app|new_backup|\bmigrate\(|reload_doc\(|enqueue\(",
	),
	(
		"code execution",
		r"execute|\bexec|run_script|console|evaluat|safe_eval|\beval|run_code|server_script|"
		r"run_doc_method|runserverobj",
		r"\bsafe_exec\(|(?<![\w.])exec\(|(?<![\w.])eval\(|safe_eval\(|subprocess|os\.system|"
		r"execute_in_shell|run_server_script",
	),
	(
		"network",
		r"webhook|dropbox|google|s3_|paypal|razorpay|stripe|braintree|plaid|frappe\.integrations\.",
		r"requests\.(?:get|post|put|request|Session)|make_get_request|make_post_request|make_request\(|"
		r"urlopen|imaplib|poplib|socket\.",
	),
]
SKIP_MODULE_PARTS = ("test", "patches", "commands", "setup_wizard_data")

# --- parameter roles --------------------------------------------------------------------------------------
ROLES = {
	"doctype": {
		"doctype",
		"dt",
		"reference_doctype",
		"ref_doctype",
		"doc_type",
		"document_type",
		"parenttype",
		"parent_doctype",
		"link_doctype",
		"share_doctype",
		"ref_dt",
		"source_doctype",
		"from_doctype",
		"attached_to_doctype",
		"reference_type",
		"ref_type",
		"doctype_name",
	},
	"name": {
		"name",
		"docname",
		"dn",
		"reference_name",
		"ref_name",
		"doc_name",
		"share_name",
		"id",
		"docid",
		"link_name",
		"attached_to_name",
		"source_name",
		"document_name",
		"record",
	},
	"names": {"names", "docnames", "name_list"},
	"filters": {"filters", "or_filters", "current_filters", "filter", "filters_json", "link_filters"},
	"fields": {"fields", "fieldnames", "columns", "stats", "select_fields", "pluck_fields"},
	"field": {"fieldname", "field", "group_by_field", "column", "pluck"},
	"group_by": {"group_by"},
	"searchfield": {"searchfield", "search_field", "searchfields", "search_fields"},
	"txt": {
		"txt",
		"search_term",
		"search_text",
		"text",
		"term",
		"keyword",
		"search",
		"q",
		"searchtext",
		"query",
	},
	"order_by": {"order_by", "sort_by", "order"},
	"report": {"report_name", "report", "reference_report"},
	"prepared": {"prepared_report_name", "prepared_report"},
	"grantee": {"assign_to", "shared_with", "allocated_to"},
	"doc": {"doc", "document", "doc_json"},
	"docs": {"docs", "documents"},
	"args": {"args"},
	"user": {"user", "for_user", "owner"},
	"parent": {"parent"},
	"flag": {
		"ignore_user_permissions",
		"ignore_permissions",
		"with_childnames",
		"with_comment_count",
		"with_parent",
		"as_dict",
		"distinct",
		"is_tree",
	},
	"limit": {"page_length", "limit", "limit_page_length", "page_len", "limit_page"},
	"start": {"start", "limit_start", "page_start"},
	"file_format": {"file_format_type", "file_format"},
	"print_format": {"print_format", "format"},
	"company": {"company"},
}
ROLE_OF = {p: role for role, names in ROLES.items() for p in names}
INTERESTING = {
	"doctype",
	"name",
	"names",
	"filters",
	"fields",
	"field",
	"searchfield",
	"txt",
	"order_by",
	"report",
	"prepared",
	"grantee",
	"doc",
	"docs",
	"args",
}
REPORTVIEW_PARAMS = [
	"doctype",
	"fields",
	"filters",
	"order_by",
	"group_by",
	"start",
	"page_length",
	"with_childnames",
	"parent",
]
FORM_KEY = re.compile(
	r"""form_(?:dict|params)(?:\.(?:get|pop)\(\s*["'](\w+)["']|\[\s*["'](\w+)["']\]|\.(\w+)\b(?!\())"""
)


@dataclass
class Marker:
	value: str
	kind: str
	archive: str  # "a" or "b"
	level: int  # 0, 1, 2 (record-level data counts as 0)


@dataclass
class Fixture:
	users: dict
	archives: dict  # "a"/"b" -> name
	customers: dict
	markers: list
	docs: dict  # kind -> name of related docs of B (and a few of A)
	prepared_report: str
	prepared_filters: dict
	file_urls: list
	company: str

	def forbidden(self, who: str) -> list[Marker]:
		if who == "rep_a":  # c: an archive in the customer pool (公海), unclaimed
			return [m for m in self.markers if m.archive in ("b", "c") or m.level == 2]
		if who == "auditor":
			return [m for m in self.markers if m.level >= 1]
		if who == "reviewer":
			return [m for m in self.markers if m.level == 2]
		return []


@dataclass
class Result:
	attempts: int = 0
	endpoints: set = field(default_factory=set)
	skipped: dict = field(default_factory=dict)  # dotted -> category
	leaks: list = field(default_factory=list)
	slow: list = field(default_factory=list)
	statuses: Counter = field(default_factory=Counter)
	notes: list = field(default_factory=list)
	covered: set = field(default_factory=set)
	methods: int = 0
	doc_methods: int = 0
	relogins: int = 0
	missing: list = field(default_factory=list)

	def summary(self) -> str:
		return (
			f"leak probe: attempts={self.attempts} endpoints={len(self.endpoints)} "
			f"skipped={len(self.skipped)} leaks={len(self.leaks)}"
		)

	def report(self, limit: int = 200) -> str:
		lines = [self.summary()]
		lines.append(
			f"  methods probed={self.methods} doc methods={self.doc_methods} relogins={self.relogins} "
			f"statuses={dict(self.statuses)}"
		)
		by_cat = defaultdict(list)
		for dotted, cat in sorted(self.skipped.items()):
			by_cat[cat].append(dotted)
		for cat, names in sorted(by_cat.items()):
			lines.append(
				f"  skipped [{cat}] {len(names)}: {', '.join(names[:12])}{' ...' if len(names) > 12 else ''}"
			)
		for note in self.notes:
			lines.append(f"  note: {note}")
		if self.slow:
			slow = sorted(self.slow, key=lambda s: -s[1])[:8]
			lines.append("  slowest: " + ", ".join(f"{e} {t:.1f}s" for e, t in slow))
		groups = defaultdict(set)
		for leak in self.leaks:
			groups[(leak["endpoint"], leak["kind"])].add(leak["user"])
		lines.append(f"  distinct leak kinds (endpoint, marker kind): {len(groups)}")
		for (endpoint, kind), users in sorted(groups.items()):
			lines.append(f"    {endpoint} :: {kind} :: {', '.join(sorted(users))}")
		lines.append("  leaks:")
		for leak in self.leaks[:limit]:
			lines.append(
				f"    {leak['user']} {leak['endpoint']} {leak['kind']}={leak['marker']!r} "
				f"status={leak['status']} args={leak['args'][:220]}"
			)
		return "\n".join(lines)


# --- fixture ------------------------------------------------------------------------------------------------


def make_user(email: str, roles: list[str]) -> str:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.new_password = PWD
	user.enabled = 1
	user.save(ignore_permissions=True)
	user.add_roles(*roles)
	return email


def make_customer(name: str) -> str:
	if frappe.db.exists("Customer", name):
		return name
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name,
			"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
			"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
		}
	)
	doc.flags.from_customer_archive = "probe"
	doc.insert(ignore_permissions=True)
	return doc.name


def cleanup():
	"""Remove every row an earlier run left (raw deletes: no Deleted Document copies of the markers)."""
	frappe.set_user("Administrator")
	names = frappe.get_all("Customer Archive", {"full_name": ["like", f"{MARK}%"]}, pluck="name")
	customers = list(CUSTOMERS.values()) + frappe.get_all(
		"Customer", {"customer_name": ["like", "Probe Cust%"]}, pluck="name"
	)
	for c in set(customers):
		if frappe.db.exists("Customer", c):
			frappe.db.set_value("Customer", c, "crm_archive", None, update_modified=False)
	if names:
		for dt, col in (
			("Customer Archive Social Account", "parent"),
			("Customer Interaction", "customer_archive"),
			("Customer Archive Log", "customer_archive"),
			("Version", "docname"),
			("Comment", "reference_name"),
			("ToDo", "reference_name"),
			("DocShare", "share_name"),
			("View Log", "reference_name"),
			("Workflow Action", "reference_name"),
			("Communication", "reference_name"),
		):
			frappe.db.delete(dt, {col: ["in", names]})
		for f in frappe.get_all("File", {"attached_to_name": ["in", names]}, pluck="name"):
			frappe.delete_doc("File", f, force=True, ignore_permissions=True)
		frappe.db.delete("Customer Archive", {"name": ["in", names]})
	manager = USERS["manager"][0]
	for pr in frappe.get_all("Prepared Report", {"owner": manager}, pluck="name"):
		for f in frappe.get_all(
			"File", {"attached_to_doctype": "Prepared Report", "attached_to_name": pr}, pluck="name"
		):
			frappe.delete_doc("File", f, force=True, ignore_permissions=True)
		frappe.db.delete("Prepared Report", {"name": pr})
	for c in set(customers):
		if frappe.db.exists("Customer", c):
			frappe.db.delete("Version", {"ref_doctype": "Customer", "docname": c})
			frappe.db.delete("Customer", {"name": c})
	for dt, col in (
		("Deleted Document", "data"),
		("Notification Log", "subject"),
		("Email Queue", "message"),
		("Comment", "content"),
		("Activity Log", "subject"),
		("Error Log", "error"),
		("Version", "data"),
		("ToDo", "description"),
	):
		if frappe.db.table_exists(dt):
			frappe.db.delete(dt, {col: ["like", f"%{MARK}%"]})
	frappe.db.sql("delete from `__global_search` where content like %s", (f"%{MARK}%",))
	frappe.db.commit()


def _archive(x: str, manager: str, customer: str) -> str:
	X = x.upper()
	digit = "1" if x == "a" else "0"
	doc = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": f"Leakzq {X}name",
			"company_name": f"Leakzq Co {X}",
			"city": f"Leakzqcity{X}",
			"occupation": f"leakzq-occupation-{x}",
			"remarks": f"leakzq-remarks-{x}",
			"account_manager": manager,
			"mobile_no": f"+86139876500{digit}2",
			"email_id": f"leakzq.{x}.oldmail@example.com",
			"address": f"Leakzq Old Road 1 {X}",
			"id_number": "110101199003074573" if x == "b" else "110101199003075015",
			"confidential_notes": f"leakzq-oldconf-{x}",
			"social_accounts": [
				{"platform": "WeChat", "account": f"wx_leakzq_{x}", "note": f"leakzq-socialnote-{x}"}
			],
		}
	)
	doc.flags.ignore_duplicates = True
	doc.insert(ignore_permissions=True)
	doc = frappe.get_doc("Customer Archive", doc.name)
	doc.mobile_no = f"+86139876500{digit}1"
	doc.email_id = f"leakzq.{x}.mail@example.com"
	doc.address = f"Leakzq Road 9 {X}"
	doc.confidential_notes = f"leakzq-confidential-{x}"
	doc.customer = customer
	doc.flags.ignore_duplicates = True
	doc.save(ignore_permissions=True, ignore_version=False)  # tests skip Versions by default
	return doc.name


POOL_ID_NUMBER = "110101199003074610"


def _pool_archive(manager: str, docs: dict) -> str:
	"""Archive C: released to the customer pool (公海) with contact data, ID number, confidential notes,
	an interaction and an attachment — a rep may see its name, company and city in the pool list only."""
	from crm_archive.pool.store.core import release_rows

	doc = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": "Leakzq Cname",
			"company_name": "Leakzq Co C",
			"city": "LeakzqcityC",
			"occupation": "leakzq-occupation-c",
			"remarks": "leakzq-remarks-c",
			"account_manager": manager,
			"mobile_no": "+8613987650071",
			"email_id": "leakzq.c.mail@example.com",
			"address": "Leakzq Road 9 C",
			"id_number": POOL_ID_NUMBER,
			"confidential_notes": "leakzq-confidential-c",
			"social_accounts": [
				{"platform": "WeChat", "account": "wx_leakzq_c", "note": "leakzq-socialnote-c"}
			],
		}
	)
	doc.flags.ignore_duplicates = True
	doc.insert(ignore_permissions=True)
	docs["interaction_c"] = (
		frappe.get_doc(
			{
				"doctype": "Customer Interaction",
				"customer_archive": doc.name,
				"summary": "leakzq-summary-c",
				"details": "leakzq-details-c",
				"channel": "Phone",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	docs["file_c"] = (
		frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "leakzq-file-c.txt",
				"attached_to_doctype": "Customer Archive",
				"attached_to_name": doc.name,
				"content": "leakzq-filecontent-c",
				"is_private": 1,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	release_rows([{"name": doc.name, "account_manager": manager, "reason": "Given Back"}], "Manual")
	docs["archive_c"] = doc.name
	return doc.name


def build_fixture() -> Fixture:
	from frappe.core.doctype.prepared_report.prepared_report import (
		generate_report,
		process_filters_for_prepared_report,
	)
	from frappe.desk.form.assign_to import add as assign
	from frappe.utils import now, nowdate

	from crm_archive.tests.utils import test_company

	cleanup()
	users = {k: make_user(email, roles) for k, (email, roles) in USERS.items()}
	customers = {x: make_customer(n) for x, n in CUSTOMERS.items()}
	archives = {x: _archive(x, users[f"rep_{x}"], customers[x]) for x in ("a", "b")}
	docs = {}
	for x, name in archives.items():
		docs[f"interaction_{x}"] = (
			frappe.get_doc(
				{
					"doctype": "Customer Interaction",
					"customer_archive": name,
					"summary": f"leakzq-summary-{x}",
					"details": f"leakzq-details-{x}",
					"outcome": f"leakzq-outcome-{x}",
					"channel": "Phone",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		docs[f"log_{x}"] = (
			frappe.get_doc(
				{
					"doctype": "Customer Archive Log",
					"customer_archive": name,
					"event_type": "Tier Change",
					"trigger": "Manual",
					"rule_row": f"leakzq-logrow-{x}",
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		docs[f"social_{x}"] = frappe.db.get_value("Customer Archive Social Account", {"parent": name}, "name")
		docs[f"version_{x}"] = frappe.db.get_value(
			"Version", {"ref_doctype": "Customer Archive", "docname": name}, "name"
		)
	b = archives["b"]
	file_doc = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": "leakzq-file-b.txt",
			"attached_to_doctype": "Customer Archive",
			"attached_to_name": b,
			"content": "leakzq-filecontent-b",
			"is_private": 1,
		}
	).insert(ignore_permissions=True)
	docs["file_b"] = file_doc.name
	# a call logged on B's archive as a Communication (a medium other than email: Frappe's own condition
	# on Communication lets every Sales User list those), its text and B's mobile as the phone
	docs["communication_b"] = (
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Phone",
				"subject": "leakzq-commsubject-b",
				"content": "leakzq-commcontent-b",
				"phone_no": "+8613987650001",
				"reference_doctype": "Customer Archive",
				"reference_name": b,
				"sent_or_received": "Received",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
	docs["comment_b"] = frappe.get_doc("Customer Archive", b).add_comment("Comment", "leakzq-comment-b").name
	assign(
		{
			"assign_to": [users["rep_b"]],
			"doctype": "Customer Archive",
			"name": b,
			"description": "leakzq-todo-b",
		}
	)
	docs["todo_b"] = frappe.db.get_value(
		"ToDo", {"reference_name": b, "allocated_to": users["rep_b"]}, "name"
	)
	docs["share_b"] = frappe.share.add("Customer Archive", b, users["rep_b"], read=1, notify=0).name
	_pool_archive(users["rep_b"], docs)
	frappe.db.commit()
	from frappe.utils.global_search import sync_global_search

	sync_global_search()  # the ToDo's, File's and Communication's text in global search, as the scheduler would
	frappe.db.commit()

	# the manager's prepared report, generated here: inserted without its after_insert, which would queue
	# the job for a bench worker racing this process
	filters = dict(PREPARED_FILTERS, as_of=nowdate())
	frappe.set_user(users["manager"])
	prepared = frappe.get_doc(
		{
			"doctype": "Prepared Report",
			"report_name": "Customer Value Analysis",
			"filters": process_filters_for_prepared_report(filters),
			"status": "Queued",
		}
	)
	prepared.set_new_name()
	prepared.owner = prepared.modified_by = users["manager"]
	prepared.creation = prepared.modified = now()
	prepared.db_insert()
	pr = prepared.name
	frappe.db.commit()
	generate_report(pr)
	frappe.set_user("Administrator")
	frappe.db.commit()
	status = frappe.db.get_value("Prepared Report", pr, "status")
	docs["prepared_report"] = pr

	markers = []

	def add(value, kind, x, level):
		if value:
			markers.append(Marker(str(value), kind, x, level))

	for x, name in archives.items():
		row = frappe.db.get_value("Customer Archive", name, "*", as_dict=True)
		for f in ("full_name", "company_name", "city", "occupation", "remarks"):
			add(row[f], f, x, 0)
		for f in ("mobile_no", "email_id", "address"):
			add(row[f], f, x, 1)
		add(f"+86139876500{'1' if x == 'a' else '0'}2", "mobile_no(old)", x, 1)
		add(row["mobile_no"].lstrip("+"), "mobile_no(digits)", x, 1)  # a sum or a number shows no '+'
		add(f"leakzq.{x}.oldmail@example.com", "email_id(old)", x, 1)
		add(f"Leakzq Old Road 1 {x.upper()}", "address(old)", x, 1)
		add(f"wx_leakzq_{x}", "social.account", x, 1)
		add(f"leakzq-socialnote-{x}", "social.note", x, 1)
		add("110101199003074573" if x == "b" else "110101199003075015", "id_number", x, 2)
		add(row["id_number_hash"], "id_number_hash", x, 2)
		add(row["confidential_notes"], "confidential_notes", x, 2)
		add(f"leakzq-oldconf-{x}", "confidential_notes(old)", x, 2)
		add(f"leakzq-summary-{x}", "interaction.summary", x, 0)
		add(f"leakzq-details-{x}", "interaction.details", x, 0)
		add(f"leakzq-outcome-{x}", "interaction.outcome", x, 0)
		add(f"leakzq-logrow-{x}", "log.rule_row", x, 0)
	for value, kind, level in (  # C in the pool: only its name, company and city may reach a rep
		("leakzq-occupation-c", "occupation", 0),
		("leakzq-remarks-c", "remarks", 0),
		("+8613987650071", "mobile_no", 1),
		("8613987650071", "mobile_no(digits)", 1),
		("leakzq.c.mail@example.com", "email_id", 1),
		("Leakzq Road 9 C", "address", 1),
		("wx_leakzq_c", "social.account", 1),
		("leakzq-socialnote-c", "social.note", 1),
		(POOL_ID_NUMBER, "id_number", 2),
		(frappe.db.get_value("Customer Archive", docs["archive_c"], "id_number_hash"), "id_number_hash", 2),
		("leakzq-confidential-c", "confidential_notes", 2),
		("leakzq-summary-c", "interaction.summary", 0),
		("leakzq-details-c", "interaction.details", 0),
		("leakzq-filecontent-c", "file.content", 0),
		("leakzq-file-c", "file.name", 0),
	):
		add(value, kind, "c", level)
	add("leakzq-filecontent-b", "file.content", "b", 0)
	add("leakzq-file-b", "file.name", "b", 0)
	add("leakzq-commsubject-b", "communication.subject", "b", 1)  # about the customer: contact data
	add("leakzq-commcontent-b", "communication.content", "b", 1)
	add("leakzq-comment-b", "comment", "b", 0)
	add("leakzq-todo-b", "todo.description", "b", 0)
	markers.sort(key=lambda m: -len(m.value))  # report the most specific marker first
	pr_files = {"attached_to_doctype": "Prepared Report", "attached_to_name": pr}
	file_urls = [file_doc.file_url, *frappe.get_all("File", pr_files, pluck="file_url")]
	fx = Fixture(users, archives, customers, markers, docs, pr, filters, file_urls, test_company())
	if status != "Completed":
		print(f"leak probe: prepared report {pr} is {status}")
	return fx


def check_markers(fx: Fixture) -> list[str]:
	"""Markers that are no longer where the fixture put them (the probe must not have eaten them)."""
	frappe.db.commit()
	missing = []
	for x, name in fx.archives.items():
		row = frappe.db.get_value("Customer Archive", name, "*", as_dict=True) or {}
		blob = json.dumps(row, default=str)
		blob += json.dumps(
			frappe.get_all("Customer Archive Social Account", {"parent": name}, ["*"]), default=str
		)
		blob += json.dumps(
			frappe.get_all("Customer Interaction", {"customer_archive": name}, ["*"]), default=str
		)
		for dt, col in (("File", "attached_to_name"), ("Communication", "reference_name")):
			blob += json.dumps(frappe.get_all(dt, {col: name}, ["*"]), default=str)
		for m in fx.markers:
			if m.archive != x or "(old)" in m.kind or m.kind in ("id_number", "log.rule_row"):
				continue
			if m.kind in ("file.content", "comment", "todo.description"):
				continue
			if m.value not in blob:
				missing.append(f"{x}:{m.kind}")
		if row.get("account_manager") != fx.users[f"rep_{x}"]:
			missing.append(f"{x}:account_manager")
	return missing


# --- enumeration ------------------------------------------------------------------------------------------


def module_names(pkg_name: str) -> list[str]:
	"""Every module under a package, namespace folders included (pkgutil.walk_packages skips folders
	without __init__.py, like this app's doctype folder)."""
	import os

	pkg = importlib.import_module(pkg_name)
	names = [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg_name + ".", onerror=lambda _n: None)]
	for root_dir in pkg.__path__:
		for folder, dirs, files in os.walk(root_dir):
			dirs[:] = [
				d for d in dirs if d.isidentifier() and d not in ("node_modules", "public", "__pycache__")
			]
			rel = os.path.relpath(folder, root_dir)
			prefix = pkg_name if rel == "." else pkg_name + "." + rel.replace(os.sep, ".")
			names += [f"{prefix}.{f[:-3]}" for f in files if f.endswith(".py") and f[:-3].isidentifier()]
	return [n.removesuffix(".__init__") for n in dict.fromkeys(names)]


def import_everything(packages=("frappe", "erpnext", "crm_archive")) -> tuple[int, int]:
	ok = failed = 0
	sink = io.StringIO()
	for pkg_name in packages:
		for name in module_names(pkg_name):
			parts = name.split(".")
			if any(part in parts[-1] or f".{part}" in name for part in SKIP_MODULE_PARTS):
				continue
			if name in sys.modules:
				ok += 1
				continue
			try:
				with redirect_stdout(sink), redirect_stderr(sink):
					importlib.import_module(name)
				ok += 1
			except BaseException:
				failed += 1
	return ok, failed


def dotted(fn) -> str:
	return f"{fn.__module__}.{fn.__qualname__}"


def source_of(fn) -> str:
	try:
		return inspect.getsource(inspect.unwrap(fn))
	except Exception:
		return ""


def skip_category(name: str, src: str) -> str | None:
	lname = name.lower()
	body = src.split(":", 1)[-1] if src else ""
	for category, name_rx, src_rx in SKIP_RULES:
		if re.search(name_rx, lname) or (body and re.search(src_rx, body)):
			return category
	return None


def params_of(fn, src: str) -> list[inspect.Parameter] | None:
	"""Declared parameters, or those read from form_dict when the signature is empty."""
	try:
		sig = inspect.signature(inspect.unwrap(fn))
	except Exception:
		return None
	params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")]
	if any(p.kind == p.VAR_KEYWORD for p in params) or not params:
		keys = []
		if "get_form_params" in src:
			keys += REPORTVIEW_PARAMS
		for groups in FORM_KEY.findall(src):
			key = next(g for g in groups if g)
			if key not in ("get", "pop", "update", "copy", "items", "keys", "values", "setdefault"):
				keys.append(key)
		if any(p.kind == p.VAR_KEYWORD for p in params):
			keys += ["doctype", "name", "filters", "fields"]
		declared = {p.name for p in params}
		for key in dict.fromkeys(keys):
			if key not in declared:
				params.append(inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None))
	return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def roles_of(params) -> set[str]:
	return {ROLE_OF[p.name] for p in params if p.name in ROLE_OF}


@dataclass
class Endpoint:
	name: str  # dotted path, or run_doc_method:DocType.method
	fn: object
	params: list
	verb: str
	doc_target: tuple | None = None  # (doctype, name) for controller methods


def enumerate_methods(result: Result, fx: Fixture) -> list[Endpoint]:
	hooks = frappe.get_hooks("override_whitelisted_methods") or {}
	override = {(v[-1] if isinstance(v, list) else v): k for k, v in hooks.items()}
	endpoints = []
	seen = set()
	for fn in list(frappe.whitelisted):
		name = dotted(fn)
		if "<locals>" in name or "." in fn.__qualname__:
			continue  # controller methods are probed through run_doc_method below
		path = override.get(name, name)
		if path in seen:
			continue
		seen.add(path)
		src = source_of(fn)
		cat = skip_category(path, src)
		if cat:
			result.skipped[path] = cat
			continue
		params = params_of(fn, src)
		if params is None or not (roles_of(params) & INTERESTING):
			result.skipped[path] = "no interesting parameter"
			continue
		methods = frappe.allowed_http_methods_for_whitelisted_func.get(fn) or ["POST"]
		endpoints.append(Endpoint(path, fn, params, "POST" if "POST" in methods else "GET"))
	for must in MUST_COVER:
		if not any(e.name == must for e in endpoints):
			fn = frappe.get_attr(must)
			fn = getattr(fn, "__func__", fn)
			result.notes.append(
				f"{must} was not enumerated ({result.skipped.get(must, 'absent')}); probed anyway"
			)
			result.skipped.pop(must, None)
			endpoints.append(Endpoint(must, fn, params_of(fn, source_of(fn)) or [], "POST"))
	result.methods = len(endpoints)
	# controller methods of every document the probe targets
	from frappe.model.base_document import get_controller

	whitelisted = set(frappe.whitelisted)
	for dt, dn in doc_targets(fx):
		try:
			cls = get_controller(dt)
		except Exception:
			continue
		for attr in sorted(dir(cls)):
			fn = getattr(cls, attr, None)
			fn = getattr(fn, "__func__", fn)
			if not callable(fn) or fn not in whitelisted:
				continue
			label = dt + ("[own]" if dn == fx.archives["a"] else "")
			ep_name = f"run_doc_method:{label}.{attr}"
			cat = skip_category(f"{dotted(fn)}", source_of(fn))
			if cat:
				result.skipped[ep_name] = cat
				continue
			params = params_of(fn, source_of(fn)) or []
			endpoints.append(Endpoint(ep_name, fn, params, "POST", (dt, dn)))
			result.doc_methods += 1
	return endpoints


def doc_targets(fx: Fixture) -> list[tuple[str, str]]:
	d = fx.docs
	out = [
		("Customer Archive", fx.archives["b"]),
		("Customer Archive", fx.archives["a"]),
		("Customer Interaction", d["interaction_b"]),
		("Customer Archive Log", d["log_b"]),
		("Customer", fx.customers["b"]),
		("File", d["file_b"]),
		("ToDo", d["todo_b"]),
		("Comment", d["comment_b"]),
		("Prepared Report", d["prepared_report"]),
		("Customer Archive", d.get("archive_c")),
		("Customer Interaction", d.get("interaction_c")),
		("File", d.get("file_c")),
	]
	return [(dt, dn) for dt, dn in out if dn]


# --- argument sets ------------------------------------------------------------------------------------------

ARCHIVE_SECRET_FIELDS = [
	"mobile_no",
	"email_id",
	"address",
	"confidential_notes",
	"id_number_hash",
	"id_number",
]


def contexts(fx: Fixture) -> list[dict]:
	"""Targets, most telling first; each maps parameter roles to values."""
	a, b, d = fx.archives["a"], fx.archives["b"], fx.docs
	ca = "Customer Archive"
	child = "`tabCustomer Archive Social Account`"
	return [
		{
			"doctype": ca,
			"name": b,
			"fields": ["*"],
			"field": "full_name",
			"filters": {"name": b},
			"txt": "Leakzq",
		},
		{
			"doctype": ca,
			"name": b,
			"fields": ["name", "full_name", *ARCHIVE_SECRET_FIELDS],
			"field": "mobile_no",
			"filters": {"mobile_no": ["like", "%"]},
			"txt": "+861398765",
			"searchfield": "mobile_no",
			"order_by": "mobile_no asc",
			"group_by": "mobile_no",
			"user": "manager",
		},
		{
			"doctype": "Customer Archive Social Account",
			"name": d["social_b"],
			"fields": ["*"],
			"field": "account",
			"filters": {"parent": b},
			"txt": "wx_leakzq",
			"searchfield": "account",
		},
		{
			"doctype": "Customer",
			"name": fx.customers["b"],
			"fields": [
				"name",
				"crm_archive",
				*[f"crm_archive.{f}" for f in ["full_name", *ARCHIVE_SECRET_FIELDS]],
			],
			"field": "crm_archive",
			"filters": {"crm_archive": ["is", "set"]},
			"txt": "Probe Cust",
		},
		{
			"doctype": "Customer Interaction",
			"name": d["interaction_b"],
			"fields": ["*"],
			"field": "summary",
			"filters": {"customer_archive": b},
			"txt": "leakzq-summ",
			"searchfield": "summary",
		},
		{
			"doctype": ca,
			"name": a,
			"fields": ["*", "confidential_notes", "id_number_hash", "id_number"],
			"field": "id_number",
			"filters": {"name": a},
			"txt": "110101199003",
			"searchfield": "confidential_notes",
			"order_by": "confidential_notes desc",
		},
		{
			"doctype": "Version",
			"name": d["version_b"],
			"fields": ["*"],
			"field": "data",
			"filters": {"ref_doctype": ca, "docname": b},
			"txt": "CA-",
		},
		{
			"doctype": ca,
			"name": b,
			"fields": ["name", f"{child}.`account`", f"{child}.`note`", "`tabCustomer Archive`.`address`"],
			"field": "address",
			"filters": [["Customer Archive Social Account", "account", "like", "%leakzq%"]],
			"txt": "leakzq",
			"searchfield": "email_id",
			"order_by": "email_id desc",
		},
		{
			"doctype": "File",
			"name": d["file_b"],
			"fields": ["*"],
			"filters": {"attached_to_name": b},
			"txt": "leakzq",
		},
		{
			"doctype": "Comment",
			"name": d["comment_b"],
			"fields": ["*"],
			"filters": {"reference_name": b},
			"txt": "leakzq",
		},
		{
			"doctype": "Customer Archive Log",
			"name": d["log_b"],
			"fields": ["*"],
			"filters": {"customer_archive": b},
		},
		{
			"doctype": "ToDo",
			"name": d["todo_b"],
			"fields": ["*"],
			"filters": {"reference_name": b},
			"txt": "leakzq",
			# a document of this kind handed to insert/save/... grants the caller B's archive
			"doc": {
				"allocated_to": "<self>",
				"reference_type": ca,
				"reference_name": b,
				"description": "probe",
			},
		},
		{
			"doctype": "DocShare",
			"name": d["share_b"],
			"fields": ["*"],
			"filters": {"share_name": b},
			"doc": {"share_doctype": ca, "share_name": b, "user": "<self>", "read": 1},
		},
		{
			"doctype": "Prepared Report",
			"name": fx.prepared_report,
			"fields": ["*"],
			"filters": {"report_name": "Customer Value Analysis"},
			"user": "manager",
		},
	]


def report_contexts(fx: Fixture) -> list[dict]:
	from frappe.utils import add_days, nowdate

	b = fx.archives["b"]
	base = {
		"customer_archive": b,
		"customer": fx.customers["b"],
		"company": fx.company,
		"as_of": nowdate(),
		"from_date": add_days(nowdate(), -365),
		"to_date": nowdate(),
		"party_type": "Customer",
		"party": [fx.customers["b"]],
	}
	out = [
		{
			"report": "Customer Value Analysis",
			"filters": dict(fx.prepared_filters, prepared_report_name=fx.prepared_report),
			"prepared": fx.prepared_report,
		},
		{"report": "Customer Value Analysis", "filters": dict(fx.prepared_filters), "user": "manager"},
	]
	for r in APP_REPORTS + ERPNEXT_REPORTS:
		out.append({"report": r, "filters": dict(base), "doctype": "Customer Archive", "name": b})
	return out


def coerce(value, annotation):
	if annotation is inspect.Parameter.empty or value is None:
		return value
	text = annotation if isinstance(annotation, str) else repr(annotation)
	if re.search(r"\bstr\b", text) and not re.search(r"dict|list|Any|JSON|tuple", text):
		return value if isinstance(value, str) else json.dumps(value)
	if re.fullmatch(r"<class 'int'>|int", text):
		try:
			return int(value)
		except (TypeError, ValueError):
			return 0
	if re.fullmatch(r"<class 'bool'>|bool", text):
		return True
	return value


def grant_doc(ctx, who_email) -> dict:
	"""{"doctype", "name"} of the context's document; for ToDo/DocShare a new one granting the caller."""
	extra = ctx.get("doc")
	if not extra:
		return {"doctype": ctx.get("doctype"), "name": ctx.get("name")}
	return {"doctype": ctx["doctype"], **{k: who_email if v == "<self>" else v for k, v in extra.items()}}


def value_for(param, role, ctx, i, who_email, fx, has):
	if role == "doctype":
		if param.name == "parenttype" or param.name == "parent_doctype":
			return "Customer Archive"
		return ctx.get("doctype")
	if role == "name":
		return ctx.get("name")
	if role == "names":
		return [ctx.get("name")] if ctx.get("name") else None
	if role == "filters":
		return ctx.get("filters")
	if role == "fields":
		return ctx.get("fields")
	if role == "field":
		if param.name == "group_by":
			return ctx.get("field")
		return ctx.get("field") or "name"
	if role == "searchfield":
		return ctx.get("searchfield")
	if role == "txt":
		if param.name == "query" and "txt" in has:
			return None  # search_widget's query is a method path
		return ctx.get("txt", "leakzq")
	if role == "order_by":
		return ctx.get("order_by")
	if role == "group_by":
		return ctx.get("group_by")
	if role == "report":
		return ctx.get("report") or "Customer Value Analysis"
	if role == "prepared":
		return ctx.get("prepared")
	if role == "user":
		return fx.users["manager"] if ctx.get("user") == "manager" else who_email
	if role == "grantee":
		return [who_email] if param.name != "allocated_to" else who_email
	if role == "doc":
		if "name" in has:  # get_html_and_style(doc, name): doc is the doctype
			return ctx.get("doctype")
		return grant_doc(ctx, who_email)
	if role == "docs":
		return [grant_doc(ctx, who_email)]
	if role == "args":
		return {
			"doctype": ctx.get("doctype"),
			"name": ctx.get("name"),
			"filters": ctx.get("filters"),
			"fields": ctx.get("fields"),
			"txt": ctx.get("txt"),
			"assign_to": [who_email],
		}
	if role == "parent":
		return "Customer Archive"
	if role == "flag":
		return 1
	if role == "limit":
		return 100
	if role == "start":
		return 0
	if role == "file_format":
		return "CSV" if i % 2 == 0 else "Excel"
	if role == "print_format":
		return "Standard" if i % 2 == 0 else "Customer Profile"
	if role == "company":
		return fx.company
	return None


def arg_sets(ep: Endpoint, who_email: str, fx: Fixture, ctxs: list[dict], rctxs: list[dict]) -> list[dict]:
	roles = roles_of(ep.params)
	has = {p.name for p in ep.params}
	pool = rctxs if "report" in roles and "doctype" not in roles else ctxs
	if ep.doc_target:  # controller method: its own document, the contexts only fill its arguments
		pool = ctxs[:4]
	cap = CAP_RICH if roles & {"doctype", "report"} else CAP_PLAIN
	if roles & {"doc", "docs", "args"}:  # documents handed in: the granting ToDo/DocShare ones first
		pool = [c for c in pool if c.get("doc")] + [c for c in pool if not c.get("doc")]
		cap = CAP_RICH
	out, seen = [], set()
	for i, ctx in enumerate(pool):
		args = {}
		for p in ep.params:
			role = ROLE_OF.get(p.name)
			if role:
				value = value_for(p, role, ctx, i, who_email, fx, has)
			elif p.default is not inspect.Parameter.empty:
				continue
			elif p.name.endswith("doctype"):
				value = ctx.get("doctype")
			elif p.name.endswith(("_name", "docname")):
				value = ctx.get("name")
			else:
				value = ""
			if value is None:
				continue
			args[p.name] = coerce(value, p.annotation)
		key = json.dumps(args, sort_keys=True, default=str)
		if key in seen:
			continue
		seen.add(key)
		out.append(args)
		if len(out) >= cap:
			break
	return out


# --- calling and scanning -----------------------------------------------------------------------------------


def body_texts(response) -> str:
	data = response.get_data()
	parts = [str(response.headers.get("Content-Disposition", ""))]
	if data[:2] == b"\x1f\x8b":
		try:
			data = gzip.decompress(data)
		except Exception:
			pass
	if data[:2] == b"PK":
		try:
			with zipfile.ZipFile(io.BytesIO(data)) as z:
				for member in z.namelist():
					parts.append(z.read(member).decode("utf-8", "replace"))
		except Exception:
			parts.append(data.decode("latin-1"))
	else:
		text = data.decode("utf-8", "replace")
		parts.append(text)
		try:
			parsed = json.loads(text)
			parts.append(json.dumps(parsed, ensure_ascii=False))
			# messages and nested JSON strings (e.g. _server_messages, Version.data)
			for key in ("_server_messages", "exc", "_error_message"):
				if isinstance(parsed, dict) and isinstance(parsed.get(key), str):
					parts.append(parsed[key].encode().decode("unicode_escape", "replace"))
		except Exception:
			pass
	blob = "\n".join(parts)
	return (blob + "\n" + html.unescape(blob) + "\n" + unquote(blob)).lower()


class Prober:
	def __init__(self, fx: Fixture, result: Result, base_url: str | None = None):
		"""Over HTTP to `base_url` (a ProductionServer: gunicorn `frappe.app:application`), else through
		Frappe's WSGI app in this process."""
		from functools import partial

		from crm_archive.tests.rest import HttpSession, Session

		self.fx = fx
		self.result = result
		self.Session = partial(HttpSession, base_url=base_url) if base_url else Session
		self.sessions = {who: self.Session(fx.users[who], PWD) for who in PROBED}
		self.calls = Counter()
		self.forbidden = {who: fx.forbidden(who) for who in PROBED}
		self.snapshot = self.archive_state()
		self.keep_grants = False  # the active attacks read back with the grant they made

	def session(self, who):
		self.calls[who] += 1
		if self.calls[who] % 150 == 0:
			r = self.sessions[who].get("/api/method/frappe.auth.get_logged_user")
			if r.status_code != 200 or (r.json or {}).get("message") != self.fx.users[who]:
				self.sessions[who] = self.Session(self.fx.users[who], PWD)
				self.result.relogins += 1
		return self.sessions[who]

	def raw(self, who, verb, path, args):
		"""The request itself; a session whose CSRF token got set (a desk page) is logged in afresh."""
		for _attempt in range(2):
			s = self.session(who)
			if verb == "GET":
				params = {k: v if isinstance(v, str) else json.dumps(v, default=str) for k, v in args.items()}
				r = s.get(path, params)
			else:
				r = s.post(path, json.loads(json.dumps(args, default=str)))
			if r.status_code == 400 and b"CSRFTokenError" in r.get_data():
				self.sessions[who] = self.Session(self.fx.users[who], PWD)
				self.result.relogins += 1
				continue
			return r
		return r

	def call(self, who, verb, path, args, endpoint):
		"""One HTTP attempt; returns the response (or None when the probe's client itself failed)."""
		started = time.monotonic()
		try:
			r = self.raw(who, verb, path, args)
		except Exception as e:
			self.result.notes.append(f"client error {endpoint}: {e!r}"[:200])
			return None
		elapsed = time.monotonic() - started
		self.result.attempts += 1
		self.result.endpoints.add((endpoint, tuple(sorted(args))))
		self.result.statuses[r.status_code // 100 * 100] += 1
		if elapsed > 1.5:
			self.result.slow.append((endpoint, elapsed))
		self.scan(who, endpoint, path, args, r)
		self.after_call(who, endpoint, args)
		r.elapsed = elapsed
		return r

	def scan(self, who, endpoint, path, args, r):
		sent = (path + json.dumps(args, default=str, ensure_ascii=False)).lower()
		blob = body_texts(r)
		found = set()
		for m in self.forbidden[who]:
			value = m.value.lower()
			if value in sent or value in found:
				continue
			if value in blob:
				found.add(value)
				self.leak(
					who, endpoint, args, m.kind + ("" if m.archive == "b" else "[A]"), m.value, r.status_code
				)

	def leak(self, who, endpoint, args, kind, marker, status):
		self.result.leaks.append(
			{
				"user": who,
				"endpoint": endpoint,
				"args": json.dumps(args, default=str, ensure_ascii=False),
				"kind": kind,
				"marker": marker,
				"status": status,
			}
		)

	# --- side effects: access grants and tampering --------------------------------------------------------

	def archive_state(self):
		frappe.db.commit()
		fields = ["name", "account_manager", "owner", "full_name", "mobile_no", "email_id", "address"]
		fields += ["confidential_notes", "id_number_hash", "customer"]
		return {
			x: frappe.db.get_value("Customer Archive", n, fields, as_dict=True)
			for x, n in self.fx.archives.items()
		}

	def after_call(self, who, endpoint, args):
		frappe.db.commit()  # a fresh snapshot for the checks below
		if self.keep_grants:
			return
		b = self.fx.archives["b"]
		rep_a = self.fx.users["rep_a"]
		grants = frappe.db.sql(
			"""select 'ToDo', name from `tabToDo` where reference_type='Customer Archive' and reference_name=%(b)s
				and allocated_to=%(u)s and status='Open'
			union all select 'DocShare', name from `tabDocShare` where share_doctype='Customer Archive'
				and share_name=%(b)s and (user=%(u)s or everyone=1) and `read`=1""",
			{"b": b, "u": rep_a},
		)
		for dt, name in grants:
			self.leak(who, endpoint, args, f"escalation: {dt} gives rep A B's archive", name, "-")
			frappe.db.delete(dt, {"name": name})
		state = self.archive_state()
		if state != self.snapshot:
			for x in state:
				changed = {
					k for k in state[x] or {} if (state[x] or {}).get(k) != (self.snapshot[x] or {}).get(k)
				}
				if changed and (who != "rep_a" or x == "b"):
					self.leak(who, endpoint, args, f"tamper: archive {x} {sorted(changed)}", "", "-")
				if state[x] and changed:
					frappe.db.set_value(
						"Customer Archive",
						self.fx.archives[x],
						{k: self.snapshot[x][k] for k in changed if k not in ("name", "owner")},
						update_modified=False,
					)
		frappe.db.commit()


# --- phases ---------------------------------------------------------------------------------------------


def probe_methods(prober: Prober, endpoints: list[Endpoint], deadline: float):
	fx = prober.fx
	ctxs, rctxs = contexts(fx), report_contexts(fx)
	for ep in endpoints:
		if time.monotonic() > deadline:
			prober.result.notes.append(f"deadline reached before {ep.name}")
			break
		slow = False
		for who in PROBED:
			if slow:
				break
			for args in arg_sets(ep, fx.users[who], fx, ctxs, rctxs):
				if ep.doc_target:
					dt, dn = ep.doc_target
					method = ep.name.rsplit(".", 1)[1]
					payload = {"dt": dt, "dn": dn, "method": method, "args": json.dumps(args, default=str)}
					r = prober.call(who, "POST", "/api/method/run_doc_method", payload, ep.name)
				else:
					r = prober.call(who, ep.verb, f"/api/method/{ep.name}", args, ep.name)
				if r is not None and r.elapsed > SLOW_SECONDS:
					slow = True
					break
		prober.result.covered.add(ep.name)


def resource_doctypes(fx: Fixture) -> list[str]:
	out = list(RESOURCE_DOCTYPES)
	out += frappe.get_all("DocType", {"module": "CRM Archive"}, pluck="name")
	out += frappe.get_all("DocField", {"options": "Customer Archive", "fieldtype": "Link"}, pluck="parent")
	out += frappe.get_all("Custom Field", {"options": "Customer Archive", "fieldtype": "Link"}, pluck="dt")
	out += frappe.get_all(
		"DocField",
		{"parent": "Customer Archive", "fieldtype": ["in", ["Table", "Table MultiSelect"]]},
		pluck="options",
	)
	return [dt for dt in dict.fromkeys(out) if frappe.db.exists("DocType", dt)]


def probe_resources(prober: Prober):
	fx = prober.fx
	b = fx.archives["b"]
	by_dt = {c["doctype"]: c for c in reversed(contexts(fx))}
	by_dt["Customer Archive"] = contexts(fx)[1]
	for dt in resource_doctypes(fx):
		meta = frappe.get_meta(dt)
		ctx = by_dt.get(dt, {})
		base = f"/api/resource/{dt}"
		variants = [{"fields": ["*"], "limit_page_length": 500}]
		if meta.istable:
			variants = [{"fields": ["*"], "parent": "Customer Archive", "limit_page_length": 500}]
		parent = {"parent": "Customer Archive"} if meta.istable else {}
		if ctx.get("fields") and ctx["fields"] != ["*"]:
			variants.append({"fields": ctx["fields"], "limit_page_length": 500, **parent})
		if ctx.get("filters"):
			variants.append({"fields": ["*"], "filters": ctx["filters"], **parent})
		link = next((f.fieldname for f in meta.fields if f.options == "Customer Archive"), None)
		if link:
			variants.append({"fields": ["*"], "filters": {link: b}})
		for fname in ("mobile_no", "email_id", "confidential_notes"):
			if meta.has_field(fname):
				variants.append(
					{"fields": ["name"], "filters": {fname: ["like", "%"]}, "order_by": f"{fname} asc"}
				)
		for who in PROBED:
			for params in variants:
				prober.call(who, "GET", base, params, f"GET {base}")
			if ctx.get("name"):
				prober.call(who, "GET", f"{base}/{ctx['name']}", {}, f"GET {base}/<doc>")
			if dt == "Customer Archive":
				prober.call(who, "GET", f"{base}/{fx.archives['a']}", {}, f"GET {base}/<own doc of A>")
	# one document of each kind, direct file downloads and print views
	for who in PROBED:
		for url in fx.file_urls:
			prober.call(who, "GET", url, {}, "GET <file_url>")
		for fmt in ("Standard", "Customer Profile"):
			prober.call(
				who,
				"GET",
				"/printview",
				{"doctype": "Customer Archive", "name": b, "format": fmt},
				f"GET /printview {fmt}",
			)
			prober.call(
				who,
				"GET",
				"/printview",
				{"doctype": "Customer Archive", "name": fx.archives["a"], "format": fmt},
				f"GET /printview {fmt}",
			)


def probe_exports(prober: Prober):
	fx = prober.fx
	fields = [f"`tabCustomer Archive`.`{f}`" for f in ["name", "full_name", *ARCHIVE_SECRET_FIELDS]]
	child = [
		"`tabCustomer Archive Social Account`.`account`",
		"`tabCustomer Archive Social Account`.`note`",
	]
	for who in PROBED:
		for fmt in ("CSV", "Excel"):
			for flds in (fields, fields + child):
				prober.call(
					who,
					"POST",
					"/api/method/frappe.desk.reportview.export_query",
					{
						"doctype": "Customer Archive",
						"file_format_type": fmt,
						"fields": json.dumps(flds),
						"filters": "[]",
						"title": "Customer Archive",
					},
					"frappe.desk.reportview.export_query",
				)
			for report in (
				"Customer Value Analysis",
				"Follow-ups Due",
				"Churn Risk",
				"Customer Lifetime Value",
			):
				filters = dict(fx.prepared_filters) if report == "Customer Value Analysis" else {}
				prober.call(
					who,
					"POST",
					"/api/method/frappe.desk.query_report.export_query",
					{
						"report_name": report,
						"file_format_type": fmt,
						"filters": json.dumps(dict(filters, prepared_report_name=fx.prepared_report)),
						"visible_idx": "[]",
					},
					"frappe.desk.query_report.export_query",
				)


def count_of(response):
	if response is None or response.status_code != 200:
		return None
	msg = (response.json or {}).get("message", (response.json or {}).get("data"))
	if isinstance(msg, bool):
		return int(msg)
	if isinstance(msg, int):
		return msg
	if isinstance(msg, list):
		return len(msg)
	if isinstance(msg, dict):
		if "values" in msg:
			return len(msg["values"])
		if "result" in msg:
			return len(msg["result"])
		return 1 if msg else 0
	return 0 if msg in (None, "") else 1


def order_of(response):
	if response is None or response.status_code != 200:
		return None
	return re.findall(r"CA-\d+", json.dumps(response.json))


def probe_oracles(prober: Prober):
	"""Filter and order on fields the user cannot read: a different answer is a leak."""
	fx = prober.fx
	a, b = fx.archives["a"], fx.archives["b"]
	rows = {x: frappe.db.get_value("Customer Archive", n, "*", as_dict=True) for x, n in fx.archives.items()}

	def fragment(value):
		return value[-9:-1] if value else "zz"

	oracle_fields = {
		"auditor": ["mobile_no", "email_id", "address", "confidential_notes", "id_number_hash"],
		"reviewer": ["confidential_notes", "id_number_hash"],
		"rep_a": ["confidential_notes", "id_number_hash", "mobile_no"],
	}
	scope = {"name": ["in", [a, b]]}
	for who, fields in oracle_fields.items():
		for fname in fields:
			target = "b" if who != "rep_a" or fname == "mobile_no" else "a"
			hit = ["like", f"%{fragment(rows[target][fname])}%"]
			miss = ["like", "%zzqq-never%"]

			def calls(cond, fname=fname):
				flt = dict(scope, **{fname: cond})
				lst = [
					["Customer Archive", "name", "in", [a, b]],
					["Customer Archive", fname, cond[0], cond[1]],
				]
				return [
					(
						"frappe.client.get_list",
						{"doctype": "Customer Archive", "filters": flt, "limit_page_length": 0},
					),
					("frappe.client.get_count", {"doctype": "Customer Archive", "filters": flt}),
					(
						"frappe.client.get_value",
						{"doctype": "Customer Archive", "fieldname": "name", "filters": flt},
					),
					(
						"frappe.desk.reportview.get",
						{
							"doctype": "Customer Archive",
							"fields": ["`tabCustomer Archive`.`name`"],
							"filters": lst,
						},
					),
					("frappe.desk.reportview.get_count", {"doctype": "Customer Archive", "filters": lst}),
					(
						"frappe.desk.search.search_link",
						{"doctype": "Customer Archive", "txt": cond[1].strip("%"), "searchfield": fname},
					),
					(
						"frappe.desk.listview.get_group_by_count",
						{"doctype": "Customer Archive", "current_filters": json.dumps(lst), "field": "owner"},
					),
				]

			for (method, hit_args), (_m, miss_args) in zip(calls(hit), calls(miss), strict=True):
				r_hit = prober.call(who, "POST", f"/api/method/{method}", hit_args, f"oracle:{method}")
				r_miss = prober.call(who, "POST", f"/api/method/{method}", miss_args, f"oracle:{method}")
				c_hit, c_miss = count_of(r_hit), count_of(r_miss)
				if method.endswith("get_group_by_count") and c_hit is not None:
					c_hit = sum(x.get("count", 0) for x in (r_hit.json or {}).get("message") or [])
					c_miss = sum(x.get("count", 0) for x in (r_miss.json or {}).get("message") or [])
				if c_hit is not None and c_miss is not None and c_hit != c_miss:
					prober.leak(
						who,
						f"oracle:{method}",
						hit_args,
						f"filter oracle on {fname}",
						f"{c_hit}!={c_miss}",
						200,
					)
			# ordering on the field
			for method, key in (
				("frappe.client.get_list", "order_by"),
				("frappe.desk.reportview.get", "order_by"),
			):
				results = []
				for direction in ("asc", "desc"):
					args = {
						"doctype": "Customer Archive",
						"filters": scope,
						key: f"`tabCustomer Archive`.`{fname}` {direction}",
					}
					if method.endswith("reportview.get"):
						args["fields"] = ["`tabCustomer Archive`.`name`"]
						args["filters"] = [["Customer Archive", "name", "in", [a, b]]]
					results.append(
						order_of(
							prober.call(who, "POST", f"/api/method/{method}", args, f"oracle-order:{method}")
						)
					)
				if results[0] and results[1] and len(results[0]) > 1 and results[0] != results[1]:
					prober.leak(
						who, f"oracle-order:{method}", args, f"order oracle on {fname}", str(results), 200
					)


def probe_active(prober: Prober):
	"""Rep A grants themself B's archive (ToDo, DocShare, assign, share) or links it, then reads it."""
	fx = prober.fx
	b, rep_a = fx.archives["b"], fx.users["rep_a"]
	ca = "Customer Archive"

	def read_back(label):
		for what, path, params in (
			("GET resource", f"/api/resource/{ca}/{b}", {}),
			("getdoc", "/api/method/frappe.desk.form.load.getdoc", {"doctype": ca, "name": b}),
			("get_list", "/api/method/frappe.client.get_list", {"doctype": ca, "fields": json.dumps(["*"])}),
		):
			prober.call("rep_a", "GET", path, params, f"active:{label} -> {what}")

	attacks = [
		(
			"POST ToDo",
			"/api/resource/ToDo",
			{"allocated_to": rep_a, "reference_type": ca, "reference_name": b, "description": "probe"},
		),
		(
			"POST DocShare",
			"/api/resource/DocShare",
			{"share_doctype": ca, "share_name": b, "user": rep_a, "read": 1},
		),
		("share.add", "/api/method/frappe.share.add", {"doctype": ca, "name": b, "user": rep_a, "read": 1}),
		(
			"assign_to.add",
			"/api/method/frappe.desk.form.assign_to.add",
			{"doctype": ca, "name": b, "assign_to": json.dumps([rep_a])},
		),
		(
			"client.insert ToDo",
			"/api/method/frappe.client.insert",
			{
				"doc": {
					"doctype": "ToDo",
					"allocated_to": rep_a,
					"reference_type": ca,
					"reference_name": b,
					"description": "probe",
				}
			},
		),
	]
	for label, path, payload in attacks:
		r = prober.raw("rep_a", "POST", path, payload)
		prober.result.attempts += 1
		prober.result.endpoints.add((f"active:{label}", tuple(sorted(payload))))
		prober.scan("rep_a", f"active:{label}", path, payload, r)
		frappe.db.commit()
		granted = frappe.db.sql(
			"""select 'ToDo', name from `tabToDo` where reference_type=%(ca)s and reference_name=%(b)s
				and allocated_to=%(u)s and status='Open'
			union all select 'DocShare', name from `tabDocShare` where share_doctype=%(ca)s and share_name=%(b)s
				and user=%(u)s and `read`=1""",
			{"ca": ca, "b": b, "u": rep_a},
		)
		prober.keep_grants = True
		try:
			read_back(label)
		finally:
			prober.keep_grants = False
		for dt, name in granted:
			prober.leak(
				"rep_a",
				f"active:{label}",
				payload,
				f"escalation: {dt} gives rep A B's archive",
				name,
				r.status_code,
			)
			frappe.db.delete(dt, {"name": name})
		frappe.db.commit()
	# a Customer of rep A's own making pointing at B's archive: link titles in the form
	payload = {
		"customer_name": "Probe Cust Link zq",
		"crm_archive": b,
		"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
		"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
	}
	r = prober.raw("rep_a", "POST", "/api/resource/Customer", payload)
	prober.result.attempts += 1
	prober.scan("rep_a", "active:POST Customer(crm_archive=B)", "/api/resource/Customer", payload, r)
	made = (r.json or {}).get("data", {}).get("name") if r.status_code == 200 else None
	if made:
		prober.call(
			"rep_a",
			"GET",
			"/api/method/frappe.desk.form.load.getdoc",
			{"doctype": "Customer", "name": made},
			"active:POST Customer(crm_archive=B)->getdoc",
		)
		frappe.db.commit()
		frappe.db.delete("Customer", {"name": made})
		frappe.db.commit()


# --- the first-request round ------------------------------------------------------------------------------


def first_request_attacks(fx: Fixture) -> list[tuple[str, str, dict, str]]:
	"""Every kind of attack that did leak, or could, through a process's start-up state (a wrapper installed
	only on import, a cache still cold) or a caller-supplied config: (verb, path, args, label)."""
	a, b = fx.archives["a"], fx.archives["b"]
	both = [a, b]
	link_fields = [
		"name",
		"crm_archive",
		"crm_archive.full_name",
		"crm_archive.mobile_no",
		"crm_archive.email_id",
		"crm_archive.account_manager",
		"crm_archive.confidential_notes",
	]
	on_customers = {"doctype": "Customer", "fields": link_fields, "filters": [["crm_archive", "in", both]]}
	archive_fields = ["name", "full_name", "mobile_no", "email_id", "confidential_notes", "remarks"]
	on_archives = {"doctype": "Customer Archive", "fields": archive_fields, "filters": [["name", "in", both]]}

	def chart(**config):
		base = {
			"name": "probe",
			"chart_name": "probe",
			"document_type": "Customer Archive",
			"based_on": "creation",
			"timespan": "Last Year",
			"time_interval": "Daily",
			"filters_json": json.dumps([["Customer Archive", "name", "=", b, False]]),
		}
		return {"chart": json.dumps(dict(base, **config)), "no_cache": 1}

	def card(**doc):
		base = {"document_type": "Customer Archive", "function": "Sum", "name": "probe"}
		return {
			"doc": json.dumps(dict(base, **doc)),
			"filters": json.dumps([["Customer Archive", "name", "=", b]]),
		}

	m = "/api/method/"
	dashboard = m + "frappe.desk.doctype.dashboard_chart.dashboard_chart.get"
	number = m + "frappe.desk.doctype.number_card.number_card.get_result"
	attached = [["attached_to_doctype", "=", "Customer Archive"]]
	file_fields = ["name", "file_name", "attached_to_name", "file_url"]
	referenced = [["reference_doctype", "=", "Customer Archive"]]
	comm_fields = ["name", "subject", "content", "phone_no", "reference_name"]
	out = [
		("POST", m + "frappe.client.get_list", on_customers, "get_list Customer crm_archive.*"),
		("POST", m + "frappe.desk.reportview.get", on_customers, "reportview.get Customer crm_archive.*"),
		(
			"GET",
			"/api/resource/Customer",
			{k: v for k, v in on_customers.items() if k != "doctype"},
			"resource Customer crm_archive.*",
		),
		("POST", m + "frappe.desk.reportview.get", on_archives, "reportview.get Customer Archive"),
		("POST", m + "frappe.client.get_list", on_archives, "get_list Customer Archive"),
		(
			"POST",
			dashboard,
			chart(type="Heatmap", chart_type="Sum", value_based_on="mobile_no"),
			"chart heatmap sum(mobile_no)",
		),
		(
			"POST",
			dashboard,
			chart(
				type="Heatmap",
				chart_type="Sum",
				value_based_on="crm_archive.mobile_no",
				document_type="Customer",
				filters_json=json.dumps([["Customer", "crm_archive", "=", b, False]]),
			),
			"chart heatmap Customer crm_archive.mobile_no",
		),
		(
			"POST",
			dashboard,
			chart(type="Line", chart_type="Sum", value_based_on="mobile_no"),
			"chart line sum(mobile_no)",
		),
		(
			"POST",
			dashboard,
			chart(type="Bar", chart_type="Group By", group_by_type="Count", group_by_based_on="full_name"),
			"chart group by full_name",
		),
		(
			"POST",
			dashboard,
			chart(
				type="Bar",
				chart_type="Group By",
				group_by_type="Sum",
				group_by_based_on="account_manager",
				aggregate_function_based_on="mobile_no",
			),
			"chart group by sum(mobile_no)",
		),
		("POST", number, card(aggregate_function_based_on="mobile_no"), "number card sum(mobile_no)"),
		(
			"POST",
			number,
			card(aggregate_function_based_on="name) + sum(mobile_no"),
			"number card injected sum(mobile_no)",
		),
		(
			"GET",
			"/api/resource/File",
			{"filters": attached, "fields": file_fields},
			"resource File on archives",
		),
		(
			"POST",
			m + "frappe.desk.reportview.get",
			{"doctype": "File", "filters": attached, "fields": file_fields},
			"reportview.get File",
		),
		(
			"POST",
			m + "frappe.client.get",
			{"doctype": "File", "name": fx.docs["file_b"]},
			"client.get File of B",
		),
		(
			"GET",
			"/api/resource/Communication",
			{"filters": referenced, "fields": comm_fields},
			"resource Communication on archives",
		),
		(
			"POST",
			m + "frappe.desk.reportview.get",
			{"doctype": "Communication", "filters": referenced, "fields": comm_fields},
			"reportview.get Communication",
		),
		(
			"POST",
			m + "frappe.client.get",
			{"doctype": "Communication", "name": fx.docs["communication_b"]},
			"client.get Communication of B",
		),
		("POST", m + "frappe.utils.global_search.search", {"text": MARK}, "global search marker"),
		(
			"POST",
			m + "frappe.utils.global_search.search",
			{"text": MARK, "doctype": "ToDo"},
			"global search ToDo",
		),
		("POST", m + "frappe.utils.global_search.search", {"text": "Leakzq Bname"}, "global search name"),
		(
			"POST",
			m + "frappe.desk.reportview.get_stats",
			{
				"stats": json.dumps(["full_name", "mobile_no", "account_manager"]),
				"doctype": "Customer Archive",
				"filters": json.dumps([["name", "=", b]]),
			},
			"reportview.get_stats",
		),
		(
			"POST",
			m + "frappe.desk.reportview.get_sidebar_stats",
			{
				"stats": json.dumps(["full_name", "mobile_no"]),
				"doctype": "Customer Archive",
				"filters": json.dumps([["name", "=", b]]),
			},
			"reportview.get_sidebar_stats",
		),
		(
			"POST",
			m + "frappe.desk.listview.get_group_by_count",
			{
				"doctype": "Customer Archive",
				"current_filters": json.dumps([["name", "=", b]]),
				"field": "mobile_no",
			},
			"listview.get_group_by_count mobile_no",
		),
		(
			"POST",
			m + "frappe.desk.search.search_link",
			{"doctype": "Customer Archive", "txt": MARK},
			"search_link archives",
		),
		(
			"POST",
			m + "frappe.desk.form.load.getdoc",
			{"doctype": "Customer Archive", "name": b},
			"getdoc archive B",
		),
		(
			"POST",
			m + "frappe.client.get_value",
			{"doctype": "Customer Archive", "filters": b, "fieldname": json.dumps(archive_fields)},
			"get_value archive B",
		),
		(
			"POST",
			m + "frappe.client.get_count",
			{
				"doctype": "Customer Archive",
				"filters": json.dumps([["mobile_no", "like", "%8613987650001%"]]),
			},
			"count by mobile",
		),
	]
	return out


def run_first_requests(fx: Fixture, base_url: str) -> Result:
	"""Each attack, for each probed user, as the request of a server whose workers serve one request each
	(tests/server.py `ProductionServer(max_requests=1)`): every call is a fresh worker's first request."""
	result = Result()
	prober = Prober(fx, result, base_url=base_url)
	sink = io.StringIO()
	with redirect_stdout(sink), redirect_stderr(sink):
		for who in PROBED:
			for verb, path, args, label in first_request_attacks(fx):
				prober.call(who, verb, path, args, f"first request: {label}")
	return result


def run_probe(fx: Fixture, deadline_seconds: float = DEADLINE_SECONDS, base_url: str | None = None) -> Result:
	result = Result()
	started = time.monotonic()
	ok, failed = import_everything()
	result.notes.append(f"imported {ok} modules ({failed} failed) in {time.monotonic() - started:.0f}s")
	frappe.set_user("Administrator")
	endpoints = enumerate_methods(result, fx)
	prober = Prober(fx, result, base_url=base_url)
	t = time.monotonic()
	sink = io.StringIO()
	with redirect_stdout(sink), redirect_stderr(sink):  # the server prints refused requests' tracebacks
		probe_resources(prober)
		probe_exports(prober)
		probe_oracles(prober)
		probe_methods(prober, endpoints, deadline=time.monotonic() + deadline_seconds)
		probe_active(prober)
	result.notes.append(f"HTTP phase {time.monotonic() - t:.0f}s")
	missing = check_markers(fx)
	if missing:
		result.notes.append(f"fixture markers missing after the probe: {missing}")
	result.missing = missing
	frappe.set_user("Administrator")
	return result


def run(cleanup_after: bool = True, deadline: float = DEADLINE_SECONDS):
	"""`bench --site SITE execute crm_archive.tests.leak_probe.run`: build, probe, print."""
	frappe.set_user("Administrator")
	fx = build_fixture()
	try:
		result = run_probe(fx, deadline)
		print(result.report())
	finally:
		if cleanup_after:
			cleanup()
	return result.summary()
