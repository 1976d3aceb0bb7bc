"""When planned work comes due: occurrences by day, week and month, month ends, local
time across daylight saving, and finding the occurrence around a moment."""

from datetime import UTC, date, datetime, time

import pytest

from wave.plans.recurrence import Schedule, day_of, moment_of


@pytest.mark.parametrize(
    ("starts_on", "every", "unit", "n", "expected"),
    [
        (date(2026, 1, 5), 1, "day", 0, date(2026, 1, 5)),
        (date(2026, 1, 5), 3, "day", 2, date(2026, 1, 11)),
        (date(2026, 12, 30), 1, "day", 3, date(2027, 1, 2)),
        (date(2026, 1, 5), 2, "week", 3, date(2026, 2, 16)),
        (date(2026, 1, 31), 1, "month", 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 1, "month", 2, date(2026, 3, 31)),  # counted from the 31st, not Feb
        (date(2027, 11, 30), 3, "month", 1, date(2028, 2, 29)),  # a leap year's February
        (date(2026, 11, 15), 1, "month", 2, date(2027, 1, 15)),
        (date(2026, 3, 10), 12, "month", 4, date(2030, 3, 10)),
    ],
)
def test_each_occurrence_is_counted_from_the_first_date(starts_on, every, unit, n, expected):
    assert day_of(starts_on, every, unit, n) == expected


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError):
        day_of(date(2026, 1, 1), 1, "year", 1)


def test_the_local_time_stays_across_daylight_saving():
    before = moment_of(date(2026, 3, 28), time(8, 0), "Europe/Berlin")  # CET, UTC+1
    after = moment_of(date(2026, 3, 30), time(8, 0), "Europe/Berlin")  # CEST, UTC+2
    assert before == datetime(2026, 3, 28, 7, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


WEEKLY = Schedule(date(2026, 1, 5), 1, "week", time(9, 30), "UTC")  # Mondays 09:30


@pytest.mark.parametrize(
    ("moment", "first"),
    [
        (datetime(2025, 6, 1, tzinfo=UTC), 0),  # before the plan starts
        (datetime(2026, 1, 5, 9, 30, tzinfo=UTC), 0),  # exactly at one
        (datetime(2026, 1, 5, 9, 31, tzinfo=UTC), 1),
        (datetime(2026, 3, 1, tzinfo=UTC), 8),  # Monday 2 March
        (datetime(2031, 1, 1, tzinfo=UTC), 261),
    ],
)
def test_the_first_occurrence_from_a_moment(moment, first):
    assert WEEKLY.first_from(moment) == first
    assert WEEKLY.at_n(first) >= moment
    assert first == 0 or WEEKLY.at_n(first - 1) < moment


def test_the_last_occurrence_until_a_moment_not_before_the_one_waiting():
    assert WEEKLY.last_until(datetime(2026, 1, 5, 9, 29, tzinfo=UTC)) is None
    assert WEEKLY.last_until(datetime(2026, 1, 5, 9, 30, tzinfo=UTC)) == 0
    assert WEEKLY.last_until(datetime(2026, 3, 1, tzinfo=UTC)) == 7  # Monday 23 February
    assert WEEKLY.last_until(datetime(2026, 3, 1, tzinfo=UTC), since=7) == 7
    assert WEEKLY.last_until(datetime(2026, 3, 1, tzinfo=UTC), since=8) is None


def test_monthly_occurrences_are_found_around_short_months():
    monthly = Schedule(date(2026, 1, 31), 1, "month", time(23, 0), "Europe/Berlin")
    # 28 February 23:00 in Berlin is 22:00 UTC.
    assert monthly.first_from(datetime(2026, 2, 28, 21, 0, tzinfo=UTC)) == 1
    assert monthly.first_from(datetime(2026, 2, 28, 22, 1, tzinfo=UTC)) == 2
    assert monthly.at_n(2) == datetime(2026, 3, 31, 21, 0, tzinfo=UTC)  # CEST by then
