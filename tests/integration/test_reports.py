"""Reports: every figure against 21 hand-built requests with known times (see
tests/report_fixture.py for the table), on SQLite and PostgreSQL alike; filters, exports,
access and query counts."""

import csv
import io
import os
import random
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from tests.report_fixture import NOW, at, build_places, build_requests, make
from wave.extensions import db
from wave.reports import figures
from wave.reports.filters import Filters

JUNE = (date(2025, 6, 1), date(2025, 6, 20))
MIN = 60
HOUR = 3600


@pytest.fixture
def reports(world, frozen):
    """The fixture's requests, with the clock stopped at its 'now'."""
    frozen.at(NOW)
    places = build_places(world)
    requests = build_requests(world, places)
    return world, places, requests


def june(**scope) -> Filters:
    return Filters.build(*JUNE, now=NOW, **scope)


def seconds(value):
    return None if value is None else round(value)


# --------------------------------------------------------------------------- figures
def test_summary_figures(reports):
    s = figures.summary(june())
    assert (s.created, s.completed, s.overdue) == (16, 8, 3)
    assert (s.response_met, s.response_due) == (3, 8)
    assert s.response_compliance == 0.375
    assert (s.resolution_met, s.resolution_due) == (3, 5)
    assert s.resolution_compliance == 0.6
    # Reaction: 5 10 15 20 30 40 50 60 90 120 min; resolution: 60 90 120 180 240 300 600 1440.
    assert seconds(s.reaction_median) == 35 * MIN
    assert seconds(s.reaction_p90) == 93 * MIN  # 90 + 0.1 × (120 − 90)
    assert seconds(s.resolution_median) == 210 * MIN
    assert seconds(s.resolution_p90) == 852 * MIN  # 600 + 0.3 × (1440 − 600)
    assert (s.labor, s.labor_hours) == (495, 8.25)
    assert (s.rating, s.rated) == (pytest.approx(3.6), 5)
    assert (s.reopened, s.reopen_rate) == (2, 0.25)
    assert (s.initiative, s.initiative_share) == (3, 0.375)
    assert s.backlog == [2, 1, 3, 2, 1]


def test_trend_counts_local_days(reports):
    t = figures.trend(june())
    assert not t.weekly and len(t.buckets) == 20
    by_day = {d.day: (c, done) for d, c, done in t.buckets}
    # E1 was created at 22:30 UTC on 31 May: 1 June in Berlin. C8 was done at 22:30 UTC on
    # 10 June: the 11th in Berlin.
    assert by_day[1] == (1, 1)
    assert by_day[10] == (2, 0) and by_day[11] == (0, 1)
    created = {d: c for d, (c, _) in by_day.items() if c}
    done = {d: n for d, (_, n) in by_day.items() if n}
    assert created == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 8: 1, 9: 1, 10: 2, 15: 1, 16: 1, 17: 1,
                       18: 1, 19: 1, 20: 2}  # fmt: skip
    assert done == {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 8: 1, 9: 1, 11: 1}
    assert (t.created, t.completed) == (16, 8)


def test_scorecard_has_a_row_per_assignee(reports):
    world = reports[0]
    rows = {r.name: r for r in figures.scorecard(june())}
    assert list(rows) == ["Olga Petrova", "Sam Okafor", "Tom Berg"]
    olga, sam, tom = rows.values()
    assert olga.user_id == world.olga.id
    assert (olga.done, olga.overdue, olga.initiative) == (3, 2, 2)
    assert (olga.response_met, olga.response_due, olga.response_compliance) == (2, 4, 0.5)
    assert (olga.resolution_met, olga.resolution_due) == (2, 2)
    assert seconds(olga.resolution_median) == 90 * MIN  # 60, 90, 240
    assert (olga.labor, olga.labor_hours, olga.rating) == (150, 2.5, 4.5)
    assert (sam.done, sam.overdue, sam.initiative) == (3, 0, 0)
    assert (sam.response_met, sam.response_due) == (1, 3)
    assert (sam.resolution_met, sam.resolution_due) == (1, 3)
    assert seconds(sam.resolution_median) == 300 * MIN  # 180, 300, 1440
    assert (sam.labor, sam.rating) == (165, 2.5)
    assert (tom.done, tom.overdue, tom.initiative) == (2, 0, 1)
    assert tom.response_compliance is None and tom.resolution_compliance is None
    assert seconds(tom.resolution_median) == 360 * MIN  # 120, 600
    assert (tom.labor, tom.labor_hours, tom.rating) == (180, 3, 4.0)


