"""Business hours: working time added and measured in a site's timezone, DST, holidays, text."""

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from flask_babel.speaklater import LazyString

from wave.sla import hours as hours_module
from wave.sla.hours import (
    ALWAYS,
    Calendar,
    HoursError,
    add_business_time,
    business_time_between,
    format_hours,
    is_open,
    next_open,
    parse_hours,
)

H = timedelta(hours=1)
MIN = timedelta(minutes=1)

# 2026-03-02 is a Monday; 2026-03-06 a Friday.
OFFICE = Calendar(hours=parse_hours("Mon-Fri 09:00-18:00"))
LUNCH = Calendar(hours=parse_hours("Mon-Fri 08:00-12:00,13:00-17:00"))
NIGHT = Calendar(hours=parse_hours("Mon 22:00-24:00; Tue 00:00-06:00"))
BERLIN_OFFICE = Calendar("Europe/Berlin", parse_hours("Mon-Fri 09:00-18:00"))
BERLIN_ALL_DAY = Calendar("Europe/Berlin", parse_hours("Mon-Sun 00:00-24:00"))
TOKYO = Calendar("Asia/Tokyo", parse_hours("Mon-Fri 09:00-18:00"))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(cal: Calendar, *args) -> datetime:
    """A wall-clock time at the site, as the UTC moment Wave would hold."""
    return datetime(*args, tzinfo=ZoneInfo(cal.timezone)).astimezone(UTC)


def test_always_open_adds_and_measures_plain_time():
    start = utc(2026, 3, 7, 23, 0)  # a Saturday night: 24/7 knows no weekends
    assert ALWAYS.always_open
    assert add_business_time(ALWAYS, start, 50 * H) == start + 50 * H
    assert business_time_between(ALWAYS, start, start + 50 * H) == 50 * H
    assert is_open(ALWAYS, start) and next_open(ALWAYS, start) == start


@pytest.mark.parametrize(
    ("start", "delta", "expected"),
    [
        pytest.param(utc(2026, 3, 2, 10), 2 * H, utc(2026, 3, 2, 12), id="inside-a-span"),
        pytest.param(utc(2026, 3, 2, 17, 30), H, utc(2026, 3, 3, 9, 30), id="across-the-night"),
        pytest.param(utc(2026, 3, 6, 17), 2 * H, utc(2026, 3, 9, 10), id="across-a-weekend"),
        pytest.param(utc(2026, 3, 2, 7), H, utc(2026, 3, 2, 10), id="before-opening"),
        pytest.param(utc(2026, 3, 7, 12), H, utc(2026, 3, 9, 10), id="on-a-closed-day"),
        pytest.param(utc(2026, 3, 2, 9), 9 * H, utc(2026, 3, 2, 18), id="ends-at-closing"),
        pytest.param(utc(2026, 3, 2, 9), 45 * H, utc(2026, 3, 6, 18), id="a-whole-week"),
    ],
)
def test_add_business_time_counts_only_working_hours(start, delta, expected):
    assert add_business_time(OFFICE, start, delta) == expected


def test_thirty_days_of_business_time_is_computed_day_by_day(monkeypatch):
    calls = []
    day_spans = hours_module._day_spans
    monkeypatch.setattr(hours_module, "_day_spans", lambda *a: calls.append(a) or day_spans(*a))
    # 720 h at 9 h a day is 80 working days: sixteen weeks, ending on a Friday evening.
    end = add_business_time(OFFICE, utc(2026, 3, 2, 9), timedelta(days=30))
    assert end == utc(2026, 6, 19, 18)
    assert len(calls) < 120  # one look per calendar day, not per minute


@pytest.mark.parametrize(
    ("holidays", "start", "expected"),
    [
        pytest.param({date(2026, 3, 4)}, utc(2026, 3, 3, 17), utc(2026, 3, 5, 10), id="midweek"),
        pytest.param(
            {date(2026, 3, 9)}, utc(2026, 3, 6, 17), utc(2026, 3, 10, 10), id="monday-after-weekend"
        ),
        pytest.param(
            {date(2026, 3, 2)}, utc(2026, 3, 2, 10), utc(2026, 3, 3, 11), id="start-on-it"
        ),
    ],
)
def test_holidays_are_skipped(holidays, start, expected):
    cal = Calendar(hours=OFFICE.hours, holidays=frozenset(holidays))
    assert add_business_time(cal, start, 2 * H) == expected
    assert business_time_between(cal, start, expected) == 2 * H


