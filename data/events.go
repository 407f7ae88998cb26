package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// What happens after a layer version is recorded: every filed decision it
// may touch is judged again in the background (a re-evaluation job,
// server/reeval), each decision whose verdict or deciding rule came out
// differently is recorded as a Change, and both the new version and each
// change become events that webhooks deliver (server/hooks) from an
// outbox. These are the store's parts of it; both stores implement
// ChangeStore and HookStore. PostGIS keeps all of it in tables (durable,
// shared by every instance on the database); the embedded store keeps it
// in memory only.

// The event types.
const (
	EventDecisionChanged = "decision.changed"
	EventLayerPublished  = "layer.published"
)

// EventTypes lists the event types a hook may subscribe to.
func EventTypes() []string { return []string{EventDecisionChanged, EventLayerPublished} }

// Event is one thing that happened, delivered to every hook subscribed to
// its type.
type Event struct {
	ID   string // UUIDv7
	Type string
	Time time.Time
	Data json.RawMessage // the event's own object
}

// LayerRef names one layer version.
type LayerRef struct {
	Layer   string `json:"layer"`
	Version int64  `json:"version"`
}

// Cause is what a re-evaluation job, and each change it finds, comes
// from: a recorded layer version (Layer, Version) or a rules version a
// server started with that the store had not recorded before
// (RulesVersion). As JSON a layer cause is {"layer","version"} and a
// rules cause {"rules_version"}.
type Cause struct {
	Layer        string `json:"layer,omitempty"`
	Version      int64  `json:"version,omitempty"`
	RulesVersion string `json:"rules_version,omitempty"`
}

// IsRules reports whether the cause is a rules version.
func (c Cause) IsRules() bool { return c.RulesVersion != "" }

// ReevalJob is the re-evaluation of the filed decisions after one layer
// version (with the derived versions recomputed with it) or one rules
// version was recorded.
type ReevalJob struct {
	ID string // UUIDv7
	// Cause is the recorded layer or rules version.
	Cause     Cause
	ValidFrom time.Time // the new version's: decisions as_of before it are not touched
	// Touch are the new layer versions (the imported one and the derived
	// ones recomputed with it); none for a rules version, which touches
	// every filed decision as_of on or after ValidFrom wherever it is. The decisions judged again are those whose
	// site meets (by bounding box) a feature of any version of these
	// layers in force on some day from ValidFrom on: the new versions,
	// those they replaced and any valid later, so that a version recorded
	// with an earlier valid_from than others is covered too.
	Touch []LayerRef
	// Cursor is the last check id the job has judged ("": none yet); the
	// job goes on after it, in check id order, after a restart too.
	Cursor    string
	Done      bool
	CreatedAt time.Time
}

// Decision is what a check answered, or would answer now.
type Decision struct {
	Verdict string `json:"verdict"`
	Rule    string `json:"deciding_rule"`
	Hash    string `json:"decision_hash"`
}

// Filed is the decision a check was filed with: the record's verdict and
// hash, and its document's deciding rule.
func Filed(rec *CheckRecord) (Decision, error) {
	var doc struct {
		DecidingRule string `json:"deciding_rule"`
	}
	if err := json.Unmarshal(rec.Document, &doc); err != nil {
		return Decision{}, fmt.Errorf("check %s: document: %w", rec.ID, err)
	}
	return Decision{Verdict: rec.Verdict, Rule: doc.DecidingRule, Hash: rec.DecisionHash}, nil
}

// ReevalCandidate is a filed check a job judges again, with the decision
// it stands at: that of its latest change, else as filed.
type ReevalCandidate struct {
	Check   *CheckRecord
	Current Decision
}

// Change is a filed decision that comes out differently after a layer
// or rules version was recorded.
type Change struct {
	ID         string // UUIDv7, in the order found
	CheckID    string
	KeyID      string
	Reference  string
	Old, New   Decision
	Cause      Cause
	JobID      string
	DetectedAt time.Time
}

// ChangeQuery selects changes to list (GET /api/v1/changes).
type ChangeQuery struct {
	// KeyID lists the changes of checks filed with that key, unless
	// AllKeys.
	KeyID   string
	AllKeys bool
	// After continues after this change id; Since lists changes detected
	// at or after it (zero: any).
	After string
	Since time.Time
	Limit int // > 0
}

