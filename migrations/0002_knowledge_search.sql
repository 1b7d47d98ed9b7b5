-- Keyword search over knowledge-base chunks: an FTS5 table (BM25) that drizzle cannot model.
-- Triggers on knowledge_chunks keep it in step with every write path, including the cascades from
-- deleting an article, a group or an organisation. The FTS row shares the chunk's rowid (for cheap
-- deletes) and carries chunk_id, which searches join on. organization_id is indexed so that a search
-- matches the organisation's rows only (weight 0 in bm25). A restore (which skips *_fts tables) rebuilds it with:
--   DELETE FROM knowledge_chunks_fts;
--   INSERT INTO knowledge_chunks_fts (rowid, organization_id, title, heading, text, chunk_id)
--     SELECT c.rowid, c.organization_id, a.title, coalesce(c.heading, ''), c.text, c.id
--     FROM knowledge_chunks c JOIN knowledge_articles a ON a.id = c.article_id;
CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5(
  organization_id,
  title,
  heading,
  text,
  chunk_id UNINDEXED,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER knowledge_chunks_fts_insert AFTER INSERT ON knowledge_chunks BEGIN
  INSERT INTO knowledge_chunks_fts (rowid, organization_id, title, heading, text, chunk_id)
  VALUES (
    new.rowid,
    new.organization_id,
    (SELECT title FROM knowledge_articles WHERE id = new.article_id),
    coalesce(new.heading, ''),
    new.text,
    new.id
  );
END;

CREATE TRIGGER knowledge_chunks_fts_delete AFTER DELETE ON knowledge_chunks BEGIN
  DELETE FROM knowledge_chunks_fts WHERE rowid = old.rowid;
END;

CREATE TRIGGER knowledge_articles_fts_title AFTER UPDATE OF title ON knowledge_articles BEGIN
  UPDATE knowledge_chunks_fts SET title = new.title
  WHERE rowid IN (SELECT rowid FROM knowledge_chunks WHERE article_id = new.id);
END;
