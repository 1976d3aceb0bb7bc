"""What each person chooses to be told, and how: in the app (the bell), as a push, both or
neither, kind by kind."""

from sqlalchemy import delete, select

from wave.extensions import db
from wave.notify.kinds import KINDS
from wave.notify.models import NotificationPreference


def choices_of(user) -> dict[str, tuple[bool, bool]]:
    """(in_app, push) for every kind, in KINDS order: the person's choice, else the default."""
    saved = {
        p.kind: (p.in_app, p.push)
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return {name: saved.get(name, (kind.in_app, kind.push)) for name, kind in KINDS.items()}


def save(user, choices: dict[str, tuple[bool, bool]]) -> None:
    """Keep `user`'s choices for the kinds given (unknown kinds are ignored). Commits.

    A choice equal to the kind's default is stored as no row, so a later change of the default
    reaches everyone who never chose otherwise."""
    chosen = {kind: tuple(map(bool, pair)) for kind, pair in choices.items() if kind in KINDS}
    if not chosen:
        return
    db.session.execute(
        delete(NotificationPreference).where(
            NotificationPreference.user_id == user.id,
            NotificationPreference.kind.in_(list(chosen)),
        )
    )
    db.session.add_all(
        NotificationPreference(user_id=user.id, kind=kind, in_app=in_app, push=push)
        for kind, (in_app, push) in chosen.items()
        if (in_app, push) != (KINDS[kind].in_app, KINDS[kind].push)
    )
    db.session.commit()
