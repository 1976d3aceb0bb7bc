"""archive search: one search document per request (GIN on PostgreSQL, FTS5 on SQLite),
phone digits and e-mail; requests by who entered them

Revision ID: 5a1f0c3e9b7d
Revises: 4384368329ee
Create Date: 2026-11-24 10:00:00.000000

A request's search document is its description, its requester's name and e-mail, and the
text messages of its discussion, kept up to date by triggers. What each database gets and
why is described in wave/search/schema.py; the expressions below must stay word for word
what the search queries use, or PostgreSQL will not use the indexes. Nothing here is in the
models: autogenerate skips these names (migrations/env.py).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5a1f0c3e9b7d"
down_revision = "4384368329ee"
branch_labels = None
depends_on = None

# 'simple': no stemming and no stop words. Requests and messages are written in Russian and
# English, mixed, so no one language's dictionary fits every row; the search matches word
# prefixes (and the query's stems as prefixes) against these plain lower-case words instead.
OWN_TEXT = (
    "to_tsvector('simple', coalesce($1, '') || ' ' || coalesce($2, '') || ' ' || coalesce($3, ''))"
)
# Every document at once, set-wise (search_document() per row is ten times slower).
REBUILD = """UPDATE service_requests r SET search_vector = to_tsvector('simple',
        coalesce(r.description, '') || ' ' || coalesce(r.requester_name, '') || ' '
        || coalesce(r.requester_email, '')) || coalesce(thread.vector, ''::tsvector)
    FROM service_requests r2 LEFT JOIN (
        SELECT thread_id, to_tsvector('simple', string_agg(body, ' ')) AS vector
        FROM messages WHERE kind = 'text' GROUP BY thread_id) thread
        ON thread.thread_id = r2.thread_id
    WHERE r2.id = r.id"""
POSTGRESQL = [
    "ALTER TABLE service_requests ADD COLUMN search_vector tsvector",
    # (description, requester_name, requester_email, thread_id) → the whole document.
    f"""CREATE FUNCTION search_document(text, text, text, integer) RETURNS tsvector
        LANGUAGE sql STABLE AS $$
        SELECT {OWN_TEXT} || coalesce(
            (SELECT to_tsvector('simple', string_agg(m.body, ' ')) FROM messages m
             WHERE m.thread_id = $4 AND m.kind = 'text'), ''::tsvector)
    $$""",
    # A new request has no messages yet (its thread is opened with it): its own text only.
    """CREATE FUNCTION search_requests_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.search_vector := to_tsvector('simple', coalesce(NEW.description, '') || ' '
                || coalesce(NEW.requester_name, '') || ' ' || coalesce(NEW.requester_email, ''));
        ELSE
            NEW.search_vector := search_document(
                NEW.description, NEW.requester_name, NEW.requester_email, NEW.thread_id);
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_requests_document
        BEFORE INSERT OR UPDATE OF description, requester_name, requester_email, thread_id
        ON service_requests FOR EACH ROW EXECUTE FUNCTION search_requests_document()""",
    # New text messages are added to their request's document, once per statement: a bulk
    # COPY updates each request once, set-wise.
    """CREATE FUNCTION search_messages_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE service_requests r SET search_vector = coalesce(r.search_vector, ''::tsvector)
            || added.vector
        FROM (SELECT thread_id, to_tsvector('simple', string_agg(body, ' ')) AS vector
              FROM added_messages WHERE kind = 'text' GROUP BY thread_id) added
        WHERE r.thread_id = added.thread_id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_messages_added AFTER INSERT ON messages
        REFERENCING NEW TABLE AS added_messages
        FOR EACH STATEMENT EXECUTE FUNCTION search_messages_added()""",
    # An edit (or a removal) takes the old words out: the document is made again.
    """CREATE FUNCTION search_messages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE service_requests SET search_vector = search_document(
            description, requester_name, requester_email, thread_id)
        WHERE thread_id = OLD.thread_id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_messages_changed AFTER UPDATE OF body, kind OR DELETE ON messages
        FOR EACH ROW EXECUTE FUNCTION search_messages_changed()""",
    # Requests added together find the messages already in their threads (a bulk load may
    # write the messages first); one request at a time from the app finds none.
    """CREATE FUNCTION search_requests_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE service_requests r SET search_vector = r.search_vector || found.vector
        FROM (SELECT a.id, to_tsvector('simple', string_agg(m.body, ' ')) AS vector
              FROM added_requests a JOIN messages m ON m.thread_id = a.thread_id
              WHERE m.kind = 'text' GROUP BY a.id) found
        WHERE r.id = found.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_requests_added AFTER INSERT ON service_requests
        REFERENCING NEW TABLE AS added_requests
        FOR EACH STATEMENT EXECUTE FUNCTION search_requests_added()""",
    REBUILD,
    "CREATE INDEX ix_search_requests_text ON service_requests USING gin (search_vector)",
    """CREATE INDEX ix_search_requests_phone ON service_requests
        (regexp_replace(requester_phone, '[^0-9]', '', 'g')) WHERE requester_phone IS NOT NULL""",
    """CREATE INDEX ix_search_requests_email ON service_requests
        (lower(requester_email) text_pattern_ops) WHERE requester_email IS NOT NULL""",
]

# SQLite: an FTS5 table of its own (it keeps a copy of the text) with a row per request,
# rowid = the request's id.
THREAD_TEXT = (
    "(SELECT group_concat(body, ' ') FROM messages WHERE thread_id = {thread} AND kind = 'text')"
)
SQLITE = [
    """CREATE VIRTUAL TABLE search_requests_fts USING fts5(
        description, requester_name, requester_email, messages,
        tokenize = 'unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER search_requests_fts_insert AFTER INSERT ON service_requests BEGIN
        INSERT INTO search_requests_fts (rowid, description, requester_name, requester_email,
                                         messages)
        VALUES (new.id, new.description, new.requester_name, new.requester_email,
                {THREAD_TEXT.format(thread="new.thread_id")});
    END""",
    # Only when the words change: status updates do not touch the index.
    f"""CREATE TRIGGER search_requests_fts_update
        AFTER UPDATE OF description, requester_name, requester_email, thread_id
        ON service_requests BEGIN
        UPDATE search_requests_fts SET description = new.description,
            requester_name = new.requester_name, requester_email = new.requester_email,
            messages = {THREAD_TEXT.format(thread="new.thread_id")}
        WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER search_requests_fts_delete AFTER DELETE ON service_requests BEGIN
        DELETE FROM search_requests_fts WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER search_messages_fts_insert AFTER INSERT ON messages
        WHEN new.kind = 'text' BEGIN
        UPDATE search_requests_fts SET messages = coalesce(messages || ' ', '') || new.body
        WHERE rowid IN (SELECT id FROM service_requests WHERE thread_id = new.thread_id);
    END""",
    f"""CREATE TRIGGER search_messages_fts_update AFTER UPDATE OF body, kind ON messages BEGIN
        UPDATE search_requests_fts SET messages = {THREAD_TEXT.format(thread="new.thread_id")}
        WHERE rowid IN (SELECT id FROM service_requests WHERE thread_id = new.thread_id);
    END""",
    f"""CREATE TRIGGER search_messages_fts_delete AFTER DELETE ON messages
        WHEN old.kind = 'text' BEGIN
        UPDATE search_requests_fts SET messages = {THREAD_TEXT.format(thread="old.thread_id")}
        WHERE rowid IN (SELECT id FROM service_requests WHERE thread_id = old.thread_id);
    END""",
    f"""INSERT INTO search_requests_fts (rowid, description, requester_name, requester_email,
                                         messages)
        SELECT id, description, requester_name, requester_email,
               {THREAD_TEXT.format(thread="service_requests.thread_id")}
        FROM service_requests""",
]


def upgrade():
    # Staff see their team's requests, those they hold and those they entered: with this
    # index all three are index lookups the search's other conditions can be intersected with.
    op.create_index("ix_service_requests_created_by_id", "service_requests", ["created_by_id"])
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL, "sqlite": SQLITE}.get(dialect, []):
        op.execute(statement)


def downgrade():
    op.drop_index("ix_service_requests_created_by_id", table_name="service_requests")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for statement in (
            "DROP TRIGGER search_messages_changed ON messages",
            "DROP TRIGGER search_messages_added ON messages",
            "DROP TRIGGER search_requests_added ON service_requests",
            "DROP TRIGGER search_requests_document ON service_requests",
            "DROP FUNCTION search_requests_added()",
            "DROP FUNCTION search_messages_changed()",
            "DROP FUNCTION search_messages_added()",
            "DROP FUNCTION search_requests_document()",
            "DROP FUNCTION search_document(text, text, text, integer)",
            "DROP INDEX ix_search_requests_email",
            "DROP INDEX ix_search_requests_phone",
            "DROP INDEX ix_search_requests_text",
            "ALTER TABLE service_requests DROP COLUMN search_vector",
        ):
            op.execute(statement)
    elif dialect == "sqlite":
        for name in (
            "search_messages_fts_delete",
            "search_messages_fts_update",
            "search_messages_fts_insert",
            "search_requests_fts_delete",
            "search_requests_fts_update",
            "search_requests_fts_insert",
        ):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE search_requests_fts")
