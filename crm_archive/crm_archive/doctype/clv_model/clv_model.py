# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import flt


class CLVModel(Document):
	"""The last good CLV parameters and the nightly refresh's settings (crm_archive/analysis/store/lifetime_value.py)."""

	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		if not 0 <= flt(self.discount_rate) < 100:
			frappe.throw(
				_("The discount rate must be at least 0 and below 100%."), title=_("Invalid Discount Rate")
			)
