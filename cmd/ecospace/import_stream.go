package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/data/postgis"
	"github.com/zhonglou/ecospace/geo"
)

// streamAbove is the size from which a GeoJSON file is imported feature
// by feature (read twice, never whole: a national layer of hundreds of MB
// would take gigabytes held at once); ECOSPACE_IMPORT_STREAM_ABOVE (bytes)
// changes it.
const streamAbove = 64 << 20

// streamImporter is a store that takes a layer one feature at a time
// (the PostGIS store).
type streamImporter interface {
	ImportStream(ctx context.Context, layer string, each postgis.FeatureSource, total int, opts data.ImportOptions) (data.ImportResult, error)
}

// importStreamed imports a big GeoJSON file feature by feature; handled is
// false when the file is not one to stream (small, not GeoJSON, not
// readable that way, or --make-valid, whose repairs need the whole
// layer), and the caller reads it whole.
func importStreamed(ctx context.Context, log *slog.Logger, def geo.LayerDef, file string, ropts layerfile.Options, from time.Time,
	backdate, makeValid, dryRun bool, dbURL string, migrate bool, stdout, stderr io.Writer) (handled bool, err error) {
	above := int64(streamAbove)
	if v, err := strconv.ParseInt(os.Getenv("ECOSPACE_IMPORT_STREAM_ABOVE"), 10, 64); err == nil {
		above = v
	}
	ext := strings.ToLower(filepath.Ext(file))
	st, err := os.Stat(file)
	if makeValid || err != nil || st.IsDir() || st.Size() <= above || (ext != ".geojson" && ext != ".json") {
		return false, nil
	}
	start := time.Now()
	s, err := layerfile.ScanGeoJSON(file, ropts)
	if errors.Is(err, layerfile.ErrNotStreamable) {
		log.Info("reading the file whole", "file", file, "reason", err)
		return false, nil
	}
	if err != nil {
		return true, err
	}
	info := s.Info
	fmt.Fprintf(stdout, "read %s: %s, %d feature(s), streamed (%.0f MB)\n  crs:        %s (%s)\n  ids:        %s\n",
		file, info.Format, info.Records, float64(st.Size())/1e6, info.CRS, info.CRSSource, info.IDSource)
	for _, w := range info.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if dryRun {
		check := data.NewFeatureCheck(def)
		if err := s.Each(func(i int, f geo.Feature) error { check.Add(i, f); return nil }); err != nil {
			return true, err
		}
		if err := check.Err(); err != nil {
			var ie *data.ImportError
			if errors.As(err, &ie) {
				printProblems(stderr, "invalid", ie.Problems)
				return true, fmt.Errorf("refused: %d of %d feature(s) of layer %s are invalid; fix them in the source data", len(ie.Problems), info.Records, def.ID)
			}
			return true, err
		}
		fmt.Fprintf(stdout, "dry run: %d feature(s) fit layer %s; nothing stored\n", info.Records, def.ID)
		return true, nil
	}
	store, err := openImportStore(ctx, log, dbURL, migrate)
	if err != nil {
		return true, fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	si, ok := store.(streamImporter)
	if !ok {
		return false, nil
	}
	if err := checkImportBackdate(ctx, store, def.ID, from, backdate); err != nil {
		if ctx.Err() != nil {
			return true, importFailed(ctx, def.ID, err, stderr)
		}
		return true, err
	}
	prog := newProgress(stderr, "import "+def.ID)
	opts := data.ImportOptions{ValidFrom: from, Backdate: backdate, Source: filepath.Base(file), Progress: prog.update}
	res, err := si.ImportStream(ctx, def.ID, func(fn func(geo.Feature) error) error {
		return s.Each(func(_ int, f geo.Feature) error { return fn(f) })
	}, info.Records, opts)
	prog.finish(err == nil)
	if err != nil {
		return true, importFailed(ctx, def.ID, err, stderr)
	}
	b := s.Info.BBox
	fmt.Fprintf(stdout, "imported\n  layer:      %s\n  version:    %d\n  valid_from: %s\n  features:   %d\n  extent:     lon %.6f … %.6f, lat %.6f … %.6f\n  elapsed:    %s\n  derived:    ",
		def.ID, res.Layer.Version, res.Layer.ValidFrom.Format(time.DateOnly), info.Records, b[0], b[2], b[1], b[3], time.Since(start).Round(time.Millisecond))
	if len(res.Derived) == 0 {
		fmt.Fprintln(stdout, "none")
	} else {
		var parts []string
		for _, d := range res.Derived {
			parts = append(parts, fmt.Sprintf("%s version %d", d.ID, d.Version))
		}
		fmt.Fprintln(stdout, strings.Join(parts, ", ")+" (recomputed)")
	}
	return true, nil
}
