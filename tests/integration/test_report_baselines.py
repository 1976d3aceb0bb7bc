"""The reports benchmark's hand-written SQL (bench/report_baselines.py) gives Wave's figures
exactly, on the report fixture (tests/report_fixture.py): otherwise it would be a baseline for
something else. PostgreSQL only, like the SQL."""

import os
from dataclasses import replace
from datetime import date

import pytest

from bench.report_baselines import BASELINES, same
from tests.report_fixture import NOW, build_places, build_requests
from wave.reports import figures
from wave.reports.figures import Summary
from wave.reports.filters import Filters, period_dates

on_postgres = pytest.mark.skipif(
    not os.environ.get("WAVE_TEST_DATABASE_URL"),
    reason="the baselines are PostgreSQL's SQL: set WAVE_TEST_DATABASE_URL to run them",
)
TODAY = date(2025, 6, 20)  # NOW in Berlin, the tower's time zone

PERIODS = {
    "this month": period_dates("this_month", TODAY),
    "last month": period_dates("last_month", TODAY),
    "this year": period_dates("this_year", TODAY),  # charted by week
}
SCOPES = {
    "everything": lambda w, p: {},
    "site": lambda w, p: {"site_id": p.depot.id},
    "category group": lambda w, p: {"category_id": w.trash.parent_id},
    "team": lambda w, p: {"team_id": w.it.id},
    "employee": lambda w, p: {"assignee_id": w.sam.id},
    "source": lambda w, p: {"source": "chat"},
}
CASES = [(period, "everything") for period in PERIODS] + [
    ("this month", scope) for scope in SCOPES if scope != "everything"
]


@pytest.fixture
def reports(world, frozen):
    """The fixture's requests, with the clock stopped at its 'now'."""
    frozen.at(NOW)
    places = build_places(world)
    build_requests(world, places)
    return world, places


@on_postgres
@pytest.mark.parametrize("name", list(BASELINES))
@pytest.mark.parametrize("period, scope", CASES, ids=[f"{p}, {s}" for p, s in CASES])
def test_each_baseline_gives_waves_figures(reports, name, period, scope):
    world, places = reports
    f = Filters.build(*PERIODS[period], now=NOW, **SCOPES[scope](world, places))
    wave, baseline = getattr(figures, name)(f), BASELINES[name](f)
    assert same(name, wave, baseline), (wave, baseline)


@on_postgres
def test_the_comparison_is_not_vacuous(reports):
    """This month has work in every report, so equal figures are not just empty ones."""
    f = Filters.build(*PERIODS["this month"], now=NOW)
    s = BASELINES["summary"](f)
    assert (s.created, s.completed, s.labor, s.reopened) == (16, 8, 495, 2)
    assert s.reaction_p90 is not None and len(BASELINES["scorecard"](f)) == 3
    h = BASELINES["hotspots"](f)
    assert len(h.locations) == 3 and len(h.assets) == 2 and len(h.repeats) == 5


def summary(**values) -> Summary:
    base = dict.fromkeys(Summary.__dataclass_fields__, 0)
    return Summary(**{**base, "rating": 3.6, "reaction_median": 2100.0, "backlog": [], **values})


@pytest.mark.parametrize(
    "other, agrees",
    [
        (summary(), True),
        (summary(rating=3.6 * (1 + 1e-9)), True),  # float noise
        (summary(reaction_median=2100.01), False),
        (summary(reaction_median=None), False),
        (summary(created=1), False),
        (summary(backlog=[0]), False),
    ],
)
def test_same_allows_float_noise_only(other, agrees):
    assert same("summary", summary(), other) is agrees
    assert same("summary", replace(other), other)