def test_hot_spots_and_repeat_failures(reports):
    h = figures.hotspots(june())
    assert [(s.name, s.where, s.site, s.requests, s.open) for s in h.locations] == [
        ("101 Office", "Floor 1", "Test Tower", 9, 3),
        ("102 Kitchen", "Floor 1", "Test Tower", 6, 3),
        ("Gate", "", "Harbour Depot", 1, 1),
    ]
    assert [(s.name, s.where, s.requests, s.open) for s in h.assets] == [
        ("Printer P1", "101 Office", 2, 0),
        ("Coffee machine", "102 Kitchen", 1, 1),
    ]
    assert [(r.place, r.category, r.requests, r.repeats) for r in h.repeats] == [
        ("101 Office", "Cleaning → Trash removal", 6, 6),
        ("102 Kitchen", "Cleaning → Trash removal", 4, 3),
        ("Printer P1", "IT → Printer problem", 2, 2),  # C4 repeats X1 from May
        ("102 Kitchen", "Cleaning → Wet cleaning", 1, 1),  # C6, 14 days after O6
        ("101 Office", "Cleaning → Wet cleaning", 1, 1),  # E1, an hour after E2
    ]
    assert h.repeats[2].asset_id == reports[0].printer.id
    assert h.repeats[0].last_at == at(6, 20, 8)


def test_a_repeat_need_not_follow_a_request_the_filters_keep(reports):
    """The same place and category make a repeat: Sam's requests repeat Olga's too."""
    world = reports[0]
    sam = figures.hotspots(june(assignee_id=world.sam.id)).repeats
    assert [(r.place, r.category, r.requests, r.repeats) for r in sam] == [
        ("102 Kitchen", "Cleaning → Trash removal", 2, 2),  # C7 after Olga's C3; O2 after C7
        ("101 Office", "Cleaning → Trash removal", 1, 1),  # C5 after Olga's C2
    ]


@pytest.mark.parametrize(
    "scope, created, completed",
    [
        (lambda w, p: {}, 16, 8),
        (lambda w, p: {"site_id": p.depot.id}, 1, 0),
        (lambda w, p: {"category_id": w.trash.parent_id}, 13, 6),  # a group: all its items
        (lambda w, p: {"category_id": w.trash.id}, 10, 5),
        (lambda w, p: {"team_id": w.it.id}, 3, 2),
        (lambda w, p: {"assignee_id": w.sam.id}, 3, 3),
        (lambda w, p: {"source": "chat"}, 3, 3),
    ],
    ids=["all", "site", "category group", "category", "team", "employee", "source"],
)
def test_each_filter_narrows(reports, scope, created, completed):
    world, places, _ = reports
    f = june(**scope(world, places))
    s = figures.summary(f)
    assert (s.created, s.completed) == (created, completed)
    t = figures.trend(f)
    assert (t.created, t.completed) == (created, completed)


def test_filters_narrow_the_other_figures_too(reports):
    world, places, _ = reports
    depot = figures.summary(june(site_id=places.depot.id))
    assert depot.backlog == [0, 0, 0, 1, 0] and depot.overdue == 0 and depot.labor == 0
    sam = june(assignee_id=world.sam.id)
    assert figures.summary(sam).labor == 165
    assert [r.name for r in figures.scorecard(sam)] == ["Sam Okafor"]
    assert [s.name for s in figures.hotspots(june(team_id=world.it.id)).assets] == [
        "Printer P1",
        "Coffee machine",
    ]


def test_last_month_in_the_sites_time_zone(reports):
    may = Filters.build(date(2025, 5, 1), date(2025, 5, 31), now=NOW)
    s = figures.summary(may)
    # E2 (23:30 on 31 May in Berlin), C1, O5, O6 and X1; only X1 was done in May.
    assert (s.created, s.completed, s.labor) == (5, 1, 65)


def test_the_depot_counts_in_its_own_time_zone(reports):
    world, places, _ = reports
    make(world, "late", at(5, 31, 23), "wet", places.gate)  # 1 June 01:00 in Berlin
    db.session.commit()
    assert figures.summary(june(site_id=places.depot.id)).created == 1  # still May in UTC
    assert figures.summary(june()).created == 17


