"""Tier benefits on the demo's first day, with real ERPNext documents: the demo's set-up (a Customer Group per
tier, the top tier's exclusive Pricing Rule "VIP 95折", *Tier Sets the Customer Group* on) prices a VIP
customer's Quotation and Sales Invoice 5 % below the price list on every item row, and nobody else's."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt, nowdate

from crm_archive.devtools import demo
from crm_archive.devtools.setup_site import SERVICE_ITEM
from crm_archive.tests.test_tier_benefits import make_customer
from crm_archive.tests.test_tiering import make_rule_set
from crm_archive.tests.utils import make_sales_invoice, test_company

PRICE = 1000.0
PRICE_LIST = "Standard Selling"


def top_tier() -> str:
	return frappe.get_all("Customer Tier", order_by="`rank` desc", pluck="name", limit=1)[0]


def priced(doctype: str, customer: str):
	"""A draft selling document of one service item at the price list's rate: ERPNext applies the Pricing
	Rules while it fills in the missing values and calculates (on insert, as the desk does)."""
	company = test_company()
	party = (
		{"quotation_to": "Customer", "party_name": customer}
		if doctype == "Quotation"
		else {"customer": customer}
	)
	# the desk's form fills the group from the Customer (ERPNext's server side keeps a Selling Settings
	# default group instead, which ERPNext's own test records set on a test site)
	party["customer_group"] = frappe.db.get_value("Customer", customer, "customer_group")
	doc = frappe.get_doc(
		{
			"doctype": doctype,
			"company": company,
			**party,
			"transaction_date": nowdate(),
			"posting_date": nowdate(),
			"due_date": nowdate(),
			"selling_price_list": PRICE_LIST,
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"conversion_rate": 1,
			"plc_conversion_rate": 1,
			"items": [{"item_code": SERVICE_ITEM, "qty": 2}],
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


class TestTierPricing(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		# VIP at 100,000 and 3 invoices in the window (tiering.test_tiering.RULES), no downgrade grace
		make_rule_set("_Tier Pricing Rules", grace=0)
		if not frappe.db.exists("Item Price", {"item_code": SERVICE_ITEM, "price_list": PRICE_LIST}):
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": SERVICE_ITEM,
					"price_list": PRICE_LIST,
					"price_list_rate": PRICE,
				}
			).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Item Price", {"item_code": SERVICE_ITEM, "price_list": PRICE_LIST}, "price_list_rate", PRICE
		)
		# a tier that a test before named a group for keeps it: start from the installed tiers
		for tier in frappe.get_all("Customer Tier", pluck="name"):
			frappe.db.set_value("Customer Tier", tier, "customer_group", None)
		frappe.db.set_single_value("CRM Archive Settings", "sync_customer_group", 0)
		frappe.clear_document_cache("CRM Archive Settings", "CRM Archive Settings")
		cls.vip_group = demo.setup_tier_pricing()
		cls.rule = frappe.db.get_value("Pricing Rule", {"title": demo.TIER_RULE_TITLE.format(top_tier())})

		cls.vip = make_customer("_Pricing VIP")
		cls.other = make_customer("_Pricing Ordinary")
		for customer in (cls.vip, cls.other):
			frappe.get_doc(
				{"doctype": "Customer Archive", "full_name": customer, "customer": customer}
			).insert(ignore_permissions=True)
		for _k in range(3):
			make_sales_invoice(cls.vip, 40000)
		make_sales_invoice(cls.other, 500)

	def test_the_demo_names_a_group_per_tier_and_switches_the_setting_on(self):
		for tier, group in frappe.get_all("Customer Tier", fields=["name", "customer_group"], as_list=True):
			self.assertEqual(group, demo.tier_group_name(tier))
			self.assertEqual(
				frappe.db.get_value("Customer Group", group, "parent_customer_group"), "客户分层"
			)
		self.assertEqual(self.vip_group, demo.tier_group_name(top_tier()))
		self.assertTrue(frappe.db.get_single_value("CRM Archive Settings", "sync_customer_group"))
		rule = frappe.get_doc("Pricing Rule", self.rule)
		self.assertEqual(
			(rule.selling, rule.applicable_for, rule.customer_group, rule.discount_percentage),
			(1, "Customer Group", self.vip_group, 5),
		)

	def test_a_vip_customers_quotation_and_invoice_are_priced_by_the_tiers_rule(self):
		archive = frappe.db.get_value("Customer", self.vip, "crm_archive")
		self.assertEqual(frappe.db.get_value("Customer Archive", archive, "tier"), top_tier())
		self.assertEqual(frappe.db.get_value("Customer", self.vip, "customer_group"), self.vip_group)
		for doctype in ("Quotation", "Sales Invoice"):
			doc = priced(doctype, self.vip)
			row = doc.items[0]
			self.assertEqual(flt(row.price_list_rate), PRICE, doctype)
			self.assertEqual(flt(row.discount_percentage), 5, doctype)
			self.assertEqual(flt(row.rate), PRICE * 0.95, doctype)
			self.assertEqual(flt(row.amount), 2 * PRICE * 0.95, doctype)
			self.assertIn(self.rule, row.pricing_rules or "", doctype)
			self.assertEqual(flt(doc.net_total), 2 * PRICE * 0.95, doctype)

	def test_a_customer_of_another_tier_pays_the_price_list(self):
		archive = frappe.db.get_value("Customer", self.other, "crm_archive")
		tier = frappe.db.get_value("Customer Archive", archive, "tier")
		self.assertNotEqual(tier, top_tier())
		self.assertEqual(
			frappe.db.get_value("Customer", self.other, "customer_group"), demo.tier_group_name(tier)
		)
		for doctype in ("Quotation", "Sales Invoice"):
			row = priced(doctype, self.other).items[0]
			self.assertEqual(flt(row.rate), PRICE, doctype)
			self.assertFalse(flt(row.discount_percentage), doctype)
			self.assertNotIn(self.rule, row.pricing_rules or "", doctype)

	def test_the_sellers_tier_pill_names_the_tiers_price(self):
		from crm_archive.tiering.store.benefits import tier_badge

		self.assertEqual(tier_badge(self.vip)["pricing_rules"], [demo.TIER_RULE_TITLE.format(top_tier())])
		self.assertEqual(tier_badge(self.other)["pricing_rules"], [])
