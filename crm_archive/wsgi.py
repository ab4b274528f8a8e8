"""Frappe's WSGI app plus static /assets and /files, for serving the desk with gunicorn and no nginx.

`scripts/run` starts `gunicorn -b 127.0.0.1:8000 crm_archive.wsgi:application` from the bench's sites
folder (frappe.app:application alone serves no static files; `bench serve` binds 0.0.0.0).
"""

import os

from frappe.app import application as frappe_application
from frappe.middlewares import StaticDataMiddleware
from werkzeug.middleware.shared_data import SharedDataMiddleware

_sites = os.path.abspath(os.environ.get("FRAPPE_SITES_PATH", os.getcwd()))

application = SharedDataMiddleware(frappe_application, {"/assets": os.path.join(_sites, "assets")})
application = StaticDataMiddleware(application, {"/files": _sites})
