// Package data is the storage contract: what the server asks of a store
// (Store and the optional TileStore), what it passes and gets back
// (FeatureQuery, ImportOptions, ImportResult, CheckRecord, the sentinel
// errors), the layer manifest, the validation of an import (CheckFeatures),
// API keys (KeyStore, FileKeys), the layer summary and the vector tile
// building both stores share, the dates everything is kept in, the
// bundled rules file, and what follows a recorded layer version:
// re-evaluation jobs, changes, events and the webhook outbox
// (ChangeStore, HookStore: events.go).
//
// The stores live below it and import it, never the other way round:
// data/memory (the embedded store), data/postgis (PostGIS), with
// data/layerfile reading GeoJSON and Shapefiles and data/demo the bundled
// manifest and demo layers. data/storetest holds both stores to the same
// answers.
package data

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// FeatureQuery selects features of one layer.
type FeatureQuery struct {
	// AsOf selects the version in force on that date, unless Version is set.
	AsOf time.Time
	// Version is the layer version to read, as the caller resolved it with
	// Store.Layer (the server does, for its response cache key), so that
	// the store reads it without looking the version in force up again.
	// A version the layer does not have is an error wrapping ErrNoVersion.
	// Zero: the version in force on AsOf.
	Version int64
	BBox    *orb.Bound // lon/lat; nil for all
	// Exact: BBox selects the features whose geometry meets the box
	// (geo.BoundIntersects; ST_Intersects on PostGIS), not all those whose
	// bounds do. OGC API bbox queries ask for it; the map does not need it.
	Exact bool
	// Clip: the caller draws only BBox at Zoom (the map's bbox&zoom
	// reads), so a store cuts each geometry to ClipBound before it
	// simplifies it; at full resolution nothing is cut.
	Clip   bool
	Zoom   int // < 0: full resolution
	Limit  int // 0: no limit
	Offset int
	// Filter selects by property equality. On ParcelNoProperty both
	// stores look the value up in an index instead of reading the version.
	Filter map[string]string
	// RawProperties: the caller only writes the properties out, so a store
	// that keeps them encoded may give geo.Feature.PropertiesJSON instead
	// of decoding them into Properties.
	RawProperties bool
}

// ParcelNoProperty is the property a parcel register's features are
// looked up by (GET /api/v1/parcels/{number}): the parcel number in normal
// form (layerfile.MarkParcels). Both stores index it: the embedded store in
// a map built with the version, PostGIS in an expression index
// (migration 0012).
const ParcelNoProperty = "parcel_no"

// CheckRecord is one audited check.
type CheckRecord struct {
	ID        string
	CheckedAt time.Time
	Reference string
	KeyID     string
	Category  string
	AsOf      time.Time
	// KnownAt is the knowledge time the check was judged at (data.At):
	// replaying it with AsOf and KnownAt must give the same decision.
	KnownAt      time.Time
	Geometry     orb.Geometry // the site as judged input, lon/lat
	Verdict      string
	DecisionHash string
	Document     json.RawMessage // the API response, returned again by GET /checks/{id}
}

// CheckQuery selects filed checks to list (GET /api/v1/checks).
type CheckQuery struct {
	// KeyID lists the checks filed with that API key ("": those filed
	// without one), unless AllKeys.
	KeyID   string
	AllKeys bool
	// Reference, when set, must equal the check's reference.
	Reference string
	// From and To bound checked_at: From ≤ checked_at < To; zero is open.
	From, To time.Time
	// After continues a listing after this check id (canonical form).
	After string
	// Limit is how many to list at most (> 0).
	Limit int
}

// CheckSummary is a filed check as listed: who filed it, when, about
// what, and the answer, without the site or the document.
type CheckSummary struct {
	ID           string
	CheckedAt    time.Time
	Reference    string
	KeyID        string
	Category     string
	AsOf         time.Time
	Verdict      string
	DecisionHash string
}

