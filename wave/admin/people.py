"""Registry: people and teams. Admins create, edit and archive; managers look.

Nobody is deleted: archived accounts cannot sign in or be assigned, and keep their history.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wave.admin.access import registry_editor, registry_reader
from wave.admin.people_forms import MemberForm, NewUserForm, TeamForm, UserForm
from wave.auth import services
from wave.auth.models import Team, User
from wave.auth.services import active_teams
from wave.extensions import db
from wave.requests import catalog_admin
from wave.requests.models import OPEN_STATUSES, ServiceRequest

bp = Blueprint("people", __name__, url_prefix="/admin")


def access_user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def access_team(team_id: int) -> Team:
    return db.session.get(Team, team_id) or abort(404)


def open_work_of(user: User) -> int:
    """Open requests still assigned to `user`: the desk reassigns them after an archive."""
    return db.session.scalar(
        select(func.count(ServiceRequest.id)).where(
            ServiceRequest.assignee_id == user.id, ServiceRequest.status.in_(OPEN_STATUSES)
        )
    )


# ------------------------------------------------------------------------------- users
@bp.get("/users")
@registry_reader
def users():
    archived = request.args.get("show") == "archived"
    query = select(User).options(selectinload(User.teams)).order_by(User.display_name)
    query = query.where(User.archived_at.is_not(None) if archived else User.archived_at.is_(None))
    return render_template(
        "admin/people/users.html", users=db.session.scalars(query).all(), archived=archived
    )


@bp.route("/users/new", methods=["GET", "POST"])
@registry_editor
def new_user():
    form = NewUserForm(teams=active_teams())
    if form.validate_on_submit():
        try:
            user, link = services.create_user(
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                phone=form.phone.data,
                teams=_chosen_teams(form),
            )
        except services.RegistryError as exc:
            form.show_refusal(exc)
        else:
            return _link_page(user, link, created=True)
    status = 422 if form.errors else 200
    return render_template("admin/people/new_user.html", form=form), status


@bp.get("/users/<int:user_id>")
@registry_reader
def user(user_id):
    person = access_user(user_id)
    form = UserForm(obj=person, teams=active_teams(), formdata=None)
    form.teams.data = person.team_ids
    return _user_page(person, form, 200)


@bp.post("/users/<int:user_id>")
@registry_editor
def save_user(user_id):
    person = access_user(user_id)
    form = UserForm(teams=active_teams())
    if form.validate_on_submit():
        try:
            services.update_user(
                person,
                current_user,
                display_name=form.display_name.data,
                role=form.role.data,
                phone=form.phone.data,
                teams=_chosen_teams(form),
            )
        except services.RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("people.user", user_id=person.id), 303)
    return _user_page(person, form, 422)


@bp.post("/users/<int:user_id>/archive")
@registry_editor
def archive_user(user_id):
    person = access_user(user_id)
    try:
        services.archive_user(person, current_user)
    except services.RegistryError as exc:
        return _user_page(person, None, 409, error=str(exc))
    open_work = open_work_of(person)
    flash(_("%(name)s is archived and can no longer sign in.", name=person.display_name))
    if open_work:
        flash(
            ngettext(
                "%(num)d open request is still assigned to them: reassign it.",
                "%(num)d open requests are still assigned to them: reassign them.",
                open_work,
            )
        )
    return redirect(url_for("people.user", user_id=person.id), 303)


@bp.post("/users/<int:user_id>/unarchive")
@registry_editor
def unarchive_user(user_id):
    person = services.unarchive_user(access_user(user_id))
    flash(_("%(name)s can sign in again.", name=person.display_name))
    return redirect(url_for("people.user", user_id=person.id), 303)


@bp.post("/users/<int:user_id>/password-link")
@registry_editor
def password_link(user_id):
    person = access_user(user_id)
    if not person.is_active:
        abort(409)
    return _link_page(person, services.password_link(person), created=False)


def _link_page(person, link, created):
    days = services.PASSWORD_LINK_LIFETIME.days
    page = render_template(
        "admin/people/link.html", user=person, link=link, created=created, link_days=days
    )
    # The link is a key to the account: no copy in any cache.
    return page, 200, {"Cache-Control": "no-store"}


def _user_page(person, form, status, error=None):
    if form is None:
        form = UserForm(obj=person, teams=active_teams(), formdata=None)
        form.teams.data = person.team_ids
    return render_template(
        "admin/people/user.html",
        person=person,
        form=form,
        error=error,
        open_work=open_work_of(person),
    ), status


def _chosen_teams(form) -> list[Team]:
    ids = set(form.teams.data or [])
    return [t for t in active_teams() if t.id in ids]


# ------------------------------------------------------------------------------- teams
@bp.get("/teams")
@registry_reader
def teams():
    return _teams_page(TeamForm(formdata=None), 200)


@bp.post("/teams")
@registry_editor
def create_team():
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.create_team(form.name.data)
        except services.RegistryError as exc:
            form.show_refusal(exc)
        else:
            return redirect(url_for("people.team", team_id=team.id), 303)
    return _teams_page(form, 422)


def _teams_page(form, status):
    archived = request.args.get("show") == "archived"
    query = select(Team).options(selectinload(Team.members)).order_by(Team.name)
    query = query.where(Team.archived_at.is_not(None) if archived else Team.archived_at.is_(None))
    teams = db.session.scalars(query).all()
    page = render_template("admin/people/teams.html", teams=teams, form=form, archived=archived)
    return page, status


@bp.get("/teams/<int:team_id>")
@registry_reader
def team(team_id):
    return _team_page(access_team(team_id), 200)


@bp.post("/teams/<int:team_id>")
@registry_editor
def rename_team(team_id):
    team = access_team(team_id)
    form = TeamForm()
    if form.validate_on_submit():
        try:
            services.rename_team(team, form.name.data)
        except services.RegistryError as exc:
            form.show_refusal(exc)
        else:
            flash(_("Saved."))
            return redirect(url_for("people.team", team_id=team.id), 303)
    return _team_page(team, 422, rename_form=form)


@bp.post("/teams/<int:team_id>/members")
@registry_editor
def add_member(team_id):
    team = access_team(team_id)
    form = MemberForm(candidates=_candidates(team))
    if form.validate_on_submit():
        services.add_member(team, access_user(form.user.data))
        return redirect(url_for("people.team", team_id=team.id), 303)
    return _team_page(team, 422, member_form=form)


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
@registry_editor
def remove_member(team_id, user_id):
    team = access_team(team_id)
    person = access_user(user_id)
    services.remove_member(team, person)
    flash(_("%(name)s left %(team)s.", name=person.display_name, team=team.name))
    return redirect(url_for("people.team", team_id=team.id), 303)


@bp.post("/teams/<int:team_id>/archive")
@registry_editor
def archive_team(team_id):
    team = access_team(team_id)
    routed = catalog_admin.categories_routed_to(team)
    if routed:
        names = ", ".join(c.label for c in routed)
        error = _("%(names)s still use this team: choose another team for them first.", names=names)
        return _team_page(team, 409, error=error)
    services.archive_team(team)
    flash(_("%(team)s is archived.", team=team.name))
    return redirect(url_for("people.team", team_id=team.id), 303)


@bp.post("/teams/<int:team_id>/unarchive")
@registry_editor
def unarchive_team(team_id):
    team = services.unarchive_team(access_team(team_id))
    return redirect(url_for("people.team", team_id=team.id), 303)


def _candidates(team: Team) -> list[User]:
    """Active people not in the team yet."""
    return [
        u
        for u in db.session.scalars(
            select(User).where(User.archived_at.is_(None)).order_by(User.display_name)
        )
        if u not in team.members
    ]


def _team_page(team, status, rename_form=None, member_form=None, error=None):
    return render_template(
        "admin/people/team.html",
        team=team,
        rename_form=rename_form or TeamForm(obj=team, formdata=None),
        member_form=member_form or MemberForm(candidates=_candidates(team), formdata=None),
        routed=catalog_admin.categories_routed_to(team),
        error=error,
    ), status
