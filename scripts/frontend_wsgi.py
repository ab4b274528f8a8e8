"""What nginx does in front of a production bench, as WSGI middleware: static /assets and /files, and the
site chosen by the X-Frappe-Site-Name header; everything else goes to Frappe's own `frappe.app:application`.

`scripts/run` starts `gunicorn --pythonpath scripts frontend_wsgi:application` from the bench's sites folder
(`frappe.app:application` alone serves no static files; `bench serve` binds 0.0.0.0 and is a development
server). This module lives outside the app on purpose: it imports Frappe's application object and nothing
of crm_archive, so the server imports the app exactly when and as a production bench does. A request whose
host is not a site folder (http://127.0.0.1:8000) goes to FRAPPE_SITE or the bench's current site.
"""

import os

from frappe.app import application as frappe_application
from frappe.middlewares import StaticDataMiddleware
from werkzeug.middleware.shared_data import SharedDataMiddleware

_sites = os.path.abspath(os.environ.get("FRAPPE_SITES_PATH", os.getcwd()))


def _default_site() -> str | None:
	import json

	site = os.environ.get("FRAPPE_SITE")
	if not site:
		try:
			with open(os.path.join(_sites, "currentsite.txt")) as f:
				site = f.read().strip()
		except OSError:
			site = None
	if not site:
		try:
			with open(os.path.join(_sites, "common_site_config.json")) as f:
				site = json.load(f).get("default_site")
		except (OSError, ValueError):
			site = None
	return site or None


_DEFAULT_SITE = _default_site()

_static = SharedDataMiddleware(frappe_application, {"/assets": os.path.join(_sites, "assets")})
_static = StaticDataMiddleware(_static, {"/files": _sites})


def application(environ, start_response):
	host = (environ.get("HTTP_HOST") or "").split(":")[0]
	if (
		_DEFAULT_SITE
		and not environ.get("HTTP_X_FRAPPE_SITE_NAME")
		and not os.path.isdir(os.path.join(_sites, host))
	):
		environ["HTTP_X_FRAPPE_SITE_NAME"] = _DEFAULT_SITE
	return _static(environ, start_response)
