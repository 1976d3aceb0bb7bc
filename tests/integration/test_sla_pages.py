"""The managers' SLA pages: policy rows (and what applies), site working hours and holidays,
escalation rules and the auto-close delay. Managers and admins change them; nobody else
sees them."""

import re
from datetime import date

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.conftest import token
from wave import settings
from wave.extensions import db
from wave.qr.models import Site
from wave.sla import admin as sla_admin
from wave.sla import hours
from wave.sla.models import EscalationRule, Holiday, SiteCalendar, SlaPolicy
from wave.sla.policies import calendar_for, targets_for

ROW = {
    "category": "0",
    "priority": "",
    "sla_class": "",
    "response_minutes": "",
    "resolution_minutes": "",
}
RULE = {"kind": "not_taken", "team": "0", "category": "0", "minutes": "30", "active": "y"}


@pytest.fixture
def mark(world, signed_in):
    """The manager, signed in."""
    return signed_in(world.mark)


def post(client, url, **data):
    return client.post(url, data={"csrf_token": token(client, "/sla/policies"), **data})


def field(html: str, name: str) -> str:
    """The markup of one form field (its input, its label and its errors)."""
    match = re.search(rf'id="field-{name}".*?</(div|fieldset)>', html, re.S)
    assert match, f"no field {name} on the page"
    return match.group(0)


def policy_rows():
    rows = db.session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all()
    return [
        (r.category_id, r.priority, r.sla_class, r.response_minutes, r.resolution_minutes)
        for r in rows
    ]


def times(category, priority, sla_class):
    """What targets_for answers, as (response, resolution)."""
    targets = targets_for(category, priority, sla_class)
    return targets.response_minutes, targets.resolution_minutes


def add_row(client, **fields):
    return post(client, "/sla/policies", **{**ROW, **fields})


# ---------------------------------------------------------------------------- policies
def test_a_row_added_on_the_page_is_stored_and_listed_in_human_durations(world, mark):
    response = add_row(
        mark,
        category=str(world.trash.id),
        priority="urgent",
        response_minutes="15",
        resolution_minutes="2880",
    )
    assert response.status_code == 303
    assert policy_rows() == [(world.trash.id, "urgent", None, 15, 2880)]
    policy = db.session.scalar(select(SlaPolicy))
    assert response.headers["Location"] == f"/sla/policies#policy-{policy.id}"
    html = mark.get("/sla/policies").get_data(True)
    row = re.search(rf'<tr id="policy-{policy.id}">.*?</tr>', html, re.S).group(0)
    assert "Cleaning → Trash removal" in row and "Urgent" in row and "any class" in row
    assert "15 min" in row and "2 d" in row


def test_a_row_for_anything_stores_empty_dimensions(world, mark):
    assert add_row(mark, sla_class="A", resolution_minutes="240").status_code == 303
    assert policy_rows() == [(None, None, "A", None, 240)]
    html = mark.get("/sla/policies").get_data(True)
    assert "Any category" in html and "any priority" in html and "class A" in html
    assert "4 h" in html


def test_a_row_is_changed_and_deleted_on_its_page(world, mark):
    add_row(mark, category=str(world.wet.id), response_minutes="60")
    policy = db.session.scalar(select(SlaPolicy))
    url = f"/sla/policies/{policy.id}"
    page = mark.get(url).get_data(True)
    assert f'<option selected value="{world.wet.id}">' in page and 'value="60"' in page
    response = post(mark, url, **{**ROW, "priority": "high", "resolution_minutes": "90"})
    assert response.status_code == 303
    assert policy_rows() == [(None, "high", None, None, 90)]
    assert post(mark, f"{url}/delete").status_code == 303
    assert policy_rows() == []
    assert mark.get(url).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field_name", "message"),
    [
        ({}, "response_minutes", "Set a response or a resolution time, or both."),
        ({"response_minutes": "0"}, "response_minutes", "Use whole minutes, more than 0"),
        ({"response_minutes": "-5"}, "response_minutes", "Use whole minutes, more than 0"),
        ({"resolution_minutes": "0"}, "resolution_minutes", "Use whole minutes, more than 0"),
        ({"response_minutes": "2.5"}, "response_minutes", "Not a valid integer value."),
        ({"resolution_minutes": "two"}, "resolution_minutes", "Not a valid integer value."),
        ({"resolution_minutes": "999999999"}, "resolution_minutes", "at most a year"),
        (
            {"response_minutes": "120", "resolution_minutes": "60"},
            "resolution_minutes",
            "Resolution cannot be due before the first response.",
        ),
        ({"priority": "whenever", "response_minutes": "5"}, "priority", "Not a valid choice."),
        ({"sla_class": "Z", "response_minutes": "5"}, "sla_class", "Not a valid choice."),
        ({"category": "999999", "response_minutes": "5"}, "category", "Not a valid choice."),
    ],
)
def test_an_invalid_row_comes_back_with_the_message_and_the_input(
    world, mark, fields, field_name, message
):
    response = add_row(mark, **fields)
    html = response.get_data(True)
    assert response.status_code == 422
    assert message in field(html, field_name)
    for name in ("response_minutes", "resolution_minutes"):
        if fields.get(name):
            assert f'value="{fields[name]}"' in field(html, name)
    assert policy_rows() == []


