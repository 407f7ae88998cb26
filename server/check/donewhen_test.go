package check_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/geo"
)

// TestDoneWhen is issue 13's "Done when" list, one named subtest each, on
// both stores, through the check pipeline on the demo layers.
func TestDoneWhen(t *testing.T) {
	for _, store := range []struct {
		name string
		env  func(*testing.T) *goldenEnv
	}{
		{"memory", func(t *testing.T) *goldenEnv { return newGoldenEnv(t, memGolden) }},
		{"postgis", func(t *testing.T) *goldenEnv { return newGoldenEnv(t, pgGolden) }},
	} {
		t.Run(store.name, func(t *testing.T) {
			e := store.env(t)
			t.Run("PollutingDischargeToWater500mFromXinmengShoreIsProhibitedBy30_5", func(t *testing.T) {
				r := e.checkAt(t, placeLand500, "polluting-industry", map[string]bool{"discharges_to_water": true}, "2026-12-06")
				band := r.Hits[0]
				c := band.Citations[0]
				if r.Verdict != geo.EffectProhibited || band.Layer != "xinmeng-band" || band.Subzone != "land" ||
					band.DistanceM < 450 || band.DistanceM > 550 || c.Title != "《太湖流域管理条例》（国务院令第604号）" || c.Article+c.Item != "第三十条（五）" ||
					c.QuoteStatus != geo.QuoteRead || c.Application != geo.ApplicationSettled {
					t.Errorf("%s at %.3f m: %+v", r.Verdict, band.DistanceM, c)
				}
			})
			t.Run("ElectroplatingAnywhereIsProhibitedByTheJiangsuTaihuRegulation", func(t *testing.T) {
				for pl := range placeCount {
					r := e.checkAt(t, pl, "np-emitting-industry", nil, "2026-12-06")
					tier := r.Hits[len(r.Hits)-1]
					for _, h := range r.Hits {
						if h.Layer == "taihu-tier" {
							tier = h
						}
					}
					if r.Verdict != geo.EffectProhibited || tier.Effect != geo.EffectProhibited || tier.Citations[0].Document != "js-taihu" ||
						!strings.Contains(tier.Citations[0].Title, "江苏省太湖水污染防治条例") || !strings.Contains(tier.Citations[0].Quote, "电镀") {
						t.Errorf("at %v: %s, tier hit %+v", pl, r.Verdict, tier)
					}
				}
				// Outside every named zone the Jiangsu regulation decides.
				r := e.checkAt(t, placeTier3, "np-emitting-industry", nil, "2026-12-06")
				if r.DecidingRule != "taihu-tier.np-emitting-industry" || r.Hits[0].Citations[0].Document != "js-taihu" {
					t.Errorf("outside every named zone: %s", r.DecidingRule)
				}
			})
			t.Run("SewageOutfallInCanalRiversideSpaceIsRestricted", func(t *testing.T) {
				r := e.checkAt(t, placeRiverside, "sewage-outfall", nil, "2026-12-06")
				if r.Verdict != geo.EffectRestricted || r.Hits[0].Condition == nil || r.Hits[0].Citations[0].Quote != "严格入河排污口的审批、监督和管理" {
					t.Errorf("%s by %s", r.Verdict, r.DecidingRule)
				}
			})
			t.Run("CentralWorksOutfallInXinmengBandIsRestrictedAsAnInterpretation", func(t *testing.T) {
				// Both hits restrict; the band's rests on 第三十条（五） as an
				// interpretation (第二十九条 exempts a central works' outfall;
				// whether 第三十条（五） reaches it is not settled).
				r := e.checkAt(t, placeLand, "sewage-works-outfall", nil, "2026-12-06")
				var band *geo.Hit
				for i, h := range r.Hits {
					if h.Layer == "xinmeng-band" {
						band = &r.Hits[i]
					}
				}
				if r.Verdict != geo.EffectRestricted || band == nil || band.Effect != geo.EffectRestricted {
					t.Fatalf("%s by %s, band hit %+v", r.Verdict, r.DecidingRule, band)
				}
				c := band.Citations[0]
				if c.Article+c.Item != "第三十条（五）" || c.Application != geo.ApplicationInterpretation || c.Note.ZH == "" || c.Note.EN == "" ||
					band.Citations[1].Article+band.Citations[1].Item != "第二十九条（二）" {
					t.Errorf("band citations %+v", band.Citations)
				}
				// Any other outfall in the band is banned (第三十条（六）, 第二十九条（二）).
				if r := e.checkAt(t, placeLand, "sewage-outfall", nil, "2026-12-06"); r.Verdict != geo.EffectProhibited {
					t.Errorf("any other outfall: %s", r.Verdict)
				}
			})
			t.Run("ChemicalWithNoFacts1500mFromTheRiverIsNotABareAllowed", func(t *testing.T) {
				r := e.checkAt(t, placeFar1500, "chemical", nil, "2026-12-06")
				if r.Verdict == geo.EffectAllowed || len(r.Questions) == 0 {
					t.Fatalf("%s with questions %v", r.Verdict, r.Questions)
				}
				q := r.Questions[0]
				if r.Verdict != geo.EffectRestricted || q.ID != "emits_n_p" || q.IfTrue.Verdict != geo.EffectProhibited || q.IfFalse.Verdict != geo.EffectRestricted ||
					q.IfTrue.Citation == nil || q.IfTrue.Citation.Document != "js-taihu" {
					t.Errorf("%s, question %+v", r.Verdict, q)
				}
				// Answering the question settles it.
				if r := e.checkAt(t, placeFar1500, "chemical", map[string]bool{"emits_n_p": true}, "2026-12-06"); r.Verdict != geo.EffectProhibited || len(r.Questions) != 0 {
					t.Errorf("declared N/P: %s, questions %v", r.Verdict, r.Questions)
				}
			})
			t.Run("EveryAnswerSaysWhetherItsLayersAreIllustrative", func(t *testing.T) {
				for _, c := range []string{"ecological", "chemical"} {
					for pl := range placeCount {
						r := e.checkAt(t, pl, c, nil, "2026-12-06")
						if r.DataStatus != geo.DataIllustrative || !strings.Contains(r.DataStatusNote.ZH, "示意") || !strings.Contains(r.DataStatusNote.EN, "illustrative") {
							t.Errorf("%s at %v: data status %q %+v", c, pl, r.DataStatus, r.DataStatusNote)
						}
					}
				}
				// On official layers the answer says so, without a note.
				ctx := context.Background()
				official := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
				for _, d := range e.app.Manifest.Layers {
					if d.Derived != nil || d.Kind == geo.LayerRegister { // the demo holds no parcel register
						continue
					}
					var feats []geo.Feature
					if err := e.app.Store.Features(ctx, d.ID, data.FeatureQuery{AsOf: goldenDay, Zoom: -1}, func(f geo.Feature) error {
						p := map[string]any{}
						for k, v := range f.Properties {
							p[k] = v
						}
						p["status"] = "official"
						f.Properties = p
						feats = append(feats, f)
						return nil
					}); err != nil {
						t.Fatal(err)
					}
					if _, err := e.app.Store.Import(ctx, d.ID, feats, data.ImportOptions{ValidFrom: official}); err != nil {
						t.Fatal(err)
					}
				}
				r := e.checkAt(t, placeLand, "chemical", nil, "2027-06-01")
				if r.DataStatus != geo.DataOfficial || r.DataStatusNote != (geo.Text{}) {
					t.Errorf("official layers: %q %+v", r.DataStatus, r.DataStatusNote)
				}
				for _, l := range r.Layers {
					if l.Status != geo.DataOfficial {
						t.Errorf("layer %+v", l)
					}
				}
			})
		})
	}
}
