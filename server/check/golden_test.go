package check_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/check"
)

// goldenCase is one legal case: a project category at a place with some
// facts declared, on a day → the verdict, the deciding rule, the article it
// rests on (the deciding rule's first citation: its document and
// article+item, "" where the rules give no article) and the questions.
type goldenCase struct {
	n         int
	category  string
	place     place
	facts     map[string]bool
	asOf      string
	verdict   string
	rule      string
	doc, art  string
	questions []string
	note      string
}

// TestGoldenLegalCases runs the golden cases (golden_cases_test.go) on
// both stores through check.Check, and holds the two stores to the same
// decision hash for each.
func TestGoldenLegalCases(t *testing.T) {
	if len(goldenCases) < 60 {
		t.Fatalf("%d golden cases, want at least 60", len(goldenCases))
	}
	envs := map[string]*goldenEnv{"memory": newGoldenEnv(t, memGolden), "postgis": newGoldenEnv(t, pgGolden)}
	known := time.Now().UTC().Format(time.RFC3339Nano)
	for _, e := range envs {
		e.knownAt = known
	}
	hashes := map[int]string{}
	for _, store := range []string{"memory", "postgis"} {
		e := envs[store]
		t.Run(store, func(t *testing.T) {
			for _, c := range goldenCases {
				r := e.checkAt(t, c.place, c.category, c.facts, c.asOf)
				checkGolden(t, store, c, r)
				if h, ok := hashes[c.n]; ok && h != r.DecisionHash {
					t.Errorf("case %d: the stores' decision hashes differ", c.n)
				}
				hashes[c.n] = r.DecisionHash
			}
		})
	}
	// Every row of the corrected matrix and every category is met.
	cats := map[string]bool{}
	places := map[place]bool{}
	for _, c := range goldenCases {
		cats[c.category] = true
		places[c.place] = true
	}
	rules := envs["memory"].app.Rules
	for _, id := range rules.CategoryIDs() {
		if !cats[id] {
			t.Errorf("no golden case for category %s", id)
		}
	}
	for pl := range placeTier2 + 1 {
		if !places[pl] {
			t.Errorf("no golden case at %v", pl)
		}
	}
}

func checkGolden(t *testing.T, store string, c goldenCase, r *check.Response) {
	t.Helper()
	where := func() string {
		return store + " case " + strconv.Itoa(c.n) + " (" + c.category + " at " + c.place.String() + " on " + c.asOf + "; " + c.note + ")"
	}
	if r.Verdict != c.verdict || r.DecidingRule != c.rule {
		t.Errorf("%s: %s by %s, want %s by %s", where(), r.Verdict, r.DecidingRule, c.verdict, c.rule)
		return
	}
	doc, art := "", ""
	if cs := r.Hits[0].Citations; len(cs) > 0 {
		doc, art = cs[0].Document, cs[0].Article+cs[0].Item
	}
	if doc != c.doc || art != c.art {
		t.Errorf("%s: rests on %s %s, want %s %s", where(), doc, art, c.doc, c.art)
	}
	var qs []string
	for _, q := range r.Questions {
		qs = append(qs, q.ID)
		if q.IfTrue.Verdict == q.IfFalse.Verdict || q.Question.ZH == "" || q.Question.EN == "" {
			t.Errorf("%s: question %+v", where(), q)
		}
	}
	if !slices.Equal(qs, c.questions) {
		t.Errorf("%s: questions %v, want %v", where(), qs, c.questions)
	}
	// Every answer says how far its layers can be relied on and what is
	// known absent, and names the rules and layers it used.
	if r.DataStatus != geo.DataIllustrative || r.DataStatusNote.ZH == "" || len(r.Absent) != 2 || r.RulesVersion == "" || len(r.Layers) == 0 {
		t.Errorf("%s: data status %q, absent %d, rules %q, layers %d", where(), r.DataStatus, len(r.Absent), r.RulesVersion, len(r.Layers))
	}
	var kinds []string
	for _, h := range r.Hits {
		kinds = append(kinds, h.Layer)
	}
	if len(r.Hits) != strings.Count(c.place.String(), "+")+1 {
		t.Errorf("%s: hits in %v, want %s", where(), kinds, c.place)
	}
}
