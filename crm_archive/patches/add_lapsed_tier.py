"""Lapsed buyers get 沉睡客户, not 潜在客户 (never bought): the tier and its rule row, added to the installed
default rule set only when a manager has not edited it (crm_archive.install.add_lapsed_tier)."""

from crm_archive.install import add_lapsed_tier


def execute():
	add_lapsed_tier()
