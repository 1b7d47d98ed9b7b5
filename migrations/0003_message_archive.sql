-- Message archive (worker/archive/): search over conversations whose messages moved to R2, and the cron's walk
-- over closed conversations. Drizzle models neither (FTS5; an index on another feature's table); like 0001,
-- `wrangler d1 export` skips the FTS table: rebuild it from the R2 objects with `archiveSearchTerms`
-- (worker/archive/terms.ts).
--
-- One compact row per archived conversation: the distinct words of its archived messages, not every message's
-- text, so each word costs one entry with one position. Full detail is kept on purpose: the inbox query turns a
-- word like "foo_bar" into a two-token phrase, which detail=none/column would refuse. Its rowid is the
-- conversation_archives row's, so replacing or deleting it is a point lookup.
CREATE VIRTUAL TABLE archived_conversations_fts USING fts5(
  terms,
  conversation_id UNINDEXED,
  organization_id UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2',
  columnsize = 0
);
--> statement-breakpoint
-- Deleting a conversation (or its organisation) cascades to conversation_archives; its search row goes with it.
CREATE TRIGGER conversation_archives_fts_delete AFTER DELETE ON conversation_archives BEGIN
  DELETE FROM archived_conversations_fts WHERE rowid = old.rowid;
END;
--> statement-breakpoint
-- The archive cron walks closed conversations in (closed_at, id) order from its cursor; reopening clears
-- closed_at, so only closed and archived conversations are in this index.
CREATE INDEX conversations_closed_at ON conversations (closed_at, id) WHERE closed_at IS NOT NULL;