// ChangeStore keeps re-evaluation jobs and the changes they find.
type ChangeStore interface {
	// AddReevalJob records a job with its layer.published event (none for
	// a rules version: published.ID empty), once per cause: added is false
	// when the version had one already (an import announced twice, by its
	// importer and by NOTIFY; a rules version seen by two servers).
	AddReevalJob(ctx context.Context, job *ReevalJob, published Event) (added bool, err error)
	// ReevalJobs lists the unfinished jobs, oldest first.
	ReevalJobs(ctx context.Context) ([]ReevalJob, error)
	// ClaimReevalJob claims an unfinished job for the caller alone, so
	// that two workers (two instances on one database) never judge one
	// job at once. job is nil when another worker holds it or it is
	// done; else it is the job as the store has it now (its cursor where
	// the last holder left it), and release gives it up. A process that
	// dies gives up its claims with it.
	ClaimReevalJob(ctx context.Context, jobID string) (job *ReevalJob, release func(), err error)
	// ReevalCandidates gives the next filed checks after the check id
	// after that the job must judge again (as_of on or after its
	// ValidFrom, the site meeting a feature of a version of Touch's layers
	// in force from ValidFrom on; any site for a rules version), in
	// check id order,
	// at most limit, and the cursor to go on from: the last check id
	// looked at, "" when there are none left.
	ReevalCandidates(ctx context.Context, job *ReevalJob, after string, limit int) (cands []ReevalCandidate, next string, err error)
	// SaveReevalBatch records a batch's changes with their decision.changed
	// events (events[i] is changes[i]'s) and moves the job's cursor, all or nothing: a batch cut
	// short by a crash is judged again, and a change already recorded for
	// the job and check is not recorded twice.
	SaveReevalBatch(ctx context.Context, jobID, cursor string, done bool, changes []Change, events []Event) error
	// ListChanges lists changes in change id order.
	ListChanges(ctx context.Context, q ChangeQuery) ([]Change, error)
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed" // an attempt failed; another is due at NextAttempt
	DeliveryDead      = "dead"   // retried until its deadline without success
)

// Hook is a registered webhook endpoint.
type Hook struct {
	ID        string
	URL       string
	Events    []string
	Secret    string
	CreatedAt time.Time
}

// Delivery is one event to one hook: its id stays the same across every
// attempt, so that a receiver can tell a retry from a new event.
type Delivery struct {
	ID          string
	HookID      string
	Event       Event
	Status      string
	Attempts    int
	LastError   string
	NextAttempt time.Time // zero once delivered or dead
	// Since is when its current run of attempts began: when it was queued,
	// or redelivered; the sender gives up (dead) a while after it.
	Since       time.Time
	CreatedAt   time.Time
	DeliveredAt time.Time
	// URL and Secret are the hook's, for the sender (ClaimDeliveries).
	URL, Secret string
}

// DeliveryResult is how one attempt ended.
type DeliveryResult struct {
	Delivered bool
	Error     string    // why not
	Next      time.Time // when to try again, unless Dead
	Dead      bool
	At        time.Time
}

// ErrHookNotFound: there is no such hook or delivery.
var ErrHookNotFound = errors.New("no such hook or delivery")

// HookStore keeps webhooks and their outbox of deliveries. Recording an
// event (AddReevalJob, SaveReevalBatch) queues a delivery to every hook
// subscribed to its type, in the same step.
type HookStore interface {
	AddHook(ctx context.Context, h *Hook) error
	Hooks(ctx context.Context) ([]Hook, error)
	// RemoveHook removes a hook and its pending deliveries.
	RemoveHook(ctx context.Context, id string) error
	// Deliveries lists a hook's deliveries, newest first, after the
	// delivery id before ("": from the newest), at most limit.
	Deliveries(ctx context.Context, hookID, before string, limit int) ([]Delivery, error)
	// Redeliver makes a delivery due again at now, its attempts begun
	// anew (Since: now); its id stays.
	Redeliver(ctx context.Context, id string, now time.Time) (Delivery, error)
	// ClaimDeliveries takes up to limit deliveries due at now for one
	// attempt each: their attempt count goes up and they are not due
	// again before now+lease, so that another instance claiming at the
	// same time skips them (FOR UPDATE SKIP LOCKED on PostGIS).
	ClaimDeliveries(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Delivery, error)
	// FinishDelivery records how the attempt-th attempt ended; an attempt
	// that is no longer the latest (its lease ran out and another took
	// over) changes nothing.
	FinishDelivery(ctx context.Context, id string, attempt int, r DeliveryResult) error
}