def test_long_periods_are_charted_by_week(reports):
    t = figures.trend(Filters.build(date(2025, 1, 1), date(2025, 6, 20), now=NOW))
    assert t.weekly
    assert t.buckets[0][0] == date(2025, 1, 1)  # a Wednesday: the first week is cut short
    assert t.buckets[1][0] == date(2025, 1, 6)
    weeks = {first: (c, d) for first, c, d in t.buckets if c or d}
    assert weeks == {
        date(2025, 5, 19): (3, 1),  # O5, O6, X1 (Sunday 25 May); X1 done
        date(2025, 5, 26): (3, 1),  # C1, E2, E1 (Sunday 1 June in Berlin); C1 done on the 1st
        date(2025, 6, 2): (5, 5),
        date(2025, 6, 9): (4, 2),
        date(2025, 6, 16): (6, 0),
    }


@pytest.mark.parametrize("n", [1, 2, 3, 7, 11])
def test_percentiles_interpolate_like_percentile_cont(world, frozen, n):
    frozen.at(NOW)
    rng = random.Random(n)
    waits = [rng.randrange(1, 600) for _ in range(n)]
    for i, wait in enumerate(waits):
        make(world, f"r{i}", at(6, 2 + i % 15, 8, i), "wet", world.room, who=world.olga,
             answered=wait, resolved=wait * 3)  # fmt: skip
    db.session.commit()
    s = figures.summary(june())
    assert seconds(s.reaction_median) == round(percentile_cont(waits, 0.5) * MIN)
    assert seconds(s.reaction_p90) == round(percentile_cont(waits, 0.9) * MIN)
    resolution = [w * 3 for w in waits]
    assert seconds(s.resolution_p90) == round(percentile_cont(resolution, 0.9) * MIN)
    row = figures.scorecard(june())[0]
    assert seconds(row.resolution_median) == round(percentile_cont(resolution, 0.5) * MIN)


def test_labor_stays_with_whoever_was_assigned_when_it_was_logged(world, frozen):
    """Sam worked an hour on a request, Tom took it over and did 20 minutes more: the hour
    is Sam's, though the request is Tom's now — in the scorecard and for the employee
    filter alike; the request's other filters still apply to both entries."""
    frozen.at(NOW)
    make(world, "handed on", at(6, 2, 8), "trash", world.room, who=world.tom, answered=5,
         resolved=300, labor=[(at(6, 2, 10), 60, world.sam), (at(6, 2, 13), 20)])  # fmt: skip
    make(world, "Sam's own", at(6, 3, 8), "wet", world.room, who=world.sam, answered=5,
         resolved=60, labor=[(at(6, 3, 9), 15)])  # fmt: skip
    db.session.commit()
    rows = {r.name: (r.done, r.labor) for r in figures.scorecard(june())}
    assert rows == {"Sam Okafor": (1, 75), "Tom Berg": (1, 20)}
    assert figures.summary(june()).labor == 95
    assert figures.summary(june(assignee_id=world.sam.id)).labor == 75
    assert figures.summary(june(assignee_id=world.tom.id)).labor == 20
    trash = world.trash.id
    assert figures.summary(june(category_id=trash)).labor == 80
    assert figures.summary(june(category_id=trash, assignee_id=world.sam.id)).labor == 60


def percentile_cont(values, p):
    ordered = sorted(values)
    k = p * (len(ordered) - 1)
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (k - low) * (ordered[high] - ordered[low])


def test_days_follow_summer_time(world, frozen):
    """Berlin moves its clocks on 30 March and 26 October 2025: local days stay whole."""
    frozen.at(at(12, 1))
    for created in (
        at(3, 29, 22, 30),  # 29 March 23:30 (+1)
        at(3, 29, 23, 30),  # 30 March 00:30 (+1)
        at(3, 30, 21, 30),  # 30 March 23:30 (+2)
        at(3, 30, 22, 30),  # 31 March 00:30 (+2)
        at(10, 25, 22, 30),  # 26 October 00:30 (+2)
        at(10, 26, 22, 30),  # 26 October 23:30 (+1)
        at(10, 26, 23, 30),  # 27 October 00:30 (+1)
    ):
        make(world, "dst", created, "wet", world.room)
    db.session.commit()
    spring = figures.trend(Filters.build(date(2025, 3, 29), date(2025, 3, 31), now=at(12, 1)))
    assert [c for _, c, _ in spring.buckets] == [1, 2, 1]
    autumn = figures.trend(Filters.build(date(2025, 10, 25), date(2025, 10, 27), now=at(12, 1)))
    assert [c for _, c, _ in autumn.buckets] == [0, 2, 1]
    year = Filters.build(date(2025, 1, 1), date(2025, 12, 1), now=at(12, 1))
    assert figures.summary(year).created == 7


