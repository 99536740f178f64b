-- Schema 4: fts_tokens holds text folded with Unicode NFKC (full-width
-- Latin letters, digits and punctuation as ASCII, half-width katakana as
-- full-width), and queries are folded the same way. The indexes are
-- emptied and the watermark set back: the writer that upgrades the archive
-- indexes every version again in the background, a batch per transaction
-- (archive/index.go); until it is done, searches find only what it has
-- indexed. fts_trigram is rebuilt with it, as both share the watermark.
INSERT INTO fts_tokens(fts_tokens) VALUES ('delete-all');
INSERT INTO fts_trigram(fts_trigram) VALUES ('delete-all');
UPDATE meta SET value = '0' WHERE key = 'fts_indexed_through';
