"""Who may do what: sign-in, roles, CSRF, cookies, rate limits."""

import re

import pytest
from sqlalchemy import func, select

from tests.builders import report
from tests.conftest import csrf_from, login, token
from wave.extensions import db
from wave.requests.models import ServiceRequest
from wave.timeutil import now

PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "auth.set_password",
    "public.report_form",
    "public.submit",
    "public.tracking",
    "public.confirm",
    "public.reopen",
    "public.rate",
    "public.tracked_file",
    "pwa.manifest",
    "pwa.service_worker",
    "pwa.offline",
}


def staff_rules(app, *, api: bool = False):
    """(method, url) of every route that needs someone signed in; with `api`, of those
    that need an API token instead (/api/v1)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint == "auth.logout":
            continue
        if rule.endpoint.startswith("api.") != api:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "1")
        url = url.replace("<any(full, thumb):variant>", "thumb")
        url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", url)  # the first of the choices
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url


def test_every_staff_route_refuses_anonymous_users(app, world):
    client = app.test_client()
    rules = list(staff_rules(app))
    assert len(rules) >= 15
    for method, url in rules:
        response = client.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:  # refused before anything runs: the CSRF check or the sign-in check
            assert response.status_code in (302, 400), (method, url, response.status_code)


def test_every_api_route_refuses_callers_without_a_token(app, world, signed_in):
    """Also a signed-in admin's browser: the API takes no CSRF token, so a session cookie
    must never stand in for a bearer token."""
    rules = list(staff_rules(app, api=True))
    assert len(rules) >= 3
    for client in (app.test_client(), signed_in(world.anna)):
        for method, url in rules:
            response = client.open(url, method=method, json={})
            assert response.status_code == 401, (method, url, response.status_code)
            assert response.headers["WWW-Authenticate"].startswith("Bearer"), url


def test_htmx_request_without_session_is_sent_to_login(app, world):
    response = app.test_client().get("/inbox/list?tab=new", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("url", ["/requests/new", "/inbox?tab=open"])
def test_staff_role_is_refused_desk_pages(world, signed_in, url):
    assert signed_in(world.olga).get(url).status_code in (403, 404)


def test_post_without_csrf_token_is_refused(world, signed_in):
    req = report(world)
    olga = signed_in(world.olga)
    assert olga.post(f"/requests/{req.id}/take").status_code == 400
    db.session.refresh(req)
    assert req.assignee_id is None
    response = olga.post(
        f"/requests/{req.id}/take", headers={"X-CSRFToken": token(olga), "HX-Request": "true"}
    )
    assert response.status_code == 200  # the header htmx sends from <body hx-headers>


def test_tenant_form_needs_csrf_too(client, world):
    response = client.post(
        "/q/RM000001", data={"category": str(world.trash.id), "description": "x"}
    )
    assert response.status_code == 400


def test_wrong_password_is_refused_with_a_message(client, world):
    page = client.get("/login").get_data(True)
    response = client.post(
        "/login", data={"username": "olga", "password": "nope", "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 422
    assert "Wrong username or password." in response.get_data(True)
    assert 'value="olga"' in response.get_data(True)


def test_archived_user_cannot_sign_in_and_is_signed_out(app, world, signed_in):
    olga = signed_in(world.olga)
    world.olga.archived_at = now()
    db.session.commit()
    assert olga.get("/inbox").status_code == 302
    with pytest.raises(AssertionError):
        login(app.test_client(), "olga")


def test_passwords_are_hashed(world):
    assert world.olga.password_hash != "pw" and world.olga.check_password("pw")


def test_login_redirect_stays_on_this_site(client, world):
    page = client.get("/login").get_data(True)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "olga", "password": "pw", "csrf_token": csrf_from(page)},
    )
    assert response.headers["Location"] == "/inbox"


def test_session_cookie_is_secure_over_https(app, world):
    https = app.test_client()
    response = https.get("/login", base_url="https://wave.example")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    plain = app.test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" not in plain and "HttpOnly" in plain


class TestRateLimits:
    @pytest.fixture
    def config_overrides(self):
        return {
            "WAVE_SUBMIT_LIMIT_PER_ADDRESS": "3 per day",
            "WAVE_SUBMIT_LIMIT_PER_CODE": "5 per day",
        }

    def _post(self, client, world, code, description, addr):
        page = client.get(f"/q/{code}").get_data(True)
        category = world.trash.id if code == "RM000001" else world.printer_problem.id
        return client.post(
            f"/q/{code}",
            environ_base={"REMOTE_ADDR": addr},
            data={
                "csrf_token": csrf_from(page),
                "category": str(category),
                "description": description,
            },
        )

    def test_per_address_limit_keeps_the_text_and_explains(self, client, world):
        for i in range(3):
            assert self._post(client, world, "RM000001", f"r{i}", "10.0.0.1").status_code == 303
        refused = self._post(client, world, "RM000001", "Kept words", "10.0.0.1")
        html = refused.get_data(True)
        assert refused.status_code == 429
        assert "Too many reports from here just now" in html and "Kept words" in html
        assert self._post(client, world, "RM000001", "other phone", "10.0.0.2").status_code == 303
        assert db.session.scalar(select(func.count(ServiceRequest.id))) == 4

    def test_per_code_limit_across_addresses(self, client, world):
        for i in range(5):
            addr = f"10.0.1.{i}"
            assert self._post(client, world, "RM000001", f"r{i}", addr).status_code == 303
        assert self._post(client, world, "RM000001", "sixth", "10.0.1.99").status_code == 429
        assert self._post(client, world, "PRNT0001", "printer", "10.0.1.99").status_code == 303


def test_other_http_errors_get_a_page_of_ours(client):
    response = client.get("/logout")  # POST only
    assert response.status_code == 405
    assert "Something went wrong" in response.get_data(True)


class TestLoginLimit:
    @pytest.fixture
    def config_overrides(self):
        return {"WAVE_LOGIN_LIMIT": "2 per day"}

    def test_repeated_sign_in_attempts_are_slowed_down(self, client, world):
        page = client.get("/login").get_data(True)
        data = {"username": "olga", "password": "guess", "csrf_token": csrf_from(page)}
        assert [client.post("/login", data=data).status_code for _ in range(2)] == [422, 422]
        refused = client.post("/login", data=data)
        assert refused.status_code == 429
        assert "Too many sign-in attempts" in refused.get_data(True)


def test_pages_run_only_waves_own_scripts_and_are_not_framed(client, world, signed_in):
    tenant = client.get("/q/RM000001")
    staff = signed_in(world.olga).get("/inbox")
    for page in (tenant, staff):
        header = page.headers["Content-Security-Policy"]
        policy = dict(part.strip().split(" ", 1) for part in header.split(";"))
        assert policy["script-src"] == "'self'"  # no inline script, no eval
        assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        # A tenant's tracking link must not reach another site in a Referer header.
        assert page.headers["Referrer-Policy"] == "same-origin"
    with client.get("/static/icons/icon-192.png") as image:
        assert "Content-Security-Policy" not in image.headers  # a PDF or image opens as itself
        assert image.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_carries_inline_script():
    """The policy would block it in the browser: behaviour goes into wave/static/*.js, keyed on
    data-* attributes (the browser tests also fail on any policy violation they see)."""
    from pathlib import Path

    import wave

    inline = re.compile(
        r"<script(?![^>]*\bsrc=)|\son[a-z]+=[\"']|\bhx-on[:-]|javascript:|hx-vals=[\"']js:", re.I
    )
    comment = re.compile(r"\{#.*?#\}", re.S)
    templates = Path(wave.__file__).parent / "templates"
    found = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in templates.rglob("*.html")
        for match in inline.finditer(comment.sub("", path.read_text()))
    ]
    assert found == []