def test_a_group_is_not_offered_since_requests_are_filed_under_items(world, mark):
    group = world.trash.parent
    response = add_row(mark, category=str(group.id), response_minutes="5")
    assert response.status_code == 422 and "Not a valid choice." in field(
        response.get_data(True), "category"
    )
    with pytest.raises(sla_admin.RegistryError) as refused:
        sla_admin.save_policy(
            None,
            category=group,
            priority=None,
            sla_class=None,
            response_minutes=5,
            resolution_minutes=None,
        )
    assert refused.value.field == "category"


def test_equal_targets_are_allowed(world, mark):
    assert add_row(mark, response_minutes="60", resolution_minutes="60").status_code == 303


@pytest.mark.parametrize(
    "dimensions",
    [
        {},
        {"sla_class": "A"},
        {"priority": "urgent"},
        {"category": "trash", "priority": "urgent"},
        {"category": "trash", "priority": "urgent", "sla_class": "C"},
    ],
)
def test_a_second_row_with_the_same_three_dimensions_is_refused(world, mark, dimensions):
    if "category" in dimensions:
        dimensions = {**dimensions, "category": str(getattr(world, dimensions["category"]).id)}
    assert add_row(mark, **dimensions, response_minutes="10").status_code == 303
    response = add_row(mark, **dimensions, response_minutes="20", resolution_minutes="30")
    html = response.get_data(True)
    assert response.status_code == 422
    assert "There is a row for this category, priority and class already" in field(html, "category")
    assert 'value="20"' in html and 'value="30"' in html
    assert len(policy_rows()) == 1


def test_rows_differing_in_one_empty_dimension_are_different_rows(world, mark):
    trash = str(world.trash.id)
    for dimensions in (
        {"category": trash, "priority": "urgent"},
        {"category": trash, "priority": "urgent", "sla_class": "A"},
        {"category": trash},
        {"priority": "urgent"},
        {},
    ):
        assert add_row(mark, **dimensions, response_minutes="10").status_code == 303
    assert len(policy_rows()) == 5


def test_changing_a_row_into_another_rows_twin_is_refused(world, mark):
    add_row(mark, priority="urgent", response_minutes="10")
    add_row(mark, priority="high", response_minutes="20")
    high = db.session.scalar(select(SlaPolicy).where(SlaPolicy.priority == "high"))
    twin = {**ROW, "priority": "urgent", "response_minutes": "20"}
    response = post(mark, f"/sla/policies/{high.id}", **twin)
    assert response.status_code == 422
    assert "There is a row for this category" in response.get_data(True)
    # Saving a row unchanged is not a twin of itself.
    same = post(
        mark, f"/sla/policies/{high.id}", **{**ROW, "priority": "high", "response_minutes": "25"}
    )
    assert same.status_code == 303
    db.session.refresh(high)
    assert (high.priority, high.response_minutes) == ("high", 25)