# --------------------------------------------------------------------------- pages
URLS = [
    "/reports",
    "/reports/staff",
    "/reports/hotspots",
    "/reports/summary.csv",
    "/reports/trend.csv",
    "/reports/staff.csv",
    "/reports/locations.csv",
    "/reports/assets.csv",
    "/reports/repeats.csv",
    "/reports/summary.xlsx",
    "/reports/staff.xlsx",
    "/reports/hotspots.xlsx",
]


@pytest.mark.parametrize("person, status", [("olga", 403), ("dina", 403), ("mark", 200),
                                            ("anna", 200)])  # fmt: skip
def test_only_managers_and_admins_see_reports(reports, signed_in, person, status):
    client = signed_in(getattr(reports[0], person))
    assert [client.get(url).status_code for url in URLS] == [status] * len(URLS)


def test_anonymous_visitors_are_sent_to_sign_in(reports, client):
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_the_top_bar_links_reports_for_managers_only(reports, signed_in):
    world = reports[0]
    assert 'href="/reports"' in signed_in(world.mark).get("/inbox").get_data(True)
    assert 'href="/reports"' not in signed_in(world.dina).get("/inbox").get_data(True)


def test_summary_page_shows_the_figures(reports, signed_in):
    page = signed_in(reports[0].mark).get("/reports").get_data(True)  # this month: 1–20 June
    assert "June 1, 2025 – June 20, 2025" in page
    for kpi, text in [
        ("created", ">16<"),
        ("completed", ">8<"),
        ("overdue", ">3<"),
        ("response", "37.5%"),
        ("resolution", "60%"),
        ("reaction", "35 min"),
        ("resolution-time", "3 h 30 min"),
        ("labor", "8.2 h"),
        ("rating", "3.6"),
        ("reopened", "25%"),
        ("initiative", ">3<"),
    ]:
        tile = page.split(f'id="kpi-{kpi}"', 1)[1].split("</div>", 1)[0]
        assert text in tile, (kpi, tile)
    assert "90%: 1 h 33 min" in page and "90%: 14 h 12 min" in page
    assert '<svg class="report-chart"' in page and '<title id="trend-title">' in page
    assert page.count('class="report-created"') == 14  # days with something created
    assert page.count('class="report-completed"') == 8


def test_staff_and_hot_spot_pages(reports, signed_in):
    world = reports[0]
    mark = signed_in(world.mark)
    staff = mark.get("/reports/staff").get_data(True)
    olga = staff.split(f'id="person-{world.olga.id}"', 1)[1].split("</tr>", 1)[0]
    for text in ("Olga Petrova", ">3<", ">2<", "50%", "100%", "1 h 30 min", "2.5 h", "4.5"):
        assert text in olga, text
    spots = mark.get("/reports/hotspots").get_data(True)
    assert spots.index("101 Office") < spots.index("102 Kitchen") < spots.index("Gate")
    assert "IT → Printer problem" in spots.split('id="repeats-table"', 1)[1]


def test_filters_are_kept_in_every_link(reports, signed_in):
    world = reports[0]
    page = signed_in(world.mark).get(f"/reports/staff?period=last_month&team={world.it.id}")
    html = page.get_data(True)
    for target in ("/reports/staff.csv", "/reports/staff.xlsx", "/reports/hotspots", "/reports"):
        assert f'{target}?period=last_month&amp;team={world.it.id}"' in html, target
    assert "May 1, 2025 – May 31, 2025 · IT" in html


def test_wrong_filters_say_what_is_wrong(reports, signed_in):
    mark = signed_in(reports[0].mark)
    response = mark.get("/reports?period=custom&date_from=2025-06-10&date_to=2025-06-01")
    assert response.status_code == 422
    assert "The last day comes before the first." in response.get_data(True)
    assert mark.get("/reports?period=custom").status_code == 422
    assert mark.get("/reports?site=999").status_code == 422
    assert (
        mark.get("/reports?period=custom&date_from=2020-01-01&date_to=2025-01-01").status_code
        == 422
    )
    export = mark.get("/reports/staff.csv?period=custom&date_from=x")
    assert export.status_code == 303
    assert export.headers["Location"] == "/reports/staff?period=custom&date_from=x"


def test_custom_dates_count_like_the_named_period(reports, signed_in):
    mark = signed_in(reports[0].mark)
    named = mark.get("/reports/summary.csv").get_data()
    custom = mark.get("/reports/summary.csv?period=custom&date_from=2025-06-01&date_to=2025-06-20")
    assert custom.get_data() == named


