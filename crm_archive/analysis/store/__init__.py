"""The Frappe side of analysis (its pure core: crm_archive/analysis/clv.py and value.py): the nightly
lifetime-value fit and the predictions it writes on archives (lifetime_value.py), and what the reports share
— readable customers, invoice reads, money rounding (reports.py)."""
