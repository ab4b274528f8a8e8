"""What runs at night, in this order — the one place that says so (hooks.py: scheduler_events daily_long).

1. `clv`        the CLV fit and each archive's P(alive), expected purchases and 12-month CLV
                (analysis/clv_store.py); tier rule conditions read them, so it goes first;
2. `retier`     the nightly re-tier under the full-run lock (tiering/store/incremental.py): only the
                archives whose figures or tier can have changed since last night (tiering/changes.py
                names the sources); a full run after a missed or failed night or other rules;
3. `lifecycle`  every automatic lifecycle move on the fresh purchase dates (lifecycle/store.py):
                Existing, win-back, Churned, and moves whose after-commit job was lost (Catch-up);
4. `pool`       the customer pool (公海, pool/store.py): planned release days, archives whose rep
                neither followed up nor sold released (account manager cleared, access rows gone),
                warnings and escalations — on the fresh purchase dates and lifecycle states;
5. `reminders`  the day's ToDos for account managers (reminders/store.py): intervals depend on the
                tier, so after the re-tier; released archives have no account manager, so none;
6. `access`     the access table compared with a rebuild, repaired if a direct SQL edit drifted it
                (access/table.py).

Each step runs in the scheduler's daily_long job (the long queue), is timed and logged to the
`crm_archive` logger; a step that fails is logged (Error Log) and rolled back, and the next steps still
run on what the database holds (yesterday's predictions, say). No step runs another domain's step.
"""

import time

import frappe
from frappe import _


def clv(as_of=None):
	from crm_archive.analysis.store.lifetime_value import refresh

	return refresh(as_of=as_of, commit=not frappe.flags.in_test)


def retier(as_of=None, full: bool | None = None):
	from crm_archive.tiering.store.incremental import nightly_retier

	return nightly_retier(as_of=as_of, full=full)


def lifecycle(as_of=None):
	from crm_archive.lifecycle.store import daily

	out = daily(as_of)
	_commit()
	return out


def pool(as_of=None):
	from crm_archive.pool.store.core import nightly

	out = nightly(as_of)
	_commit()
	return out


def reminders(as_of=None):
	from crm_archive.reminders.store import daily

	out = daily()
	_commit()
	return out


def access(as_of=None):
	from crm_archive.access.table import daily_check

	out = daily_check()
	_commit()
	return out


STEPS = (clv, retier, lifecycle, pool, reminders, access)


def _commit():
	"""Each step's work is kept whatever the next does (inside tests the test case's rollback must work)."""
	if not frappe.flags.in_test:
		frappe.db.commit()


def run(as_of=None, full: bool | None = None) -> dict:
	"""The nightly chain: every step in order, each timed; returns {step: {"seconds", "result"|"error"}}.
	full=True: the re-tier reads every archive whatever last night did."""
	log = frappe.logger("crm_archive")
	report = {}
	for step in STEPS:
		started = time.monotonic()
		savepoint = f"crm_nightly_{step.__name__}"
		frappe.db.savepoint(savepoint)
		try:
			result = step(as_of, full=full) if step is retier else step(as_of)
			report[step.__name__] = {"seconds": round(time.monotonic() - started, 3), "result": result}
		except Exception as e:
			try:  # what the failed step wrote since its last commit
				frappe.db.rollback(save_point=savepoint)
			except Exception:
				frappe.db.rollback()
			frappe.log_error(title=_("Nightly step {0} failed").format(step.__name__))
			report[step.__name__] = {"seconds": round(time.monotonic() - started, 3), "error": repr(e)}
		log.info(f"nightly {step.__name__}: {report[step.__name__]['seconds']} s")
	return report
