-- The parcel register is looked up by parcel number (GET
-- /api/v1/parcels/{number}, a FeatureQuery filter on properties->>'parcel_no'):
-- without an index every lookup read the whole register version (50 000
-- parcels: 19 ms a lookup). The index holds only the features that have a
-- number (the register's); feature_id last, so that the lookup's ORDER BY
-- feature_id is the index order. The query states the property by name, as
-- written here, for the planner to use it.
CREATE INDEX features_parcel_no ON features (layer_id, version, (properties->>'parcel_no'), feature_id)
    WHERE (properties->>'parcel_no') IS NOT NULL;
