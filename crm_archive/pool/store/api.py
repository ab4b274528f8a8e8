"""Whitelisted doors to the customer pool (公海): each checks who calls and hands over to pool/store.py."""

import frappe
from frappe import _

from crm_archive.pool.store import core as store


def _names(archives) -> list[str]:
	if isinstance(archives, str):
		archives = frappe.parse_json(archives) if archives.strip().startswith("[") else [archives]
	if not isinstance(archives, list | tuple) or not all(isinstance(a, str) for a in archives):
		frappe.throw(_("Pass the customers as a list of archive names."))
	return list(archives)


@frappe.whitelist(methods=["POST"])
def claim(archives) -> dict:
	"""A rep claims one or several archives from the pool, within their limits."""
	return store.claim(_names(archives))


@frappe.whitelist(methods=["POST"])
def assign(archives, user: str) -> dict:
	"""A CRM Archive Manager gives pool archives to a rep."""
	return store.assign(_names(archives), user)


@frappe.whitelist(methods=["POST"])
def give_back(archive: str, reason: str) -> None:
	"""The account manager gives a customer back to the pool, saying why."""
	store.give_back(archive, reason)


@frappe.whitelist(methods=["POST"])
def release_now() -> dict:
	"""A CRM Archive Manager runs the pool's release now (what the night does)."""
	store.check_manager()
	return store.run(trigger="Manual")
