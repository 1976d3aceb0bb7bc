"""What managers change about service levels: SLA policy rows, site calendars and holidays,
escalation rules, and how long finished work waits for the requester's confirmation.

Every change validates, then commits. Input it refuses raises RegistryError, whose `field`
names the form field the message belongs next to.
"""

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wave import settings
from wave.auth.models import Team
from wave.auth.services import RegistryError
from wave.extensions import db
from wave.qr.models import Site
from wave.requests.catalog_admin import MAX_SLA_MINUTES
from wave.requests.models import PRIORITIES, SLA_CLASSES, Category
from wave.sla import hours
from wave.sla.models import RULE_KINDS, EscalationRule, Holiday, SiteCalendar, SlaPolicy

KINDS_WITH_MINUTES = ("not_taken", "due_soon")
"""Rule kinds that wait for (not_taken) or warn ahead by (due_soon) a number of minutes;
breaches fire when the target passes and have no minutes of their own."""
AUTOCLOSE_DAYS = (1, 60)
HOURS_LENGTH = SiteCalendar.hours.type.length


# ------------------------------------------------------------------------------ reading
def policies() -> list[SlaPolicy]:
    """Every policy row: rows for any category first, then by category, priority and class."""
    rows = db.session.scalars(select(SlaPolicy)).all()
    categories = _categories({r.category_id for r in rows})
    return sorted(rows, key=lambda r: _policy_order(r, categories))


def _policy_order(row, categories):
    category = categories.get(row.category_id)
    return (
        category is not None,
        category.label if category else "",
        PRIORITIES.index(row.priority) if row.priority else -1,
        row.sla_class or "",
        row.id,
    )


def _categories(ids) -> dict[int, Category]:
    """The categories by id, with their groups loaded for their labels."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    query = select(Category).where(Category.id.in_(ids)).options(selectinload(Category.parent))
    return {c.id: c for c in db.session.scalars(query)}


def rules() -> list[EscalationRule]:
    """Every escalation rule, by kind (in RULE_KINDS order), then the oldest first."""
    rows = db.session.scalars(select(EscalationRule).order_by(EscalationRule.id)).all()
    return sorted(rows, key=lambda r: RULE_KINDS.index(r.kind) if r.kind in RULE_KINDS else 99)


def categories_of(rows) -> dict[int, Category]:
    """The categories the policy rows or rules name, by id (one query)."""
    return _categories({r.category_id for r in rows})


def teams_of(rules) -> dict[int, Team]:
    """The teams the rules name, by id (one query)."""
    ids = {r.team_id for r in rules if r.team_id is not None}
    if not ids:
        return {}
    return {t.id: t for t in db.session.scalars(select(Team).where(Team.id.in_(ids)))}


def calendars() -> list[tuple[Site, SiteCalendar | None, int]]:
    """Each active site with its calendar (None: 24/7) and how many holidays it has."""
    sites = db.session.scalars(
        select(Site).where(Site.archived_at.is_(None)).order_by(Site.name)
    ).all()
    saved = {c.site_id: c for c in db.session.scalars(select(SiteCalendar))}
    counts: dict[int, int] = {}
    for site_id in db.session.scalars(select(Holiday.site_id)):
        counts[site_id] = counts.get(site_id, 0) + 1
    return [(s, saved.get(s.id), counts.get(s.id, 0)) for s in sites]


def holidays(site: Site) -> list[Holiday]:
    """The site's holidays in date order."""
    query = select(Holiday).where(Holiday.site_id == site.id).order_by(Holiday.day)
    return list(db.session.scalars(query))


def hours_of(site: Site) -> str | None:
    """The site's working hours text; None when it works 24/7."""
    saved = db.session.get(SiteCalendar, site.id)
    return saved.hours if saved else None


# ------------------------------------------------------------------------- policies
def save_policy(
    policy: SlaPolicy | None,
    *,
    category: Category | None,
    priority: str | None,
    sla_class: str | None,
    response_minutes: int | None,
    resolution_minutes: int | None,
) -> SlaPolicy:
    """Adds a policy row (`policy` None) or changes one; None in a dimension means any.
    Commits. Raises RegistryError for a group instead of an item ("category"), an unknown
    priority or class, a target that is not whole minutes above 0, no target at all
    ("response_minutes"), resolution before response ("resolution_minutes"), and a second
    row for the same category, priority and class ("category")."""
    if category is not None and category.parent_id is None:
        raise RegistryError(_("Choose an item: requests are filed under items."), "category")
    if priority is not None and priority not in PRIORITIES:
        raise RegistryError(_("Choose a priority from the list."), "priority")
    if sla_class is not None and sla_class not in SLA_CLASSES:
        raise RegistryError(_("Choose a class from the list."), "sla_class")
    _check_minutes(response_minutes, "response_minutes")
    _check_minutes(resolution_minutes, "resolution_minutes")
    if response_minutes is None and resolution_minutes is None:
        raise RegistryError(_("Set a response or a resolution time, or both."), "response_minutes")
    if response_minutes and resolution_minutes and resolution_minutes < response_minutes:
        raise RegistryError(
            _("Resolution cannot be due before the first response."), "resolution_minutes"
        )
    category_id = category.id if category is not None else None
    if _same_policy(policy, category_id, priority, sla_class):
        raise RegistryError(
            _("There is a row for this category, priority and class already: change that one."),
            "category",
        )
    if policy is None:
        policy = SlaPolicy()
        db.session.add(policy)
    policy.category_id, policy.priority, policy.sla_class = category_id, priority, sla_class
    policy.response_minutes, policy.resolution_minutes = response_minutes, resolution_minutes
    db.session.commit()
    return policy


