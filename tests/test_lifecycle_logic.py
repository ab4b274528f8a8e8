from datetime import date

import pytest

from crm_archive.lifecycle import states as L


def test_manual_transitions_cover_the_funnel_and_win_back():
	assert L.allowed("Potential", "Intentional")
	assert L.allowed("Intentional", "Potential")
	assert L.allowed("Churned", "Intentional")
	assert L.allowed("Churned", "Existing")
	assert not L.allowed("Potential", "Churned")
	assert not L.allowed("Existing", "Potential")


def test_jumps_to_existing_need_a_customer_and_a_manager():
	for frm, to, _action, roles, needs_customer in L.TRANSITIONS:
		if to == "Existing":
			assert needs_customer
			assert roles == ("CRM Archive Manager",)
		if {frm, to} != {"Potential", "Intentional"}:
			assert "CRM Archive User" not in roles


@pytest.mark.parametrize(
	"state,has_customer,expected",
	[
		("Potential", True, "Existing"),
		("Intentional", True, "Existing"),
		("Churned", True, "Existing"),
		("Existing", True, None),
		("Potential", False, None),
	],
)
def test_after_purchase(state, has_customer, expected):
	assert L.after_purchase(state, has_customer) == expected


def test_after_inactivity_boundary():
	as_of = date(2026, 11, 24)
	assert L.after_inactivity("Existing", date(2026, 5, 28), as_of, 180) == "Churned"  # exactly 180 days
	assert L.after_inactivity("Existing", date(2026, 5, 29), as_of, 180) is None
	assert L.after_inactivity("Intentional", date(2020, 1, 1), as_of, 180) is None
	assert L.after_inactivity("Existing", None, as_of, 180) is None
	assert L.after_inactivity("Existing", date(2020, 1, 1), as_of, 0) is None
