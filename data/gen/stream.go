package gen

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/zhonglou/ecospace/geo"
)

// zoneBatch is how many zones are drawn, then checked on all cores, then
// written, at a time.
const zoneBatch = 512

// writeZones draws the zone layers and writes them as they are drawn:
// batches of zoneBatch zones are checked in parallel (when o.Check), then
// written in order to the eco-control and green-line files.
func (g *generator) writeZones(dir string, sum *Summary, count func(id string, f Feature)) error {
	ids := []string{"xinmeng-corridor", "green-corridors"}
	var files [2]*os.File
	var bufs [2]*bufio.Writer
	var cws [2]*countWriter
	var fws [2]*featureWriter
	for i, id := range ids {
		f, err := os.Create(filepath.Join(dir, id+".geojson"))
		if err != nil {
			return err
		}
		defer f.Close()
		files[i] = f
		cws[i] = &countWriter{w: f}
		bufs[i] = bufio.NewWriterSize(cws[i], 1<<20)
		fws[i] = &featureWriter{w: bufs[i]}
	}
	type item struct {
		f   Feature
		eco bool
	}
	batch := make([]item, 0, zoneBatch)
	flush := func() error {
		if g.o.Check {
			errs := make([]error, len(batch))
			var wg sync.WaitGroup
			workers := runtime.GOMAXPROCS(0)
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := w; i < len(batch); i += workers {
						errs[i] = geo.CheckGeometry(batch[i].f.Geom)
					}
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					return fmt.Errorf("gen: feature %s is invalid (a bug in the generator): %w", batch[i].f.ID, err)
				}
			}
		}
		for _, it := range batch {
			k := 1
			if it.eco {
				k = 0
			}
			if err := fws[k].add(it.f); err != nil {
				return err
			}
			count(ids[k], it.f)
		}
		batch = batch[:0]
		return nil
	}
	if err := g.eachZone(func(f Feature, eco bool) error {
		batch = append(batch, item{f, eco})
		if len(batch) == zoneBatch {
			return flush()
		}
		return nil
	}); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	for i, id := range ids {
		if err := fws[i].close(); err != nil {
			return err
		}
		if err := bufs[i].Flush(); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		if err := files[i].Close(); err != nil {
			return err
		}
		sum.Files[id+".geojson"] = cws[i].n
	}
	return nil
}