def test_holidays_are_local_dates():
    cal = Calendar("Asia/Tokyo", TOKYO.hours, frozenset({date(2026, 3, 9)}))
    sunday_utc = utc(2026, 3, 8, 23, 30)  # already Monday 08:30 in Tokyo, a holiday there
    assert next_open(cal, sunday_utc) == utc(2026, 3, 10, 0)  # Tuesday 09:00 JST


def test_a_lunch_break_is_not_working_time():
    assert add_business_time(LUNCH, utc(2026, 3, 2, 11), 2 * H) == utc(2026, 3, 2, 14)
    assert business_time_between(LUNCH, utc(2026, 3, 2, 11), utc(2026, 3, 2, 14)) == 2 * H
    assert business_time_between(LUNCH, utc(2026, 3, 2, 0), utc(2026, 3, 3, 0)) == 8 * H
    assert not is_open(LUNCH, utc(2026, 3, 2, 12, 30))
    assert next_open(LUNCH, utc(2026, 3, 2, 12, 30)) == utc(2026, 3, 2, 13)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "Asia/Tokyo"])
def test_a_span_to_midnight_continues_into_the_next_day(zone):
    cal = Calendar(zone, NIGHT.hours)
    monday_23, tuesday_midnight = local(cal, 2026, 3, 2, 23), local(cal, 2026, 3, 3, 0)
    assert add_business_time(cal, monday_23, 2 * H) == local(cal, 2026, 3, 3, 1)
    assert add_business_time(cal, monday_23, H) == tuesday_midnight
    assert is_open(cal, tuesday_midnight) and next_open(cal, tuesday_midnight) == tuesday_midnight
    whole_night = (local(cal, 2026, 3, 2, 12), local(cal, 2026, 3, 3, 12))
    assert business_time_between(cal, *whole_night) == 8 * H


def test_site_timezone_tokyo_reads_and_answers_in_utc():
    friday_17_jst = utc(2026, 3, 6, 8)
    result = add_business_time(TOKYO, friday_17_jst, 2 * H)
    assert result == utc(2026, 3, 9, 1)  # Monday 10:00 JST
    assert result.tzinfo is UTC
    assert is_open(TOKYO, utc(2026, 3, 6, 8, 30))  # 17:30 JST
    assert not is_open(TOKYO, utc(2026, 3, 6, 9, 30))  # 18:30 JST, though 09:30 in UTC
    assert next_open(TOKYO, utc(2026, 3, 8, 23)) == utc(2026, 3, 9, 0)  # Mon 08:00 → 09:00 JST


def test_site_timezone_moscow_with_an_input_in_another_offset():
    moscow = Calendar("Europe/Moscow", parse_hours("Mon-Fri 09:00-18:00"))
    start = datetime(2026, 3, 2, 12, 0, tzinfo=timezone(timedelta(hours=-5)))  # 20:00 MSK
    result = add_business_time(moscow, start, 3 * H)
    assert result == utc(2026, 3, 3, 9)  # Tuesday 12:00 MSK
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "length"),
    [
        pytest.param(date(2026, 3, 29), 23 * H, id="spring-forward"),
        pytest.param(date(2026, 10, 25), 25 * H, id="fall-back"),
        pytest.param(date(2026, 3, 22), 24 * H, id="ordinary-sunday"),
    ],
)
def test_a_local_day_lasts_what_the_clocks_say(day, length):
    start = local(BERLIN_ALL_DAY, day.year, day.month, day.day)
    end = local(BERLIN_ALL_DAY, *(day + timedelta(days=1)).timetuple()[:3])
    assert business_time_between(BERLIN_ALL_DAY, start, end) == length
    assert add_business_time(BERLIN_ALL_DAY, start, length) == end


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Friday 17:00 CET (16:00 UTC) → Monday 10:00 CEST (08:00 UTC).
        pytest.param(utc(2026, 3, 27, 16), utc(2026, 3, 30, 8), id="spring-forward"),
        # Friday 17:00 CEST (15:00 UTC) → Monday 10:00 CET (09:00 UTC).
        pytest.param(utc(2026, 10, 23, 15), utc(2026, 10, 26, 9), id="fall-back"),
    ],
)
def test_working_hours_follow_the_local_clock_across_dst(start, expected):
    assert add_business_time(BERLIN_OFFICE, start, 2 * H) == expected
    assert business_time_between(BERLIN_OFFICE, start, expected) == 2 * H


