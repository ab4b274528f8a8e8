from frappe import _


def get_data():
	return {
		"fieldname": "customer_archive",
		"transactions": [
			{"label": _("Follow-up"), "items": ["Customer Interaction"]},
		],
	}
