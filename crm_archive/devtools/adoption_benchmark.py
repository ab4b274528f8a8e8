"""`bench crm-archive-dev benchmark-adoption`: adopting a site full of Customers, set-based against one by one.

Builds ZZBENCH- Customers with Sales Invoices over two years (crm_archive/devtools/benchmark.py) and
removes their archives, as on a site that installs the app (`--reuse` takes a dataset a `--keep` run
left, when it has the same numbers, and only removes the archives). Times today's one-by-one path
(archive_from_customer(...).insert(), as the first round's `adopt-customers` did) on a sample, then
`adopt_all` on every Customer while two reps work on their own connections: one saves an archive of
theirs every 0.2 s, the other creates an archive (it takes the next name of the series the adoption
reserves from) and saves it again at once, every 0.5 s. Prints seconds, the seconds of each phase, the
ratio to the one-by-one path and to the 60 s target, the reps' longest waits and deadlocks, and where
the archives landed (Existing / Churned / Potential).
"""

import statistics
import threading
import time

import click
import frappe

from crm_archive.devtools import benchmark as B

TARGET_S = 60.0
SAVE_TARGET_S = 2.0
REP_MARK = "ZZREP benchmark-adoption"


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


def _drop_rep_archives():
	names = frappe.get_all("Customer Archive", {"remarks": ("like", REP_MARK + "%")}, pluck="name")
	if names:
		frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", names)})
		frappe.db.delete("Customer Archive Access", {"archive": ("in", names)})
		frappe.db.delete("Version", {"ref_doctype": "Customer Archive", "docname": ("in", names)})
		frappe.db.delete("Customer Archive", {"name": ("in", names)})
	frappe.db.commit()


def _drop_archives_of(customers: list[str]):
	for start in range(0, len(customers), 1000):
		names = frappe.get_all(
			"Customer Archive", {"customer": ("in", customers[start : start + 1000])}, pluck="name"
		)
		if names:
			frappe.db.delete("Customer Archive Log", {"customer_archive": ("in", names)})
			frappe.db.delete("Customer Archive Access", {"archive": ("in", names)})
			frappe.db.sql("update `tabCustomer` set crm_archive = null where crm_archive in %s", (names,))
			frappe.db.delete("Customer Archive", {"name": ("in", names)})
	frappe.db.commit()


def _dataset_kept(customers: int, invoices: int) -> bool:
	like = B.PREFIX + "%"
	have_customers = frappe.db.sql(
		"select count(*) from `tabCustomer` where name like %s and name != %s", (like, f"{B.PREFIX}SUBMIT")
	)[0][0]
	have_invoices = frappe.db.sql(
		"select count(*) from `tabSales Invoice` where name like %s and remarks = %s", (like, B.MARK)
	)[0][0]
	return (have_customers, have_invoices) == (customers, invoices)


def _is_deadlock(error: str) -> bool:
	return "1213" in error or "eadlock" in error


class Rep(threading.Thread):
	"""A rep on its own connection. `create=False`: saves one archive over and over (every 0.2 s);
	`create=True`: creates an archive and saves it again at once (every 0.5 s). Records each save's
	seconds and errors."""

	def __init__(self, site: str, sites_path: str, archive: str | None = None, create: bool = False):
		super().__init__(daemon=True)
		self.site, self.sites_path, self.archive, self.create = site, sites_path, archive, create
		self.stop = threading.Event()
		self.seconds: list[float] = []
		self.errors: list[str] = []

	def timed(self, fn):
		start = time.perf_counter()
		try:
			fn()
			frappe.db.commit()
		except Exception as e:
			frappe.db.rollback()
			self.errors.append(str(e)[:200])
		self.seconds.append(time.perf_counter() - start)

	def run(self):
		frappe.init(site=self.site, sites_path=self.sites_path)
		frappe.connect()
		try:
			i = 0
			while not self.stop.is_set():
				i += 1
				if self.create:
					made = []

					def insert(i=i, made=made):
						doc = frappe.get_doc(
							{
								"doctype": "Customer Archive",
								"full_name": f"王伟{i}",
								"remarks": f"{REP_MARK} created {i}",
							}
						)
						doc.flags.ignore_duplicates = True
						doc.insert(ignore_permissions=True)
						made.append(doc.name)

					self.timed(insert)
					if made:
						self.timed(lambda: self.edit(made[0], i))
					time.sleep(0.5)
				else:
					self.timed(lambda i=i: self.edit(self.archive, i))
					time.sleep(0.2)
		finally:
			frappe.destroy()

	@staticmethod
	def edit(name: str, i: int):
		doc = frappe.get_doc("Customer Archive", name)
		doc.remarks = f"{REP_MARK} save {i}"
		doc.flags.ignore_duplicates = True
		doc.save(ignore_permissions=True)


