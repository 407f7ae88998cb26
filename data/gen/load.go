package gen

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb/encoding/wkb"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
)

// Loading the written layers into a store, and checking them as an
// import would.

// Load imports the layer files written into dir into a store, in
// ImportOrder, each as version 1 valid from validFrom. It returns the
// bytes of raw WKB the layers take (16 per vertex plus headers), the
// figure the embedded store's memory is compared with.
func Load(ctx context.Context, s data.Store, dir string, validFrom time.Time, log func(format string, a ...any)) (wkbBytes int64, err error) {
	for _, id := range ImportOrder {
		start := time.Now()
		src, err := os.ReadFile(filepath.Join(dir, id+".geojson"))
		if err != nil {
			return 0, err
		}
		feats, err := layerfile.ParseGeoJSON(src)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", id, err)
		}
		for _, f := range feats {
			b, err := wkb.Marshal(f.Geometry)
			if err != nil {
				return 0, fmt.Errorf("%s/%s: %w", id, f.ID, err)
			}
			wkbBytes += int64(len(b))
		}
		if _, err := s.Import(ctx, id, feats, data.ImportOptions{ValidFrom: validFrom, Source: filepath.Join(dir, id+".geojson")}); err != nil {
			return 0, fmt.Errorf("import %s: %w", id, err)
		}
		if log != nil {
			log("loaded %s: %d features in %s", id, len(feats), time.Since(start).Round(time.Millisecond))
		}
	}
	return wkbBytes, nil
}

// Check validates every feature as an import does (closed, simple rings,
// valid polygons), on all cores.
func Check(layers map[string][]Feature) error {
	var all []Feature
	for _, id := range ImportOrder {
		all = append(all, layers[id]...)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  atomic.Int64
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(all) {
					return
				}
				if err := geo.CheckGeometry(all[i].Geom); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("gen: feature %s is invalid (a bug in the generator): %w", all[i].ID, err)
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