// CheckID is the canonical form of a check id (a UUID, lower case with
// hyphens) in any spelling a UUID reader takes: upper case, urn:uuid:,
// braces, no hyphens. Both stores look checks up by it, so that they
// accept the same spellings.
func CheckID(s string) (string, bool) {
	u, err := uuid.Parse(s)
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// ImportOptions control an import.
type ImportOptions struct {
	ValidFrom time.Time // zero: today (Asia/Shanghai)
	MakeValid bool
	// Backdate allows a version valid from before the newest version's
	// valid_from (CheckBackdate; the callers also refuse a day before
	// today without it). It is recorded like any other: what was known
	// before is never rewritten.
	Backdate bool
	// RecordedAt, when set, is the recorded time of the new versions
	// instead of the commit's. Only the embedded store takes it, for the
	// bundled demo layers it loads again at every start (its layer
	// versions live in memory only): recorded as known from a fixed time,
	// the checks filed before a restart still replay. PostGIS always
	// records the commit.
	RecordedAt time.Time
	Source     string // file name, for the record
	Progress   func(done, total int)
}

// ImportResult says what an import did.
type ImportResult struct {
	// Layer is the new version of the imported layer.
	Layer geo.LayerVersion
	// Derived lists the new versions of the derived layers recomputed with
	// it (in manifest order, valid from the same date and, for a
	// back-dated import, from each later day another input changed while
	// it is in force: data.RederiveDays); a derived layer whose other
	// inputs have no version in force then is not recomputed and not
	// listed.
	Derived []geo.LayerVersion
	// Repaired lists the indices of the features repaired
	// (ImportOptions.MakeValid; only the PostGIS store repairs).
	Repaired []int
	// Duration is how long the import took, commit included.
	Duration time.Duration
}

// Store is what the server needs from storage. Both stores must give the
// same answers; the conformance suite in storetest holds them to it.
type Store interface {
	// Layers lists the layers in force on asOf, in manifest order.
	Layers(ctx context.Context, asOf time.Time) ([]geo.LayerInfo, error)
	// Layer describes one layer in force on asOf.
	Layer(ctx context.Context, id string, asOf time.Time) (geo.LayerInfo, error)
	// Features calls fn for each selected feature of a layer, in a stable
	// order (by feature id), without holding them all in memory.
	Features(ctx context.Context, id string, q FeatureQuery, fn func(geo.Feature) error) error
	// Relate answers the spatial relations of a site with the layer
	// versions in force on at.AsOf among those recorded by at.KnownAt
	// (InForce); Relations.Layers name them with their RecordedAt.
	Relate(ctx context.Context, site *geo.Site, at At) (geo.Relations, error)
	// Versions lists every version of the layers ids (all layers when
	// none), in manifest order and by version, each with its RecordedAt:
	// what the server resolves known_at and back-dating with.
	Versions(ctx context.Context, ids ...string) ([]geo.LayerInfo, error)
	// RecordRules records a rules version the first time the store sees
	// it (RecordedAt: then) and returns it as recorded.
	RecordRules(ctx context.Context, rv RulesVersion) (RulesVersion, error)
	// RulesVersions lists the rules versions recorded, oldest first.
	RulesVersions(ctx context.Context) ([]RulesVersion, error)
	// SaveCheck records a check, durably: it returns once the record is
	// stored. Check reads it back by its id in any spelling CheckID takes
	// (ErrNotFound when there is none).
	SaveCheck(ctx context.Context, rec *CheckRecord) error
	Check(ctx context.Context, id string) (*CheckRecord, error)
	// ListChecks lists filed checks in check id order (time order: ids
	// are UUIDv7), at most q.Limit of them.
	ListChecks(ctx context.Context, q CheckQuery) ([]CheckSummary, error)
	// Import makes feats the new version of a layer (and recomputes the
	// layers derived from it) in one step: all or nothing. The result
	// names every version the import made, so that callers (the import
	// command, the upload endpoint) need not ask again.
	Import(ctx context.Context, layer string, feats []geo.Feature, opts ImportOptions) (ImportResult, error)
	// Ping reports whether the store can answer.
	Ping(ctx context.Context) error
	Close() error
}
