"""The search page, and its next pages for 'Show more'."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from wave.auth.access import staff_required
from wave.search import queries
from wave.search.forms import SearchForm

bp = Blueprint("search", __name__)


@bp.get("/search")
@staff_required
def index():
    form = SearchForm(request.args)
    if not form.asked:
        return render_template("search/index.html", form=form, asked=False)
    if not form.validate():
        return render_template("search/index.html", form=form, asked=False), 422
    rows, cursor = queries.search(current_user, form.criteria(), request.args.get("cursor"))
    number = form.criteria().box.number
    if number is not None and "cursor" not in request.args and [r.id for r in rows] == [number]:
        return redirect(url_for("requests.detail", request_id=number))  # '#123' opens #123
    return render_template(
        "search/index.html", form=form, asked=True, rows=rows, cursor=cursor, args=_args()
    )


@bp.get("/search/results")
@staff_required
def results():
    """The next page of results alone, appended under the previous one."""
    form = SearchForm(request.args)
    if not form.asked or not form.validate():
        return "", 204
    rows, cursor = queries.search(current_user, form.criteria(), request.args.get("cursor"))
    return render_template(
        "search/_results.html", rows=rows, cursor=cursor, args=_args(), appending=True
    )


def _args() -> dict:
    """The search's query string without its page: what the next page's link repeats."""
    return {key: value for key, value in request.args.items() if key != "cursor" and value}
