-- Two times (issue 16). Every layer version keeps, beside its valid
-- period, when ecospace learned it: recorded_at, set by the import just
-- before it commits (while it holds the import lock, so that versions
-- are recorded in the order they commit) and never changed after. The
-- version in force on a day, as known at a time, is the one with the
-- latest valid_from on or before the day among the versions recorded at
-- or before that time (the highest version of equal valid_from);
-- valid_to is no longer kept nor read: a back-dated version would
-- otherwise have to rewrite what was known before.
ALTER TABLE layer_versions ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT 'infinity';

-- Append-only, as before, with one more update let through: an import
-- sets its versions' recorded_at once, from 'infinity' (not yet
-- recorded: no query sees them) to the time it commits.
CREATE OR REPLACE FUNCTION ecospace_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'layer_versions' THEN
        IF OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL
           AND (to_jsonb(OLD) - 'valid_to') = (to_jsonb(NEW) - 'valid_to') THEN
            RETURN NEW;
        END IF;
        IF OLD.recorded_at = 'infinity' AND NEW.recorded_at < 'infinity'
           AND (to_jsonb(OLD) - 'recorded_at') = (to_jsonb(NEW) - 'recorded_at') THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'ecospace: % on % is not allowed: history is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

-- The versions imported before: learned when they were imported.
UPDATE layer_versions SET recorded_at = imported_at;

-- Rules versions: the rules file a server runs is recorded the first
-- time the store sees it.
CREATE TABLE rules_versions (
    version     text COLLATE "C" PRIMARY KEY,
    valid_from  date NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE TRIGGER rules_versions_append_only BEFORE UPDATE OR DELETE ON rules_versions
    FOR EACH ROW EXECUTE FUNCTION ecospace_append_only();
CREATE TRIGGER rules_versions_no_truncate BEFORE TRUNCATE ON rules_versions
    FOR EACH STATEMENT EXECUTE FUNCTION ecospace_append_only();

-- A filed check's knowledge time: replaying it (GET
-- /api/v1/checks/{id}/replay) judges it again as known then. NULL for
-- checks filed before it was kept.
ALTER TABLE checks ADD COLUMN known_at timestamptz;

-- The audit view shows it too (appended: the view's columns keep their order).
CREATE OR REPLACE VIEW check_audit AS
SELECT c.check_id, c.checked_at, c.reference, c.key_id, c.category, c.as_of, c.geom, c.verdict,
    c.decision_hash, c.rules_version, d.doc -> 'layers' AS layer_versions, d.doc -> 'hits' AS hits,
    d.doc -> 'coverage' AS coverage, d.doc AS document, c.known_at
FROM checks c CROSS JOIN LATERAL (SELECT c.document::jsonb AS doc) d;
