"""The Frappe side of the customer pool (公海; its pure core: crm_archive/pool/rules.py): the nightly
release, warnings and escalations, claims, assignments and give-backs, the archive hooks (core.py), and the
whitelisted endpoints the desk calls, each checking the caller's role (api.py)."""
