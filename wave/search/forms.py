"""The search form, read from the query string: a search is a link that can be shared."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectChoice, SelectField, StringField, TelField, ValidationError
from wtforms.validators import Length, Optional

from wave.auth.models import User
from wave.extensions import db
from wave.qr.models import Location, Site
from wave.requests.labels import STATUS
from wave.search.criteria import OPEN, Criteria, phone_digits
from wave.web.forms import WaveForm

ANYONE, NOBODY = 0, -1
MIN_PHONE_DIGITS = 3


class SearchForm(WaveForm):
    class Meta(WaveForm.Meta):
        csrf = False  # a GET that changes nothing

    q = StringField(_l("Search"), validators=[Length(max=200)])
    date_from = DateField(_l("Created from"), validators=[Optional()])
    date_to = DateField(_l("Created until"), validators=[Optional()])
    site = SelectField(_l("Site"), coerce=int, default=0)
    location = SelectField(_l("Location (with everything in it)"), coerce=int, default=0)
    place = StringField(_l("Address or place name"), validators=[Length(max=120)])
    requester = StringField(_l("Requester's name"), validators=[Length(max=120)])
    phone = TelField(_l("Requester's phone"), validators=[Length(max=40)])
    email = StringField(
        _l("Requester's e-mail"),
        validators=[Length(max=254)],
        render_kw={"inputmode": "email", "autocapitalize": "off", "spellcheck": "false"},
    )
    assignee = SelectField(_l("Assignee"), coerce=int, default=ANYONE)
    status = SelectField(_l("Status"), default="", validate_choice=False)

    FILTERS = ("date_from", "date_to", "site", "location", "place", "requester", "phone",
               "email", "assignee", "status")  # fmt: skip
    """Behind 'more filters'; the box (q) is always in view."""

    def __init__(self, formdata):
        super().__init__(formdata)
        sites = db.session.execute(select(Site.id, Site.name).order_by(Site.name, Site.id)).all()
        self.site.choices = _choices([(0, _l("All sites")), *sites])
        if self.location.data and not self.site.data:
            self.site.data = db.session.scalar(
                select(Location.site_id).where(Location.id == self.location.data)
            )
        tree = _location_tree(self.site.data)
        self.location.choices = _choices([(0, _l("Anywhere")), *tree])
        if self.location.data and self.location.data not in {id_ for id_, _name in tree}:
            self.location.data = 0  # left over from the site chosen before: the site wins
        self.assignee.choices = _choices(
            [(ANYONE, _l("Anyone")), (NOBODY, _l("Nobody yet")), *_people()]
        )
        self.status.choices = _choices(
            [("", _l("Any status")), (OPEN, _l("Open (not finished)")), *STATUS.items()]
        )

    @property
    def asked(self) -> bool:
        """Something was asked: the box or any filter holds a value."""
        return any(self._given(name) for name in ("q", *self.FILTERS))

    @property
    def filter_count(self) -> int:
        """How many filters behind 'more filters' hold a value."""
        return sum(1 for name in self.FILTERS if self._given(name))

    def _given(self, name) -> bool:
        """The field came with a value other than its 'any' ('' or 0)."""
        raw = self[name].raw_data
        return bool(raw) and raw[0].strip() not in ("", "0")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("This date is before the first one: the range is upside down."))

    def validate_status(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(
                _("There is no status “%(value)s”: choose one from the list.", value=field.data)
            )

    def validate_phone(self, field):
        if (field.data or "").strip() and len(phone_digits(field.data)) < MIN_PHONE_DIGITS:
            raise ValidationError(_("Type at least three digits of the phone number."))

    def criteria(self) -> Criteria:
        """The search this form asks for; call after validate()."""
        return Criteria(
            text=self.q.data or "",
            date_from=self.date_from.data,
            date_to=self.date_to.data,
            timezone=_timezone(self.site.data),
            site_id=self.site.data or None,
            location_id=self.location.data or None,
            place=self.place.data or "",
            requester=self.requester.data or "",
            phone=self.phone.data or "",
            email=self.email.data or "",
            assignee_id=self.assignee.data if self.assignee.data > 0 else None,
            unassigned=self.assignee.data == NOBODY,
            status=self.status.data or "",
        )


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _location_tree(site_id: int | None) -> list[tuple[int, str]]:
    """The site's locations, each under its parent, indented; none without a site."""
    if not site_id:
        return []
    rows = db.session.execute(
        select(Location.id, Location.parent_id, Location.name)
        .where(Location.site_id == site_id)
        .order_by(Location.name, Location.id)
    ).all()
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[tuple[int, str]] = []

    def walk(parent_id, depth):
        for row in children.get(parent_id, []):
            ordered.append((row.id, "\u2003" * depth + row.name))
            walk(row.id, depth + 1)

    walk(None, 0)
    return ordered


def _people() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(User.id, User.display_name, User.archived_at).order_by(User.display_name, User.id)
    ).all()
    return [
        (r.id, _("%(name)s (archived)", name=r.display_name) if r.archived_at else r.display_name)
        for r in rows
    ]


def _timezone(site_id: int | None) -> str:
    """Dates are days at the chosen site, else at the first site; UTC without sites."""
    query = select(Site.timezone).order_by(Site.id).limit(1)
    if site_id:
        query = query.where(Site.id == site_id)
    return db.session.scalar(query) or "UTC"
