"""Categories of cash flows and payment frequencies.

Pure Python, no Django import, so the metrics core and the models share one list.
Every category belongs to exactly one group: earned income (needs your time),
passive income (keeps arriving when you stop working) or outgoing (spending).

``CATEGORY_CHOICES`` and ``FREQUENCY_CHOICES`` are ``(value, label)`` pairs for a
field's or form field's ``choices=``. The ``*_MEMBERS`` lists are for Django's
functional ``TextChoices`` API, which takes ``(NAME, (value, label))``::

    Category = models.TextChoices("Category", CATEGORY_MEMBERS)  # Category.SALARY

(Plain pairs there would make the *label* the stored value.)
"""

from __future__ import annotations

EARNED = "earned"
PASSIVE = "passive"
OUTGOING = "outgoing"
GROUPS: tuple[str, ...] = (EARNED, PASSIVE, OUTGOING)
GROUP_LABELS: dict[str, str] = {EARNED: "Earned", PASSIVE: "Passive", OUTGOING: "Outgoing"}

# (value, label, group), in display order.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("salary", "Salary", EARNED),
    ("freelance", "Freelance", EARNED),
    ("bonus", "Bonus", EARNED),
    ("other_earned", "Other earned", EARNED),
    ("dividends", "Dividends", PASSIVE),
    ("interest", "Interest", PASSIVE),
    ("rent", "Rent", PASSIVE),
    ("royalties", "Royalties", PASSIVE),
    ("business_profit", "Business profit", PASSIVE),
    ("advertising", "Advertising or subscriptions", PASSIVE),
    ("other_passive", "Other passive", PASSIVE),
    ("living_expenses", "Living expenses", OUTGOING),
    ("holding_costs", "Holding costs (maintenance)", OUTGOING),
    ("fees", "Fees", OUTGOING),
    ("loan_payments", "Loan payments", OUTGOING),
    ("taxes", "Taxes", OUTGOING),
)

GROUP_OF: dict[str, str] = {value: group for value, _, group in CATEGORIES}
LABEL_OF: dict[str, str] = {value: label for value, label, _ in CATEGORIES}
CATEGORIES_IN: dict[str, tuple[str, ...]] = {
    group: tuple(value for value, _, g in CATEGORIES if g == group) for group in GROUPS
}

CATEGORY_CHOICES: list[tuple[str, str]] = [(value, label) for value, label, _ in CATEGORIES]
CATEGORY_MEMBERS: list[tuple[str, tuple[str, str]]] = [
    (value.upper(), (value, label)) for value, label in CATEGORY_CHOICES
]
# Django's grouped choices, for a <select> with an <optgroup> per group.
CATEGORY_OPTGROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (GROUP_LABELS[group], [(value, LABEL_OF[value]) for value in CATEGORIES_IN[group]])
    for group in GROUPS
]

WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
HALF_YEARLY = "half_yearly"
YEARLY = "yearly"
ONCE = "once"

FREQUENCY_CHOICES: list[tuple[str, str]] = [
    (WEEKLY, "Weekly"),
    (MONTHLY, "Monthly"),
    (QUARTERLY, "Quarterly"),
    (HALF_YEARLY, "Half-yearly"),
    (YEARLY, "Yearly"),
    (ONCE, "Once"),
]
FREQUENCY_MEMBERS: list[tuple[str, tuple[str, str]]] = [
    (value.upper(), (value, label)) for value, label in FREQUENCY_CHOICES
]
FREQUENCIES: tuple[str, ...] = tuple(value for value, _ in FREQUENCY_CHOICES)
