-- Schema 5: what makes searches of the latest versions fast at scale.
--
-- search_docs.state is the article's state (live, gone, moved) for the
-- article's latest version, so that a search filtered by state reads no
-- articles row per hit. Triggers keep it: a new search_docs row takes the
-- article's state, and a change of an article's state or latest version
-- is copied to that version's row. A superseded version's row keeps the
-- state the article had when the version was superseded: searches "as of"
-- a date compute the state at that date from the captures instead.
ALTER TABLE search_docs ADD COLUMN state TEXT NOT NULL DEFAULT 'live'
    CHECK (state IN ('live', 'gone', 'moved'));
UPDATE search_docs SET state = (SELECT a.state FROM articles a WHERE a.id = search_docs.article_id)
    WHERE superseded_ms IS NULL;

CREATE TRIGGER search_docs_state_new AFTER INSERT ON search_docs BEGIN
    UPDATE search_docs SET state = coalesce((SELECT a.state FROM articles a WHERE a.id = NEW.article_id), 'live')
        WHERE version_id = NEW.version_id;
END;
CREATE TRIGGER search_docs_state_article AFTER UPDATE OF state, version_id ON articles
    WHEN NEW.version_id IS NOT NULL AND (NEW.state IS NOT OLD.state OR NEW.version_id IS NOT OLD.version_id) BEGIN
    UPDATE search_docs SET state = NEW.state WHERE version_id = NEW.version_id;
END;

-- The latest versions newest published first, with every column a search
-- without text filters on: listings read this index alone, in its order
-- (NULL publish times sort last when descending), and count their hits
-- without touching the table. It replaces search_docs_published, whose
-- range queries it serves as well.
CREATE INDEX search_docs_latest ON search_docs(published_ms, version_id, site, state, captured_ms)
    WHERE superseded_ms IS NULL;
DROP INDEX search_docs_published;
