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


class HttpResponse:
	"""A `requests` response with the attributes the tests read from werkzeug's (status_code, get_data,
	json, headers)."""

	def __init__(self, r):
		self.status_code = r.status_code
		self.headers = r.headers
		self._data = r.content
		try:
			self.json = r.json()
		except ValueError:
			self.json = None

	def get_data(self, as_text: bool = False):
		return self._data.decode("utf-8", "replace") if as_text else self._data


class HttpSession:
	"""The same interface as Session, over real HTTP to a server (tests/server.py ProductionServer)."""

	def __init__(self, user: str, password: str, base_url: str, site: str | None = None):
		import requests

		self.base_url = base_url.rstrip("/")
		self.site = site or frappe.local.site
		self.user = user
		self.client = requests.Session()
		self.client.headers["Host"] = self.site
		r = self.post("/api/method/login", {"usr": user, "pwd": password})
		assert r.status_code == 200, (user, r.status_code, r.get_data(as_text=True)[:300])

	def get(self, path: str, params: dict | None = None):
		return HttpResponse(self.client.get(self.base_url + path, params=params or {}, timeout=120))

	def post(self, path: str, data: dict | None = None):
		return HttpResponse(self.client.post(self.base_url + path, json=data or {}, timeout=120))

	def method(self, _method: str, **data):
		return self.post(f"/api/method/{_method}", data)
