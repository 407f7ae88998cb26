-- API keys (ecospace keys create/list/revoke; checked by serve).
--
-- The key itself is never stored: only its SHA-256 (hex), which is looked
-- up directly (keys are 256 random bits, so a fast unsalted hash is safe,
-- and a slow one would only cost every request), and its first characters
-- (hint) so that an operator can tell keys apart. A key is never deleted
-- (checks in the audit log name it by id); revoking sets revoked_at once,
-- the only UPDATE the trigger lets through.
CREATE TABLE api_keys (
    key_id     text PRIMARY KEY,
    name       text NOT NULL CHECK (name <> ''),
    scopes     text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['check', 'admin']),
    key_hash   text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    hint       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE FUNCTION ecospace_api_keys_revoke_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
       AND (to_jsonb(OLD) - 'revoked_at') = (to_jsonb(NEW) - 'revoked_at') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ecospace: % on api_keys is not allowed: keys are only ever created and revoked', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER api_keys_revoke_only BEFORE UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION ecospace_api_keys_revoke_only();
CREATE TRIGGER api_keys_no_truncate BEFORE TRUNCATE ON api_keys
    FOR EACH STATEMENT EXECUTE FUNCTION ecospace_api_keys_revoke_only();
