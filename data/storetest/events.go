package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
)

func eventStores(t *testing.T, s data.Store) (data.ChangeStore, data.HookStore) {
	t.Helper()
	cs, ok := s.(data.ChangeStore)
	hs, ok2 := s.(data.HookStore)
	if !ok || !ok2 {
		t.Fatalf("%T keeps no changes or hooks", s)
	}
	return cs, hs
}

func newID(t *testing.T) string {
	t.Helper()
	u, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	return u.String()
}

// testReevalJobs: a job is recorded once per layer version; its
// candidates are the filed checks as_of on or after its valid_from whose
// site meets a touched feature, in check id order, a batch at a time;
// a batch's changes are recorded once, with the decision they move to
// read back as the candidate's current decision; changes list by key.
func testReevalJobs(t *testing.T, open Opener) {
	s := open(t)
	cs, _ := eventStores(t, s)
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	corridor := orb.Point{119.7530, 31.7800}
	var inside []string
	for i, c := range []struct {
		p    orb.Point
		asOf time.Time
		key  string
	}{
		{corridor, AsOf, "k1"},
		{orb.Point{119.95, 31.78}, AsOf, "k1"}, // far from the corridor
		{corridor, from.AddDate(0, 0, -1), "k1"},
		{corridor, from, "k2"},
		{corridor, AsOf, "k2"},
	} {
		id := fmt.Sprintf("0190f000-0000-7000-8000-%012d", i+1)
		rec := &data.CheckRecord{ID: id, CheckedAt: at, KeyID: c.key, Reference: "ref-" + id[len(id)-2:], Category: "chemical", AsOf: c.asOf,
			Geometry: c.p, Verdict: "prohibited", DecisionHash: "sha256:old" + id[len(id)-2:],
			Document: []byte(`{"check_id":"` + id + `","verdict":"prohibited","deciding_rule":"corridor.chemical"}`)}
		if err := s.SaveCheck(ctx(t), rec); err != nil {
			t.Fatal(err)
		}
		if i == 0 || i == 3 || i == 4 {
			inside = append(inside, id)
		}
	}
	job := &data.ReevalJob{ID: newID(t), Cause: data.Cause{Layer: "xinmeng-corridor", Version: 1}, ValidFrom: from,
		Touch: []data.LayerRef{{Layer: "xinmeng-corridor", Version: 1}}, CreatedAt: at}
	ev := data.Event{ID: newID(t), Type: data.EventLayerPublished, Time: at, Data: json.RawMessage(`{"layer":"xinmeng-corridor","version":1}`)}
	for i, want := range []bool{true, false} {
		again := *job
		if i > 0 {
			again.ID = newID(t)
		}
		added, err := cs.AddReevalJob(ctx(t), &again, ev)
		if err != nil || added != want {
			t.Fatalf("add job, time %d: added %v, err %v", i+1, added, err)
		}
	}
	jobs, err := cs.ReevalJobs(ctx(t))
	if err != nil || len(jobs) != 1 || jobs[0].ID != job.ID || jobs[0].Cursor != "" || !slices.Equal(jobs[0].Touch, job.Touch) || !jobs[0].ValidFrom.Equal(from) {
		t.Fatalf("jobs %+v, err %v", jobs, err)
	}
	var got []string
	after := ""
	for range 5 {
		cands, next, err := cs.ReevalCandidates(ctx(t), job, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cands {
			got = append(got, c.Check.ID)
			if c.Current != (data.Decision{Verdict: "prohibited", Rule: "corridor.chemical", Hash: c.Check.DecisionHash}) {
				t.Errorf("%s: current %+v", c.Check.ID, c.Current)
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	if !slices.Equal(got, inside) {
		t.Fatalf("candidates %v, want %v", got, inside)
	}
	change := func(check, key string) data.Change {
		return data.Change{ID: newID(t), CheckID: check, KeyID: key, Reference: "r", Old: data.Decision{Verdict: "prohibited", Rule: "corridor.chemical", Hash: "sha256:o"},
			New: data.Decision{Verdict: "allowed", Hash: "sha256:n"}, Cause: job.Cause, JobID: job.ID, DetectedAt: at}
	}
	changes := []data.Change{change(inside[0], "k1"), change(inside[2], "k2")}
	events := []data.Event{{ID: newID(t), Type: data.EventDecisionChanged, Time: at, Data: json.RawMessage(`{}`)}, {ID: newID(t), Type: data.EventDecisionChanged, Time: at, Data: json.RawMessage(`{}`)}}
	for range 2 { // a batch redone after a crash records nothing twice
		if err := cs.SaveReevalBatch(ctx(t), job.ID, inside[2], true, changes, events); err != nil {
			t.Fatal(err)
		}
	}
	if jobs, err := cs.ReevalJobs(ctx(t)); err != nil || len(jobs) != 0 {
		t.Errorf("after the last batch: jobs %+v, err %v", jobs, err)
	}
	all, err := cs.ListChanges(ctx(t), data.ChangeQuery{AllKeys: true, Limit: 10})
	if err != nil || len(all) != 2 || all[0].CheckID != inside[0] || all[1].CheckID != inside[2] || all[0].New.Hash != "sha256:n" || all[0].Cause != job.Cause || !all[0].DetectedAt.Equal(at) {
		t.Fatalf("changes %+v, err %v", all, err)
	}
	for _, q := range []struct {
		q    data.ChangeQuery
		want []string
	}{
		{data.ChangeQuery{KeyID: "k2", Limit: 10}, []string{all[1].ID}},
		{data.ChangeQuery{KeyID: "k3", Limit: 10}, nil},
		{data.ChangeQuery{AllKeys: true, After: all[0].ID, Limit: 10}, []string{all[1].ID}},
		{data.ChangeQuery{AllKeys: true, Limit: 1}, []string{all[0].ID}},
		{data.ChangeQuery{AllKeys: true, Since: at.Add(time.Second), Limit: 10}, nil},
		{data.ChangeQuery{AllKeys: true, Since: at, Limit: 10}, []string{all[0].ID, all[1].ID}},
	} {
		cl, err := cs.ListChanges(ctx(t), q.q)
		var ids []string
		for _, c := range cl {
			ids = append(ids, c.ID)
		}
		if err != nil || !slices.Equal(ids, q.want) {
			t.Errorf("%+v: %v (err %v), want %v", q.q, ids, err, q.want)
		}
	}
	// A later job finds the changed checks at the decision they moved to.
	job2 := &data.ReevalJob{ID: newID(t), Cause: data.Cause{Layer: "xinmeng-corridor", Version: 2}, ValidFrom: from, Touch: job.Touch, CreatedAt: at}
	if _, err := cs.AddReevalJob(ctx(t), job2, data.Event{ID: newID(t), Type: data.EventLayerPublished, Time: at, Data: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	cands, _, err := cs.ReevalCandidates(ctx(t), job2, "", 10)
	if err != nil || len(cands) != 3 || cands[0].Current != changes[0].New || cands[1].Current.Hash != "sha256:old04" {
		t.Errorf("second job's candidates %+v, err %v", cands, err)
	}
}

// testOutbox: an event is queued to the hooks subscribed to its type;
// a claimed delivery is not claimed again within its lease; an attempt
// that failed is due again when it says; a stale attempt's end is
// ignored; redeliver makes a delivered one due again under its own id;
// removing a hook removes its deliveries.
func testOutbox(t *testing.T, open Opener) {
	s := open(t)
	cs, hs := eventStores(t, s)
	t0 := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	both := &data.Hook{ID: newID(t), URL: "http://127.0.0.1:1/a", Events: []string{data.EventDecisionChanged, data.EventLayerPublished}, Secret: "s1", CreatedAt: t0}
	one := &data.Hook{ID: newID(t), URL: "http://127.0.0.1:1/b", Events: []string{data.EventDecisionChanged}, Secret: "s2", CreatedAt: t0}
	for _, h := range []*data.Hook{both, one} {
		if err := hs.AddHook(ctx(t), h); err != nil {
			t.Fatal(err)
		}
	}
	hooks, err := hs.Hooks(ctx(t))
	if err != nil || len(hooks) != 2 || !slices.Equal(hooks[0].Events, both.Events) && !slices.Equal(hooks[1].Events, both.Events) {
		t.Fatalf("hooks %+v, err %v", hooks, err)
	}
	ev := data.Event{ID: newID(t), Type: data.EventLayerPublished, Time: t0, Data: json.RawMessage(`{"layer":"canal","version":2}`)}
	job := &data.ReevalJob{ID: newID(t), Cause: data.Cause{Layer: "canal", Version: 2}, ValidFrom: t0, Touch: []data.LayerRef{{Layer: "canal", Version: 1}}, CreatedAt: t0}
	if _, err := cs.AddReevalJob(ctx(t), job, ev); err != nil {
		t.Fatal(err)
	}
	claimed, err := hs.ClaimDeliveries(ctx(t), t0, time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claimed %+v, err %v", claimed, err)
	}
	d := claimed[0]
	if d.HookID != both.ID || d.URL != both.URL || d.Secret != "s1" || d.Attempts != 1 || d.Event.ID != ev.ID || string(d.Event.Data) != string(ev.Data) || !d.Event.Time.Equal(t0) || d.Event.Type != ev.Type {
		t.Errorf("claimed %+v", d)
	}
	if again, err := hs.ClaimDeliveries(ctx(t), t0.Add(30*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Errorf("claimed again within the lease: %+v, err %v", again, err)
	}
	if err := hs.FinishDelivery(ctx(t), d.ID, 1, data.DeliveryResult{Error: "503", Next: t0.Add(10 * time.Second), At: t0}); err != nil {
		t.Fatal(err)
	}
	list, err := hs.Deliveries(ctx(t), both.ID, "", 10)
	if err != nil || len(list) != 1 || list[0].Status != data.DeliveryFailed || list[0].LastError != "503" || !list[0].NextAttempt.Equal(t0.Add(10*time.Second)) || list[0].Attempts != 1 {
		t.Fatalf("deliveries %+v, err %v", list, err)
	}
	claimed, err = hs.ClaimDeliveries(ctx(t), t0.Add(10*time.Second), time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].ID != d.ID || claimed[0].Attempts != 2 {
		t.Fatalf("second claim %+v, err %v", claimed, err)
	}
	// The first attempt's late end changes nothing; the second's counts.
	if err := hs.FinishDelivery(ctx(t), d.ID, 1, data.DeliveryResult{Dead: true, Error: "late", At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := hs.FinishDelivery(ctx(t), d.ID, 2, data.DeliveryResult{Delivered: true, At: t0.Add(11 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	list, err = hs.Deliveries(ctx(t), both.ID, "", 10)
	if err != nil || len(list) != 1 || list[0].Status != data.DeliveryDelivered || !list[0].DeliveredAt.Equal(t0.Add(11*time.Second)) || !list[0].NextAttempt.IsZero() {
		t.Fatalf("after delivery %+v, err %v", list, err)
	}
	if due, err := hs.ClaimDeliveries(ctx(t), t0.Add(time.Hour), time.Minute, 10); err != nil || len(due) != 0 {
		t.Errorf("a delivered delivery was claimed: %+v, err %v", due, err)
	}
	re, err := hs.Redeliver(ctx(t), d.ID, t0.Add(2*time.Hour))
	if err != nil || re.ID != d.ID || re.Status != data.DeliveryPending || !re.Since.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("redeliver %+v, err %v", re, err)
	}
	if claimed, err := hs.ClaimDeliveries(ctx(t), t0.Add(2*time.Hour), time.Minute, 10); err != nil || len(claimed) != 1 || claimed[0].ID != d.ID || claimed[0].Attempts != 3 {
		t.Errorf("redelivered claim %+v, err %v", claimed, err)
	}
	if _, err := hs.Redeliver(ctx(t), newID(t), t0); !errors.Is(err, data.ErrHookNotFound) {
		t.Errorf("redeliver unknown: %v", err)
	}
	// decision.changed goes to both hooks.
	if err := cs.SaveReevalBatch(ctx(t), job.ID, "", true, []data.Change{{ID: newID(t), CheckID: "0190f000-0000-7000-8000-000000000009", Old: data.Decision{Verdict: "allowed"},
		New: data.Decision{Verdict: "prohibited"}, Cause: job.Cause, JobID: job.ID, DetectedAt: t0}},
		[]data.Event{{ID: newID(t), Type: data.EventDecisionChanged, Time: t0, Data: json.RawMessage(`{"x":1}`)}}); err != nil {
		t.Fatal(err)
	}
	if l, err := hs.Deliveries(ctx(t), one.ID, "", 10); err != nil || len(l) != 1 || l[0].Event.Type != data.EventDecisionChanged {
		t.Errorf("the second hook's deliveries %+v, err %v", l, err)
	}
	if l, err := hs.Deliveries(ctx(t), both.ID, "", 10); err != nil || len(l) != 2 || l[0].Event.Type != data.EventDecisionChanged {
		t.Errorf("the first hook's deliveries, newest first: %+v, err %v", l, err)
	} else if older, err := hs.Deliveries(ctx(t), both.ID, l[0].ID, 10); err != nil || len(older) != 1 || older[0].ID != d.ID {
		t.Errorf("deliveries before %s: %+v, err %v", l[0].ID, older, err)
	}
	if err := hs.RemoveHook(ctx(t), one.ID); err != nil {
		t.Fatal(err)
	}
	if err := hs.RemoveHook(ctx(t), one.ID); !errors.Is(err, data.ErrHookNotFound) {
		t.Errorf("removed twice: %v", err)
	}
	if _, err := hs.Deliveries(ctx(t), one.ID, "", 10); !errors.Is(err, data.ErrHookNotFound) {
		t.Errorf("a removed hook's deliveries: %v", err)
	}
	// Due at 3 h: the redelivered one (its lease over) and the change
	// to the first hook; none to the removed one.
	claimed, err = hs.ClaimDeliveries(ctx(t), t0.Add(3*time.Hour), time.Minute, 10)
	if err != nil || len(claimed) != 2 || claimed[0].HookID != both.ID || claimed[1].HookID != both.ID {
		t.Errorf("after removing a hook: claimed %+v, err %v", claimed, err)
	}
}

// testReevalRulesAndClaims: a rules version's job is recorded once per
// version, without an event; its candidates are every filed check as_of
// on or after its valid_from, wherever it lies. A job is claimed by one
// worker at a time, read afresh when claimed (its cursor where the last
// holder left it), and not at all once done.
func testReevalRulesAndClaims(t *testing.T, open Opener) {
	s := open(t)
	cs, _ := eventStores(t, s)
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i, c := range []struct {
		p    orb.Point
		asOf time.Time
	}{
		{orb.Point{119.7530, 31.7800}, AsOf},
		{orb.Point{119.95, 31.78}, AsOf}, // far from every layer version
		{orb.Point{119.7530, 31.7800}, from.AddDate(0, 0, -1)},
	} {
		id := fmt.Sprintf("0190f000-0000-7000-8000-%012d", i+1)
		rec := &data.CheckRecord{ID: id, CheckedAt: at, KeyID: "k", Reference: "r", Category: "chemical", AsOf: c.asOf,
			Geometry: c.p, Verdict: "prohibited", DecisionHash: "sha256:" + id,
			Document: []byte(`{"check_id":"` + id + `","verdict":"prohibited","deciding_rule":"corridor.chemical"}`)}
		if err := s.SaveCheck(ctx(t), rec); err != nil {
			t.Fatal(err)
		}
		if !c.asOf.Before(from) {
			want = append(want, id)
		}
	}
	job := &data.ReevalJob{ID: newID(t), Cause: data.Cause{RulesVersion: "2027.1.1"}, ValidFrom: from, CreatedAt: at}
	for i, wantAdded := range []bool{true, false} {
		again := *job
		if i > 0 {
			again.ID = newID(t)
		}
		if added, err := cs.AddReevalJob(ctx(t), &again, data.Event{}); err != nil || added != wantAdded {
			t.Fatalf("add rules job, time %d: added %v, err %v", i+1, added, err)
		}
	}
	jobs, err := cs.ReevalJobs(ctx(t))
	if err != nil || len(jobs) != 1 || jobs[0].Cause != job.Cause || len(jobs[0].Touch) != 0 {
		t.Fatalf("jobs %+v, err %v", jobs, err)
	}
	cands, _, err := cs.ReevalCandidates(ctx(t), &jobs[0], "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cands {
		got = append(got, c.Check.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rules job candidates %v, want %v (every site as_of from %s)", got, want, from.Format(time.DateOnly))
	}

	first, release, err := cs.ClaimReevalJob(ctx(t), job.ID)
	if err != nil || first == nil || first.ID != job.ID {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	if second, _, err := cs.ClaimReevalJob(ctx(t), job.ID); err != nil || second != nil {
		t.Fatalf("a claimed job claimed again: %+v, %v", second, err)
	}
	if err := cs.SaveReevalBatch(ctx(t), job.ID, want[0], false, nil, nil); err != nil {
		t.Fatal(err)
	}
	release()
	again, release, err := cs.ClaimReevalJob(ctx(t), job.ID)
	if err != nil || again == nil || again.Cursor != want[0] {
		t.Fatalf("claimed after release: %+v, %v; want its cursor at %s", again, err, want[0])
	}
	if err := cs.SaveReevalBatch(ctx(t), job.ID, want[len(want)-1], true, nil, nil); err != nil {
		t.Fatal(err)
	}
	release()
	if done, _, err := cs.ClaimReevalJob(ctx(t), job.ID); err != nil || done != nil {
		t.Errorf("a finished job claimed: %+v, %v", done, err)
	}
	if _, _, err := cs.ClaimReevalJob(ctx(t), newID(t)); !errors.Is(err, data.ErrNotFound) {
		t.Errorf("an unknown job claimed: %v", err)
	}
}
