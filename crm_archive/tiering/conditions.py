"""Low-code tier conditions: `frappe.safe_eval` semantics, compiled once per expression.

`frappe.safe_eval` re-parses and re-compiles its expression on every call; over 100k customers that is
most of the re-tier time. This module does the same checks and the same restricted compile
(RestrictedPython with Frappe's transformer and whitelisted globals), once per expression.
"""

import unicodedata
from functools import lru_cache

import frappe
from frappe import _

from crm_archive.tiering.metrics import METRIC_NAMES


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
		frappe.safe_eval(expression, None, sample_metrics())
		compiled(expression)
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
	_validate_safe_eval_syntax(code)
	return compile_restricted(code, filename="<tier condition>", policy=FrappeTransformer, mode="eval")


def evaluate_condition(expression: str, values: dict) -> bool:
	from frappe.utils.safe_exec import WHITELISTED_SAFE_EVAL_GLOBALS

	eval_globals = {"__builtins__": {}, **WHITELISTED_SAFE_EVAL_GLOBALS}
	return bool(eval(compiled(expression), eval_globals, dict(values)))
