# Copyright (c) 2026, crm_archive developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, get_datetime, now_datetime

from crm_archive.archive import rules
from crm_archive.archive.store.interactions import refresh_archive_interaction_dates
from crm_archive.utils import get_settings


class CustomerInteraction(Document):
	# begin: auto-generated types
	# end: auto-generated types

	def validate(self):
		self.validate_archive()
		self.validate_interaction_datetime()
		self.validate_follow_up_date()
		self.validate_satisfaction()
		self.summary = (self.summary or "").strip()
		if not self.summary:
			frappe.throw(_("Summary is required."), title=_("Missing Value"))

	def after_insert(self):
		from crm_archive.reminders.store import close_reminders

		reasons = (
			("follow_up", "cadence", "birthday")
			if self.interaction_type == "Greeting"
			else ("follow_up", "cadence")
		)
		close_reminders(self.customer_archive, reasons)

	def on_update(self):
		refresh_archive_interaction_dates(self.customer_archive)
		before = self.get_doc_before_save()
		if before and before.customer_archive != self.customer_archive:
			refresh_archive_interaction_dates(before.customer_archive)

	def after_rename(self, old, new, merge=False):
		refresh_archive_interaction_dates(self.customer_archive)

	def on_trash(self):
		# The row is still there during on_trash: leave it out explicitly.
		refresh_archive_interaction_dates(self.customer_archive, exclude=self.name)

	def validate_archive(self):
		# Frappe 15 skips the link check of a Link field that has fetch_from dependants when the target
		# does not exist (get_invalid_links only flags a found-but-empty row): check it here.
		if not self.customer_archive or not frappe.db.exists("Customer Archive", self.customer_archive):
			frappe.throw(
				_("Could not find Customer Archive {0}.").format(frappe.bold(self.customer_archive or "")),
				frappe.LinkValidationError,
			)

	def validate_interaction_datetime(self):
		if not self.interaction_datetime:
			self.interaction_datetime = now_datetime()
		try:
			when = get_datetime(self.interaction_datetime)
		except Exception:
			frappe.throw(
				_("{0} is not a valid date and time.").format(frappe.bold(self.interaction_datetime)),
				title=_("Invalid Date"),
			)
		days = cint(get_settings().max_future_interaction_days) or 366
		problem = rules.interaction_date_problem(when, now_datetime(), days)
		if problem == "too_early":
			frappe.throw(_("Interaction date {0} is before 1900.").format(when), title=_("Invalid Date"))
		if problem == "too_late":
			frappe.throw(
				_("Interaction date {0} is more than {1} days in the future.").format(when, days),
				title=_("Invalid Date"),
			)

	def validate_follow_up_date(self):
		if not self.next_follow_up_date:
			return
		follow_up = frappe.utils.getdate(self.next_follow_up_date)
		if follow_up < get_datetime(self.interaction_datetime).date():
			frappe.throw(
				_("Next Follow-up Date {0} is before the interaction itself.").format(follow_up),
				title=_("Invalid Date"),
			)
		if follow_up.year > now_datetime().year + 10:
			frappe.throw(
				_("Next Follow-up Date {0} is too far ahead.").format(follow_up), title=_("Invalid Date")
			)

	def validate_satisfaction(self):
		if self.satisfaction is not None and not 0 <= float(self.satisfaction) <= 1:
			frappe.throw(_("Satisfaction must be between 0 and 5 stars."), title=_("Invalid Rating"))


def archive_timeline(doctype: str, docname: str) -> list[dict]:
	"""The archive form's timeline shows its interactions (hook additional_timeline_content; Frappe calls it
	while loading a form the user may read), newest 50, so a logged interaction appears at once."""
	if doctype != "Customer Archive":
		return []
	from frappe.utils import escape_html, formatdate, get_fullname

	rows = frappe.get_list(
		"Customer Interaction",
		filters={"customer_archive": docname},
		fields=["name", "summary", "channel", "interaction_type", "next_follow_up_date", "owner", "creation"],
		order_by="creation desc",
		limit_page_length=50,
	)
	out = []
	for r in rows:
		parts = [
			f'<a href="/app/customer-interaction/{escape_html(r.name)}">{escape_html(r.summary or r.name)}</a>',
			escape_html(_(r.interaction_type or "")),
			escape_html(_(r.channel or "")),
		]
		if r.next_follow_up_date:
			parts.append(_("Next Follow-up {0}").format(formatdate(r.next_follow_up_date)))
		who = escape_html(get_fullname(r.owner))
		out.append(
			{
				"icon": "call",
				"creation": r.creation,
				"content": _("{0} logged an interaction: {1}").format(
					f"<b>{who}</b>", " · ".join(p for p in parts if p)
				),
			}
		)
	return out
