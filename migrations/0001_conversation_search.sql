-- Inbox search (GET /api/conversations?search=): FTS5 over message text and contact names/emails, kept in
-- sync by triggers. Each index row carries the ids the inbox filters on, so a search never joins back to
-- the big tables; its rowid is the source row's rowid, which makes updates and deletes point lookups.
-- Drizzle does not model FTS5; `wrangler d1 export` skips these tables, rebuild them with the INSERTs below.
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content,
  conversation_id UNINDEXED,
  organization_id UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE VIRTUAL TABLE contacts_fts USING fts5(
  name,
  email,
  contact_id UNINDEXED,
  organization_id UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2'
);
--> statement-breakpoint
INSERT INTO messages_fts (rowid, content, conversation_id, organization_id)
  SELECT rowid, content, conversation_id, organization_id FROM messages;
--> statement-breakpoint
INSERT INTO contacts_fts (rowid, name, email, contact_id, organization_id)
  SELECT rowid, coalesce(name, ''), coalesce(email, ''), id, organization_id FROM contacts;
--> statement-breakpoint
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, content, conversation_id, organization_id)
    VALUES (new.rowid, new.content, new.conversation_id, new.organization_id);
END;
--> statement-breakpoint
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
  DELETE FROM messages_fts WHERE rowid = old.rowid;
  INSERT INTO messages_fts (rowid, content, conversation_id, organization_id)
    VALUES (new.rowid, new.content, new.conversation_id, new.organization_id);
END;
--> statement-breakpoint
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  DELETE FROM messages_fts WHERE rowid = old.rowid;
END;
--> statement-breakpoint
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO contacts_fts (rowid, name, email, contact_id, organization_id)
    VALUES (new.rowid, coalesce(new.name, ''), coalesce(new.email, ''), new.id, new.organization_id);
END;
--> statement-breakpoint
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF name, email ON contacts BEGIN
  DELETE FROM contacts_fts WHERE rowid = old.rowid;
  INSERT INTO contacts_fts (rowid, name, email, contact_id, organization_id)
    VALUES (new.rowid, coalesce(new.name, ''), coalesce(new.email, ''), new.id, new.organization_id);
END;
--> statement-breakpoint
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
  DELETE FROM contacts_fts WHERE rowid = old.rowid;
END;
