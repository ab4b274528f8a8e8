"""`bench crm-archive benchmark-adoption`: adopting a site full of Customers, set-based against one by one.

Builds ZZBENCH- Customers with Sales Invoices over two years (crm_archive/devtools/benchmark.py) and
removes their archives, as on a site that installs the app. Times today's one-by-one path
(archive_from_customer(...).insert(), as the first round's `adopt-customers` did) on a sample, then
`adopt_all` on every Customer, while another connection saves an existing archive in a loop (a rep at
work); prints seconds, the ratio to the one-by-one path and to the 60 s target, the longest save, and
where the archives landed (Existing / Churned / Potential).
"""

import statistics
import threading
import time

import click
import frappe

from crm_archive.devtools import benchmark as B

TARGET_S = 60.0
SAVE_TARGET_S = 2.0


def _drop_archives():
	like = B.PREFIX + "%"
	frappe.db.sql(
		"""delete l from `tabCustomer Archive Log` l join `tabCustomer Archive` a on a.name = l.customer_archive
		where a.customer like %s""",
		like,
	)
	frappe.db.sql(
		"delete from `tabCustomer Archive Access` where archive in (select name from `tabCustomer Archive` where customer like %s)",
		like,
	)
	frappe.db.sql("delete from `tabCustomer Archive` where customer like %s", like)
	frappe.db.sql("update `tabCustomer` set crm_archive = null where name like %s", like)
	frappe.db.commit()


class Saver(threading.Thread):
	"""A rep saving an archive over and over on its own connection; records each save's seconds."""

	def __init__(self, site: str, sites_path: str, archive: str):
		super().__init__(daemon=True)
		self.site, self.sites_path, self.archive = site, sites_path, archive
		self.stop = threading.Event()
		self.seconds: list[float] = []
		self.errors: list[str] = []

	def run(self):
		frappe.init(site=self.site, sites_path=self.sites_path)
		frappe.connect()
		try:
			i = 0
			while not self.stop.is_set():
				i += 1
				start = time.perf_counter()
				try:
					doc = frappe.get_doc("Customer Archive", self.archive)
					doc.remarks = f"benchmark-adoption save {i}"
					doc.flags.ignore_duplicates = True
					doc.save(ignore_permissions=True)
					frappe.db.commit()
				except Exception as e:
					frappe.db.rollback()
					self.errors.append(str(e)[:200])
				self.seconds.append(time.perf_counter() - start)
				time.sleep(0.2)
		finally:
			frappe.destroy()


def run(customers: int = 100000, invoices: int = 1000000, sample: int = 300, keep: bool = False) -> dict:
	from crm_archive.archive.adoption import adopt_all, archive_from_customer, customers_without_archive

	B.cleanup()
	company = (
		frappe.db.get_single_value("Global Defaults", "default_company")
		or frappe.get_all("Company", pluck="name", limit=1)[0]
	)
	B.make_dataset(customers, invoices, company)
	_drop_archives()

	# today's path, on a sample (it would take about an hour for 100k)
	rows = customers_without_archive(limit=sample)
	start = time.perf_counter()
	for row in rows:
		archive_from_customer(row).insert(ignore_permissions=True)
	frappe.db.commit()
	one_by_one_each = (time.perf_counter() - start) / max(len(rows), 1)
	_drop_archives()

	other = frappe.get_all(
		"Customer Archive", filters={"customer": ("not like", B.PREFIX + "%")}, pluck="name", limit=1
	)
	saver = Saver(frappe.local.site, frappe.local.sites_path, other[0]) if other else None
	if saver:
		saver.start()
		time.sleep(1)
	with click.progressbar(length=customers, label="adopting (set-based)") as bar:
		done = [0]

		def progress(n, total):
			bar.update(n - done[0])
			done[0] = n

		start = time.perf_counter()
		stats = adopt_all(publish=False, progress=progress)
		elapsed = time.perf_counter() - start
	if saver:
		saver.stop.set()
		saver.join()
	states = dict(
		frappe.db.sql(
			"""select lifecycle_state, count(*) from `tabCustomer Archive` where customer like %s
			group by lifecycle_state""",
			B.PREFIX + "%",
		)
	)
	adopted = sum(states.values())
	out = {
		"customers": customers,
		"invoices": invoices,
		"one_by_one_ms_per_customer": round(one_by_one_each * 1000, 1),
		"one_by_one_estimated_s": round(one_by_one_each * customers, 1),
		"set_based_s": round(elapsed, 1),
		"set_based_vs_60s_target": round(elapsed / TARGET_S, 2),
		"one_by_one_vs_set_based": round(one_by_one_each * customers / elapsed, 1),
		"archives_adopted": adopted,
		"lifecycle": states,
		"retier": {k: v for k, v in (stats.get("retier") or {}).items() if k != "lifecycle"},
		"lifecycle_moves": (stats.get("retier") or {}).get("lifecycle"),
	}
	if saver:
		out["rep_saves_during_adoption"] = len(saver.seconds)
		out["rep_save_median_s"] = round(statistics.median(saver.seconds), 3) if saver.seconds else None
		out["rep_save_max_s"] = round(max(saver.seconds), 3) if saver.seconds else None
		out["rep_save_max_vs_2s"] = round(max(saver.seconds) / SAVE_TARGET_S, 2) if saver.seconds else None
		out["rep_save_errors"] = saver.errors[:3]
	if not keep:
		B.cleanup()
	return out
