"""The kinds of notification, what they say, and who gets them unless they choose otherwise."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    label: object
    """What the person turns on and off on their settings page."""
    text: object
    """The notification itself; formatted with its data (number, place, minutes …)."""
    in_app: bool = True
    push: bool = True


KINDS = {
    "assigned": Kind(_l("A request is assigned to me"), _l("%(number)s is yours now: %(summary)s")),
    "new_for_team": Kind(
        _l("New request for my team"),
        _l("New %(number)s for your team: %(summary)s"),
        in_app=False,
        push=False,
    ),
    "not_taken": Kind(
        _l("Nobody has taken a request"),
        _l("Nobody has taken %(number)s for %(minutes)s min: %(summary)s"),
    ),
    "response_breached": Kind(
        _l("First response overdue"), _l("First response to %(number)s is overdue: %(summary)s")
    ),
    "resolution_breached": Kind(_l("Resolution overdue"), _l("%(number)s is overdue: %(summary)s")),
    "due_soon": Kind(
        _l("My work is due soon"), _l("%(number)s is due in %(minutes)s min: %(summary)s")
    ),
    "resume": Kind(_l("Time to resume work on hold"), _l("Time to resume %(number)s: %(summary)s")),
    "reopened": Kind(
        _l("The requester reopened my work"), _l("%(number)s was reopened: %(summary)s")
    ),
}