# --------------------------------------------------------------------------- exports
def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_csv_exports_carry_the_same_numbers(reports, signed_in):
    mark = signed_in(reports[0].mark)
    response = mark.get("/reports/summary.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=wave-summary-2025-06-01-2025-06-20.csv"
    )
    rows = read_csv(response)
    assert rows[0] == ["Figure", "Value"]
    values = dict(rows[1:])
    assert values["Created"] == "16" and values["Completed"] == "8"
    assert values["Overdue now"] == "3"
    assert values["Response on time, %"] == "37.5"
    assert values["Resolution on time, %"] == "60.0"
    assert values["Reaction time, median, min"] == "35.0"
    assert values["Reaction time, 90th percentile, min"] == "93.0"
    assert values["Resolution time, median, min"] == "210.0"
    assert values["Resolution time, 90th percentile, min"] == "852.0"
    assert values["Labor, hours"] == "8.25"
    assert values["Average rating"] == "3.60"
    assert values["Reopen rate, %"] == "25.0"
    assert values["Initiative (entered and done by the same person)"] == "3"
    backlog = [v for k, v in rows[1:] if k.startswith("Open, ")]
    assert backlog == ["2", "1", "3", "2", "1"]

    trend = read_csv(mark.get("/reports/trend.csv"))
    assert trend[0] == ["Day", "Created", "Completed"]
    assert trend[1] == ["2025-06-01", "1", "1"] and trend[11] == ["2025-06-11", "0", "1"]
    assert len(trend) == 21

    staff = read_csv(mark.get("/reports/staff.csv"))
    assert staff[0][:4] == ["Employee", "Done", "Overdue now", "Response on time, %"]
    assert staff[1] == ["Olga Petrova", "3", "2", "50.0", "100.0", "90.0", "2.50", "4.50", "2"]
    assert staff[2] == ["Sam Okafor", "3", "0", "33.3", "33.3", "300.0", "2.75", "2.50", "0"]
    assert staff[3] == ["Tom Berg", "2", "0", "", "", "360.0", "3.00", "4.00", "1"]

    locations = read_csv(mark.get("/reports/locations.csv"))
    assert locations[1] == ["101 Office", "Floor 1", "Test Tower", "9", "3"]
    assets = read_csv(mark.get("/reports/assets.csv"))
    assert assets[1:] == [["Printer P1", "101 Office", "Test Tower", "2", "0"],
                          ["Coffee machine", "102 Kitchen", "Test Tower", "1", "1"]]  # fmt: skip
    repeats = read_csv(mark.get("/reports/repeats.csv"))
    assert repeats[3] == ["Printer P1", "101 Office", "Test Tower", "IT → Printer problem",
                          "2", "2", "2025-06-10"]  # fmt: skip
    assert repeats[5][-1] == "2025-06-01"  # E1: 00:30 on 1 June in Berlin


def open_xlsx(response):
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def test_xlsx_exports_have_typed_cells(reports, signed_in):
    mark = signed_in(reports[0].mark)
    response = mark.get(
        "/reports/summary.xlsx?period=custom&date_from=2025-06-01&date_to=2025-06-20"
    )
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=wave-summary-2025-06-01-2025-06-20.xlsx"
    )
    book = open_xlsx(response)
    assert book.sheetnames == ["Summary", "Trend", "Filters"]
    summary = book["Summary"]
    assert [c.value for c in summary[1]] == ["Figure", "Value"]
    values = {row[0].value: row[1] for row in summary.iter_rows(min_row=2)}
    assert values["Created"].value == 16 and values["Created"].number_format == "0"
    assert values["Response on time, %"].value == 0.375
    assert values["Response on time, %"].number_format == "0.0%"
    assert values["Reaction time, median, min"].value == pytest.approx(35)
    assert values["Labor, hours"].value == 8.25
    assert values["Average rating"].value == pytest.approx(3.6)
    trend = book["Trend"]
    assert trend["A2"].is_date and trend["A2"].value.date() == date(2025, 6, 1)
    assert [trend["B11"].value, trend["C11"].value] == [2, 0]
    about = {row[0].value: row[1].value for row in book["Filters"].iter_rows()}
    assert about["Period"] == "June 1, 2025 – June 20, 2025"
    assert about["Time zone"] == "Europe/Berlin"

    staff = open_xlsx(mark.get("/reports/staff.xlsx"))["Staff"]
    assert [c.value for c in staff[2]][:5] == ["Olga Petrova", 3, 2, 0.5, 1]
    assert staff["F2"].value == pytest.approx(90) and staff["G2"].value == 2.5
    assert staff["D4"].value is None  # Tom had nothing with a response deadline
    spots = open_xlsx(mark.get("/reports/hotspots.xlsx"))
    assert spots.sheetnames == ["Locations", "Assets", "Repeat failures", "Filters"]
    assert spots["Locations"]["D2"].value == 9
    assert spots["Repeat failures"]["G4"].value.date() == date(2025, 6, 10)


