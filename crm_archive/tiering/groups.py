"""Which ERPNext Customer Group a Customer belongs in, given its archive's tier (pure: no frappe).

A Customer Tier may name a Customer Group ("VIP Customers"): with the setting on, the Customer of an archive
in that tier is moved into it, so ERPNext's Pricing Rules and Promotional Schemes "applicable for Customer
Group" give the tier its prices. The group the Customer had before the app took over is remembered on
the archive and given back when the tier names no group, or when the setting is switched off.
"""


def decide(
	current: str | None, tier_group: str | None, before: str | None, enabled: bool
) -> tuple[str | None, str | None]:
	"""(the Customer's group, the group to remember) from its group now, the tier's group, the group
	remembered so far and the setting."""
	current, tier_group, before = current or None, tier_group or None, before or None
	if enabled and tier_group:
		# the first time the app takes over, the Customer's own group is the one to give back later
		return tier_group, before if before is not None else current
	if before is not None:
		return before, None
	return current, None
