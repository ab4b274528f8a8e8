"""The Frappe side of tiering (the pure core is crm_archive/tiering/*.py): read figures set-based, call the
pure rules, write results in bulk. One module per job:

- `engine.py`     the one code path `retier()` (and FirstTiering, the same decisions for archives adoption
                  is about to insert): chunks read under row locks, decided by `tiering/rules.py`, written
                  in bulk with one log row per tier change; a full run's lock-free first pass;
- `queries.py`    the metric SQL (one aggregate over submitted Sales Invoices) and the archives' tier state;
- `rule_sets.py`  the active rule set for the engine, tier ranks, bounded conditions, the currency check;
- `explain.py`    Why This Tier, in the reader's language;
- `index.py`      the covering index on `tabSales Invoice`;
- `jobs.py`       the full re-tier as a job (one at a time) and the incremental job after an invoice;
- `incremental.py` the nightly re-tier: only the archives that can have changed since the last night
                  (the sources: `tiering/changes.py`), or all of them when the night cannot be bounded.

What runs at night, in which order: crm_archive/nightly.py.
"""
