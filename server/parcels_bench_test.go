package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/servertest"
)

// registerOf is a parcel register of n parcels: 20 m squares in rows
// across the district, numbered 320404001001GB00000…, in an order other
// than their feature ids (so that neither store finds them by id order).
func registerOf(t testing.TB, n int) []geo.Feature {
	t.Helper()
	feats := make([]geo.Feature, n)
	const step = 0.0002 // about 20 m
	for i := range n {
		x, y := 119.86+float64(i%250)*step, 31.76+float64(i/250)*step
		ring := orb.Ring{{x, y}, {x + step/2, y}, {x + step/2, y + step/2}, {x, y + step/2}, {x, y}}
		feats[i] = geo.Feature{ID: fmt.Sprintf("p%06d", (i*7919)%n), Geometry: orb.Polygon{ring},
			Properties: map[string]any{"宗地号": parcelNo(i)}}
	}
	if err := layerfile.MarkParcels(feats, "宗地号"); err != nil {
		t.Fatal(err)
	}
	return feats
}

func parcelNo(i int) string { return fmt.Sprintf("320404001001GB%05d", i) }

// loadRegister imports a register of n parcels, valid from 2026-01-01.
func loadRegister(t testing.TB, app *servertest.App, n int) {
	t.Helper()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := app.Store.Import(context.Background(), "parcels", registerOf(t, n), data.ImportOptions{ValidFrom: from, Backdate: true}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkParcelLookup: GET /api/v1/parcels/{number} in a register of
// 50 000 parcels, on both stores.
//
//	go test ./server -run '^$' -bench ParcelLookup -benchtime 200x
func BenchmarkParcelLookup(b *testing.B) {
	const n = 50_000
	for _, st := range []struct {
		name string
		open func(testing.TB) *servertest.App
	}{{"embedded", servertest.Demo}, {"postgis", servertest.DemoPG}} {
		b.Run(st.name, func(b *testing.B) {
			app := st.open(b)
			loadRegister(b, app, n)
			s := serve(app)
			i := 0
			for b.Loop() {
				i = (i + 7717) % n
				rec := do(b, s, http.MethodGet, "/api/v1/parcels/"+parcelNo(i)+"?as_of=2026-06-01", "", nil)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", parcelNo(i), rec.Code, rec.Body)
				}
			}
		})
	}
}
