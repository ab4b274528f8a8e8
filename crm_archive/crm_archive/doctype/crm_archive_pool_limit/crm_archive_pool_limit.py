# A row of CRM Archive Settings' holding limits (the customer pool): for a role or a user, optionally
# for one tier. crm_archive.pool.rules.holding_limit decides which row applies.

from frappe.model.document import Document


class CRMArchivePoolLimit(Document):
	pass
