-- The crawl frontier: for each job, every URL it knows (the seen-set),
-- which of them are queued in the current pass, and what the last fetch of
-- each taught (validators for conditional GETs, kind, when it is next due).
-- Owned by archive/frontier.go; the crawler uses it through
-- archive.Frontier. It has no foreign keys into the core tables: the
-- frontier can be rebuilt or dropped without touching captures.
--
-- Conventions as in 001: times are INTEGER milliseconds since the Unix
-- epoch (UTC), columns named *_ms.

-- One row per crawl job. A pass is one sweep of the job's frontier; it is
-- unfinished (pass_finished_ms NULL) until nothing queued remains, and the
-- next run of the job resumes an unfinished pass.
CREATE TABLE frontier_jobs (
    id               INTEGER PRIMARY KEY,
    job              TEXT NOT NULL UNIQUE,
    passes           INTEGER NOT NULL DEFAULT 0, -- passes begun
    pass_started_ms  INTEGER,                    -- start of the latest pass
    pass_finished_ms INTEGER                     -- NULL while it is unfinished
) STRICT;

-- The hosts of a job: the unit of politeness. root is 1 when a depth-0 URL
-- (a seed, or where a seed redirected) is on the host.
CREATE TABLE frontier_hosts (
    id     INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES frontier_jobs(id),
    host   TEXT NOT NULL,                        -- lower case, port when not the default
    root   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (job_id, host)
) STRICT;

-- Every URL a job knows, in canonical form. id is the queue order
-- (breadth first); a URL keeps its place on later passes.
--   state: queued (to fetch in this pass), done (fetched or skipped in
--          this pass), alias (the canonical URL of another page: known,
--          never fetched on its own).
--   kind:  what the URL turned out to be (page, robots, sitemap, feed,
--          other), or before its first fetch what the link promised.
--   note:  why the last fetch failed or the URL was skipped.
--   next_due_ms: under the aging revisit policy, when the URL is next due;
--          NULL means on every pass.
CREATE TABLE frontier_urls (
    id            INTEGER PRIMARY KEY,
    job_id        INTEGER NOT NULL REFERENCES frontier_jobs(id),
    host_id       INTEGER NOT NULL REFERENCES frontier_hosts(id),
    url           TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'done', 'alias')),
    kind          TEXT NOT NULL CHECK (kind IN ('page', 'robots', 'sitemap', 'feed', 'other')),
    depth         INTEGER NOT NULL,
    redirects     INTEGER NOT NULL DEFAULT 0,
    article       INTEGER NOT NULL DEFAULT 0,
    status        INTEGER NOT NULL DEFAULT 0,    -- HTTP status of the last fetch; 0: none
    etag          TEXT,
    last_modified TEXT,
    digest        INTEGER,                       -- first 8 bytes of the SHA-256 of the last 200 body
    note          TEXT,
    first_seen_ms INTEGER NOT NULL,
    last_fetch_ms INTEGER,
    next_due_ms   INTEGER,
    UNIQUE (job_id, url)
) STRICT;
-- The queue: queued URLs per job and host, in order.
CREATE INDEX frontier_queue ON frontier_urls(job_id, host_id, id) WHERE state = 'queued';
