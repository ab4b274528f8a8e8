"""The Frappe side of the archive (its pure core: crm_archive/archive/rules.py and reading.py): the checks
and derived values on save (document.py), the name/pinyin search (search.py) and the dates an archive takes
from its interactions (interactions.py)."""
