"""Chinese first: a site set up for China speaks Chinese unless a person chose its language.

ERPNext's setup wizard sends the language a person picked (its first slide); a site set up without one (an
API or script that passes no language) is left in Frappe's English. For such a site, with China as its
country, the app makes Chinese (zh) the site's language (System Settings and the global default every user
without a language of their own follows) — once: a person who switches back later is never overridden,
and a user's own language (My Settings) always wins over the site's.
"""

import frappe

ZH = "zh"
DONE = "crm_archive_site_language_set"  # a global default: the app sets the site's language at most once


def is_china() -> bool:
	country = frappe.db.get_single_value("System Settings", "country") or frappe.db.get_default("country")
	return country == "China"


def language_chosen() -> bool:
	"""A language other than Frappe's own default, or one a person set in System Settings (a Version)."""
	language = frappe.db.get_single_value("System Settings", "language")
	if language and language != "en":
		return True
	return bool(
		frappe.get_all(
			"Version",
			{"ref_doctype": "System Settings", "data": ("like", '%"language"%')},
			pluck="name",
			limit=1,
		)
	)


def set_site_language(language: str = ZH) -> None:
	"""System Settings' language and the global default (`lang`) users without their own language follow."""
	from frappe.translate import set_default_language

	frappe.db.set_single_value("System Settings", "language", language)
	frappe.db.set_default("language", language)
	set_default_language(language)
	frappe.clear_cache()


def chinese_by_default() -> bool:
	"""Chinese for a China site whose language nobody chose, once; True when it was set now."""
	if frappe.db.get_default(DONE) or not is_china() or language_chosen():
		return False
	if not frappe.db.exists("Language", ZH):
		return False
	set_site_language(ZH)
	frappe.db.set_default(DONE, "1")
	return True


def after_setup_wizard(args=None):
	"""`setup_wizard_complete` hook: a wizard run that named a language keeps it (a person's choice)."""
	args = args or {}
	if args.get("language") or args.get("lang"):
		return
	chinese_by_default()
