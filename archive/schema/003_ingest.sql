-- Schema 3: what makes ingest cheaper.
--
-- Full-text indexing is deferred and batched (archive/index.go): a
-- version is stored by its Record's transaction and added to fts_trigram
-- and fts_tokens by a later one, together with the versions recorded
-- around it. meta 'fts_indexed_through' is the watermark: the versions
-- whose id is at most this value are in the full-text indexes, the others
-- are waiting to be added. Archives written before this schema indexed
-- every version as it was recorded.
INSERT INTO meta (key, value)
    SELECT 'fts_indexed_through', CAST(coalesce(max(id), 0) AS TEXT) FROM versions;

-- The first 8 bytes of the SHA-256 of each normalised versioned field, in
-- the order of archive.ContentFields, so that the fields a new version
-- changes are found without reading and normalising the previous version
-- again. NULL for versions recorded before this schema (their fields are
-- compared as before).
ALTER TABLE versions ADD COLUMN field_hashes BLOB;
