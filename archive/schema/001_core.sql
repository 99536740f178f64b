-- Core archive schema: runs, URLs, header blocks, payloads, captures (with
-- the event each one caused), articles, versions, full-text indexes, locks.
-- Owned by the archive package; read it through the package's Go API.
--
-- Conventions: times are INTEGER milliseconds since the Unix epoch (UTC),
-- columns named *_ms; digests are 32-byte SHA-256 BLOBs; JSON columns hold
-- UTF-8 JSON text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One crawl run of a job: what was asked, how it ended, what it found.
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT NOT NULL,
    seeds       TEXT NOT NULL DEFAULT '[]',   -- JSON array of seed URLs
    settings    TEXT NOT NULL DEFAULT 'null', -- JSON, as the pipeline gave it
    command     TEXT NOT NULL DEFAULT '',     -- the command line that started it
    started_ms  INTEGER NOT NULL,
    finished_ms INTEGER,
    status      TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    note        TEXT NOT NULL DEFAULT '',
    summary     TEXT                          -- JSON counts written when the run finishes
) STRICT;

-- Every URL the archive mentions, stored once.
CREATE TABLE urls (
    id   INTEGER PRIMARY KEY,
    url  TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL                        -- lower case, without port
) STRICT;
CREATE INDEX urls_host ON urls(host);

-- HTTP header blocks, stored once per distinct content: "Key: value\r\n"
-- lines, keys in canonical form and sorted, values in received order.
CREATE TABLE headers (
    id     INTEGER PRIMARY KEY,
    sha256 BLOB NOT NULL UNIQUE,
    block  TEXT NOT NULL
) STRICT;

-- Raw response bodies exactly as received, once per distinct SHA-256.
-- codec: 'identity' (data is the bytes), 'zstd' (a zstd frame), or
-- 'zstd-delta' (a zstd frame compressed with the bytes of payload base_id
-- as raw dictionary; depth counts the chain, bounded so reads stay fast).
CREATE TABLE payloads (
    id      INTEGER PRIMARY KEY,
    sha256  BLOB NOT NULL UNIQUE,
    size    INTEGER NOT NULL,                 -- length of the raw bytes
    codec   TEXT NOT NULL CHECK (codec IN ('identity', 'zstd', 'zstd-delta')),
    base_id INTEGER REFERENCES payloads(id),
    depth   INTEGER NOT NULL DEFAULT 0,
    data    BLOB NOT NULL
) STRICT;

-- One article per key URL: its canonical URL when the page gives one on
-- the same site, else the URL it was captured at (keyed_on says which).
CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    url_id          INTEGER NOT NULL UNIQUE REFERENCES urls(id),
    keyed_on        TEXT NOT NULL CHECK (keyed_on IN ('canonical', 'capture')),
    state           TEXT NOT NULL CHECK (state IN ('live', 'gone', 'moved')),
    moved_to        TEXT,
    first_seen_ms   INTEGER NOT NULL,
    last_checked_ms INTEGER NOT NULL,
    last_capture_id INTEGER,                  -- captures(id)
    version_id      INTEGER,                  -- versions(id) of the latest version
    version         INTEGER NOT NULL DEFAULT 0 -- its number
) STRICT;

-- Every fetch attempt. A capture that says something about an article
-- carries article_id and the event it caused:
--   first_seen, changed, unchanged, gone, moved, restored, not_article;
-- NULL when it caused none (a list page, an error, a repeated 404).
-- Response headers are headers_id's block with headers_patch applied:
-- "Key: value\r\n" lines replace that key's values, "-Key\r\n" removes it.
CREATE TABLE captures (
    id                 INTEGER PRIMARY KEY,
    run_id             INTEGER REFERENCES runs(id),
    url_id             INTEGER NOT NULL REFERENCES urls(id),
    method             TEXT NOT NULL DEFAULT 'GET',
    started_ms         INTEGER NOT NULL,
    duration_us        INTEGER NOT NULL DEFAULT 0,
    proto              TEXT,
    status             INTEGER NOT NULL DEFAULT 0, -- 0: no response
    request_headers_id INTEGER REFERENCES headers(id),
    headers_id         INTEGER REFERENCES headers(id),
    headers_patch      TEXT,
    payload_id         INTEGER REFERENCES payloads(id),
    truncated          INTEGER NOT NULL DEFAULT 0,
    error              TEXT,
    remote_addr        TEXT,
    redirect_to        TEXT,
    charset            TEXT,
    charset_source     TEXT,
    article_id         INTEGER REFERENCES articles(id),
    version_id         INTEGER,               -- versions(id) seen or made by this capture
    event              TEXT CHECK (event IN ('first_seen', 'changed', 'unchanged', 'gone',
                                             'moved', 'restored', 'not_article'))
) STRICT;
CREATE INDEX captures_url ON captures(url_id, id);
CREATE INDEX captures_run ON captures(run_id) WHERE run_id IS NOT NULL;
CREATE INDEX captures_article ON captures(article_id, id) WHERE article_id IS NOT NULL;
-- The events that change an article's state, for "as of" questions.
CREATE INDEX captures_state ON captures(article_id, started_ms)
    WHERE event IN ('first_seen', 'gone', 'moved', 'restored');

