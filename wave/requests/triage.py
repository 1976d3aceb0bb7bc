"""Answering the requester, and changing what a request is (category, priority, SLA class):
both move its SLA clock."""

from flask_babel import lazy_gettext as _l

from wave.extensions import db
from wave.realtime import team_room
from wave.requests import due, repeats
from wave.requests.lifecycle import can_work, publish_change, record
from wave.requests.models import PRIORITIES, SLA_CLASSES
from wave.requests.services import ActionError
from wave.timeutil import now

MAX_REPLY = 2000


def reply(req, actor, text: str):
    """A message to the requester: shown on their tracking page and e-mailed if they left an
    address. The first one meets the response target. Commits; publishes."""
    if not can_work(req, actor):
        raise ActionError(_l("Only the assignee or the desk can answer the requester."))
    if req.status == "cancelled":
        raise ActionError(_l("This request was cancelled."))
    text = (text or "").strip()
    if not text or len(text) > MAX_REPLY:
        raise ActionError(_l("Write the answer (at most 2000 characters)."), field="text")
    req.first_response_at = req.first_response_at or now()
    record(req, "reply", actor, public=True, text=text)
    publish_change(req)
    db.session.commit()
    return req


def reclassify(req, actor, *, category, priority: str, sla_class: str):
    """The desk corrects what the request is; its due times are computed again, and work
    nobody holds yet moves to the new category's team. Commits; publishes."""
    if not actor.is_desk:
        raise ActionError(_l("Only the desk can change this."))
    if not req.is_open:
        raise ActionError(_l("This request is no longer open."))
    if priority not in PRIORITIES:
        raise ActionError(_l("Choose a priority."), field="priority")
    if sla_class not in SLA_CLASSES:
        raise ActionError(_l("Choose a service class."), field="sla_class")
    before = {"category_id": req.category_id, "priority": req.priority, "sla_class": req.sla_class}
    after = {"category_id": category.id, "priority": priority, "sla_class": sla_class}
    if before == after:
        raise ActionError(_l("Nothing was changed."))
    previous_team, was = req.team_id, repeats.group_of(req)
    req.category, req.category_id = category, category.id
    repeats.relink(req, was=was)
    req.priority, req.sla_class = priority, sla_class
    if req.assignee_id is None and category.default_team_id:
        req.team_id = category.default_team_id
    due.set_due_times(req)
    changed = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    record(req, "classified", actor, **changed)
    moved = {team_room(previous_team)} if previous_team and previous_team != req.team_id else set()
    publish_change(req, also=moved)
    db.session.commit()
    return req
