"""What the search keeps in the database outside the models, and the SQL it must repeat.

Every request has one search document: its description, its requester's name and e-mail, and
the text messages of its discussion (status lines and cards are not searched). Triggers
keep it up to date, so words are looked up in one index and a request is one row of it.
Migration: migrations/versions/5a1f0c3e9b7d_archive_search.py.

PostgreSQL: a `service_requests.search_vector` tsvector ('simple' configuration) with a GIN
index, set by `search_requests_document` on insert and when the request's text changes, added
to by `search_messages_added` (once per INSERT statement on messages; and by
`search_requests_added` for messages a bulk load wrote before their request) and made again
by `search_messages_changed` when a message is edited or removed. Also expression indexes
over the phone's digits and the lower-case e-mail; the planner uses an expression index only
for the very expression it was built on, so the queries take theirs from here.

SQLite: an FTS5 table `search_requests_fts` (rowid = request id; columns description,
requester_name, requester_email, messages) kept by triggers on both tables. A batch
migration that rebuilds service_requests or messages on SQLite drops their triggers with
the old table: it must create them again (tests/integration/test_search.py checks they exist
after every migration).

Bulk loaders (bench/) are served by the statement triggers, at the price of one more row
version per request with messages; or they disable the PG_TRIGGERS while they load and run
REBUILD_POSTGRESQL afterwards (then VACUUM: it writes every row again).

None of this is in the models: autogenerate and the migration test skip it by name
(`include_name`).
"""

SEARCH_VECTOR = "search_vector"
REQUEST_TEXT_INDEX = "ix_search_requests_text"
PHONE_INDEX = "ix_search_requests_phone"
EMAIL_INDEX = "ix_search_requests_email"
PG_INDEXES = (REQUEST_TEXT_INDEX, PHONE_INDEX, EMAIL_INDEX)
PG_TRIGGERS = (
    "search_requests_document",
    "search_requests_added",
    "search_messages_added",
    "search_messages_changed",
)

REQUEST_FTS = "search_requests_fts"
FTS_SHADOWS = ("_data", "_idx", "_docsize", "_config", "_content")
SQLITE_TRIGGERS = (
    "search_requests_fts_insert",
    "search_requests_fts_update",
    "search_requests_fts_delete",
    "search_messages_fts_insert",
    "search_messages_fts_update",
    "search_messages_fts_delete",
)

# PostgreSQL expressions, word for word as in the migration's CREATE INDEX.
REQUESTER_NAME_DOCUMENT = "to_tsvector('simple', coalesce(service_requests.requester_name, ''))"
"""Checked only on rows the search vector found (it holds the name too): needs no index."""
PHONE_DIGITS = "regexp_replace(service_requests.requester_phone, '[^0-9]', '', 'g')"
EMAIL_LOWER = "lower(service_requests.requester_email)"

# SQLite has no regexp_replace; these are the separators people type in phone numbers.
SQLITE_PHONE_DIGITS = "service_requests.requester_phone"
for _separator in (" ", "-", "(", ")", "+", ".", "/"):
    SQLITE_PHONE_DIGITS = f"replace({SQLITE_PHONE_DIGITS}, '{_separator}', '')"

REBUILD_POSTGRESQL = """UPDATE service_requests r SET search_vector = to_tsvector('simple',
        coalesce(r.description, '') || ' ' || coalesce(r.requester_name, '') || ' '
        || coalesce(r.requester_email, '')) || coalesce(thread.vector, ''::tsvector)
    FROM service_requests r2 LEFT JOIN (
        SELECT thread_id, to_tsvector('simple', string_agg(body, ' ')) AS vector
        FROM messages WHERE kind = 'text' GROUP BY thread_id) thread
        ON thread.thread_id = r2.thread_id
    WHERE r2.id = r.id"""
"""Every request's document made again (after a bulk load with the triggers disabled)."""


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the tables, columns and indexes this module describes."""
    if type_ == "column":
        return name == SEARCH_VECTOR
    if type_ == "index":
        return name in PG_INDEXES
    if type_ == "table":
        return name == REQUEST_FTS or name in {REQUEST_FTS + s for s in FTS_SHADOWS}
    return False


def include_name(name, type_, parent_names) -> bool:
    """Alembic's name filter: leave the search's own objects out of model comparisons."""
    return not is_search_object(name, type_)
