"""What a report looks at: the period (whole local days) and the filters, read from the query
string so a report is a link that can be bookmarked, shared and exported."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional

from wave.auth.models import Team, User
from wave.extensions import db
from wave.qr.models import Site
from wave.requests.labels import SOURCE
from wave.requests.models import SOURCES, Category
from wave.timeutil import now as current_time
from wave.web.forms import WaveForm

PERIODS = {
    "this_month": _l("This month"),
    "last_month": _l("Last month"),
    "this_year": _l("This year"),
    "last_12_months": _l("Last 12 months"),
    "custom": _l("Custom dates"),
}
MAX_DAYS = 3 * 366
"""The longest custom period: a chart of more weeks than this stops being readable."""
WEEKLY_AFTER_DAYS = 62
"""Periods longer than this are charted by week, shorter ones by day."""


@dataclass(frozen=True)
class Filters:
    """A report's question. Figures count what falls in [start, end): the local midnights
    before date_from and after date_to in `timezone`."""

    date_from: date
    date_to: date
    timezone: str = "UTC"
    site_id: int | None = None
    category_ids: tuple[int, ...] | None = None
    """The chosen category, and its items when it is a group; None for all."""
    team_id: int | None = None
    assignee_id: int | None = None
    source: str | None = None
    now: datetime = field(default_factory=current_time)
    """'Now' for overdue work and the backlog."""

    @property
    def start(self) -> datetime:
        return midnight(self.date_from, self.timezone)

    @property
    def end(self) -> datetime:
        return midnight(self.date_to + timedelta(days=1), self.timezone)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def weekly(self) -> bool:
        return self.days > WEEKLY_AFTER_DAYS

    @classmethod
    def build(cls, date_from: date, date_to: date, *, category_id=None, **scope) -> "Filters":
        """Filters for a period and the ids chosen, looking up the time zone and a group's
        items (for callers without a form: the benchmark, the shell)."""
        site_id = scope.get("site_id")
        category_ids = None
        if category_id:
            category_ids = tuple(
                db.session.scalars(
                    select(Category.id).where(
                        or_(Category.id == category_id, Category.parent_id == category_id)
                    )
                )
            )
        return cls(date_from, date_to, timezone_of(site_id), category_ids=category_ids, **scope)


def midnight(day: date, timezone: str) -> datetime:
    """The moment (UTC) a local day begins."""
    return datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)


def timezone_of(site_id: int | None) -> str:
    """The site's time zone, else the first site's; UTC without sites."""
    query = select(Site.timezone).order_by(Site.id).limit(1)
    if site_id:
        query = query.where(Site.id == site_id)
    return db.session.scalar(query) or "UTC"


def period_dates(kind: str, today: date) -> tuple[date, date]:
    """First and last day (inclusive) of a named period that ends today at the latest."""
    if kind == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if kind == "this_year":
        return today.replace(month=1, day=1), today
    if kind == "last_12_months":
        try:
            year_ago = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            year_ago = today.replace(year=today.year - 1, day=28)
        return year_ago + timedelta(days=1), today
    return today.replace(day=1), today


# --------------------------------------------------------------------------- the form
@dataclass
class Options:
    """What the filters offer, read once per page: four small queries."""

    sites: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    teams: list = field(default_factory=list)
    people: list = field(default_factory=list)

    @classmethod
    def load(cls) -> "Options":
        # Archived places, categories, teams and people stay: reports look at the past too.
        return cls(
            sites=db.session.execute(
                select(Site.id, Site.name, Site.timezone).order_by(Site.id)
            ).all(),
            categories=db.session.execute(
                select(Category.id, Category.parent_id, Category.name).order_by(
                    Category.position, Category.name, Category.id
                )
            ).all(),
            teams=db.session.execute(select(Team.id, Team.name).order_by(Team.name)).all(),
            people=db.session.execute(
                select(User.id, User.display_name, User.archived_at).order_by(
                    User.display_name, User.id
                )
            ).all(),
        )

    def category_choices(self) -> list[SelectChoice]:
        """Each group (meaning all its items), then its items, under the group's name."""
        choices = []
        for group in (c for c in self.categories if c.parent_id is None):
            choices.append(
                SelectChoice(
                    group.id, _l("All of %(group)s", group=group.name), optgroup=group.name
                )
            )
            choices += [
                SelectChoice(c.id, c.name, optgroup=group.name)
                for c in self.categories
                if c.parent_id == group.id
            ]
        return choices

    def category_ids(self, category_id: int) -> tuple[int, ...]:
        return tuple(c.id for c in self.categories if category_id in (c.id, c.parent_id)) or (
            category_id,
        )

    def timezone(self, site_id: int | None) -> str:
        chosen = [s for s in self.sites if s.id == site_id] or self.sites
        return chosen[0].timezone if chosen else "UTC"


