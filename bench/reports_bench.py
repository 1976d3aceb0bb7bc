"""Reports, the inbox and the archive search at a million requests: server time per page,
and each report's statements against the best hand-written SQL for the same figures.

Runs against the database bench/generate_requests.py made (default: `wave_bench` on the local
PostgreSQL; nothing is written to it but one sign-in per person). Every page is asked for
through Flask's test client in this process — the whole server side of a request (session,
access checks, queries, templates), no network, no browser — and timed from the call to the
finished body; the time spent inside the database driver is measured alongside (SQLAlchemy
cursor events), so "ms in SQL" and "statements" say where a page's time goes.

Cases run interleaved: one warm-up round of everything (its times are kept as "first"),
then --runs rounds, each case once per round, a report's Wave statements and its baseline
next to each other in alternating order. Medians and the slowest round are reported.

Targets (issue 6): inbox page under 30 ms and searches under 200 ms server time; a page deep
in any list at most 3× its first page; each report within 1.2× of its hand-written baseline
(bench/report_baselines.py) and under 1 s for a year on PostgreSQL.

    .venv/bin/python bench/reports_bench.py [DATABASE_URL] [--runs 7] [--results]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]  # this checkout's wave, not the standard library's

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from wave import create_app  # noqa: E402
from wave.auth.models import User  # noqa: E402
from wave.extensions import db  # noqa: E402
from wave.qr.models import Location  # noqa: E402
from wave.reports import figures  # noqa: E402
from wave.reports.filters import Filters  # noqa: E402
from wave.requests.models import OPEN_STATUSES, ServiceRequest  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/wave_bench"
PASSWORD = "wave-bench"
RESULTS = BENCH / "RESULTS.md"
HEADING = "# Reports, inbox and archive search at a million requests"
MARKER = "<!-- runs: reports_bench.py --results adds each run below this line, newest first -->"
DATABASE_HEADING = "# Reports and search: the million-request database"
DEEP_PAGE = 40
"""The page timed as 'deep': 975 rows below the first (25 to a page)."""
REPORTS = ("summary", "trend", "scorecard", "hotspots")
PAGES = {"summary": "/reports", "staff": "/reports/staff", "hotspots": "/reports/hotspots"}

INBOX_TARGET_MS = 30
SEARCH_TARGET_MS = 200
DEEP_TARGET = 3.0
BASELINE_TARGET = 1.2
YEAR_TARGET_MS = 1000


def log(*args):
    print(*args, flush=True)


# --------------------------------------------------------------------------- measuring
@dataclass
class Sample:
    ms: float
    sql_ms: float
    statements: int


@dataclass
class Case:
    group: str
    name: str
    run: object
    """A callable; what it returns is checked by `check` on the first call."""
    check: object = None
    pair: str | None = None
    """Cases with the same pair key run next to each other, order alternating."""
    samples: list[Sample] = field(default_factory=list)
    first: Sample | None = None
    note: str = ""
    rows: int | None = None
    """Requests on the page (pages only)."""

    @property
    def median(self) -> float:
        return statistics.median(s.ms for s in self.samples)

    @property
    def slowest(self) -> float:
        return max(s.ms for s in self.samples)

    @property
    def sql_median(self) -> float:
        return statistics.median(s.sql_ms for s in self.samples)

    @property
    def statements(self) -> int:
        return self.samples[-1].statements


class SqlClock:
    """Time spent in the database driver, and statements sent, while it runs."""

    def __init__(self, engine):
        self.total = 0.0
        self.count = 0
        self._started = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = self._started.pop(id(cursor), None)
        if started is not None:
            self.total += time.perf_counter() - started
            self.count += 1

    def reset(self):
        self.total, self.count = 0.0, 0


def measure(case: Case, clock: SqlClock, app) -> Sample:
    with app.app_context():
        clock.reset()
        started = time.perf_counter()
        result = case.run()
        ms = (time.perf_counter() - started) * 1000
        sample = Sample(ms, clock.total * 1000, clock.count)
        if case.check is not None and case.first is None:
            case.check(result)
        db.session.remove()
    return sample


def run_all(cases: list[Case], runs: int, clock: SqlClock, app):
    """A warm-up round (kept as 'first'), then `runs` rounds; pairs alternate who goes first."""
    for round_ in range(runs + 1):
        order = []
        for case in cases:
            if case.pair and round_ % 2 and order and order[-1].pair == case.pair:
                order.insert(len(order) - 1, case)  # the partner before its Wave side
            else:
                order.append(case)
        for case in order:
            sample = measure(case, clock, app)
            if round_ == 0:
                case.first = sample
            else:
                case.samples.append(sample)
        log(f"  round {round_}/{runs} done" + (" (warm-up)" if round_ == 0 else ""))


# --------------------------------------------------------------------------- pages
class Browser:
    """A signed-in test client; get() answers the body and fails on an unexpected status."""

    def __init__(self, app, username: str):
        self.client = app.test_client()
        self.username = username
        page = self.client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = self.client.post(
            "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        if answer.status_code != 302:
            raise SystemExit(f"cannot sign in as {username}: {answer.status_code}")

    def get(self, url: str, status: int = 200) -> str:
        answer = self.client.get(url)
        if answer.status_code != status:
            raise SystemExit(f"{url} as {self.username}: {answer.status_code}, not {status}")
        return answer.get_data(as_text=True)


def rows_on(html: str) -> int:
    """Request cards on a list page or fragment."""
    return len(re.findall(r'href="/requests/\d+"', html))


def cursor_in(html: str) -> str | None:
    found = re.search(r'cursor=([^&"]+)', html)
    return found.group(1) if found else None


def deep_url(browser: Browser, first: str, pages: int) -> tuple[str, int]:
    """The URL of page `pages` of a list (following its 'Show more' links), or of its last
    page when it has fewer: (url, page number)."""
    url, page = first, 1
    while page < pages:
        cursor = cursor_in(browser.get(url))
        if cursor is None:
            break
        base, _, query = first.partition("?")
        args = [a for a in query.split("&") if a and not a.startswith("cursor=")]
        url = f"{base}?{'&'.join([*args, f'cursor={cursor}'])}"
        page += 1
    return url, page


# --------------------------------------------------------------------------- the data
@dataclass
class World:
    """People, places and words the cases ask about, read from the database."""

    now: datetime
    dispatcher: str
    manager: str
    staff: str
    """The staff member with the most open work assigned (the fullest 'mine' tab)."""
    staff_id: int
    assignee_id: int
    phone: str
    email: str
    number: int
    surname: str
    location: str
    team_id: int
    site_id: int
    open_requests: int
    requests: int


def read_world() -> World:
    sr = ServiceRequest
    now = db.session.scalar(select(func.max(sr.created_at)))
    busiest = db.session.execute(
        select(sr.assignee_id, func.count())
        .where(sr.status.in_(OPEN_STATUSES), sr.assignee_id.is_not(None))
        .group_by(sr.assignee_id)
        .order_by(func.count().desc())
        .limit(1)
    ).first()
    if busiest is None:  # a small database without open assigned work
        busiest = (db.session.scalar(select(User.id).where(User.role == "staff").limit(1)),)
    staff = db.session.get(User, busiest[0])
    middle = db.session.scalar(select(func.max(sr.id))) // 2
    sample = db.session.scalars(
        select(sr)
        .where(
            sr.id >= middle,
            sr.requester_phone.is_not(None),
            sr.requester_email.is_not(None),
            func.trim(func.coalesce(sr.requester_name, "")) != "",
        )
        .order_by(sr.id)
        .limit(1)
    ).one()
    return World(
        now=now,
        dispatcher="dispatcher",
        manager="manager",
        staff=staff.username,
        staff_id=staff.id,
        assignee_id=staff.id,
        phone=sample.requester_phone,
        email=sample.requester_email.split("@")[0],
        number=middle,
        surname=sample.requester_name.split()[-1],
        location=db.session.get(Location, sample.location_id).name if sample.location_id else "",
        team_id=sample.team_id,
        site_id=sample.site_id,
        open_requests=db.session.scalar(
            select(func.count()).select_from(sr).where(sr.status.in_(OPEN_STATUSES))
        ),
        requests=db.session.scalar(select(func.count()).select_from(sr)),
    )


# --------------------------------------------------------------------------- the cases
def page_case(group, name, browser, url, status=200) -> Case:
    case = Case(group, name, lambda: browser.get(url, status), note=url)

    def check(html):
        case.rows = rows_on(html)

    case.check = check
    return case


def inbox_cases(app, w: World) -> list[Case]:
    desk = Browser(app, w.dispatcher)
    staff = Browser(app, w.staff)
    cases = [
        page_case("inbox", "dispatcher, all open: first page", desk, "/inbox?tab=open"),
        page_case("inbox", "dispatcher, new for teams: first page", desk, "/inbox?tab=new"),
        page_case("inbox", f"staff ({w.staff}), mine: first page", staff, "/inbox?tab=mine"),
        page_case("inbox", f"staff ({w.staff}), new: first page", staff, "/inbox?tab=new"),
    ]
    for who, browser, tab in (("dispatcher", desk, "open"), ("staff", staff, "mine")):
        first = f"/inbox/list?tab={tab}"
        url, page = deep_url(browser, first, DEEP_PAGE)
        cases += [
            page_case("deep", f"inbox {tab} ({who}): page 1", browser, first),
            page_case("deep", f"inbox {tab} ({who}): page {page}", browser, url),
        ]
    return cases


def search_url(path="/search", **args) -> str:
    return f"{path}?{urlencode(args)}"


def search_cases(app, w: World) -> list[Case]:
    desk = Browser(app, w.dispatcher)
    staff = Browser(app, w.staff)
    half_year = (w.now - timedelta(days=182)).date()
    month = dict(date_from=half_year.replace(day=1).isoformat(),
                 date_to=(half_year.replace(day=28)).isoformat())  # fmt: skip
    searches = [
        ("number", desk, dict(q=str(w.number)), 302),
        ("phone, as typed", desk, dict(q=w.phone), 200),
        ("e-mail, its start", desk, dict(q=w.email), 200),
        ("one common word: door", desk, dict(q="door"), 200),
        ("one common word: дверь", desk, dict(q="дверь"), 200),
        ("two words: printer paper", desk, dict(q="printer paper"), 200),
        ("a word in no request", desk, dict(q="xylophone"), 200),
        ("door, a month half a year ago", desk, dict(q="door", **month), 200),
        ("requester's surname", desk, dict(requester=w.surname), 200),
        ("place name", desk, dict(place=w.location), 200),
        ("assignee, open work", desk, dict(assignee=w.assignee_id, status="open"), 200),
        ("site + words + status", desk, dict(site=w.site_id, q="leak", status="closed"), 200),
        (f"staff ({w.staff}): door", staff, dict(q="door"), 200),
        (f"staff ({w.staff}): a word in no request", staff, dict(q="xylophone"), 200),
    ]
    cases = [
        page_case("search", name, browser, search_url(**args), status)
        for name, browser, args, status in searches
    ]
    for name, browser, args in (
        ("door", desk, dict(q="door")),
        ("all of a year-old month", desk, month),
        (f"staff ({w.staff}): door", staff, dict(q="door")),
    ):
        first = search_url("/search/results", **args)
        url, page = deep_url(browser, first, DEEP_PAGE)
        cases += [
            page_case("deep", f"search {name}: page 1", browser, first),
            page_case("deep", f"search {name}: page {page}", browser, url),
        ]
    return cases


def periods(w: World) -> dict[str, tuple[date, date]]:
    today = w.now.date()
    last_of_previous = today.replace(day=1) - timedelta(days=1)
    return {
        "month": (last_of_previous.replace(day=1), last_of_previous),
        "year": (today.replace(year=today.year - 1) + timedelta(days=1), today),
    }


def report_cases(app, w: World, baselines, same) -> list[Case]:
    cases = []
    for period, (first, last) in periods(w).items():
        for scope_name, scope in (("", {}), (", one team", {"team_id": w.team_id})):
            if scope and period == "month":
                continue
            for name in REPORTS:
                label = f"{name}, {period}{scope_name}"

                def wave(name=name, first=first, last=last, scope=scope):
                    return getattr(figures, name)(Filters.build(first, last, now=w.now, **scope))

                cases.append(Case("reports", f"{label}: Wave", wave, pair=label))
                if baselines is None:
                    continue

                def base(name=name, first=first, last=last, scope=scope):
                    return baselines[name](Filters.build(first, last, now=w.now, **scope))

                def check(result, name=name, wave=wave, label=label):
                    expected = wave()
                    if not same(name, expected, result):
                        raise SystemExit(f"{label}: the baseline's figures differ from Wave's")

                cases.append(Case("reports", f"{label}: baseline", base, check, pair=label))
    manager = Browser(app, w.manager)
    for period, (first, last) in periods(w).items():
        args = dict(period="custom", date_from=first.isoformat(), date_to=last.isoformat())
        for name, path in PAGES.items():
            cases.append(page_case("report pages", f"{name}, {period}", manager,
                                   search_url(path, **args)))  # fmt: skip
    return cases


# --------------------------------------------------------------------------- the verdict
def verdicts(cases: list[Case]) -> list[str]:
    by_name = {c.name: c for c in cases}
    lines = []

    def verdict(ok: bool) -> str:
        return "**met**" if ok else "**missed**"

    inbox = [c for c in cases if c.group == "inbox"]
    worst = max(inbox, key=lambda c: c.median, default=None)
    if worst:
        lines.append(
            f"- Inbox first pages under {INBOX_TARGET_MS} ms: "
            f"{verdict(worst.median < INBOX_TARGET_MS)}"
            f" (slowest median: {worst.name}, {worst.median:.1f} ms)."
        )
    searches = [c for c in cases if c.group == "search" or c.name.startswith("search ")]
    worst = max(searches, key=lambda c: c.median, default=None)
    if worst:
        lines.append(
            f"- Searches under {SEARCH_TARGET_MS} ms: {verdict(worst.median < SEARCH_TARGET_MS)}"
            f" (slowest median: {worst.name}, {worst.median:.1f} ms)."
        )
    deep = [c for c in cases if c.group == "deep"]
    ratios = []
    for first, later in zip(deep[::2], deep[1::2], strict=True):
        ratios.append((later.median / first.median, later.name, first.median, later.median))
    worst_ratio = max(ratios, default=None)
    if worst_ratio:
        lines.append(
            f"- Deep pages at most {DEEP_TARGET:g}× the first: "
            f"{verdict(worst_ratio[0] <= DEEP_TARGET)}"
            f" (largest: {worst_ratio[1]}, {worst_ratio[3]:.1f} ms against {worst_ratio[2]:.1f} ms,"
            f" {worst_ratio[0]:.2f}×)."
        )
    pairs = [
        (by_name[c.name], by_name.get(c.name.replace(": Wave", ": baseline")))
        for c in cases
        if c.group == "reports" and c.name.endswith(": Wave")
    ]
    pairs = [(a, b) for a, b in pairs if b is not None]
    if pairs:
        worst = max(pairs, key=lambda p: p[0].median / p[1].median)
        ratio = worst[0].median / worst[1].median
        lines.append(
            f"- Reports within {BASELINE_TARGET:g}× of the hand-written SQL: "
            f"{verdict(ratio <= BASELINE_TARGET)} (largest: {worst[0].pair}, {ratio:.2f}×)."
        )
    year = [c for c in cases if c.group in ("reports", "report pages") and "year" in c.name]
    year = [c for c in year if not c.name.endswith(": baseline")]
    worst = max(year, key=lambda c: c.median, default=None)
    if worst:
        lines.append(
            f"- Each report under {YEAR_TARGET_MS} ms for a year: "
            f"{verdict(worst.median < YEAR_TARGET_MS)} "
            f"(slowest: {worst.name}, {worst.median:.0f} ms)."
        )
    return lines


def table(cases: list[Case], group: str) -> list[str]:
    chosen = [c for c in cases if c.group == group]
    if not chosen:
        return []
    lines = [
        "| case | median ms | slowest ms | first ms | ms in SQL | statements | rows |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in chosen:
        lines.append(
            f"| {c.name} | {c.median:.1f} | {c.slowest:.1f} | {c.first.ms:.1f} "
            f"| {c.sql_median:.1f} | {c.statements} | {'' if c.rows is None else c.rows} |"
        )
    if group == "reports":
        lines += [
            "",
            "| report | Wave ms | baseline ms | Wave / baseline |",
            "|---|---:|---:|---:|",
        ]
        by_name = {c.name: c for c in chosen}
        for c in chosen:
            partner = by_name.get(c.name.replace(": Wave", ": baseline"))
            if c.name.endswith(": Wave") and partner:
                lines.append(
                    f"| {c.pair} | {c.median:.1f} | {partner.median:.1f} "
                    f"| {c.median / partner.median:.2f} |"
                )
    return lines


def settings(engine) -> dict[str, str]:
    names = ("server_version", "shared_buffers", "work_mem", "jit",
             "max_parallel_workers_per_gather", "effective_cache_size")  # fmt: skip
    with engine.connect() as conn:
        return {n: conn.exec_driver_sql(f"SHOW {n}").scalar() for n in names}


def report_text(cases, w: World, args, pg: dict, load: tuple) -> str:
    """The run as a section of RESULTS.md."""
    from submit_bench import base_machine

    m = base_machine()
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "wave", "migrations"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    groups = (
        ("Inbox: first pages", "inbox"),
        (f"Deep pages (page {DEEP_PAGE} or the last, against page 1 of the same list)", "deep"),
        ("Archive search: first pages", "search"),
        ("Report statements against the hand-written SQL", "reports"),
        ("Report pages (figures, chart, template)", "report pages"),
    )
    lines = [
        f"### Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (Wave {commit}"
        + (", with uncommitted changes in wave/" if dirty else "")
        + ")",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}, SQLAlchemy {sa.__version__}; PostgreSQL {pg['server_version']} "
        f"(shared_buffers {pg['shared_buffers']}, work_mem {pg['work_mem']}, jit {pg['jit']}, "
        f"max_parallel_workers_per_gather {pg['max_parallel_workers_per_gather']}). "
        f"Load average {load[0]:.1f} before, {load[1]:.1f} after.",
        "",
        f"Command: `{' '.join(['.venv/bin/python bench/reports_bench.py', *args.argv])}`; "
        f'{args.runs} rounds after a warm-up round ("first").',
        "",
        f"Database: {w.requests:,} requests, {w.open_requests:,} of them open; newest "
        f"{w.now:%Y-%m-%d %H:%M} UTC. Month: {periods(w)['month'][0]} – "
        f"{periods(w)['month'][1]}; year: {periods(w)['year'][0]} – {periods(w)['year'][1]}.",
        "",
        *verdicts(cases),
        "",
    ]
    for title, group in groups:
        body = table(cases, group)
        if body:
            lines += [f"#### {title}", "", *body, ""]
    return "\n".join(lines)


def write_results(section: str):
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if MARKER not in text:
        intro = (
            f"{HEADING}\n\nServer time of the inbox, the archive search and the reports on "
            "the million-request database below, and each report against the best "
            "hand-written SQL for its figures: [reports_bench.py](reports_bench.py).\n\n"
            f"{MARKER}\n\n"
        )
        at = text.find(DATABASE_HEADING)
        text = text[:at] + intro + text[at:] if at >= 0 else intro + text
    RESULTS.write_text(text.replace(MARKER, f"{MARKER}\n\n{section}", 1))
    log(f"Added to {RESULTS}")


# --------------------------------------------------------------------------- main
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", nargs="?", default=os.environ.get("WAVE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=7, help="timed rounds after the warm-up")
    parser.add_argument(
        "--only", choices=("inbox", "search", "reports"), action="append", help="these parts"
    )
    parser.add_argument("--results", action="store_true", help="add the run to RESULTS.md")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    try:
        from report_baselines import BASELINES, same
    except ImportError:
        BASELINES, same = None, None
        log("bench/report_baselines.py is missing: reports are timed without their baselines")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.url,
            "SECRET_KEY": "wave-reports-bench",
            "WAVE_REDIS_URL": None,
            "RATELIMIT_ENABLED": False,
            "WAVE_SMTP_HOST": None,
            "WAVE_DELIVER_AFTER_COMMIT": False,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            log("note: the targets are for PostgreSQL; the baselines are PostgreSQL's SQL")
            BASELINES, same = None, None
        world = read_world()
        pg = settings(engine) if engine.dialect.name == "postgresql" else {}
    log(f"{world.requests:,} requests, {world.open_requests:,} open, newest {world.now:%Y-%m-%d}")
    parts = args.only or ("inbox", "search", "reports")
    cases = []
    if "inbox" in parts:
        cases += inbox_cases(app, world)
    if "search" in parts:
        cases += search_cases(app, world)
    if "reports" in parts:
        cases += report_cases(app, world, BASELINES, same)
    clock = SqlClock(engine)
    load_before = os.getloadavg()[0]
    run_all(cases, args.runs, clock, app)
    load = (load_before, os.getloadavg()[0])
    text = report_text(cases, world, args, pg or {"server_version": "-", "shared_buffers": "-",
                       "work_mem": "-", "jit": "-", "max_parallel_workers_per_gather": "-"},
                       load)  # fmt: skip
    log("\n" + text)
    if args.results:
        write_results(text)
    return {"cases": cases, "text": text}


if __name__ == "__main__":
    main()
