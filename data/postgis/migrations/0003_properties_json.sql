-- Each feature's properties as encoding/json writes them (compact, keys
-- sorted), so that GeoJSON and OGC pages splice them in as they are instead
-- of decoding the jsonb and encoding it again, which was a quarter of the
-- server's CPU for an OGC page never asked before. jsonb keeps serving
-- filters (properties->>key). NULL for versions imported before this
-- migration: they are read the old way. Adding a nullable column rewrites
-- nothing.
ALTER TABLE features ADD COLUMN properties_json text;
