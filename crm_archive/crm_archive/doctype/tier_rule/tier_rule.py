# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class TierRule(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
