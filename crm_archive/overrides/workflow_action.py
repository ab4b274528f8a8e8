"""No Workflow Actions for Customer Archive.

Frappe's `*` on_update hook (process_workflow_actions) makes one Workflow Action per document and state
for the roles that could act next. On archives nobody acts through them (the form's Actions menu is the
way), and every rep's Workflow Action list would fill with every archive of the site. Frappe 15 has no
per-workflow switch and an app cannot remove a `*` hook, so the hook's function is wrapped (as the query
guard wraps DatabaseQuery, per request and job from crm_archive/safeguards.py): for archives it does nothing; every other
doctype gets Frappe's behaviour unchanged. (Deleting the rows after insert instead made every save
insert and delete under gap locks: concurrent saves deadlocked.)"""

import frappe

SKIPPED = frozenset({"Customer Archive"})


def install():
	from frappe.workflow.doctype.workflow_action import workflow_action

	original = workflow_action.process_workflow_actions
	if getattr(original, "crm_archive_wrapped", False):
		return

	def process_workflow_actions(doc, state):
		if doc.get("doctype") in SKIPPED:
			return
		return original(doc, state)

	process_workflow_actions.crm_archive_wrapped = True
	process_workflow_actions.__wrapped__ = original
	workflow_action.process_workflow_actions = process_workflow_actions


def drop_existing():
	"""After migrate: rows made before the wrapper existed."""
	names = frappe.get_all(
		"Workflow Action", filters={"reference_doctype": ("in", list(SKIPPED))}, pluck="name"
	)
	for start in range(0, len(names), 1000):
		part = names[start : start + 1000]
		frappe.db.delete("Workflow Action Permitted Role", {"parent": ("in", part)})
		frappe.db.delete("Workflow Action", {"name": ("in", part)})
