-- Audit belongs to its caller (issue 15): keys may hold scope audit (read
-- every filed check), and a key lists its own checks (GET /api/v1/checks)
-- by key_id in check id order.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['check', 'audit', 'admin']);
CREATE INDEX checks_key_id ON checks (key_id, check_id);
