"""Low-code tier conditions: `frappe.safe_eval` semantics, compiled once per expression.

`frappe.safe_eval` re-parses and re-compiles its expression on every call; over 100k customers that is
most of the re-tier time. This module does the same checks and the same restricted compile
(RestrictedPython with Frappe's transformer and whitelisted globals), once per expression.
"""

import signal
import threading
import time
import unicodedata
from contextlib import contextmanager
from functools import lru_cache

import frappe
from frappe import _

from crm_archive.tiering import bounds
from crm_archive.tiering.metrics import METRIC_NAMES

# one evaluation of one condition for one customer: bounded expressions take microseconds
EVALUATION_TIME_LIMIT = 0.05


class ConditionTimeout(Exception):
	pass


@contextmanager
def time_limit(seconds: float):
	"""Interrupt a running evaluation after `seconds` (SIGALRM, main thread only). An alarm already
	pending (RQ's job timeout) is left alone and restored; elsewhere the bounds alone hold."""
	if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
		yield
		return

	def expired(signum, frame):
		raise ConditionTimeout(_("The condition took longer than {0} s.").format(seconds))

	previous = signal.signal(signal.SIGALRM, expired)
	signal.setitimer(signal.ITIMER_REAL, seconds)
	try:
		yield
	finally:
		signal.setitimer(signal.ITIMER_REAL, 0)
		signal.signal(signal.SIGALRM, previous)


def sample_metrics() -> dict:
	"""A metrics dict with every name a condition may use (for validation at save time)."""
	values = {name: 0 for name in METRIC_NAMES}
	values.update({"first_purchase_date": None, "last_purchase_date": None, "customer": ""})
	return values


def validate_condition(expression: str, label: str = "") -> None:
	"""Refuse a condition that does not parse or uses unknown names, with the error in the message."""
	if not (expression or "").strip():
		return
	try:
		bounds.check(unicodedata.normalize("NFKC", expression), set(sample_metrics()))
		compiled(expression)
		with time_limit(EVALUATION_TIME_LIMIT * 10):
			frappe.safe_eval(expression, None, sample_metrics())
	except bounds.ConditionTooComplex as e:
		frappe.throw(
			_("{0}: the condition {1} is not allowed: {2}").format(
				label or _("Condition"), frappe.bold(expression), _(str(e))
			),
			title=_("Invalid Condition"),
		)
	except ZeroDivisionError:
		return  # all-zero sample metrics; a real customer's values decide (no match on division by zero)
	except Exception as e:
		frappe.throw(
			_("{0}: the condition {1} is not valid: {2}").format(
				label or _("Condition"), frappe.bold(expression), f"{type(e).__name__}: {e}"
			),
			title=_("Invalid Condition"),
		)


@lru_cache(maxsize=256)
def compiled(expression: str):
	from frappe.utils.safe_exec import FrappeTransformer, _validate_safe_eval_syntax
	from RestrictedPython import compile_restricted

	code = unicodedata.normalize("NFKC", expression)
	bounds.check(code, set(sample_metrics()))  # also at run time: a row written around validation
	_validate_safe_eval_syntax(code)
	return compile_restricted(code, filename="<tier condition>", policy=FrappeTransformer, mode="eval")


def evaluate_condition(expression: str, values: dict) -> bool:
	from frappe.utils.safe_exec import WHITELISTED_SAFE_EVAL_GLOBALS

	code = compiled(expression)  # bounded: refuses what could run long before it runs
	if expression in _too_slow:
		raise ConditionTimeout(expression)
	eval_globals = {"__builtins__": {}, **WHITELISTED_SAFE_EVAL_GLOBALS}
	start = time.perf_counter()
	try:
		return bool(eval(code, eval_globals, dict(values)))
	finally:
		# per evaluation, at run time: a condition slower than the limit is off for the rest of the process
		if time.perf_counter() - start > EVALUATION_TIME_LIMIT:
			_too_slow.add(expression)


_too_slow: set[str] = set()
