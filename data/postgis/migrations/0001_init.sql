-- ecospace PostGIS schema, version 1.
--
-- Coordinates. Every lon/lat geometry column (geom) is SRID 4490: CGCS2000
-- geographic longitude/latitude, axis order lon, lat as in GeoJSON. WGS84
-- input is stored as is (the two frames differ by centimetres in Jiangsu).
-- Every *_4549 column holds the same geometry in EPSG:4549 (CGCS2000 /
-- 3-degree Gauss-Kruger CM 120E, metres), projected by ecospace's own
-- geo.ProjectGeometry so that the embedded store and PostGIS measure the very
-- same coordinates; all distances and areas are computed on those columns.
--
-- History. Nothing is ever deleted or updated: an import adds a layer
-- version and closes the previous one's valid_to, and that is the only
-- UPDATE the triggers at the end of this file let through.

CREATE EXTENSION IF NOT EXISTS postgis;
-- GiST indexes that lead with (layer_id, version): every probe is scoped to
-- the layer versions in force, and a dense layer (100 000 parcels) must not
-- slow the probes of another layer in the same place.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- One row per version of a layer. A version is in force from valid_from
-- (inclusive) until valid_to (exclusive; NULL: still in force).
CREATE TABLE layer_versions (
    layer_id       text COLLATE "C" NOT NULL,
    version        bigint NOT NULL CHECK (version > 0),
    valid_from     date NOT NULL,
    valid_to       date,
    imported_at    timestamptz NOT NULL DEFAULT now(),
    source         text NOT NULL DEFAULT '',
    kind           text NOT NULL,
    feature_count  integer NOT NULL,
    repaired_count integer NOT NULL DEFAULT 0,
    geometry_type  text NOT NULL,
    bbox           float8[] NOT NULL CHECK (cardinality(bbox) = 4), -- minLon, minLat, maxLon, maxLat
    status         text NOT NULL,
    -- Derived layers: the input layer versions they were computed from,
    -- e.g. {"source": {"layer": "canal", "version": 2}, "mask": {...}, "coverage": {...}}.
    derived_from   jsonb,
    PRIMARY KEY (layer_id, version)
);
CREATE INDEX layer_versions_in_force ON layer_versions (layer_id, valid_from, version);

-- The features of each layer version. Derived layers' features are their
-- drawn bands.
CREATE TABLE features (
    layer_id   text COLLATE "C" NOT NULL,
    version    bigint NOT NULL,
    feature_id text COLLATE "C" NOT NULL, -- byte order, like the embedded store
    ord        integer NOT NULL,          -- position in the imported file
    properties jsonb NOT NULL,
    geom       geometry(Geometry, 4490) NOT NULL,
    geom_4549  geometry(Geometry, 4549) NOT NULL,
    -- exact lon/lat bounds (the GiST index keeps float4 boxes)
    min_lon float8 NOT NULL, min_lat float8 NOT NULL, max_lon float8 NOT NULL, max_lat float8 NOT NULL,
    repaired   boolean NOT NULL DEFAULT false, -- repaired with ST_MakeValid on import
    PRIMARY KEY (layer_id, version, feature_id)
    -- No foreign keys on the bulk tables (features, feature_parts,
    -- zone_parts): an import writes a version's rows and its layer_versions
    -- row in one transaction, nothing ever deletes, and checking 100 000
    -- keys at commit cost a sixth of a large import.
);
CREATE INDEX features_geom ON features USING gist (layer_id, version, geom);
CREATE INDEX features_geom_4549 ON features USING gist (layer_id, version, geom_4549);

-- Small pieces of the coverage, zone and source features (EPSG:4549):
-- polygons of more than 256 vertices cut with ST_Subdivide(geom_4549, 256),
-- lines cut into runs of at most 128 segments, so that a point test or a
-- distance probe touches a few small pieces through the index, however
-- large the zone or river.
CREATE TABLE feature_parts (
    layer_id   text COLLATE "C" NOT NULL,
    version    bigint NOT NULL,
    feature_id text COLLATE "C" NOT NULL,
    geom_4549  geometry(Geometry, 4549) NOT NULL
);
CREATE INDEX feature_parts_geom ON feature_parts USING gist (layer_id, version, geom_4549);
CREATE INDEX feature_parts_feature ON feature_parts (layer_id, version, feature_id);

