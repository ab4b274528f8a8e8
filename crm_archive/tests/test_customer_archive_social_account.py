import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.tests.utils import make_archive

# ERPNext's test records this doctype's links need (Company, Customer, …), as Frappe makes them for a
# test beside its doctype
test_dependencies = ["Customer Archive Social Account"]


class TestCustomerArchiveSocialAccount(FrappeTestCase):
	def test_rows_saved_with_archive(self):
		archive = make_archive(
			full_name="社交",
			social_accounts=[
				{"platform": "WeChat", "account": " wx_abc "},
				{"platform": "LinkedIn", "account": "li-abc"},
			],
		)
		rows = frappe.get_all(
			"Customer Archive Social Account",
			filters={"parent": archive.name},
			fields=["platform", "account"],
			order_by="idx",
		)
		self.assertEqual(
			[(r.platform, r.account) for r in rows], [("WeChat", "wx_abc"), ("LinkedIn", "li-abc")]
		)