def run(
	customers: int = 100000,
	invoices: int = 1000000,
	sample: int = 300,
	keep: bool = False,
	reuse: bool = False,
) -> dict:
	from crm_archive.adoption import adopt_all, archive_from_customer, customers_without_archive

	_drop_rep_archives()
	if reuse and _dataset_kept(customers, invoices):
		built = False
	else:
		B.cleanup()
		company = (
			frappe.db.get_single_value("Global Defaults", "default_company")
			or frappe.get_all("Company", pluck="name", limit=1)[0]
		)
		B.make_dataset(customers, invoices, company)
		built = True
	_drop_archives()
	# other Customers of the site without an archive (a test's, say) are adopted too; their archives go
	# again afterwards, so the run leaves the site as it found it
	waiting = customers_without_archive()
	foreign = [r["name"] for r in waiting if not r["name"].startswith(B.PREFIX)]

	# today's path, on a sample of the dataset's Customers (it would take about an hour for 100k)
	rows = [r for r in waiting if r["name"].startswith(B.PREFIX)][:sample]
	del waiting
	start = time.perf_counter()
	for row in rows:
		archive_from_customer(row).insert(ignore_permissions=True)
	frappe.db.commit()
	one_by_one_each = (time.perf_counter() - start) / max(len(rows), 1)
	_drop_archives()

	# the reps' own archive: the newest archive when the adoption starts (its access rows sit next to
	# where the adoption's go)
	mine = frappe.get_doc({"doctype": "Customer Archive", "full_name": "李娜", "remarks": REP_MARK})
	mine.flags.ignore_duplicates = True
	mine.insert(ignore_permissions=True)
	frappe.db.commit()
	site, sites_path = frappe.local.site, frappe.local.sites_path
	reps = {"edit": Rep(site, sites_path, mine.name), "create": Rep(site, sites_path, create=True)}
	for rep in reps.values():
		rep.start()
	time.sleep(1)
	with click.progressbar(length=customers, label="adopting (set-based)") as bar:
		done = [0]

		def progress(n, total):
			bar.update(n - done[0])
			done[0] = n

		start = time.perf_counter()
		stats = adopt_all(publish=False, progress=progress)
		elapsed = time.perf_counter() - start
	time.sleep(1)
	for rep in reps.values():
		rep.stop.set()
	for rep in reps.values():
		rep.join()
	states = dict(
		frappe.db.sql(
			"""select lifecycle_state, count(*) from `tabCustomer Archive` where customer like %s
			group by lifecycle_state""",
			B.PREFIX + "%",
		)
	)
	logs = dict(
		frappe.db.sql(
			"""select concat(l.event_type, ' ', l.from_value, '→', l.to_value, ' (', l.trigger, ')'), count(*)
			from `tabCustomer Archive Log` l join `tabCustomer Archive` a on a.name = l.customer_archive
			where a.customer like %s group by 1 order by 2 desc""",
			B.PREFIX + "%",
		)
	)
	adopted = sum(states.values())
	phases = stats.get("seconds") or {}
	out = {
		"customers": customers,
		"invoices": invoices,
		"dataset": "built" if built else "reused",
		"one_by_one_ms_per_customer": round(one_by_one_each * 1000, 1),
		"one_by_one_estimated_s": round(one_by_one_each * customers, 1),
		"set_based_s": round(elapsed, 1),
		"set_based_vs_60s_target": round(elapsed / TARGET_S, 2),
		"one_by_one_vs_set_based": round(one_by_one_each * customers / elapsed, 1),
		"phases_s": phases,
		"archives_adopted": adopted,
		"lifecycle": states,
		"log_rows": {k: v for k, v in list(logs.items())[:8]},
		# made with the inserts (each archive's first re-tier, the lifecycle pass's moves)
		"tier_changes_on_insert": stats.get("tier_changes"),
		"lifecycle_moves_on_insert": stats.get("moves"),
		# then the one full re-tier and lifecycle pass (nothing left to change for the adopted archives)
		"retier": {k: v for k, v in (stats.get("retier") or {}).items() if k != "lifecycle"},
		"lifecycle_moves": (stats.get("retier") or {}).get("lifecycle"),
	}
	for kind, rep in reps.items():
		s = rep.seconds
		out[f"rep_{kind}_saves"] = len(s)
		out[f"rep_{kind}_median_s"] = round(statistics.median(s), 3) if s else None
		out[f"rep_{kind}_max_s"] = round(max(s), 3) if s else None
		out[f"rep_{kind}_max_vs_2s"] = round(max(s) / SAVE_TARGET_S, 2) if s else None
		out[f"rep_{kind}_over_2s"] = sum(1 for x in s if x > SAVE_TARGET_S)
		out[f"rep_{kind}_deadlocks"] = sum(1 for e in rep.errors if _is_deadlock(e))
		out[f"rep_{kind}_errors"] = rep.errors[:3]
	_drop_rep_archives()
	_drop_archives_of(foreign)
	if not keep:
		_drop_archives()
		B.cleanup()
	return out