def test_a_24_7_like_calendar_matches_real_time_across_dst():
    for a, b in [
        (utc(2026, 3, 25, 7), utc(2026, 4, 2, 19)),
        (utc(2026, 10, 20, 3, 17), utc(2026, 10, 28, 1)),
    ]:
        assert business_time_between(BERLIN_ALL_DAY, a, b) == b - a
        assert add_business_time(BERLIN_ALL_DAY, a, b - a) == b


def test_a_span_starting_in_the_dst_gap_starts_when_the_clock_resumes():
    cal = Calendar("Europe/Berlin", parse_hours("Sun 02:30-04:00"))
    saturday_night = utc(2026, 3, 28, 22)
    assert next_open(cal, saturday_night) == utc(2026, 3, 29, 1)  # 03:00 CEST
    assert business_time_between(cal, saturday_night, utc(2026, 3, 30)) == H
    ordinary = business_time_between(cal, utc(2026, 3, 21, 22), utc(2026, 3, 23))
    assert ordinary == 90 * MIN


def test_a_span_inside_the_dst_gap_is_empty_and_skipped():
    cal = Calendar("Europe/Berlin", parse_hours("Sun 02:00-02:30"))
    saturday_night = utc(2026, 3, 28, 22)
    assert business_time_between(cal, saturday_night, utc(2026, 3, 30)) == timedelta(0)
    assert next_open(cal, saturday_night) == local(cal, 2026, 4, 5, 2)


def test_a_span_over_the_repeated_hour_lasts_its_real_length():
    cal = Calendar("Europe/Berlin", parse_hours("Sun 02:00-03:00"))
    # 02:00 is read at its first occurrence (CEST); 03:00 CET comes two real hours later.
    assert next_open(cal, utc(2026, 10, 24, 20)) == utc(2026, 10, 25, 0)
    assert business_time_between(cal, utc(2026, 10, 24), utc(2026, 10, 26)) == 2 * H


HOLIDAY_BERLIN = Calendar(
    "Europe/Berlin",
    parse_hours("Mon-Fri 08:00-12:00,13:00-17:00; Sat 10:00-14:00"),
    frozenset({date(2026, 3, 30), date(2026, 10, 26)}),
)


@pytest.mark.parametrize(
    "cal", [OFFICE, LUNCH, NIGHT, TOKYO, BERLIN_OFFICE, BERLIN_ALL_DAY, HOLIDAY_BERLIN]
)
def test_business_time_between_inverts_add_business_time(cal):
    starts = [
        utc(2026, 3, 2, 8, 59),
        utc(2026, 3, 6, 16, 45),
        utc(2026, 3, 28, 23, 30),
        utc(2026, 10, 24, 12, 7),
        utc(2026, 10, 25, 1, 30),
    ]
    deltas = [timedelta(0), MIN, 90 * MIN, 9 * H, 26 * H, timedelta(days=10, seconds=7)]
    for start in starts:
        for delta in deltas:
            end = add_business_time(cal, start, delta)
            assert end >= start
            assert business_time_between(cal, start, end) == delta, (start, delta)
        # And back: the working time up to a moment brings you no later than that moment
        # (unless there was none: a zero delta waits for the next opening).
        for later in (start + 5 * H, start + timedelta(days=3, minutes=11)):
            measured = business_time_between(cal, start, later)
            reached = add_business_time(cal, start, measured)
            assert reached <= later or not measured
            assert business_time_between(cal, start, reached) == measured