-- The zones of derived (distance) layers, one per band: membership is the
-- exact distance to the source layer version (source_layer, source_version;
-- its pieces are in feature_parts) ≤ distance_m, farther than
-- min_distance_m, and inside the mask area when there is one. The drawn band
-- (buffer, quad_segs=32, ∩ area, − inner) is also the band's feature.
CREATE TABLE zones (
    layer_id       text COLLATE "C" NOT NULL,
    version        bigint NOT NULL,
    zone_id        text COLLATE "C" NOT NULL,
    ord            integer NOT NULL,
    subzone        text NOT NULL DEFAULT '',
    distance_m     float8 NOT NULL CHECK (distance_m > 0),
    min_distance_m float8 NOT NULL DEFAULT 0 CHECK (min_distance_m >= 0 AND min_distance_m < distance_m),
    mask           text NOT NULL DEFAULT '' CHECK (mask IN ('', 'inside', 'outside')),
    source_layer   text COLLATE "C" NOT NULL,
    source_version bigint NOT NULL,
    area_4549      geometry(MultiPolygon, 4549),  -- the mask area; NULL: none
    inner_4549     geometry(MultiPolygon, 4549),  -- the min_distance_m buffer; NULL: none
    drawn_4549     geometry(MultiPolygon, 4549) NOT NULL,
    PRIMARY KEY (layer_id, version, zone_id),
    FOREIGN KEY (layer_id, version) REFERENCES layer_versions DEFERRABLE INITIALLY DEFERRED,
    FOREIGN KEY (source_layer, source_version) REFERENCES layer_versions DEFERRABLE INITIALLY DEFERRED
);

-- Subdivided pieces of each derived zone's mask area, drawn band and inner
-- buffer (kind), for index-driven point tests and overlays.
CREATE TABLE zone_parts (
    layer_id  text COLLATE "C" NOT NULL,
    version   bigint NOT NULL,
    zone_id   text COLLATE "C" NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('area', 'drawn', 'inner')),
    geom_4549 geometry(Geometry, 4549) NOT NULL
);
CREATE INDEX zone_parts_geom ON zone_parts USING gist (geom_4549);

-- The audit log: every check answered, as answered. The response document
-- is kept byte for byte (json, lz4-compressed, in the row's own page when it
-- fits); its hits and layer versions are read through the check_audit view.
-- (Storing them again as jsonb columns tripled the database's CPU per
-- check, measured at 160 µs of 230: an audit row is written for every
-- check, thousands per second; an audit is read rarely.)
CREATE TABLE checks (
    check_id       uuid PRIMARY KEY,
    checked_at     timestamptz NOT NULL,
    reference      text NOT NULL DEFAULT '',
    key_id         text NOT NULL DEFAULT '',
    category       text NOT NULL,
    as_of          date NOT NULL,
    geom           geometry(Geometry, 4490) NOT NULL, -- the site as judged, lon/lat
    verdict        text NOT NULL,
    decision_hash  text NOT NULL,
    rules_version  text NOT NULL DEFAULT '',
    document       json COMPRESSION lz4 NOT NULL -- the response, byte for byte
) WITH (toast_tuple_target = 8160);
CREATE INDEX checks_checked_at ON checks (checked_at);
CREATE INDEX checks_reference ON checks (reference) WHERE reference <> '';

-- The audit with the response's parts as jsonb, for queries such as
-- "every check that hit canal-core since May".
CREATE VIEW check_audit AS
SELECT c.check_id, c.checked_at, c.reference, c.key_id, c.category, c.as_of, c.geom, c.verdict,
    c.decision_hash, c.rules_version, d.doc -> 'layers' AS layer_versions, d.doc -> 'hits' AS hits,
    d.doc -> 'coverage' AS coverage, d.doc AS document
FROM checks c CROSS JOIN LATERAL (SELECT c.document::jsonb AS doc) d;

-- Append-only: refuse DELETE, TRUNCATE and UPDATE everywhere, except
-- closing an open layer version's valid_to.
CREATE FUNCTION ecospace_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'layer_versions' THEN
        IF OLD.valid_to IS NULL AND NEW.valid_to IS NOT NULL
           AND (to_jsonb(OLD) - 'valid_to') = (to_jsonb(NEW) - 'valid_to') THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'ecospace: % on % is not allowed: history is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['layer_versions', 'features', 'feature_parts', 'zones', 'zone_parts', 'checks'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION ecospace_append_only()', t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION ecospace_append_only()', t || '_no_truncate', t);
    END LOOP;
END
$$;
