"""Adopting crm_archive in a running ERPNext site: archives for existing Customers and from Leads."""

import frappe
from frappe import _
from frappe.utils import cint

# Above this many customers the desk action runs in a background job instead of the request.
INLINE_LIMIT = 200
CHUNK = 500


def customers_without_archive(limit: int | None = None, names: list[str] | None = None) -> list[dict]:
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
		.orderby(customer.name)
	)
	if names is not None:
		query = query.where(customer.name.isin(names or [""]))
	if limit:
		query = query.limit(limit)
	return query.run(as_dict=True)


def archive_fields(row: dict, lead: str | None) -> dict:
	"""The archive's values for a Customer row (shared by one-by-one and set-based adoption)."""
	is_company = row.get("customer_type") == "Company"
	return {
		"full_name": row["customer_name"] or row["name"],
		"company_name": row["customer_name"] if is_company else None,
		"customer": row["name"],
		"territory": row.get("territory"),
		"industry": row.get("industry"),
		"account_manager": row.get("account_manager"),
		"lead": lead,
		"lifecycle_state": "Potential",
	}


def archive_from_customer(row: dict) -> "frappe.model.document.Document":
	lead = row.get("lead_name")
	if lead and frappe.db.exists("Customer Archive", {"lead": lead}):
		lead = None
	doc = frappe.get_doc({"doctype": "Customer Archive", **archive_fields(row, lead)})
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
	"""Desk action for managers: archives for all Customers without one (set-based, adopt_all), in the
	background when many; the desk shows its progress."""
	frappe.only_for(("CRM Archive Manager", "System Manager"))
	pending = frappe.db.count("Customer") - frappe.db.count("Customer Archive", {"customer": ("is", "set")})
	if pending <= INLINE_LIMIT:
		return {"created": adopt_all(publish=False)["created"], "queued": False}
	frappe.enqueue(
		"crm_archive.archive.adoption.adopt_all",
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


# --- set-based adoption ------------------------------------------------------------------------------

BULK_CHUNK = 2000
PASS_PENDING = "crm_archive_adoption_pass_pending"  # a DefaultValue: survives a kill, rolls back with it


def _reserve_names(count: int) -> list[str]:
	"""`count` names of the archive's series (CA-.#####), reserved as Frappe's naming would, in one step:
	the series row stays locked until the chunk commits, so a person's new archive takes the next one."""
	prefix = "CA-"
	frappe.db.sql(
		"insert into `tabSeries` (`name`, `current`) values (%s, 0) on duplicate key update name = name",
		prefix,
	)
	current = cint(
		frappe.db.sql("select `current` from `tabSeries` where `name` = %s for update", prefix)[0][0]
	)
	frappe.db.sql("update `tabSeries` set `current` = %s where `name` = %s", (current + count, prefix))
	return [f"{prefix}{str(i).zfill(5)}" for i in range(current + 1, current + count + 1)]


def bulk_values(rows: list[dict], names: list[str], taken_leads: set[str]) -> tuple[list[str], list[tuple]]:
	"""The columns and rows one-by-one adoption would store (archive_from_customer, then the archive's
	own validate: defaults, derived fields, completeness, search reading, duplicate block)."""
	from crm_archive.archive import reading
	from crm_archive.archive import rules as archive_rules
	from crm_archive.duplicates.matching import block_key

	now = frappe.utils.now_datetime()
	user = frappe.session.user
	fields = [
		"name", "creation", "modified", "owner", "modified_by", "docstatus", "idx",
		"full_name", "company_name", "customer", "territory", "industry", "account_manager", "lead",
		"lifecycle_state", "id_type", "company_size", "completeness_score", "review_required", "verified",
		"name_search", "name_pinyin", "duplicate_block",
	]  # fmt: skip
	values = []
	for row, name in zip(rows, names, strict=True):
		lead = row.get("lead_name")
		if lead and lead in taken_leads:
			lead = None
		elif lead:
			taken_leads.add(lead)
		doc = {**archive_fields(row, lead), "id_type": "Resident Identity Card"}
		full_name, company = doc["full_name"], doc["company_name"]
		values.append(
			(
				name, now, now, user, user, 0, 0,
				full_name, company, row["name"], doc["territory"], doc["industry"], doc["account_manager"],
				lead, "Potential", "Resident Identity Card", "", archive_rules.completeness(doc), 0, 0,
				reading.archive_search_text(full_name, company), " ".join(reading.syllables(full_name))[:255],
				block_key({"company_name": company, "city": None}),
			)
		)  # fmt: skip
	return fields, values


def adopt_all(
	publish: bool = True,
	progress=None,
	stop_after_chunks: int | None = None,
	customers: list[str] | None = None,
) -> dict:
	"""Archives for every Customer without one, set-based: chunks of BULK_CHUNK inserted in bulk with the
	values one-by-one adoption stores, each chunk committed with its Customers' back-links and its access
	rows (idempotent, resumable after a kill: a rerun takes the Customers still without an archive). Then
	ONE full re-tier and ONE lifecycle pass put every archive where its invoices say — Existing, or Churned
	after the churn-after days without a purchase — instead of a job per archive.
	`progress(done, total)` is called per chunk (the bench command's bar); the desk gets publish_progress.
	`customers`: only these (then only their archives are re-tiered before the lifecycle pass)."""
	from crm_archive import access
	from crm_archive.tiering.store import retier, retier_all

	rows = customers_without_archive(names=customers)
	total = len(rows)
	taken_leads = set(frappe.get_all("Customer Archive", filters={"lead": ("is", "set")}, pluck="lead"))
	if total:
		frappe.db.set_default(PASS_PENDING, "1")
		frappe.db.commit()
	created = 0
	for number, start in enumerate(range(0, total, BULK_CHUNK), 1):
		chunk = rows[start : start + BULK_CHUNK]
		names = _reserve_names(len(chunk))
		fields, values = bulk_values(chunk, names, taken_leads)
		frappe.db.bulk_insert("Customer Archive", fields, values)
		frappe.db.sql(
			"""update `tabCustomer` c join `tabCustomer Archive` a on a.customer = c.name
			set c.crm_archive = a.name where a.name in %(names)s""",
			{"names": names},
		)
		access.refresh(names)
		frappe.db.commit()
		created += len(chunk)
		if progress:
			progress(created, total)
		if publish:
			frappe.publish_progress(
				created * 100 / total, title=_("Creating Customer Archives"), description=f"{created}/{total}"
			)
		if stop_after_chunks and number >= stop_after_chunks:
			return {"created": created, "pending": total - created, "stopped": True}
	stats = {"created": created}
	if customers is not None:
		from crm_archive.lifecycle.store import daily as lifecycle_daily

		adopted = frappe.get_all(
			"Customer Archive", filters={"customer": ("in", customers or [""])}, pluck="name"
		)
		stats["retier"] = dict(retier(archives=adopted, trigger="Adoption") or {})
		stats["retier"]["lifecycle"] = lifecycle_daily()
		frappe.db.commit()
	elif frappe.db.get_default(PASS_PENDING):
		stats["retier"] = retier_all(trigger="Adoption", publish_progress=publish, converge_lifecycle=True)
		frappe.db.set_default(PASS_PENDING, None)
		frappe.db.commit()
	return stats
