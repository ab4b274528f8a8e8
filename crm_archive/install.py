"""Install, migrate and uninstall steps. Everything here is idempotent."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

ROLES = ("CRM Archive Manager", "CRM Archive User")


def get_custom_fields() -> dict[str, list[dict]]:
	return {
		"Customer": [
			{
				"fieldname": "crm_archive",
				"label": "Customer Archive",
				"fieldtype": "Link",
				"options": "Customer Archive",
				"insert_after": "customer_name",
				"read_only": 1,
				"no_copy": 1,
				"search_index": 1,
				"translatable": 0,
			}
		],
	}


def after_install():
	after_migrate()


def after_migrate():
	make_roles()
	create_custom_fields(get_custom_fields(), ignore_validate=True)


def before_uninstall():
	delete_custom_fields(get_custom_fields())


def make_roles():
	for role in ROLES:
		if not frappe.db.exists("Role", role):
			frappe.get_doc({"doctype": "Role", "role_name": role, "desk_access": 1}).insert(
				ignore_permissions=True
			)


def delete_custom_fields(custom_fields: dict[str, list[dict]]):
	for doctype, fields in custom_fields.items():
		for df in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": df["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
		frappe.clear_cache(doctype=doctype)
