"""Every limit of the product in one place, pure Python.

Models (columns and CHECK constraints), forms, the CSV import, the JSON import and
goals all read these, so a value one of them accepts is never refused by another.
Changing a number here changes a column: run ``makemigrations`` and expect one.
"""

from __future__ import annotations

from decimal import Decimal

# Money: 12 integer digits and cents, so every amount fits DecimalField(14, 2).
MONEY_WHOLE_DIGITS = 12
MONEY_PLACES = 2
MONEY_DIGITS = MONEY_WHOLE_DIGITS + MONEY_PLACES
# Amounts are strictly inside (-MONEY_LIMIT, MONEY_LIMIT).
MONEY_LIMIT = Decimal(10) ** MONEY_WHOLE_DIGITS
# Sums of many amounts (TTM totals, balance sheets) get wider columns, with cents.
TOTAL_DIGITS = 20

# Exchange rates (the ECB's and a user's own): units of a currency one euro buys.
# The ECB publishes up to 6 significant digits; the widest rates in its history
# (the Turkish lira before 2005: 1,000,000+) need 7 integer digits, and a user's
# own rate of a currency in hyperinflation may need more. Nine integer digits and six
# places make fifteen significant digits, what every database keeps exactly: SQLite,
# the embedded default, stores a longer number as a float and would give back
# another rate than the one typed.
RATE_WHOLE_DIGITS = 9
RATE_PLACES = 6
RATE_DIGITS = RATE_WHOLE_DIGITS + RATE_PLACES

# Hours a month a stream takes: a month has at most 31 x 24 = 744 hours.
HOURS_MAX = Decimal(744)
HOURS_WHOLE_DIGITS = 3
HOURS_PLACES = 1
HOURS_DIGITS = HOURS_WHOLE_DIGITS + HOURS_PLACES

# Dates anywhere in the product (entries, valuations, streams, imports).
FIRST_YEAR, LAST_YEAR = 1900, 2200

# Goal figures: rates as fractions (10% = 0.10), money, months. The column holds
# 14 integer digits and 6 places; final values and milestone values, which the
# year-end job computes, may use all of it (a wider one is stored as unbounded).
GOAL_PLACES = 6
GOAL_DIGITS = 20
GOAL_COLUMN_LIMIT = Decimal(10) ** (GOAL_DIGITS - GOAL_PLACES)
# A target or baseline is strictly inside (-GOAL_FIGURE_LIMIT, GOAL_FIGURE_LIMIT),
# that is at most GOAL_FIGURE_WHOLE_DIGITS before the point, in the goal form and in
# an import alike: as much as money may be, and far beyond any rate (1000% = 10) or
# runway.
GOAL_FIGURE_WHOLE_DIGITS = MONEY_WHOLE_DIGITS
GOAL_FIGURE_LIMIT = Decimal(10) ** GOAL_FIGURE_WHOLE_DIGITS
# A rate goal is typed as a percentage up to this fraction (100000%).
GOAL_RATE_MAX = Decimal(1000)

# The years of a goal. The form sets goals from last year (to record history) up to
# ten years ahead: ``goal_years``. An import of history also brings the goals of
# earlier years, so it accepts any year from FIRST_YEAR up to the same ten years
# ahead: ``goal_import_years``. Both count from the user's current year, so an
# imported goal is never further ahead than one the form could set.
GOAL_YEARS_BACK, GOAL_YEARS_AHEAD = 1, 10


def goal_years(this_year: int) -> range:
    """The years a goal may be set for in the form, this year being ``this_year``."""
    return range(this_year - GOAL_YEARS_BACK, this_year + GOAL_YEARS_AHEAD + 1)


def goal_import_years(this_year: int) -> range:
    """The years a goal of an imported document may have, this year being ``this_year``."""
    return range(FIRST_YEAR, this_year + GOAL_YEARS_AHEAD + 1)


# Projections run for at most this many years.
MAX_PROJECTION_YEARS = 50
# Snapshot history is capped, so a typo such as year 1025 cannot make 12,000 rows.
MAX_HISTORY_MONTHS = 50 * 12

# Portfolios an account may have. Every figure and every month of snapshot history
# is computed once per portfolio as well as for the account, so the cost of a
# recompute grows with portfolios x months: the portfolio form and the JSON import
# both stop here, well above what a household uses (a few; a dozen at most).
MAX_PORTFOLIOS = 50

# Lines of a CSV file of entries: a 5 MB file of real rows has about 230,000, so more
# lines than this are not a bank's export (a million one-character lines fit in 2 MB).
# Refused at the upload, before a row is read.
ENTRY_IMPORT_MAX_LINES = 300_000

# A bank or broker statement (OFX, QFX, QIF or a bank's CSV): ten years of a busy
# account's OFX are under 5 MB, so a larger file is not one statement. Refused before
# it is parsed, since the OFX and QIF libraries hold the whole file's tree in memory.
STATEMENT_MAX_BYTES = 10 * 1024 * 1024

# The trend of a user's own history (portfolio.trend): fitted on at least this many
# months with known figures, from at most the last TREND_MAX_MONTHS; a crossing further
# ahead than the projection reaches is "not at this pace".
TREND_MIN_MONTHS = 6
TREND_MAX_MONTHS = 36

# A household invitation's link works for this many days: long enough for a partner
# back from a week away, short enough that a forwarded or leaked link dies.
INVITATION_DAYS = 7

# A statement rule's pattern: the first words of a description (dataport.statement_rules).
RULE_PATTERN_MAX = 200