def test_a_category_row_for_urgent_wins_over_a_generic_urgent_row(world, mark):
    add_row(mark, priority="urgent", response_minutes="60", resolution_minutes="480")
    add_row(mark, category=str(world.trash.id), priority="urgent", response_minutes="10")
    add_row(mark, category=str(world.wet.id), priority="urgent", resolution_minutes="120")
    # trash: its own urgent row's response; for resolution its catalogue time (240) is as
    # specific as the generic urgent row (480), and the stricter wins.
    assert times(world.trash, "urgent", "B") == (10, 240)
    # wet has no times in the catalogue: the generic row fills what its own row leaves.
    assert times(world.wet, "urgent", "B") == (60, 120)
    assert times(world.printer_problem, "urgent", "C") == (60, 480)
    assert times(world.printer_problem, "normal", "C") == (None, None)


def test_a_generic_class_row_applies_when_the_category_has_no_time_of_its_own(world, mark):
    add_row(mark, sla_class="A", response_minutes="20", resolution_minutes="200")
    add_row(mark, sla_class="C", response_minutes="45", resolution_minutes="300")
    assert times(world.wet, "normal", "A") == (20, 200)
    assert times(world.wet, "normal", "B") == (None, None)
    # trash's catalogue times count as a row naming the category alone: as specific as a
    # class row, so the stricter of the two promises holds.
    assert times(world.trash, "normal", "A") == (20, 200)
    assert times(world.trash, "normal", "C") == (30, 240)


def test_what_applies_answers_for_the_chosen_kind_of_request(world, mark):
    add_row(mark, priority="urgent", response_minutes="60", resolution_minutes="480")
    add_row(mark, category=str(world.trash.id), priority="urgent", response_minutes="10")
    query = f"check-category={world.trash.id}&check-priority=urgent&check-sla_class=B"
    fragment = mark.get(f"/sla/policies/check?{query}").get_data(True)
    assert fragment.lstrip().startswith('<div id="sla-check"')
    assert re.search(r'id="check-response">10 min<', fragment)
    assert re.search(r'id="check-resolution">4 h<', fragment)
    assert "own times in the catalogue" in fragment
    # Without JavaScript the form opens the page itself with the answer in it.
    query = f"check-category={world.wet.id}&check-priority=low&check-sla_class=C"
    page = mark.get(f"/sla/policies?{query}").get_data(True)
    assert re.search(r'id="check-response">no target<', page)
    assert f'<option selected value="{world.wet.id}">' in field(page, "check-category")


def test_what_applies_starts_from_the_first_category(world, mark):
    page = mark.get("/sla/policies").get_data(True)
    assert re.search(r'id="check-response">30 min<', page)  # trash: its catalogue times
    assert 'hx-get="/sla/policies/check"' in page


# ------------------------------------------------------------------------- calendars
def save_hours(client, site, **data):
    return post(client, f"/sla/calendars/{site.id}", **data)


def test_typed_hours_are_saved_in_canonical_form(world, mark):
    response = save_hours(mark, world.site, mode="hours", hours="mon-fri 8:00-18:00")
    assert response.status_code == 303
    assert db.session.get(SiteCalendar, world.site.id).hours == "Mon-Fri 08:00-18:00"
    page = mark.get(f"/sla/calendars/{world.site.id}").get_data(True)
    assert 'value="Mon-Fri 08:00-18:00"' in field(page, "hours")
    assert re.search(r'<input checked id="mode-1"[^>]*value="hours"', page)
    listing = mark.get("/sla/calendars").get_data(True)
    assert "Mon-Fri 08:00-18:00 · Europe/Berlin" in listing
    calendar = calendar_for(world.site)
    assert calendar.timezone == "Europe/Berlin" and set(calendar.hours) == {0, 1, 2, 3, 4}


def test_a_site_goes_back_to_around_the_clock(world, mark):
    save_hours(mark, world.site, mode="hours", hours="Mon-Sat 07:00-22:00")
    assert save_hours(mark, world.site, mode="always", hours="ignored").status_code == 303
    assert db.session.get(SiteCalendar, world.site.id).hours is None
    assert calendar_for(world.site).always_open
    assert "Around the clock (24/7)" in mark.get("/sla/calendars").get_data(True)


