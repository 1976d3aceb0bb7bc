"""Text conditions on requests, for PostgreSQL (GIN indexes) and SQLite (FTS5).

Each returns a condition on ServiceRequest that an index answers, or None when the text holds
nothing to look for. See wave/search/schema.py for the indexes and why 'simple'.
"""

import re

from sqlalchemy import and_, column, func, literal_column, select, table, text
from sqlalchemy.sql import ColumnElement

from wave.extensions import db
from wave.requests.models import ServiceRequest
from wave.search import schema

_FTS5_TOKEN = re.compile(r"[^\W_]+")
"""What SQLite's unicode61 tokenizer calls a token: letters and digits."""


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


# --------------------------------------------------------------------------- words
def prepare(words: str) -> str | None:
    """The database's query for `words` (a tsquery or an FTS5 query); None when they hold
    nothing to look for. Made once per search: the two steps of a page share it."""
    return tsquery(words) if _postgresql() else fts5_query(words)


def words_found(query: str, *, indexed: bool = True) -> ColumnElement:
    """Every word of a prepared query (as a prefix) is somewhere in the request's search
    document: its description, requester's name or e-mail, or a text message of its
    discussion. `indexed=False` (PostgreSQL): checked row by row, never through the index,
    whose scan costs as much as the word is common however few rows are asked about."""
    if _postgresql():
        return _matches(_search_vector(indexed), query)
    return ServiceRequest.id.in_(_fts5_rowids(query))


def requester_named(query: str, *, indexed: bool = True) -> ColumnElement:
    """Every word of a prepared query starts a word of the requester's name."""
    if _postgresql():
        name = _matches(literal_column(schema.REQUESTER_NAME_DOCUMENT), query)
        # The search vector's index finds the rows (it holds the name); the name decides.
        return and_(_matches(_search_vector(), query), name) if indexed else name
    return ServiceRequest.id.in_(_fts5_rowids(f"requester_name : ({query})"))


def _search_vector(indexed: bool = True):
    column = f"service_requests.{schema.SEARCH_VECTOR}"
    # coalesce(): the same value in an expression the GIN index (on the bare column) ignores.
    return literal_column(column if indexed else f"coalesce({column}, ''::tsvector)")


def _matches(document, query: str) -> ColumnElement:
    return document.bool_op("@@")(func.to_tsquery(literal_column("'simple'"), query))


def _fts5_rowids(query: str):
    fts = table(schema.REQUEST_FTS, column("rowid"))
    return select(fts.c.rowid).where(literal_column(schema.REQUEST_FTS).match(query))


def tsquery(words: str) -> str | None:
    """A PostgreSQL tsquery: every word of `words` (as PostgreSQL's parser splits them) as a
    prefix, or-ed with its Russian or English stem as a prefix, so 'двери' finds 'дверь' and
    'doors' finds 'door'. Stop words ('the', 'не') are left out unless nothing else is left."""
    rows = db.session.execute(
        text(
            "SELECT lexeme, ts_lexize('english_stem', lexeme), ts_lexize('russian_stem', lexeme)"
            " FROM unnest(to_tsvector('simple', :words))"
        ),
        {"words": words},
    ).all()
    terms = [_term(lexeme, (en or []) + (ru or [])) for lexeme, en, ru in rows if en and ru]
    if not terms:  # only stop words: look for them as they are
        terms = [_term(lexeme, []) for lexeme, _en, _ru in rows]
    return " & ".join(terms) or None


def _term(lexeme: str, stems: list[str]) -> str:
    forms = {lexeme, *(s for s in stems if len(s) >= 3)}
    # 'двер':* finds all 'двери':* does: the longer prefix would only cost index work.
    forms = {f for f in forms if not any(f != g and len(g) > 1 and f.startswith(g) for g in forms)}
    alternatives = [_quote(form) + (":*" if len(form) > 1 else "") for form in sorted(forms)]
    return alternatives[0] if len(alternatives) == 1 else f"({' | '.join(alternatives)})"


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def fts5_query(words: str) -> str | None:
    """An FTS5 query: every token of `words` as a prefix, all required."""
    tokens = _FTS5_TOKEN.findall(words)
    return " ".join('"' + t.replace('"', '""') + '"*' for t in tokens) or None


# --------------------------------------------------------------------------- contact
def phone_starts(digits: str) -> ColumnElement:
    """The requester's phone, without its separators, starts with these digits.

    A range, not LIKE: a btree answers it under any collation (digits sort alike in all)."""
    expression = _phone_digits()
    condition = and_(ServiceRequest.requester_phone.is_not(None), expression >= digits)
    if (upper := _next_prefix(digits)) is not None:
        condition = and_(condition, expression < upper)
    return condition


def _next_prefix(digits: str) -> str | None:
    """The smallest digit string of the same length after every string starting with
    `digits`; None for '999…'."""
    stripped = digits.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def phone_is(digits: str) -> ColumnElement:
    """The requester's phone, without its separators, is these digits."""
    return and_(ServiceRequest.requester_phone.is_not(None), _phone_digits() == digits)


def _phone_digits() -> ColumnElement:
    return literal_column(schema.PHONE_DIGITS if _postgresql() else schema.SQLITE_PHONE_DIGITS)


def email_is(address: str) -> ColumnElement:
    """The requester's e-mail is this address, in any case."""
    address = address.strip().lower()
    if _postgresql():
        return literal_column(schema.EMAIL_LOWER) == address
    return func.lower(ServiceRequest.requester_email) == address


def email_starts(start: str) -> ColumnElement:
    """The requester's e-mail starts with `start`, in any case."""
    pattern = start.strip().lower()
    if _postgresql():
        expression = literal_column(schema.EMAIL_LOWER)
        return and_(
            ServiceRequest.requester_email.is_not(None),
            expression.startswith(pattern, autoescape=True),
        )
    # SQLite's LIKE ignores ASCII case, which is what addresses are written in.
    return ServiceRequest.requester_email.istartswith(pattern, autoescape=True)
