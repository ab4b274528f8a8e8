"""Real HTTP-shaped sessions for tests: Frappe's WSGI app through werkzeug's client, one thread per
request (its own frappe.local and DB connection), cookies kept per user — so data must be committed."""

from threading import Thread
from unittest.mock import patch

import frappe
from werkzeug.test import Client


class Session:
	def __init__(self, user: str, password: str):
		from frappe.app import application

		self.site = frappe.local.site
		self.user = user
		self.client = Client(application, use_cookies=True)
		r = self.post("/api/method/login", {"usr": user, "pwd": password})
		assert r.status_code == 200, (user, r.status_code, r.get_data(as_text=True)[:300])

	def _call(self, method: str, path: str, **kwargs):
		out = {}

		def run():
			with patch("frappe.app.get_site_name", return_value=self.site):
				out["response"] = getattr(self.client, method)(path, **kwargs)

		thread = Thread(target=run)
		thread.start()
		thread.join()
		return out["response"]

	def get(self, path: str, params: dict | None = None):
		return self._call("get", path, query_string=params or {})

	def post(self, path: str, data: dict | None = None):
		return self._call("post", path, json=data or {})

	def method(self, _method: str, **data):
		return self.post(f"/api/method/{_method}", data)