def test_exports_follow_the_filters(reports, signed_in):
    world = reports[0]
    rows = read_csv(signed_in(world.mark).get(f"/reports/staff.csv?employee={world.tom.id}"))
    assert [r[0] for r in rows[1:]] == ["Tom Berg"]
    book = open_xlsx(signed_in(world.mark).get(f"/reports/staff.xlsx?team={world.it.id}"))
    assert dict(r for r in book["Filters"].iter_rows(values_only=True))["Team"] == "IT"


# --------------------------------------------------------------------------- queries
def test_query_count_does_not_grow_with_the_data(reports, signed_in, statements):
    world, places, _ = reports
    mark = signed_in(world.mark)

    def counts():
        result = {}
        for url in URLS:
            statements.clear()
            assert mark.get(url).status_code == 200
            # The top bar's chat badge reads requests too (active discussions only).
            reports = [s for s in statements if "service_requests" in s and "thread_" not in s]
            result[url] = (len(statements), len(reports))
        return result

    # The first page after a commit loads the signed-in person and their teams again.
    counts()
    before = counts()
    for i in range(40):  # three times the requests, with timelines, at people and places
        make(world, f"more{i}", at(6, 1 + i % 19, 9, i), "trash", places.room102,
             who=(world.olga, world.sam)[i % 2], answered=5 + i, resolved=30 + i,
             rating=1 + i % 5, labor=[(at(6, 1 + i % 19, 11), 10)],
             reopened=at(6, 1 + i % 19, 10) if i % 3 == 0 else None)  # fmt: skip
    db.session.commit()
    counts()
    assert counts() == before
    # Statements about requests: one per figure function (hot spots: three).
    assert {url: n for url, (_, n) in before.items()} == {
        "/reports": 2,
        "/reports/staff": 1,
        "/reports/hotspots": 3,
        "/reports/summary.csv": 1,
        "/reports/trend.csv": 1,
        "/reports/staff.csv": 1,
        "/reports/locations.csv": 3,
        "/reports/assets.csv": 3,
        "/reports/repeats.csv": 3,
        "/reports/summary.xlsx": 2,
        "/reports/staff.xlsx": 1,
        "/reports/hotspots.xlsx": 3,
    }
    # Besides: the four lists of choices, and the top bar's two counters on pages.
    assert before["/reports"][0] == 4 + 2 + 2
    assert before["/reports/summary.csv"][0] == 4 + 1


@pytest.mark.skipif(
    not os.environ.get("WAVE_TEST_DATABASE_URL"), reason="PostgreSQL's JIT compiler"
)
def test_postgresql_connections_do_not_jit_compile(app):
    """Compiling a year's report to machine code costs more than it saves (bench/)."""
    assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"


def test_counts_carry_the_locales_thousands_separator(app):
    from flask_babel import force_locale

    from wave.reports.routes import number

    with app.test_request_context():
        for locale, text in (("en", "48,630"), ("ru", "48\xa0630")):
            with force_locale(locale):
                assert number(48630) == text


def test_figures_are_written_as_the_locale_writes_them(app):
    """The page's own formatting (patterns parsed once) writes what Babel's would."""
    from flask_babel import force_locale, format_decimal, format_percent

    from wave.reports.routes import decimal, hours, number, pct

    with app.test_request_context():
        for locale in ("en", "ru"):
            with force_locale(locale):
                for fraction in (0, 0.5, 0.9375, 1):
                    assert pct(fraction) == format_percent(fraction, "#,##0.#%")
                assert decimal(4.375) == format_decimal(4.375, "#,##0.0")
                assert pct(None) == decimal(None) == "—"
                assert hours(12345) == {"en": "205.8 h", "ru": "205,8 ч"}[locale]
        with force_locale("ru"):
            assert (pct(0.9375), number(1234567)) == ("93,8%", "1\xa0234\xa0567")
