"""What the search keeps in the database outside the models, and the SQL it must repeat.

PostgreSQL: expression indexes (GIN over `to_tsvector('simple', …)`, a btree over the phone's
digits and the lower-case e-mail). The planner uses an expression index only for the very
expression it was built on, so the queries take theirs from here and the migration
(`migrations/versions/5a1f0c3e9b7d_archive_search.py`) spells out the same text.

SQLite: FTS5 tables over `service_requests` and `messages` (external content: the text is
stored once, in its table) kept in step by triggers. A batch migration that rebuilds either
table on SQLite drops its triggers with the old table: it must create them again
(tests/integration/test_search.py checks they exist after every migration).

None of this is in the models: autogenerate and the migration test skip it by name
(`include_name`).
"""

REQUEST_TEXT_INDEX = "ix_search_requests_text"
PHONE_INDEX = "ix_search_requests_phone"
EMAIL_INDEX = "ix_search_requests_email"
MESSAGE_TEXT_INDEX = "ix_search_messages_text"
PG_INDEXES = (REQUEST_TEXT_INDEX, PHONE_INDEX, EMAIL_INDEX, MESSAGE_TEXT_INDEX)

REQUEST_FTS = "search_requests_fts"
MESSAGE_FTS = "search_messages_fts"
FTS_TABLES = (REQUEST_FTS, MESSAGE_FTS)
FTS_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")
SQLITE_TRIGGERS = tuple(
    f"{table}_{event}" for table in FTS_TABLES for event in ("insert", "delete", "update")
)

# PostgreSQL expressions, word for word as in the migration's CREATE INDEX.
REQUEST_DOCUMENT = (
    "to_tsvector('simple', coalesce(service_requests.description, '') || ' ' || "
    "coalesce(service_requests.requester_name, '') || ' ' || "
    "coalesce(service_requests.requester_email, ''))"
)
"""Description, requester's name and e-mail: what the search box's words look through."""
REQUESTER_NAME_DOCUMENT = "to_tsvector('simple', coalesce(service_requests.requester_name, ''))"
"""Checked only on rows REQUEST_DOCUMENT found (it holds the name too): needs no index."""
PHONE_DIGITS = "regexp_replace(service_requests.requester_phone, '[^0-9]', '', 'g')"
EMAIL_LOWER = "lower(service_requests.requester_email)"
MESSAGE_DOCUMENT = "to_tsvector('simple', messages.body)"

# SQLite has no regexp_replace; these are the separators people type in phone numbers.
SQLITE_PHONE_DIGITS = "service_requests.requester_phone"
for _separator in (" ", "-", "(", ")", "+", ".", "/"):
    SQLITE_PHONE_DIGITS = f"replace({SQLITE_PHONE_DIGITS}, '{_separator}', '')"


def is_search_object(name: str | None) -> bool:
    """True for the indexes and FTS tables this module describes."""
    if not name:
        return False
    if name in PG_INDEXES:
        return True
    return any(name == t or name in {t + s for s in FTS_SHADOWS} for t in FTS_TABLES)


def include_name(name, type_, parent_names) -> bool:
    """Alembic's name filter: leave the search's own objects out of model comparisons."""
    return not (type_ in ("table", "index") and is_search_object(name))