def _check_minutes(minutes: int | None, field: str) -> None:
    if minutes is not None and not 0 < minutes <= MAX_SLA_MINUTES:
        raise RegistryError(_("Use whole minutes, more than 0 (at most a year)."), field)


def _same_policy(policy, category_id, priority, sla_class) -> bool:
    """Whether another row has these three dimensions. Checked here because a unique index
    would not do it: PostgreSQL counts NULLs ("any") as distinct from each other."""
    query = select(SlaPolicy.id).where(
        _is(SlaPolicy.category_id, category_id),
        _is(SlaPolicy.priority, priority),
        _is(SlaPolicy.sla_class, sla_class),
    )
    if policy is not None and policy.id is not None:
        query = query.where(SlaPolicy.id != policy.id)
    return db.session.scalar(query.limit(1)) is not None


def _is(column, value):
    return column.is_(None) if value is None else column == value


def delete_policy(policy: SlaPolicy) -> None:
    """Removes a policy row; requests keep the due times they have. Commits."""
    db.session.delete(policy)
    db.session.commit()


# ------------------------------------------------------------------------ calendars
def set_hours(site: Site, text: str | None) -> SiteCalendar:
    """Sets when a site works: `text` in parse_hours' form, saved in format_hours' canonical
    form; None for 24/7. Commits. Raises RegistryError ("hours") with parse_hours' message
    for text it cannot read."""
    canonical = None
    if text is not None:
        if not text.strip():
            raise RegistryError(_("Write the working hours, e.g. Mon-Fri 08:00-18:00."), "hours")
        try:
            canonical = hours.format_hours(hours.parse_hours(text))
        except ValueError as exc:
            raise RegistryError(str(exc), "hours") from exc
        if len(canonical) > HOURS_LENGTH:
            raise RegistryError(_("Too long: write it shorter."), "hours")
    calendar = db.session.get(SiteCalendar, site.id)
    if calendar is None:
        calendar = SiteCalendar(site_id=site.id)
        db.session.add(calendar)
    calendar.hours = canonical
    db.session.commit()
    return calendar


def add_holiday(site: Site, day: date, name: str) -> Holiday:
    """A local date on which the site does not work. Commits. Raises RegistryError ("day")
    when the site has a holiday on that date already."""
    taken = RegistryError(
        _("%(day)s is a holiday here already.", day=format_date(day, "long")), "day"
    )
    exists = select(Holiday.id).where(Holiday.site_id == site.id, Holiday.day == day)
    if db.session.scalar(exists) is not None:
        raise taken
    holiday = Holiday(site_id=site.id, day=day, name=name.strip())
    db.session.add(holiday)
    try:
        db.session.commit()
    except IntegrityError:  # someone added the same date a moment ago
        db.session.rollback()
        raise taken from None
    return holiday


def remove_holiday(holiday: Holiday) -> None:
    """The site works on that date again. Commits."""
    db.session.delete(holiday)
    db.session.commit()


# ---------------------------------------------------------------- escalation rules
def save_rule(
    rule: EscalationRule | None,
    *,
    kind: str,
    team: Team | None,
    category: Category | None,
    minutes: int | None,
    always: bool,
    active: bool,
) -> EscalationRule:
    """Adds a rule (`rule` None) or changes one; team or category None means any. Minutes
    are needed for not_taken and due_soon and dropped for breaches. Commits. Raises
    RegistryError for an unknown kind ("kind"), missing or bad minutes ("minutes"), a group
    instead of an item ("category"), and a second active rule of a kind for the same team
    and category ("kind")."""
    if kind not in RULE_KINDS:
        raise RegistryError(_("Choose when the rule fires."), "kind")
    if kind in KINDS_WITH_MINUTES:
        if minutes is None:
            raise RegistryError(_("Enter the minutes: this kind of rule needs them."), "minutes")
        if not 0 < minutes <= MAX_SLA_MINUTES:
            raise RegistryError(_("Use whole minutes, more than 0 (at most a year)."), "minutes")
    else:
        minutes = None  # a breach fires when its target passes
    if category is not None and category.parent_id is None:
        raise RegistryError(_("Choose an item: requests are filed under items."), "category")
    team_id = team.id if team is not None else None
    category_id = category.id if category is not None else None
    if active and _same_rule(rule, kind, team_id, category_id):
        raise RegistryError(
            _("An active rule of this kind for this team and category exists: change that one."),
            "kind",
        )
    if rule is None:
        rule = EscalationRule()
        db.session.add(rule)
    rule.kind, rule.team_id, rule.category_id = kind, team_id, category_id
    rule.minutes, rule.always, rule.active = minutes, bool(always), bool(active)
    db.session.commit()
    return rule


def _same_rule(rule, kind, team_id, category_id) -> bool:
    """Whether another active rule would compete with this one: the same kind for the same
    team and category leaves no most specific rule to apply."""
    query = select(EscalationRule.id).where(
        EscalationRule.active.is_(True),
        EscalationRule.kind == kind,
        _is(EscalationRule.team_id, team_id),
        _is(EscalationRule.category_id, category_id),
    )
    if rule is not None and rule.id is not None:
        query = query.where(EscalationRule.id != rule.id)
    return db.session.scalar(query.limit(1)) is not None


def delete_rule(rule: EscalationRule) -> None:
    """Removes a rule; what it already fired stays in the requests' history. Commits."""
    db.session.delete(rule)
    db.session.commit()


def set_autoclose_days(days: int) -> None:
    """Finished work the requester never confirmed closes after `days` days. Commits.
    Raises RegistryError ("days") outside 1 to 60."""
    low, high = AUTOCLOSE_DAYS
    if not low <= days <= high:
        raise RegistryError(
            _("Use a whole number of days from %(low)s to %(high)s.", low=low, high=high), "days"
        )
    settings.put({"requests.autoclose_days": days})