@pytest.mark.parametrize(
    "typed",
    ["mon-fri 8-18", "Mon-Fri 18:00-08:00", "Funday 08:00-10:00", "Mon 08:00-12:00,11:00-13:00"],
)
def test_hours_that_cannot_be_read_come_back_with_the_reason(world, mark, typed):
    with pytest.raises(ValueError) as reason:
        hours.parse_hours(typed)
    response = save_hours(mark, world.site, mode="hours", hours=typed)
    html = field(response.get_data(True), "hours")
    assert response.status_code == 422
    assert str(escape(str(reason.value))) in html
    assert f'value="{escape(typed)}"' in html
    assert db.session.get(SiteCalendar, world.site.id) is None


def test_working_hours_need_some_text(world, mark):
    response = save_hours(mark, world.site, mode="hours", hours="  ")
    assert response.status_code == 422
    assert "Write the working hours" in field(response.get_data(True), "hours")


def test_the_site_timezone_is_shown_with_a_link_to_the_site(world, mark):
    page = mark.get(f"/sla/calendars/{world.site.id}").get_data(True)
    timezone = re.search(r'<p class="muted" id="timezone">.*?</p>', page, re.S).group(0)
    assert f'href="/admin/sites/{world.site.id}"' in timezone and "Europe/Berlin" in timezone


def add_holiday(client, site, day, name=""):
    return post(client, f"/sla/calendars/{site.id}/holidays", day=day, name=name)


def test_holidays_are_added_listed_and_removed(world, mark):
    assert add_holiday(mark, world.site, "2030-12-25", "Christmas").status_code == 303
    assert add_holiday(mark, world.site, "2030-01-01").status_code == 303
    days = db.session.scalars(select(Holiday).order_by(Holiday.day)).all()
    assert [(h.day, h.name) for h in days] == [
        (date(2030, 1, 1), ""),
        (date(2030, 12, 25), "Christmas"),
    ]
    save_hours(mark, world.site, mode="hours", hours="Mon-Fri 08:00-18:00")
    assert calendar_for(world.site).holidays == {date(2030, 1, 1), date(2030, 12, 25)}
    page = mark.get(f"/sla/calendars/{world.site.id}").get_data(True)
    assert page.index("January 1, 2030") < page.index("December 25, 2030")
    assert "Christmas" in page
    assert "2 holidays" in mark.get("/sla/calendars").get_data(True)
    christmas = days[1]
    url = f"/sla/calendars/{world.site.id}/holidays/{christmas.id}/delete"
    assert post(mark, url).status_code == 303
    assert db.session.scalars(select(Holiday.day)).all() == [date(2030, 1, 1)]


def test_a_second_holiday_on_the_same_date_is_refused_with_a_clear_message(world, mark):
    add_holiday(mark, world.site, "2030-12-25", "Christmas")
    response = add_holiday(mark, world.site, "2030-12-25", "Xmas again")
    html = response.get_data(True)
    assert response.status_code == 422
    assert "December 25, 2030 is a holiday here already." in field(html, "day")
    assert 'value="2030-12-25"' in field(html, "day") and 'value="Xmas again"' in html
    assert db.session.scalar(select(func.count(Holiday.id))) == 1


def test_another_site_may_have_a_holiday_on_the_same_date(world, mark):
    other = Site(name="Annex", timezone="Europe/Berlin")
    db.session.add(other)
    db.session.commit()
    add_holiday(mark, world.site, "2030-12-25")
    assert add_holiday(mark, other, "2030-12-25").status_code == 303
    # …but one site's holiday is not removed through the other's page.
    holiday = db.session.scalar(select(Holiday).where(Holiday.site_id == world.site.id))
    url = f"/sla/calendars/{other.id}/holidays/{holiday.id}/delete"
    assert post(mark, url).status_code == 404


@pytest.mark.parametrize(
    ("day", "message"), [("", "Choose a date."), ("2030-13-01", "Not a valid date value.")]
)
def test_a_holiday_needs_a_real_date(world, mark, day, message):
    response = add_holiday(mark, world.site, day, "Someday")
    assert response.status_code == 422
    assert message in field(response.get_data(True), "day")
    assert 'value="Someday"' in response.get_data(True)


# ---------------------------------------------------------------------- escalation rules
def add_rule(client, **fields):
    return post(client, "/sla/rules", **{**RULE, **fields})


