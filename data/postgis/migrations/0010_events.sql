-- Decisions that stay true (issue 16): after a layer version is recorded,
-- the filed decisions it may touch are judged again in the background
-- (reeval_jobs, their selected candidates and cursor: a job goes on after
-- a restart), the decisions that come out differently are recorded
-- (decision_changes), and events are delivered to webhooks from an outbox
-- (events, hooks, deliveries). Unlike the audit, these tables are not
-- append-only: a job moves its cursor, a delivery its status.

-- The audit's sites, for selecting the decisions a layer version touches
-- by a spatial join.
CREATE INDEX checks_geom ON checks USING gist (geom);

CREATE TABLE reeval_jobs (
    job_id        uuid PRIMARY KEY,
    cause_layer   text COLLATE "C" NOT NULL,
    cause_version bigint NOT NULL,
    valid_from    date NOT NULL,
    touch_layers  text[] NOT NULL,   -- with touch_versions: the layer versions
    touch_versions bigint[] NOT NULL, -- whose features select the candidates
    selected      boolean NOT NULL DEFAULT false, -- reeval_candidates holds them
    cursor_id     uuid,               -- the last check judged
    done          boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    UNIQUE (cause_layer, cause_version)
);
CREATE INDEX reeval_jobs_open ON reeval_jobs (job_id) WHERE NOT done;

-- The checks a job judges again, selected once in SQL; dropped when done.
CREATE TABLE reeval_candidates (
    job_id   uuid NOT NULL REFERENCES reeval_jobs ON DELETE CASCADE,
    check_id uuid NOT NULL,
    PRIMARY KEY (job_id, check_id)
);

CREATE TABLE decision_changes (
    change_id     uuid PRIMARY KEY,
    job_id        uuid NOT NULL REFERENCES reeval_jobs,
    check_id      uuid NOT NULL,
    key_id        text NOT NULL,
    reference     text NOT NULL,
    old_verdict   text NOT NULL,
    old_rule      text NOT NULL,
    old_hash      text NOT NULL,
    new_verdict   text NOT NULL,
    new_rule      text NOT NULL,
    new_hash      text NOT NULL,
    cause_layer   text COLLATE "C" NOT NULL,
    cause_version bigint NOT NULL,
    detected_at   timestamptz NOT NULL,
    UNIQUE (job_id, check_id)
);
CREATE INDEX decision_changes_check ON decision_changes (check_id, change_id);
CREATE INDEX decision_changes_key ON decision_changes (key_id, change_id);

CREATE TABLE events (
    event_id   uuid PRIMARY KEY,
    type       text NOT NULL,
    created_at timestamptz NOT NULL,
    data       json NOT NULL -- byte for byte: it is signed as sent
);

CREATE TABLE hooks (
    hook_id    uuid PRIMARY KEY,
    url        text NOT NULL,
    events     text[] NOT NULL CHECK (cardinality(events) > 0),
    secret     text NOT NULL, -- the HMAC key: kept, as the sender needs it
    created_at timestamptz NOT NULL
);

-- The outbox: one row per event and hook, its id the same on every
-- attempt. Senders claim due rows with FOR UPDATE SKIP LOCKED and push
-- next_attempt past their lease, so that no two send the same attempt.
CREATE TABLE deliveries (
    delivery_id  uuid PRIMARY KEY,
    hook_id      uuid NOT NULL REFERENCES hooks ON DELETE CASCADE,
    event_id     uuid NOT NULL REFERENCES events,
    status       text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    next_attempt timestamptz,
    since        timestamptz NOT NULL,
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz
);
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE status IN ('pending', 'failed');
CREATE INDEX deliveries_hook ON deliveries (hook_id, delivery_id);
