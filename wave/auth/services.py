"""Staff accounts and teams as the registry changes them. Every function here commits; nothing
is ever deleted: people and teams are archived, so the history that names them stays."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from wave.auth.models import ROLES, Team, User
from wave.extensions import db
from wave.timeutil import now
from wave.web.urls import public_url

PASSWORD_LINK_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 8


class RegistryError(Exception):
    """A change the registry refuses; str() is for people, `field` names the form field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.field = field


class LinkError(Exception):
    """A set-password link that cannot be used: `reason` is invalid, expired or used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ------------------------------------------------------------------------------- users
def create_user(*, username, display_name, role, phone=None, teams=()) -> tuple[User, str]:
    """A new account whose password nobody knows, and the link that lets its owner set one.

    Commits. Raises RegistryError (field "username") when the name is taken, also by an
    archived account or in other letter case.
    """
    username = username.strip()
    _check_role(role)
    if _username_taken(username):
        raise _username_error()
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=role,
        phone=(phone or "").strip() or None,
        # Random and thrown away: the account cannot sign in until the link is used.
        password_hash=generate_password_hash(secrets.token_urlsafe(32)),
    )
    user.teams = [t for t in teams if t.archived_at is None]
    db.session.add(user)
    _commit_unique(_username_error())
    return user, password_link(user)


def update_user(user: User, actor: User, *, display_name, role, phone, teams) -> User:
    """Change a person's name, role, phone and (active) teams. Commits.

    Raises RegistryError (field "role") for a change of one's own role or one that would
    leave no active admin.
    """
    _check_role(role)
    if role != user.role:
        if user.id == actor.id:
            raise RegistryError(_l("Another admin has to change your role."), field="role")
        if user.role == "admin" and _is_last_admin(user):
            raise RegistryError(_l("Wave needs at least one admin."), field="role")
    user.display_name = display_name.strip()
    user.role = role
    user.phone = (phone or "").strip() or None
    # The form offers active teams only: memberships in archived teams stay as they were.
    kept = [t for t in user.teams if t.archived_at is not None]
    user.teams = kept + [t for t in teams if t.archived_at is None and t not in kept]
    db.session.commit()
    return user


def archive_user(user: User, actor: User) -> User:
    """Archive an account: it can no longer sign in (its session ends with the next request)
    and cannot be assigned; everything it did stays. Commits.

    Raises RegistryError for one's own account or the last active admin.
    """
    if user.id == actor.id:
        raise RegistryError(_l("You cannot archive your own account."))
    if user.role == "admin" and _is_last_admin(user):
        raise RegistryError(_l("Wave needs at least one admin."))
    if user.archived_at is None:
        user.archived_at = now()
        db.session.commit()
    return user


def unarchive_user(user: User) -> User:
    """Let an archived account sign in again (with its old password). Commits."""
    user.archived_at = None
    db.session.commit()
    return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise RegistryError(_l("Choose a role."), field="role")


def _username_taken(username: str) -> bool:
    query = select(User.id).where(func.lower(User.username) == username.lower())
    return db.session.scalar(query) is not None


def _username_error() -> RegistryError:
    return RegistryError(_l("This username is taken. Choose another one."), field="username")


def _is_last_admin(user: User) -> bool:
    """True when `user` is the only active admin. Locks the admins' rows on PostgreSQL, so
    two admins demoting each other at once cannot leave none."""
    admins = db.session.scalars(
        select(User.id).where(User.role == "admin", User.archived_at.is_(None)).with_for_update()
    ).all()
    return set(admins) <= {user.id}


# ------------------------------------------------------------------ set-password links
class _ClockSigner(TimestampSigner):
    """Timestamps from wave.timeutil.now(), so tests can move the clock past the expiry."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.secret_key, salt="wave.set-password", signer=_ClockSigner
    )


def _fingerprint(user: User) -> str:
    # Setting a password changes the hash (new salt), which kills every link made before.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def password_link(user: User) -> str:
    """A link (full URL) that lets `user` choose a password: valid for PASSWORD_LINK_LIFETIME,
    once; it dies when any password is set. Nothing is stored or committed."""
    token = _serializer().dumps([user.id, _fingerprint(user)])
    return public_url("auth.set_password", token=token)


def user_for_link(token: str) -> User:
    """The active account a set-password link is for. Raises LinkError."""
    max_age = int(PASSWORD_LINK_LIFETIME.total_seconds())
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise LinkError("invalid") from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise LinkError("invalid")
    if not user.is_active or not secrets.compare_digest(str(fingerprint), _fingerprint(user)):
        raise LinkError("used")
    return user


def set_password(user: User, password: str) -> User:
    """Store a new password (every earlier set-password link dies with the old hash). Commits.

    Raises RegistryError (field "password") for one shorter than MIN_PASSWORD_LENGTH.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise RegistryError(
            _l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), field="password"
        )
    user.set_password(password)
    db.session.commit()
    return user


# ------------------------------------------------------------------------------- teams
def active_teams() -> list[Team]:
    """Teams that can take new members and new work, by name."""
    query = select(Team).where(Team.archived_at.is_(None)).order_by(Team.name)
    return list(db.session.scalars(query))


def create_team(name: str) -> Team:
    """A new team without members. Commits. Raises RegistryError (field "name") when the name
    is taken, also by an archived team."""
    name = name.strip()
    if _team_name_taken(name):
        raise _team_name_error()
    team = Team(name=name)
    db.session.add(team)
    _commit_unique(_team_name_error())
    return team


def rename_team(team: Team, name: str) -> Team:
    """Commits. Raises RegistryError (field "name") when another team has the name."""
    name = name.strip()
    if _team_name_taken(name, besides=team):
        raise _team_name_error()
    team.name = name
    _commit_unique(_team_name_error())
    return team


def archive_team(team: Team) -> Team:
    """Archive a team: it is offered nowhere any more; members and history stay. Commits.

    Whether categories still send work to it is the caller's check (wave.requests.catalog_admin
    knows categories; this package must not).
    """
    if team.archived_at is None:
        team.archived_at = now()
        db.session.commit()
    return team


def unarchive_team(team: Team) -> Team:
    """Commits."""
    team.archived_at = None
    db.session.commit()
    return team


def set_members(team: Team, users) -> Team:
    """Make `users` the team's members. Archived accounts that were members stay members (their
    history), none is added. Commits. Members see the team's work from their next page load."""
    kept = [u for u in team.members if not u.is_active]
    team.members = kept + [u for u in users if u.is_active and u not in kept]
    db.session.commit()
    return team


def add_member(team: Team, user: User) -> Team:
    """Commits. Raises RegistryError (field "user") for an archived account."""
    if not user.is_active:
        raise RegistryError(_l("Archived people cannot join a team."), field="user")
    if user not in team.members:
        team.members.append(user)
        db.session.commit()
    return team


def remove_member(team: Team, user: User) -> Team:
    """Commits. Requests already filed under the team stay there."""
    if user in team.members:
        team.members.remove(user)
        db.session.commit()
    return team


def _team_name_taken(name: str, besides: Team | None = None) -> bool:
    query = select(Team.id).where(func.lower(Team.name) == name.lower())
    if besides is not None:
        query = query.where(Team.id != besides.id)
    return db.session.scalar(query) is not None


def _team_name_error() -> RegistryError:
    return RegistryError(_l("A team with this name exists already."), field="name")


def _commit_unique(error: RegistryError) -> None:
    """Commit; a unique index that refuses (two admins at once) becomes `error`."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise error from None
