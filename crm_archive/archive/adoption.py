"""Adopting crm_archive in a running ERPNext site: archives for existing Customers and from Leads."""

import frappe
from frappe import _
from frappe.utils import cint

# Above this many customers the desk action runs in a background job instead of the request.
INLINE_LIMIT = 200
CHUNK = 500


def customers_without_archive(limit: int | None = None) -> list[dict]:
	"""Customers that no archive links to, oldest first (one anti-join, no per-customer query)."""
	customer = frappe.qb.DocType("Customer")
	archive = frappe.qb.DocType("Customer Archive")
	query = (
		frappe.qb.from_(customer)
		.left_join(archive)
		.on(archive.customer == customer.name)
		.select(
			customer.name,
			customer.customer_name,
			customer.customer_type,
			customer.territory,
			customer.industry,
			customer.account_manager,
			customer.lead_name,
		)
		.where(archive.name.isnull())
		.orderby(customer.creation)
	)
	if limit:
		query = query.limit(limit)
	return query.run(as_dict=True)


def archive_from_customer(row: dict) -> "frappe.model.document.Document":
	is_company = row.get("customer_type") == "Company"
	lead = row.get("lead_name")
	if lead and frappe.db.exists("Customer Archive", {"lead": lead}):
		lead = None
	doc = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": row["customer_name"] or row["name"],
			"company_name": row["customer_name"] if is_company else None,
			"customer": row["name"],
			"territory": row.get("territory"),
			"industry": row.get("industry"),
			"account_manager": row.get("account_manager"),
			"lead": lead,
			"lifecycle_state": "Potential",
		}
	)
	doc.flags.ignore_mandatory = True
	doc.flags.crm_system_save = True
	return doc


def create_archives_for_customers(publish: bool = True) -> int:
	"""Create an archive for every Customer that has none. Idempotent; returns how many were made."""
	rows = customers_without_archive()
	total = len(rows)
	for i, row in enumerate(rows, 1):
		archive_from_customer(row).insert(ignore_permissions=True)
		if i % CHUNK == 0:
			frappe.db.commit()
		if publish and (i % 50 == 0 or i == total):
			frappe.publish_progress(
				i * 100 / total, title=_("Creating Customer Archives"), description=f"{i}/{total}"
			)
	return total


@frappe.whitelist()
def adopt_existing_customers() -> dict:
	"""Desk action for managers: archives for all Customers without one, in the background when many."""
	frappe.only_for(("CRM Archive Manager", "System Manager"))
	pending = frappe.db.count("Customer") - frappe.db.count("Customer Archive", {"customer": ("is", "set")})
	if pending <= INLINE_LIMIT:
		return {"created": create_archives_for_customers(), "queued": False}
	frappe.enqueue(
		"crm_archive.archive.adoption.create_archives_for_customers",
		queue="long",
		timeout=3600,
		job_id="crm_archive:adopt_customers",
		deduplicate=True,
	)
	return {"created": 0, "queued": True, "pending": pending}


@frappe.whitelist()
def make_archive_from_lead(lead: str) -> str:
	"""Create (or return) the archive of an ERPNext Lead, carrying its name, contacts, company and source."""
	lead_doc = frappe.get_doc("Lead", lead)
	lead_doc.check_permission("read")
	frappe.has_permission("Customer Archive", "create", throw=True)
	existing = frappe.db.get_value("Customer Archive", {"lead": lead}, "name")
	if existing:
		return existing
	name = lead_doc.lead_name or " ".join(
		p for p in (lead_doc.first_name, lead_doc.middle_name, lead_doc.last_name) if p
	)
	archive = frappe.get_doc(
		{
			"doctype": "Customer Archive",
			"full_name": name or lead_doc.company_name or lead_doc.name,
			"lead": lead_doc.name,
			"gender": lead_doc.gender if lead_doc.gender in ("Male", "Female") else None,
			"occupation": lead_doc.job_title,
			"email_id": lead_doc.email_id,
			"mobile_no": lead_doc.mobile_no or lead_doc.phone,
			"company_name": lead_doc.company_name,
			"industry": lead_doc.industry,
			"territory": lead_doc.territory,
			"city": lead_doc.city,
			"source": lead_doc.source,
			"account_manager": lead_doc.lead_owner,
			"customer": lead_doc.customer if lead_doc.get("customer") else None,
			"first_contact_date": frappe.utils.getdate(lead_doc.creation),
			"lifecycle_state": "Potential",
		}
	)
	if archive.customer and frappe.db.exists("Customer Archive", {"customer": archive.customer}):
		archive.customer = None
	archive.insert()
	return archive.name