def rule_rows():
    rows = db.session.scalars(select(EscalationRule).order_by(EscalationRule.id)).all()
    return [(r.kind, r.team_id, r.category_id, r.minutes, r.always, r.active) for r in rows]


@pytest.mark.parametrize(
    ("kind", "minutes", "stored"),
    [
        ("not_taken", "15", 15),
        ("due_soon", "60", 60),
        ("response_breached", "", None),
        ("resolution_breached", "45", None),  # a breach has no minutes: what is typed is ignored
    ],
)
def test_each_kind_of_rule_is_saved(world, mark, kind, minutes, stored):
    response = add_rule(
        mark,
        kind=kind,
        team=str(world.cleaning.id),
        category=str(world.trash.id),
        minutes=minutes,
        always="y",
    )
    assert response.status_code == 303
    assert rule_rows() == [(kind, world.cleaning.id, world.trash.id, stored, True, True)]
    page = mark.get("/sla/rules").get_data(True)
    rule = db.session.scalar(select(EscalationRule))
    row = re.search(rf'<li id="rule-{rule.id}".*?</li>', page, re.S).group(0)
    assert "Cleaning" in row and "Trash removal" in row and "day and night" in row


def test_the_kinds_are_explained_in_plain_words(world, mark):
    page = field(mark.get("/sla/rules").get_data(True), "kind")
    assert "Nobody took it" in page and "the request’s team and the managers are told" in page
    assert "whoever does the work is reminded" in page


def test_a_rule_for_anyone_stores_empty_team_and_category(world, mark):
    assert add_rule(mark, minutes="20").status_code == 303
    assert rule_rows() == [("not_taken", None, None, 20, False, True)]
    page = mark.get("/sla/rules").get_data(True)
    assert "after 20 min" in page and "any team" in page and "in working hours" in page


def test_a_rule_is_changed_turned_off_and_deleted(world, mark):
    add_rule(mark, minutes="30")
    rule = db.session.scalar(select(EscalationRule))
    url = f"/sla/rules/{rule.id}"
    page = mark.get(url).get_data(True)
    assert 'value="30"' in field(page, "minutes")
    assert re.search(r'<input checked id="kind-0"[^>]*value="not_taken"', page)
    changed = {**RULE, "kind": "due_soon", "minutes": "10", "team": str(world.it.id)}
    del changed["active"]  # an unticked box is not sent
    assert post(mark, url, **changed, always="y").status_code == 303
    assert rule_rows() == [("due_soon", world.it.id, None, 10, True, False)]
    assert '<span class="badge">off</span>' in mark.get("/sla/rules").get_data(True)
    assert post(mark, f"{url}/delete").status_code == 303
    assert rule_rows() == []


@pytest.mark.parametrize(
    ("fields", "field_name", "message"),
    [
        ({"minutes": ""}, "minutes", "Enter the minutes: this kind of rule needs them."),
        ({"kind": "due_soon", "minutes": ""}, "minutes", "Enter the minutes"),
        ({"minutes": "0"}, "minutes", "Use whole minutes, more than 0"),
        ({"kind": "due_soon", "minutes": "-10"}, "minutes", "Use whole minutes, more than 0"),
        ({"minutes": "half"}, "minutes", "Not a valid integer value."),
        ({"kind": ""}, "kind", "Choose when the rule fires."),
        ({"kind": "someday"}, "kind", "Not a valid choice."),
        ({"team": "999999"}, "team", "Not a valid choice."),
        ({"category": "999999"}, "category", "Not a valid choice."),
    ],
)
def test_an_invalid_rule_comes_back_with_the_message_and_the_input(
    world, mark, fields, field_name, message
):
    response = add_rule(mark, **fields)
    html = response.get_data(True)
    assert response.status_code == 422
    assert message in field(html, field_name)
    if fields.get("minutes"):
        assert f'value="{fields["minutes"]}"' in field(html, "minutes")
    assert rule_rows() == []


