package check_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zhonglou/ecospace/server/check"
	"github.com/zhonglou/ecospace/server/servertest"
)

// BenchmarkRejudge: judging a filed check again as known now, from its
// stored record (read back from the store), on each store: the unit of
// a back-dated upload's count and of the background re-evaluation.
//
//	go test ./server/check -run '^$' -bench Rejudge -benchtime 2000x
func BenchmarkRejudge(b *testing.B) {
	for _, store := range []string{"memory", "postgis"} {
		b.Run(store, func(b *testing.B) {
			app := servertest.Demo(b)
			if store == "postgis" {
				app = servertest.DemoPG(b)
			}
			c := check.New(check.Config{Store: app.Store, Rules: app.Rules})
			ctx := context.Background()
			var ids []string
			for i := range 200 {
				ans, err := c.Check(ctx, "", check.Request{
					Geometry: []byte(fmt.Sprintf(`{"type":"Point","coordinates":[%.6f,%.6f]}`, 119.75+float64(i%20)*0.01, 31.75+float64(i/20)*0.01)),
					Category: "chemical", AsOf: "2026-06-01",
				})
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, ans.Response.CheckID)
			}
			b.ResetTimer()
			for i := range b.N {
				rec, err := app.Store.Check(ctx, ids[i%len(ids)])
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.Rejudge(ctx, rec, time.Now()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rejudged/s")
		})
	}
}
