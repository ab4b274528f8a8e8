"""Adversarial, enumerating permission-leak probe over real HTTP sessions (engine: leak_probe.py).

Served as production serves it (gunicorn frappe.app:application). Every whitelisted method of frappe,
erpnext and crm_archive (minus those that delete, message, change
users or sessions, install or execute code, skipped by rule), every whitelisted controller method of the
documents involved and /api/resource of every doctype that reaches archive data, called as a sales rep,
an auditor and a reviewer: no response may carry a marker value that user must not see, no filter or
sort on an unreadable field may answer differently, and no call may grant the rep another rep's archive.
Standalone diagnosis: `bench --site SITE execute crm_archive.tests.leak_probe.run`.
"""

import frappe
from frappe.tests.utils import FrappeTestCase

from crm_archive.tests import leak_probe


class TestLeakProbe(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.fx = leak_probe.build_fixture()
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		leak_probe.cleanup()
		frappe.db.commit()
		super().tearDownClass()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_fixture_has_markers(self):
		kinds = {m.kind for m in self.fx.markers}
		for kind in ("full_name", "mobile_no", "social.account", "id_number_hash", "confidential_notes"):
			self.assertIn(kind, kinds)
		self.assertEqual(len(self.fx.forbidden("rep_a")) > len(self.fx.forbidden("reviewer")), True)
		self.assertEqual(
			frappe.db.get_value("Customer", self.fx.customers["b"], "crm_archive"), self.fx.archives["b"]
		)
		if not self.fx.docs.get("version_b"):
			print("\nleak probe: the archive's edits left no Version row (nothing to read there)")

	def test_no_permission_leaks(self):
		"""Over HTTP to gunicorn `frappe.app:application` started fresh from the bench's sites folder, as a
		production bench serves (tests/server.py); test_production_server adds the first-request round."""
		from crm_archive.tests.server import ProductionServer

		with ProductionServer(workers=2) as server:
			result = leak_probe.run_probe(self.fx, base_url=server.url)
		print("\n" + result.report(limit=200))
		self.assertGreaterEqual(result.attempts, 1500, result.summary())
		self.assertGreaterEqual(len(result.endpoints), 100, result.summary())
		self.assertEqual(result.missing, [], f"the probe ate fixture markers: {result.missing}")
		if result.leaks:
			lines = [
				f"{leak['user']} {leak['endpoint']} {leak['kind']}={leak['marker']!r} "
				f"(status {leak['status']}) args={leak['args'][:200]}"
				for leak in result.leaks[:50]
			]
			self.fail(f"{result.summary()}\nfirst {len(lines)} leaks:\n" + "\n".join(lines))
