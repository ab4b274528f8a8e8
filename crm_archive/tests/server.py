"""The site served as a production bench serves it: gunicorn `frappe.app:application` from the bench's
`sites/` folder (what `bench setup production` configures behind nginx), started fresh by a test.

Nothing of this app is imported into the server before Frappe's own request handling does it: the
application object and its import order are Frappe's. With `max_requests=1` every request is the first
request of a freshly started worker (gunicorn replaces a worker after each request), so whatever a fresh
process lacks — a wrapper installed only on import, a cache not yet warm — shows on every call.
"""

import os
import socket
import subprocess
import tempfile
import time

import frappe
import requests


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


class ProductionServer:
	def __init__(self, site: str | None = None, workers: int = 2, max_requests: int = 0):
		self.site = site or frappe.local.site
		self.workers = workers
		self.max_requests = max_requests
		self.port = free_port()
		self.url = f"http://127.0.0.1:{self.port}"
		self.proc = None
		self.log = None

	def __enter__(self):
		self.start()
		return self

	def __exit__(self, *exc):
		self.stop()

	def start(self):
		bench = frappe.utils.get_bench_path()
		cmd = [
			os.path.join(bench, "env", "bin", "gunicorn"),
			"-b",
			f"127.0.0.1:{self.port}",
			"-w",
			str(self.workers),
			"-t",
			"120",
			"--chdir",
			os.path.join(bench, "sites"),
		]
		if self.max_requests:
			cmd += ["--max-requests", str(self.max_requests)]
		cmd.append("frappe.app:application")
		env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CI")}
		self.log = tempfile.NamedTemporaryFile(prefix="crm_gunicorn_", suffix=".log", delete=False)
		self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=bench)
		deadline = time.monotonic() + 60
		while time.monotonic() < deadline:
			if self.proc.poll() is not None:
				raise RuntimeError(f"gunicorn exited: {self.tail()}")
			try:
				r = requests.get(f"{self.url}/api/method/ping", headers={"Host": self.site}, timeout=5)
				if r.status_code == 200:
					return
			except requests.RequestException:
				pass
			time.sleep(0.3)
		self.stop()
		raise RuntimeError(f"gunicorn did not answer on {self.url}: {self.tail()}")

	def tail(self, n: int = 3000) -> str:
		try:
			with open(self.log.name, errors="replace") as f:
				return f.read()[-n:]
		except Exception:
			return ""

	def stop(self):
		if self.proc and self.proc.poll() is None:
			self.proc.terminate()
			try:
				self.proc.wait(20)
			except subprocess.TimeoutExpired:
				self.proc.kill()
				self.proc.wait(5)
		self.proc = None