-- One row per distinct extracted content of an article. The hashed fields
-- are columns; extra holds the rest of the extracted article as JSON.
CREATE TABLE versions (
    id             INTEGER PRIMARY KEY,
    article_id     INTEGER NOT NULL REFERENCES articles(id),
    version        INTEGER NOT NULL,          -- 1, 2, 3, … per article
    capture_id     INTEGER NOT NULL REFERENCES captures(id),
    captured_ms    INTEGER NOT NULL,          -- when this content was first seen
    superseded_ms  INTEGER,                   -- when the next version was; NULL if latest
    content_sha256 BLOB NOT NULL,             -- of the normalised hashed fields
    changed        TEXT NOT NULL DEFAULT '',  -- comma-separated fields changed from the previous version
    title          TEXT NOT NULL,
    kicker         TEXT NOT NULL,
    subtitle       TEXT NOT NULL,
    published      TEXT NOT NULL,             -- as extract gave it (RFC 3339 or a date)
    published_ms   INTEGER,                   -- the same instant, for range filters
    bylines        TEXT NOT NULL,             -- JSON array of {"name","role"}
    source         TEXT NOT NULL,
    language       TEXT NOT NULL,
    body           TEXT NOT NULL,
    extra          TEXT NOT NULL DEFAULT '{}',
    cjk            INTEGER NOT NULL DEFAULT 0, -- 1 when title or body holds Chinese, Japanese or Korean
    UNIQUE (article_id, version)
) STRICT;
CREATE INDEX versions_published ON versions(published_ms) WHERE published_ms IS NOT NULL;
CREATE INDEX versions_captured ON versions(captured_ms);

-- What search filters on, one narrow row per version (rowid = versions.id
-- = the full-text rowid), so that filtering thousands of matches does not
-- read the wide versions rows.
CREATE TABLE search_docs (
    version_id    INTEGER PRIMARY KEY,        -- versions(id)
    article_id    INTEGER NOT NULL,
    site          TEXT NOT NULL,              -- host of the article's URL
    captured_ms   INTEGER NOT NULL,
    superseded_ms INTEGER,                    -- NULL for the latest version
    published_ms  INTEGER
) STRICT;
CREATE INDEX search_docs_published ON search_docs(published_ms) WHERE superseded_ms IS NULL;

-- Full text of every version, two ways. fts_trigram reads title and body
-- from versions and answers substring queries of 3+ CJK characters. fts_tokens is fed by archive with pre-tokenised text:
-- Chinese/Japanese/Korean runs as overlapping bigrams followed by the run's
-- last character, other text as words (stemmed); it answers 1-2 character
-- Chinese queries and ranked word queries.
-- Only versions with CJK text go to fts_trigram: the queries it answers
-- all hold CJK terms, which text without any cannot match.
CREATE VIEW versions_cjk AS SELECT id, title, body FROM versions WHERE cjk = 1;
CREATE VIRTUAL TABLE fts_trigram USING fts5(
    title, body, content='versions_cjk', content_rowid='id', tokenize='trigram');
CREATE VIRTUAL TABLE fts_tokens USING fts5(
    title, body, content='', tokenize='porter unicode61 remove_diacritics 2', prefix='1');
-- Every Record commit writes a small index segment; merging 16 at a time
-- instead of 4 keeps ingest fast at little cost to queries.
INSERT INTO fts_trigram(fts_trigram, rank) VALUES ('automerge', 16);
INSERT INTO fts_tokens(fts_tokens, rank) VALUES ('automerge', 16);

-- Named advisory locks ("one run of a job at a time across processes").
CREATE TABLE locks (
    name         TEXT PRIMARY KEY,
    token        TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    acquired_ms  INTEGER NOT NULL,
    heartbeat_ms INTEGER NOT NULL
) STRICT;

-- The events of every article, for people reading the file with sqlite3.
CREATE VIEW events AS
    SELECT c.id AS capture_id, c.article_id, c.event AS kind, c.started_ms AS at_ms,
           c.run_id, c.version_id, v.changed, c.status, c.redirect_to
    FROM captures c LEFT JOIN versions v ON v.id = c.version_id AND v.capture_id = c.id
    WHERE c.event IS NOT NULL;
