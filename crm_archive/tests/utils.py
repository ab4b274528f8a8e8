"""Integration-test helpers: run in a real site with ERPNext installed (never a mocked frappe)."""

import sys

import frappe
from frappe.utils import add_days, getdate, nowdate

from crm_archive.devtools.setup_site import complete_setup_wizard, ensure_fiscal_years, ensure_service_item


def before_tests():
	"""`before_tests` hook: with `run-tests --app crm_archive` only this hook runs, so set up ERPNext here.
	Frappe also runs every app's hook before another app's tests (`run-tests --doctype "Sales Invoice"`):
	then it does nothing, or its fiscal years would stand where ERPNext's test records put their own."""
	if not testing_this_app(sys.argv):
		return
	from crm_archive.safeguards import install

	install()  # the runner is neither a request nor a job (production gets them from those hooks)
	frappe.clear_cache()
	company = complete_setup_wizard(
		company=TEST_COMPANY, abbr="CTC", email="test.admin@example.com", password="admin"
	)
	year = getdate(nowdate()).year
	ensure_fiscal_years(year - 3, year + 1, company)
	ensure_service_item()
	frappe.db.commit()


TEST_COMPANY = "CRM Test Co"


def use_default_rule_set() -> None:
	"""Make the installed default rule set (30-day downgrade grace) the only active one, without a re-tier.
	A test class that activates its own rule set and commits would otherwise decide the tiers of every
	class after it; classes that rely on the default call this first, those that change it call it last."""
	from crm_archive.install import DEFAULT_RULE_SET

	for name in frappe.get_all(
		"Tier Rule Set", {"is_active": 1, "name": ("!=", DEFAULT_RULE_SET)}, pluck="name"
	):
		frappe.db.set_value("Tier Rule Set", name, "is_active", 0)
	frappe.db.set_value("Tier Rule Set", DEFAULT_RULE_SET, "is_active", 1)


def testing_this_app(argv: list[str]) -> bool:
	"""Does this `bench run-tests` command line run crm_archive's tests?"""

	def value(flag):
		return argv[argv.index(flag) + 1] if flag in argv and argv.index(flag) + 1 < len(argv) else None

	if "run-tests" not in argv:
		return True  # called some other way: do the set-up
	if app := value("--app"):
		return app == "crm_archive"
	if module := value("--module"):
		return module.startswith("crm_archive.")
	if doctype := value("--doctype"):
		return frappe.db.get_value("DocType", doctype, "module") in frappe.get_module_list("crm_archive")
	return True  # every app's tests, ours included


def test_company() -> str:
	from crm_archive.devtools.setup_site import default_company

	return TEST_COMPANY if frappe.db.exists("Company", TEST_COMPANY) else default_company()


def ensure_user(email: str, role: str = "CRM Archive User") -> str:
	"""A user with this role (created when missing)."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	frappe.get_doc("User", email).add_roles(role)
	return email


def make_customer(name: str) -> str:
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
			}
		).insert(ignore_permissions=True)
	return name


def make_archive(**kwargs):
	values = {"doctype": "Customer Archive", "full_name": kwargs.pop("full_name", "测试客户")}
	values.update(kwargs)
	return frappe.get_doc(values).insert()


def make_sales_invoice(
	customer: str,
	amount: float,
	posting_date=None,
	submit=True,
	is_return=False,
	return_against=None,
	company=None,
):
	"""A real ERPNext Sales Invoice for the service item (negative qty for a return)."""
	from crm_archive.devtools.setup_site import SERVICE_ITEM

	company = company or test_company()
	si = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": company,
			"customer": customer,
			"posting_date": posting_date or nowdate(),
			"set_posting_time": 1,
			"due_date": add_days(posting_date or nowdate(), 30),
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"conversion_rate": 1,
			"is_return": 1 if is_return else 0,
			"return_against": return_against,
			"items": [{"item_code": SERVICE_ITEM, "qty": -1 if is_return else 1, "rate": amount}],
		}
	)
	si.insert(ignore_permissions=True)
	if submit:
		si.submit()
	return si
