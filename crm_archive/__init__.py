__version__ = "0.1.0"

# Nothing is installed on import: the wrappers of Frappe internals are installed per request and job by
# hooks (see crm_archive/safeguards.py), so they hold on any server whatever imports what first.