@pytest.mark.parametrize(
    ("moment", "open_", "opens"),
    [
        pytest.param(utc(2026, 3, 2, 9), True, utc(2026, 3, 2, 9), id="at-opening"),
        pytest.param(utc(2026, 3, 2, 17, 59), True, utc(2026, 3, 2, 17, 59), id="last-minute"),
        pytest.param(utc(2026, 3, 2, 18), False, utc(2026, 3, 3, 9), id="at-closing"),
        pytest.param(utc(2026, 3, 2, 8), False, utc(2026, 3, 2, 9), id="early-morning"),
        pytest.param(utc(2026, 3, 8, 12), False, utc(2026, 3, 9, 9), id="sunday"),
    ],
)
def test_is_open_and_next_open(moment, open_, opens):
    assert is_open(OFFICE, moment) is open_
    assert next_open(OFFICE, moment) == opens


def test_zero_delta_is_the_start_when_open_and_the_next_opening_when_closed():
    assert add_business_time(OFFICE, utc(2026, 3, 2, 10, 5), timedelta(0)) == utc(2026, 3, 2, 10, 5)
    assert add_business_time(OFFICE, utc(2026, 3, 7, 10), timedelta(0)) == utc(2026, 3, 9, 9)


def test_business_time_between_is_zero_when_the_end_is_not_after_the_start():
    a = utc(2026, 3, 2, 10)
    assert business_time_between(OFFICE, a, a) == timedelta(0)
    assert business_time_between(OFFICE, a, a - H) == timedelta(0)
    assert business_time_between(ALWAYS, a, a - H) == timedelta(0)


def test_a_year_of_holidays_is_waited_out():
    every_day = Calendar(hours=parse_hours("Mon-Sun 09:00-17:00"))
    year = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in range(365))
    cal = Calendar(hours=every_day.hours, holidays=year)
    assert next_open(cal, utc(2026, 1, 1)) == utc(2027, 1, 1, 9)


def test_a_calendar_with_no_working_time_raises_instead_of_looping():
    closed = Calendar(hours={})
    for call in (
        lambda: next_open(closed, utc(2026, 3, 2)),
        lambda: add_business_time(closed, utc(2026, 3, 2), H),
    ):
        with pytest.raises(ValueError, match="no working time"):
            call()
    assert not is_open(closed, utc(2026, 3, 2))
    assert business_time_between(closed, utc(2026, 1, 1), utc(2027, 1, 1)) == timedelta(0)


def test_a_decade_of_holidays_raises_instead_of_looping():
    mondays = frozenset(date(2026, 3, 2) + timedelta(weeks=n) for n in range(600))
    cal = Calendar(hours=parse_hours("Mon 09:00-10:00"), holidays=mondays)
    with pytest.raises(ValueError, match="no working time in 3700 days"):
        add_business_time(cal, utc(2026, 3, 1), H)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"hours": {7: ((time(9), time(17)),)}}, "weekday"),
        ({"hours": {0: ((time(22), time(0)),)}}, "does not end after it starts"),
        ({"hours": {0: ((time(9), time(12)), (time(11), time(13)))}}, "overlapping"),
        ({"hours": {0: ((time(9), time(12, tzinfo=UTC)),)}}, "naive"),
        ({"hours": {}, "holidays": frozenset({datetime(2026, 1, 1)})}, "dates"),
    ],
)
def test_invalid_calendars_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Calendar(**kwargs)


def test_calendar_spans_are_sorted_and_closed_days_dropped():
    cal = Calendar(hours={0: ((time(13), time(17)), (time(8), time(12))), 1: ()})
    assert dict(cal.hours) == {0: ((time(8), time(12)), (time(13), time(17)))}
    assert cal == Calendar(hours={0: [(time(8), time(12)), (time(13), time(17))]})
    assert hash(cal) == hash(Calendar(hours={0: [(time(8), time(12)), (time(13), time(17))]}))


