-- Core archive schema: runs, captures, payloads, articles, versions, events,
-- full-text search. Owned by the archive package.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
