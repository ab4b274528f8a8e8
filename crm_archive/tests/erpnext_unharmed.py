"""Helpers of `scripts/erpnext-tests`: ERPNext's own tests with and without crm_archive installed.

ERPNext 15 moved Payment Gateway to the separate `payments` app, yet Payment Gateway Account (ERPNext)
still links to it, so the test-record builder of ERPNext's Sales Invoice tests asks for that doctype.
`payments` is not among the sources here: a stand-in with the same name and key field (a custom DocType,
created only on the two throwaway test sites, never by the app) lets the tests start.
"""

import sys
import xml.etree.ElementTree as ET

import frappe


def ensure_payment_gateway_standin():
	if frappe.db.exists("DocType", "Payment Gateway"):
		return "present"
	frappe.get_doc(
		{
			"doctype": "DocType",
			"name": "Payment Gateway",
			"module": "Accounts",
			"custom": 1,
			"autoname": "field:gateway",
			"fields": [
				{"fieldname": "gateway", "label": "Gateway", "fieldtype": "Data", "reqd": 1, "unique": 1},
				{"fieldname": "gateway_settings", "label": "Gateway Settings", "fieldtype": "Data"},
				{"fieldname": "gateway_controller", "label": "Gateway Controller", "fieldtype": "Data"},
			],
			"permissions": [{"role": "System Manager", "read": 1, "write": 1, "create": 1, "delete": 1}],
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	return "created"


def outcomes(path: str) -> dict[str, str]:
	"""test id → passed / failed / error / skipped, from a junit xml file of bench run-tests."""
	out = {}
	for case in ET.parse(path).getroot().iter("testcase"):
		name = f"{case.get('classname')}.{case.get('name')}"
		state = "passed"
		for child in case:
			if child.tag in ("failure", "error", "skipped"):
				state = {"failure": "failed"}.get(child.tag, child.tag)
		out[name] = state
	return out


def compare(plain_xml: str, crm_xml: str) -> int:
	"""Print both tallies and every test whose outcome differs; exit status 1 when crm_archive breaks one."""
	plain, crm = outcomes(plain_xml), outcomes(crm_xml)

	def tally(results):
		return {s: sum(v == s for v in results.values()) for s in ("passed", "failed", "error", "skipped")}

	print(f"ERPNext only:              {len(plain)} tests {tally(plain)}")
	print(f"ERPNext with crm_archive:  {len(crm)} tests {tally(crm)}")
	worse = [t for t in crm if crm[t] in ("failed", "error") and plain.get(t) == "passed"]
	better = [t for t in crm if crm[t] == "passed" and plain.get(t) in ("failed", "error")]
	missing = sorted(set(plain) - set(crm))
	for t in worse:
		print(f"  broken by crm_archive: {t}")
	for t in better:
		print(f"  fails without crm_archive only: {t}")
	for t in missing:
		print(f"  did not run with crm_archive: {t}")
	print(f"tests broken by crm_archive: {len(worse) + len(missing)}")
	return 1 if worse or missing or not crm else 0


if __name__ == "__main__":
	sys.exit(compare(sys.argv[1], sys.argv[2]))