@pytest.mark.parametrize(
    "call",
    [
        lambda: is_open(OFFICE, datetime(2026, 3, 2, 10)),
        lambda: business_time_between(OFFICE, datetime(2026, 3, 2), utc(2026, 3, 3)),
        lambda: add_business_time(ALWAYS, datetime(2026, 3, 2), H),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="naive datetime"):
        call()


def test_negative_deltas_are_refused():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(OFFICE, utc(2026, 3, 2, 10), -H)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon-Fri 08:00-18:00; Sat 09:00-13:00", "Mon-Fri 08:00-18:00; Sat 09:00-13:00"),
        ("mon-FRI 8:00 - 18:00;", "Mon-Fri 08:00-18:00"),
        ("Mon,Wed 08:00-12:00,13:00-17:00", "Mon,Wed 08:00-12:00,13:00-17:00"),
        (
            "Mon, Tue, Wed, Fri 09:00-17:00; Thu 09:00-20:00",
            "Mon-Wed,Fri 09:00-17:00; Thu 09:00-20:00",
        ),
        ("Sat-Mon 10:00-14:00", "Mon,Sat-Sun 10:00-14:00"),
        ("Mon 22:00-24:00; Tue 00:00-06:00", "Mon 22:00-24:00; Tue 00:00-06:00"),
        ("Mon-Sun 00:00-24:00", "Mon-Sun 00:00-24:00"),
        (
            "Mon-Fri 09:00-12:00; Mon 13:00-17:00",
            "Mon 09:00-12:00,13:00-17:00; Tue-Fri 09:00-12:00",
        ),
    ],
)
def test_parse_and_format_hours_round_trip(text, canonical):
    parsed = parse_hours(text)
    assert format_hours(parsed) == canonical
    assert parse_hours(canonical) == parsed


def test_parse_hours_reads_24_00_as_midnight():
    assert parse_hours("Mon 22:00-24:00") == {0: ((time(22), time.max),)}
    assert format_hours(Calendar(hours=parse_hours("Tue 9:30-17:15")).hours) == "Tue 09:30-17:15"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (" ; ;", "empty"),
        ("Mox 08:00-12:00", "Unknown day “Mox” in “Mox 08:00-12:00”: use Mon, Tue,"),
        ("Mon-Fry 08:00-12:00", "Unknown day “Fry”"),
        ("Mon-Wed-Fri 08:00-12:00", "Bad range of days “Mon-Wed-Fri”"),
        ("Mon 25:00-26:00", "Bad time “25:00”"),
        ("Mon 08:60-09:00", "Bad time “08:60”"),
        ("Mon 8h-12h", "Bad time “8h”"),
        ("Mon 24:00-24:00", "24:00 can only be an end time"),
        ("Mon 08:00", "Bad times “08:00”"),
        ("Mon 18:00-08:00", "“18:00-08:00” in “Mon 18:00-08:00” do not end after they start"),
        ("Mon 08:00-08:00", "do not end after they start"),
        ("Mon 08:00-12:00,11:00-13:00", "Overlapping times on Mon: 08:00-12:00 and 11:00-13:00"),
        ("Mon-Fri 08:00-12:00; Wed 11:00-13:00", "Overlapping times on Wed"),
        ("08:00-12:00", "Cannot read “08:00-12:00”"),
        ("Mon-Fri", "Cannot read “Mon-Fri”"),
    ],
)
def test_parse_hours_says_which_part_is_wrong(text, message):
    with pytest.raises(HoursError, match=re.escape(message)):
        parse_hours(text)


def test_hours_errors_are_translated_when_shown():
    """The message is a lazy translation, rendered in the language of the moment it is shown
    (the viewer's on the SLA page); outside an app context it is English."""
    with pytest.raises(HoursError) as caught:
        parse_hours("Mox 08:00-12:00")
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value.args[0], LazyString)
    assert str(caught.value) == "Unknown day “Mox” in “Mox 08:00-12:00”: use " + (
        "Mon, Tue, Wed, Thu, Fri, Sat, Sun."
    )


def test_format_hours_refuses_what_the_text_cannot_hold():
    with pytest.raises(ValueError, match="seconds"):
        format_hours({0: ((time(9, 0, 30), time(17)),)})
    with pytest.raises(ValueError, match="24/7"):
        format_hours(None)