def test_a_second_active_rule_of_a_kind_for_the_same_team_and_category_is_refused(world, mark):
    team = str(world.cleaning.id)
    assert add_rule(mark, team=team, minutes="30").status_code == 303
    response = add_rule(mark, team=team, minutes="45")
    assert response.status_code == 422
    assert "An active rule of this kind for this team and category exists" in field(
        response.get_data(True), "kind"
    )
    # Switched off, a second one may wait; another team or kind is another rule.
    paused = {**RULE, "team": team, "minutes": "45"}
    del paused["active"]
    assert post(mark, "/sla/rules", **paused).status_code == 303
    assert add_rule(mark, minutes="45").status_code == 303
    assert add_rule(mark, team=team, kind="response_breached").status_code == 303
    assert len(rule_rows()) == 4


def test_the_auto_close_delay_is_saved(world, mark):
    page = mark.get("/sla/rules").get_data(True)
    assert 'value="3"' in field(page, "days")
    response = post(mark, "/sla/autoclose", days="7")
    assert response.status_code == 303 and response.headers["Location"] == "/sla/rules#autoclose"
    assert settings.get("requests.autoclose_days") == 7
    assert 'value="7"' in field(mark.get("/sla/rules").get_data(True), "days")


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "Use a whole number of days from 1 to 60."),
        ("61", "Use a whole number of days from 1 to 60."),
        ("", "Enter a number of days."),
        ("1.5", "Not a valid integer value."),
    ],
)
def test_an_auto_close_delay_outside_1_to_60_days_is_refused(world, mark, days, message):
    response = post(mark, "/sla/autoclose", days=days)
    html = field(response.get_data(True), "days")
    assert response.status_code == 422 and message in html
    assert f'value="{days}"' in html or not days
    assert settings.get("requests.autoclose_days") == 3


# ------------------------------------------------------------------------------ access
@pytest.fixture
def sla_urls(app, world):
    """Every /sla URL (method, url) with real ids in it."""
    policy = SlaPolicy(response_minutes=10)
    rule = EscalationRule(kind="response_breached")
    holiday = Holiday(site_id=world.site.id, day=date(2030, 5, 1))
    db.session.add_all([policy, rule, holiday])
    db.session.commit()
    ids = {
        "policy_id": policy.id,
        "rule_id": rule.id,
        "site_id": world.site.id,
        "holiday_id": holiday.id,
    }
    urls = []
    for url_rule in app.url_map.iter_rules():
        if not url_rule.rule.startswith("/sla"):
            continue
        url = url_rule.rule
        for name in url_rule.arguments:
            url = url.replace(f"<int:{name}>", str(ids[name]))
        urls += [(method, url) for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"})]
    assert len(urls) >= 17
    return urls


@pytest.mark.parametrize("person", ["olga", "dina"])
def test_staff_and_dispatchers_get_403_on_every_sla_url(world, signed_in, sla_urls, person):
    client = signed_in(getattr(world, person))
    csrf = token(client)
    for method, url in sla_urls:
        response = client.open(url, method=method, data={"csrf_token": csrf})
        assert response.status_code == 403, (person, method, url)
    assert db.session.scalar(select(func.count(SlaPolicy.id))) == 1


def test_anonymous_visitors_are_sent_to_sign_in(app, world, sla_urls):
    client = app.test_client()
    for method, url in sla_urls:
        response = client.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login"), url
        else:
            assert response.status_code in (302, 400), (method, url)


@pytest.mark.parametrize("person", ["mark", "anna"])
def test_managers_and_admins_open_every_sla_page(world, signed_in, sla_urls, person):
    client = signed_in(getattr(world, person))
    for method, url in sla_urls:
        if method == "GET":
            assert client.get(url).status_code == 200, (person, url)
    row = {**ROW, "priority": "low", "response_minutes": "5"}
    assert post(client, "/sla/policies", **row).status_code == 303


@pytest.mark.parametrize("person", ["mark", "anna"])
def test_the_registry_home_links_to_the_sla_pages(world, signed_in, person):
    html = signed_in(getattr(world, person)).get("/admin/").get_data(True)
    assert re.search(r'<a [^>]*href="/sla/policies"[^>]*>SLA and escalation</a>', html)


def test_a_form_without_its_csrf_token_is_refused(world, mark):
    response = mark.post("/sla/policies", data={**ROW, "response_minutes": "5"})
    assert response.status_code == 400
    assert policy_rows() == []
