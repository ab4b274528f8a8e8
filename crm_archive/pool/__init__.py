"""The customer pool (公海): archives whose rep neither follows up nor sells for their tier's days are
released to the pool (no account manager, no access rows for reps), where reps claim them within limits.

- `rules.py`  pure: release dates and reasons, holds, warnings, escalations, claim decisions;
- `store.py`  the Frappe side: the nightly set-based release, hand release, claims and assignments,
              the pool list's basic facts.
"""
