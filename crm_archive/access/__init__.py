"""Who may read an archive, and everything that points at one: the map of how a read is decided.

A read of archive data passes these rooms, in this order:

1. **The facts** — `table.py` keeps `Customer Archive Access` (user, archive): one row per archive a
   restricted user may read, written set-based from facts the app owns only (account manager, creator
   while there is none, assignments and shares made by a manager or the account manager, the Sales Person
   tree). Doc events on Customer Archive, ToDo, DocShare, Sales Person, Employee and User keep it current;
   `daily_check` compares it with a rebuild.
2. **The rule** — `permissions.py` renders that table as one SQL condition: `permission_query_conditions`
   for lists, counts, reports and exports, `has_permission` for single documents, for the app's doctypes
   and for rows of other doctypes that point at archives (File attachments, Communications). Field levels:
   contact data permlevel 1, ID number and confidential notes permlevel 2 (`readable_fields`,
   `strip_unreadable`).
3. **Inside Frappe's list query** — `query_guard.py` wraps `DatabaseQuery`: link-field expressions from
   other doctypes join only readable archives; filters, sort keys and selected expressions on unreadable
   fields are refused. Installed per request and job by `crm_archive/safeguards.py` (never on import).
4. **Frappe's whitelisted methods that skip permissions** — `whitelisted.py` overrides them for the app's
   doctypes (counts, link titles and search, group-by counts, reports, export, caller-built charts and
   number cards, global search).
5. **Side doors** — `todo.py` (an assignment grants access only when a granter made it) and `version.py`
   (Version history records which protected field changed, never its value).

The leak probe that enumerates every whitelisted method against all of this:
`crm_archive/tests/leak_probe.py` (docs/security.md).
"""
