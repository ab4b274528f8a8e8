"""What the desk needs at boot."""

import frappe
from frappe.utils import cint


def boot_session(bootinfo):
	# `scripts/run` serves socket.io on its own port beside gunicorn (no reverse proxy): the desk then
	# connects to that port of the page's host (crm_archive_desk.js). Behind nginx this stays unset.
	port = cint(frappe.conf.get("realtime_direct_port"))
	if port:
		bootinfo.realtime_direct_port = port
