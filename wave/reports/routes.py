"""/reports: what was done, how fast, what is overdue, where work comes from — for managers
and admins (others get 403). The filters travel in the query string, so every report and
its CSV and Excel files are links."""

import io
from functools import cache

from babel.numbers import NumberPattern, parse_pattern
from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from wave.auth.access import roles_required
from wave.reports import charts, exports, figures
from wave.reports.filters import Filters, Options, ReportForm
from wave.timeutil import now

bp = Blueprint("reports", __name__, url_prefix="/reports")

report_reader = roles_required("admin", "manager")
"""Every report and export: the people who answer for the service."""

ENDPOINTS = {"summary": "reports.summary", "staff": "reports.staff", "hotspots": "reports.hotspots"}


def _choice() -> tuple[ReportForm, Filters | None]:
    """The filters from the query string; Filters is None when they do not validate."""
    form = ReportForm(formdata=request.args, options=Options.load())
    if not form.validate():
        return form, None
    return form, form.filters(now())


def _page(template: str, page: str, compute):
    form, f = _choice()
    if f is None:
        return render_template(template, form=form, f=None, page=page), 422
    return render_template(template, form=form, f=f, page=page, **compute(f))


@bp.get("")
@report_reader
def summary():
    def compute(f):
        trend = figures.trend(f)
        return {"s": figures.summary(f), "trend": trend, "chart": charts.trend_chart(trend)}

    return _page("reports/summary.html", "summary", compute)


@bp.get("/staff")
@report_reader
def staff():
    return _page("reports/staff.html", "staff", lambda f: {"rows": figures.scorecard(f)})


@bp.get("/hotspots")
@report_reader
def hotspots():
    return _page("reports/hotspots.html", "hotspots", lambda f: {"h": figures.hotspots(f)})


@bp.get("/<any(summary, trend, staff, locations, assets, repeats):table>.csv")
@report_reader
def csv_file(table):
    form, f = _choice()
    if f is None:  # the page says what is wrong with the filters
        return redirect(url_for(ENDPOINTS[exports.TABLES[table]], **request.args), 303)
    return _download(
        exports.to_csv(exports.table(table, f)),
        exports.filename(table, f, "csv"),
        "text/csv; charset=utf-8",
    )


@bp.get("/<any(summary, staff, hotspots):page>.xlsx")
@report_reader
def xlsx_file(page):
    form, f = _choice()
    if f is None:
        return redirect(url_for(ENDPOINTS[page], **request.args), 303)
    about = [(_("Period"), form.describe(f)[0]), (_("Time zone"), f.timezone)]
    about += [(str(field.label.text), text) for field, text in form.narrowing()]
    return _download(
        exports.to_xlsx(exports.tables(page, f), about),
        exports.filename(page, f, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _download(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


# --------------------------------------------------------------------------- formatting
@bp.context_processor
def _formatting():
    return {
        "pct": pct,
        "span": span,
        "hours": hours,
        "decimal": decimal,
        "number": number,
        "day": lambda value: format_date(value, "medium"),
        "zip": zip,
    }


@cache
def _pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)


def _formatted(value: float, pattern: str) -> str:
    """`value` in the request's locale, as flask_babel's format_decimal and format_percent
    would write it, with the pattern parsed once instead of for each of a scorecard's ~2,000
    cells."""
    return _pattern(pattern).apply(value, get_locale())


def pct(fraction: float | None) -> str:
    return "—" if fraction is None else _formatted(fraction, "#,##0.#%")


def number(value: int) -> str:
    """A count with the locale's thousands separator: 48,630 or 48 630."""
    return _formatted(value, "#,##0")


def decimal(value: float | None, pattern: str = "#,##0.0") -> str:
    return "—" if value is None else _formatted(value, pattern)


def hours(minutes: int) -> str:
    return _("%(hours)s h", hours=_formatted(minutes / 60, "#,##0.#"))


def span(seconds: float | None) -> str:
    """A length of time, short and exact enough to compare: '35 min', '3 h 30 min', '2 d 4 h'."""
    if seconds is None:
        return "—"
    total = round(seconds / 60)
    if total < 60:
        return _("%(minutes)d min", minutes=total)
    days, rest = divmod(total, 24 * 60)
    if days >= 2:
        return _("%(days)d d %(hours)d h", days=days, hours=rest // 60)
    if total % 60 == 0:
        return _("%(hours)s h", hours=total // 60)
    return _("%(hours)d h %(minutes)d min", hours=total // 60, minutes=total % 60)