def _person(row) -> str:
    return _l("%(name)s (archived)", name=row.display_name) if row.archived_at else row.display_name


class ReportForm(WaveForm):
    """The filters, from the query string."""

    class Meta(WaveForm.Meta):
        csrf = False  # a GET that changes nothing

    period = SelectField(
        _l("Period"), choices=[SelectChoice(k, v) for k, v in PERIODS.items()], default="this_month"
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    site = SelectField(_l("Site"), coerce=int, default=0)
    category = SelectField(_l("Category"), coerce=int, default=0)
    team = SelectField(_l("Team"), coerce=int, default=0)
    employee = SelectField(_l("Employee"), coerce=int, default=0)
    source = SelectField(_l("Source"), default="")

    def __init__(self, *args, options: Options, **kwargs):
        super().__init__(*args, **kwargs)
        self.options = options
        self.site.choices = [
            SelectChoice(0, _l("All sites")),
            *[SelectChoice(s.id, s.name) for s in options.sites],
        ]
        self.category.choices = [SelectChoice(0, _l("All categories")), *options.category_choices()]
        self.team.choices = [
            SelectChoice(0, _l("All teams")),
            *[SelectChoice(t.id, t.name) for t in options.teams],
        ]
        self.employee.choices = [
            SelectChoice(0, _l("Everyone")),
            *[SelectChoice(p.id, _person(p)) for p in options.people],
        ]
        self.source.choices = [
            SelectChoice("", _l("All sources")),
            *[SelectChoice(s, SOURCE[s]) for s in SOURCES],
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.period.data != "custom":
            return ok
        start, end = self.date_from.data, self.date_to.data
        if not self.date_from.errors and start is None:
            self.date_from.errors.append(_l("Choose the first day."))
            ok = False
        if not self.date_to.errors and end is None:
            self.date_to.errors.append(_l("Choose the last day."))
            ok = False
        if start and end and end < start:
            self.date_to.errors.append(_l("The last day comes before the first."))
            ok = False
        elif start and end and (end - start).days >= MAX_DAYS:
            self.date_to.errors.append(_l("Choose at most three years."))
            ok = False
        return ok

    def filters(self, moment: datetime | None = None) -> Filters:
        """The validated choice as Filters; fills the date fields with the period's days."""
        moment = moment or current_time()
        site_id = self.site.data or None
        timezone = self.options.timezone(site_id)
        if self.period.data == "custom":
            first, last = self.date_from.data, self.date_to.data
        else:
            today = moment.astimezone(ZoneInfo(timezone)).date()
            first, last = period_dates(self.period.data, today)
            # The date fields show the named period's days: a start for custom dates.
            for f, day in ((self.date_from, first), (self.date_to, last)):
                f.data, f.raw_data = day, None
        return Filters(
            first,
            last,
            timezone,
            site_id=site_id,
            category_ids=self.options.category_ids(self.category.data)
            if self.category.data
            else None,
            team_id=self.team.data or None,
            assignee_id=self.employee.data or None,
            source=self.source.data or None,
            now=moment,
        )

    def query(self) -> dict[str, str]:
        """The choice as query-string arguments, for links to exports and other reports."""
        args = {"period": self.period.data}
        if self.period.data == "custom":
            args["date_from"] = self.date_from.raw_data[0] if self.date_from.raw_data else ""
            args["date_to"] = self.date_to.raw_data[0] if self.date_to.raw_data else ""
        for name in ("site", "category", "team", "employee", "source"):
            if getattr(self, name).data:
                args[name] = str(getattr(self, name).data)
        return args

    def describe(self, filters: Filters) -> list[str]:
        """The choice in words: the period first, then each filter that narrows."""
        return [_period_words(filters), *[text for _field, text in self.narrowing()]]

    def narrowing(self) -> list[tuple]:
        """(field, the choice in words) for each filter that narrows."""
        fields = (self.site, self.category, self.team, self.employee, self.source)
        return [(f, _chosen(f)) for f in fields if f.data]


def _chosen(f) -> str:
    return next((str(c.label) for c in f.choices if c.value == f.data), str(f.data))


def _period_words(filters: Filters) -> str:
    first, last = filters.date_from, filters.date_to
    if first == last:
        return format_date(first, "long")
    return f"{format_date(first, 'long')} – {format_date(last, 'long')}"
