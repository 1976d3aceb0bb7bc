"""A person's notification choices (/settings/notifications) and the JSON the staff app's
push.js talks to: the server's push key, and this device's subscription on or off."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out

from wave.auth.access import staff_required
from wave.notify import preferences as choices
from wave.notify import push
from wave.notify.kinds import KINDS

bp = Blueprint("push", __name__)


@bp.route("/settings/notifications", methods=["GET", "POST"])
@staff_required
def preferences():
    if request.method == "POST":  # CSRFProtect has checked the token already
        chosen = {
            kind: (f"{kind}.in_app" in request.form, f"{kind}.push" in request.form)
            for kind in KINDS
        }
        choices.save(current_user, chosen)
        flash(_("Notification settings saved."))
        return redirect(url_for("push.preferences"), 303)
    return render_template(
        "notify/preferences.html",
        kinds=KINDS,
        choices=choices.choices_of(current_user),
        devices=push.devices(current_user),
        device_name=push.device_name,
    )


@bp.post("/settings/notifications/devices/<int:subscription_id>/delete")
@staff_required
def remove_device(subscription_id):
    if not push.unsubscribe(current_user, subscription_id=subscription_id):
        abort(404)  # gone already, or someone else's
    flash(_("The device gets no more pushes."))
    return redirect(url_for("push.preferences"), 303)


@bp.get("/push/key")
@staff_required
def key():
    """The public VAPID key, for pushManager.subscribe({applicationServerKey})."""
    return jsonify(key=push.vapid_keys().public)


@bp.post("/push/subscriptions")
@staff_required
def subscribe():
    """This device's PushSubscription.toJSON(): stored for the signed-in person."""
    try:
        endpoint, p256dh, auth = push.parse_subscription(request.get_json(silent=True))
    except push.BadSubscription as exc:
        return jsonify(error=str(exc)), 400
    push.subscribe(current_user, endpoint, p256dh, auth, request.user_agent.string)
    session["push_endpoint"] = endpoint  # signing out on this phone stops its pushes
    return jsonify(ok=True), 201


@user_logged_out.connect
def _forget_this_device(_app, user=None, **_extra):
    """A shared phone: the next person signed in must not see the last one's pushes."""
    endpoint = session.pop("push_endpoint", None)
    if endpoint and user is not None and user.is_authenticated:
        push.unsubscribe(user, endpoint=endpoint)


@bp.post("/push/subscriptions/delete")
@staff_required
def unsubscribe():
    """This device stops getting the signed-in person's pushes (its own only)."""
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return jsonify(error=_("Name the device by its push endpoint.")), 400
    if not push.unsubscribe(current_user, endpoint=endpoint):
        return jsonify(error=_("This device does not get your pushes.")), 404
    return "", 204
