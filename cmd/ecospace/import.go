package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/zhonglou/ecospace/data"
	"github.com/zhonglou/ecospace/data/demo"
	"github.com/zhonglou/ecospace/data/layerfile"
	"github.com/zhonglou/ecospace/geo"
)

// openImportStore opens the database store that an import writes to
// (openStore, cmd/ecospace/store.go); tests replace it. The import command
// calls it only with a database URL: it never imports into the embedded
// store, whose contents would vanish when the command exits.
var openImportStore = openStore

const importUsage = `usage:
  ecospace import --layer ID --file F [--crs CRS] [--encoding ENC] [--valid-from YYYY-MM-DD] [--backdate] [--half-width M] [--make-valid] [--dry-run] [--database-url URL]
  ecospace import --layer parcels --file F --parcel-field FIELD [--crs CRS] [--encoding ENC] [--valid-from YYYY-MM-DD] [--backdate] [--dry-run] [--database-url URL]
  ecospace import --demo [--valid-from YYYY-MM-DD] [--backdate] [--dry-run] [--database-url URL]

Reads a layer file (GeoJSON, a zipped Shapefile, a .shp beside its .shx/.dbf/.prj/.cpg,
or a directory holding one Shapefile), checks every feature against the layer's
definition and stores it as the layer's new version in PostGIS, in one transaction;
the layers derived from it are recomputed in the same transaction. A failed or
interrupted import leaves the previous version in force.

A source layer (xinmeng-river, canal) holds water surfaces: the bands are measured
from the shore. A steward who has only a centre line imports it with the channel's
half-width (--half-width 50: the water is taken as everything within 50 m of the
line); the surface is computed once and stored, and the layer, the bands derived
from it and every answer measured from it say that its origin was derived.

The parcel register (layer parcels, kind register) is never judged: it is looked up
by parcel number (GET /api/v1/parcels/{number}). --parcel-field names the field
that holds the number (宗地号); every parcel must have one, and no two the same.

Exit status: 0 imported (or, with --dry-run, the file is fit to import); 1 the file
was refused or the import failed; 2 the command line is wrong.

flags:
`

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), importUsage)
		fs.PrintDefaults()
	}
	layer := fs.String("layer", "", "id of the layer to import (see data/demo/layers.yaml)")
	file := fs.String("file", "", "layer file: .geojson/.json, .zip (Shapefile), .shp, or a directory holding one Shapefile")
	crsFlag := fs.String("crs", "", "CRS of the file's coordinates: EPSG:4326, EPSG:4490, EPSG:4549 or GCJ-02; overrides the .prj / GeoJSON crs member (default: from the file)")
	encFlag := fs.String("encoding", "", "Shapefile attribute encoding (UTF-8, GBK, GB18030, …); overrides the .cpg (default: .cpg, else detect UTF-8 / GB18030)")
	validFrom := fs.String("valid-from", "", "date the new version is in force from, YYYY-MM-DD (default: today in China; with --demo 2023-01-01)")
	halfWidth := fs.Float64("half-width", 0, "source layers: the file holds centre lines; make each the water surface within this many metres of it (noted as derived)")
	parcelField := fs.String("parcel-field", "", "the parcel register: the field holding the parcel number (宗地号), which GET /api/v1/parcels/{number} looks up")
	backdate := fs.Bool("backdate", false, "record a version valid from before the layer's newest version, or before today (China): it changes what past dates answer (without it such an import is refused)")
	makeValid := fs.Bool("make-valid", false, "repair invalid geometries in the database (ST_MakeValid) instead of refusing the import")
	dryRun := fs.Bool("dry-run", false, "read and check the file, print the summary, store nothing (needs no database)")
	demoFlag := fs.Bool("demo", false, "load the bundled demo layers instead of a file")
	dbURL := fs.String("database-url", envOr("DATABASE_URL", ""), "PostgreSQL/PostGIS URL (DATABASE_URL)")
	migrate := fs.Bool("migrate", false, "apply missing schema migrations before importing")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "ecospace import: "+format+"\n", a...)
		fmt.Fprintln(stderr, "run 'ecospace import -h' for help")
		return errUsage
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	// The command line first, the file next, and only then any work.
	man, err := demo.Manifest()
	if err != nil {
		return err
	}
	if !*demoFlag {
		var probs []string
		if *file == "" {
			probs = append(probs, "--file is required: the GeoJSON or Shapefile to import")
		} else if err := checkInputFile("--file", *file, true); err != nil {
			probs = append(probs, err.Error())
		}
		if *layer == "" {
			probs = append(probs, "--layer is required: the layer the file becomes a new version of, one of "+strings.Join(importable(man), ", "))
		}
		if len(probs) > 0 {
			if *layer == "" && *file == "" {
				probs = append(probs, "or --demo loads the bundled layers")
			}
			return bad("%s", strings.Join(probs, "\necospace import: "))
		}
	}
	if msg := checkDatabaseURL(*dbURL); msg != "" {
		return bad("%s: %s", flagName(fs, "database-url", "DATABASE_URL"), msg)
	}

	var from time.Time // zero: the store's today
	if *validFrom != "" {
		t, err := time.Parse(time.DateOnly, *validFrom)
		if err != nil {
			return bad("--valid-from %q is not a date of the form YYYY-MM-DD", *validFrom)
		}
		from = t
	}
	if *demoFlag {
		if *layer != "" || *file != "" || *crsFlag != "" || *encFlag != "" {
			return bad("--demo loads the bundled layers; it takes no --layer, --file, --crs or --encoding")
		}
		if from.IsZero() {
			from = demo.ValidFrom
		}
	}
	var crs geo.CRS
	if *crsFlag != "" {
		if crs, err = geo.ParseCRS(*crsFlag); err != nil {
			return bad("--crs: %v", err)
		}
	}
	var def geo.LayerDef
	if !*demoFlag {
		var ok bool
		if def, ok = man.Def(*layer); !ok {
			return bad("unknown layer %q; importable layers: %s", *layer, strings.Join(importable(man), ", "))
		}
		if def.Derived != nil {
			return bad("layer %s is derived from %s and recomputed whenever it changes; import %s instead", def.ID, def.Derived.Source, def.Derived.Source)
		}
	}
	if *halfWidth != 0 {
		switch {
		case *demoFlag:
			return bad("--demo loads the bundled layers; it takes no --half-width")
		case def.Kind != geo.LayerSource:
			return bad("--half-width makes water surfaces of centre lines, for source layers only; layer %s is a %s layer", def.ID, def.Kind)
		case !(*halfWidth > 0) || *halfWidth > geo.MaxHalfWidthM:
			return bad("--half-width %g: want metres, more than 0 and at most %d", *halfWidth, geo.MaxHalfWidthM)
		}
	}
	switch {
	case def.Kind == geo.LayerRegister && *parcelField == "":
		return bad("layer %s is the parcel register: --parcel-field names the field that holds the parcel number (e.g. --parcel-field 宗地号)", def.ID)
	case def.Kind != geo.LayerRegister && *parcelField != "":
		if *demoFlag {
			return bad("--demo loads the bundled layers; it takes no --parcel-field")
		}
		return bad("--parcel-field is for the parcel register (a layer of kind register); layer %s is a %s layer", def.ID, def.Kind)
	}
	if !*dryRun && *dbURL == "" {
		return bad("no database: pass --database-url or set DATABASE_URL (an import into the embedded in-memory store would vanish when this command exits); use --dry-run to only check the file")
	}
	log, err := newLogger(stderr, *logLevel)
	if err != nil {
		return bad("%v", err)
	}

	if *demoFlag {
		return importDemo(ctx, log, man, from, *backdate, *dryRun, *dbURL, *migrate, stdout)
	}

	// A big GeoJSON file goes to the database feature by feature (a
	// register's numbers are checked across the whole file: read whole).
	if def.Kind != geo.LayerRegister {
		if ok, err := importStreamed(ctx, log, def, *file, layerfile.Options{CRS: crs, Encoding: *encFlag}, from, *backdate, *makeValid, *dryRun, *dbURL, *migrate, stdout, stderr); ok {
			return err
		}
	}
	start := time.Now()
	feats, info, err := layerfile.ReadPath(*file, layerfile.Options{CRS: crs, Encoding: *encFlag})
	if err != nil {
		if errors.Is(err, layerfile.ErrNeedCRS) {
			return fmt.Errorf("%w\n(--crs names it, e.g. --crs EPSG:4549)", err)
		}
		return err
	}
	printReadInfo(stdout, stderr, *file, feats, info)
	if def.Kind == geo.LayerRegister {
		if err := layerfile.MarkParcels(feats, *parcelField); err != nil {
			return fmt.Errorf("refused: %w", err)
		}
		fmt.Fprintf(stdout, "  parcels:    %d, numbered by field %s (stored as %s)\n", len(feats), *parcelField, layerfile.ParcelNoProperty)
	}
	if *halfWidth > 0 {
		if feats, err = centreLines(def, feats, *halfWidth, stdout); err != nil {
			return err
		}
	}

	if err := checkForImport(def, feats, *makeValid, *dryRun, stderr); err != nil {
		return err
	}
	if *dryRun {
		when := data.Today().Format(time.DateOnly) + " (today)"
		if !from.IsZero() {
			when = from.Format(time.DateOnly)
		}
		fmt.Fprintf(stdout, "dry run: %d feature(s) fit layer %s; nothing stored (an import would make a new version valid from %s", len(feats), def.ID, when)
		if deps := man.DependsOn(def.ID); len(deps) > 0 {
			fmt.Fprintf(stdout, " and recompute %s", strings.Join(layerIDs(deps), ", "))
		}
		fmt.Fprintln(stdout, ")")
		return nil
	}

	store, err := openImportStore(ctx, log, *dbURL, *migrate)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	if err := checkImportBackdate(ctx, store, def.ID, from, *backdate); err != nil {
		if ctx.Err() != nil {
			return importFailed(ctx, def.ID, err, stderr)
		}
		return err
	}
	prog := newProgress(stderr, "import "+def.ID)
	opts := data.ImportOptions{ValidFrom: from, MakeValid: *makeValid, Backdate: *backdate, Source: filepath.Base(*file), Progress: prog.update}
	res, err := store.Import(ctx, def.ID, feats, opts)
	prog.finish(err == nil)
	if err != nil {
		return importFailed(ctx, def.ID, err, stderr)
	}
	fmt.Fprintf(stdout, "imported\n  layer:      %s\n  version:    %d\n  valid_from: %s\n  features:   %d", def.ID, res.Layer.Version, res.Layer.ValidFrom.Format(time.DateOnly), len(feats))
	if len(res.Repaired) > 0 {
		fmt.Fprintf(stdout, " (%d repaired with ST_MakeValid)", len(res.Repaired))
	}
	fmt.Fprintf(stdout, "\n  elapsed:    %s\n  derived:    ", time.Since(start).Round(time.Millisecond))
	if len(res.Derived) == 0 {
		fmt.Fprintln(stdout, "none")
	} else {
		var parts []string
		for _, d := range res.Derived {
			parts = append(parts, fmt.Sprintf("%s version %d", d.ID, d.Version))
		}
		fmt.Fprintln(stdout, strings.Join(parts, ", ")+" (recomputed)")
	}
	queueReevaluation(ctx, store, res, stderr)
	return nil
}

// centreLines makes the water surfaces of the centre lines of a source
// layer's file (data.SurfacesFromCentreLines) and says so.
func centreLines(def geo.LayerDef, feats []geo.Feature, halfWidth float64, stdout io.Writer) ([]geo.Feature, error) {
	out, err := data.SurfacesFromCentreLines(def, feats, halfWidth)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, f := range out {
		if geo.OriginOf(f.Properties) != nil {
			n++
		}
	}
	fmt.Fprintf(stdout, "  surfaces:   %d of %d feature(s) made from centre lines ± %g m (origin noted as derived)\n", n, len(out), halfWidth)
	return out, nil
}

// importable lists the layers a file can be imported into.
func importable(man *data.Manifest) []string {
	var ids []string
	for _, d := range man.Layers {
		if d.Derived == nil {
			ids = append(ids, d.ID)
		}
	}
	return ids
}

func layerIDs(defs []geo.LayerDef) []string {
	ids := make([]string, len(defs))
	for i, d := range defs {
		ids[i] = d.ID
	}
	return ids
}

func printReadInfo(stdout, stderr io.Writer, file string, feats []geo.Feature, info layerfile.Info) {
	format := info.Format
	if info.ShapeType != "" {
		format += " (" + info.ShapeType + ")"
	}
	fmt.Fprintf(stdout, "read %s: %s, %d feature(s)", file, format, len(feats))
	if info.Deleted > 0 {
		fmt.Fprintf(stdout, ", %d deleted record(s) skipped", info.Deleted)
	}
	fmt.Fprintf(stdout, "\n  crs:        %s (%s)\n", info.CRS, info.CRSSource)
	if info.Encoding != "" {
		fmt.Fprintf(stdout, "  encoding:   %s (%s)\n", info.Encoding, info.EncodingSource)
	}
	fmt.Fprintf(stdout, "  ids:        %s\n", info.IDSource)
	b := info.BBox
	fmt.Fprintf(stdout, "  extent:     lon %.6f … %.6f, lat %.6f … %.6f\n", b[0], b[2], b[1], b[3])
	for _, w := range info.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
}

// checkForImport checks the features against the layer definition and
// prints every problem. Without makeValid any problem refuses the import;
// with it, only problems that ST_MakeValid cannot repair do (a repeated id,
// a geometry of the wrong type).
func checkForImport(def geo.LayerDef, feats []geo.Feature, makeValid, dryRun bool, stderr io.Writer) error {
	err := data.CheckFeatures(def, feats)
	if err == nil {
		return nil
	}
	var ie *data.ImportError
	if !errors.As(err, &ie) {
		return err
	}
	var fixable, fatal []data.FeatureProblem
	for _, p := range ie.Problems {
		if makeValid && p.Index < len(feats) && geo.CheckGeometry(feats[p.Index].Geometry) != nil {
			fixable = append(fixable, p)
		} else {
			fatal = append(fatal, p)
		}
	}
	printProblems(stderr, "invalid", fatal)
	verb := "will be"
	if dryRun {
		verb = "would be"
	}
	printProblems(stderr, verb+" repaired (--make-valid)", fixable)
	if len(fatal) > 0 {
		hint := "; fix them in the source data"
		repairable := false
		for _, p := range fatal {
			repairable = repairable || (p.Index < len(feats) && geo.CheckGeometry(feats[p.Index].Geometry) != nil)
		}
		if !makeValid && repairable {
			hint += ", or pass --make-valid to have the database repair invalid geometries"
		}
		return fmt.Errorf("refused: %d of %d feature(s) of layer %s are invalid%s", len(fatal), len(feats), def.ID, hint)
	}
	return nil
}

func printProblems(w io.Writer, what string, probs []data.FeatureProblem) {
	for _, p := range probs {
		fmt.Fprintf(w, "%s: feature index %d", what, p.Index)
		if p.ID != "" {
			fmt.Fprintf(w, " (id %s)", p.ID)
		}
		if p.Pointer != "" {
			fmt.Fprintf(w, " at %s", p.Pointer)
		}
		fmt.Fprintf(w, ": %s\n", p.Reason)
	}
}

// importFailed explains a failed import.
func importFailed(ctx context.Context, layer string, err error, stderr io.Writer) error {
	var ie *data.ImportError
	switch {
	case errors.As(err, &ie):
		printProblems(stderr, "invalid", ie.Problems)
		return fmt.Errorf("refused by the store: %d invalid feature(s); the previous version of %s stays in force", len(ie.Problems), layer)
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted (%v): nothing was stored; the previous version of %s stays in force", ctx.Err(), layer)
	default:
		return fmt.Errorf("%w (nothing was stored; the previous version of %s stays in force)", err, layer)
	}
}

// importDemo loads (or, with dryRun, checks) the bundled demo layers.
func importDemo(ctx context.Context, log *slog.Logger, man *data.Manifest, from time.Time, backdate, dryRun bool, dbURL string, migrate bool, stdout io.Writer) error {
	start := time.Now()
	if dryRun {
		feats, err := demo.Features(man)
		if err != nil {
			return err
		}
		for _, d := range man.Layers {
			if d.Derived != nil || d.Kind == geo.LayerRegister {
				continue
			}
			if err := data.CheckFeatures(d, feats[d.ID]); err != nil {
				return fmt.Errorf("demo layer %s: %w", d.ID, err)
			}
			fmt.Fprintf(stdout, "demo layer %-18s %4d feature(s) ok\n", d.ID, len(feats[d.ID]))
		}
		fmt.Fprintf(stdout, "dry run: the demo layers are fit to import (valid from %s); nothing stored\n", from.Format(time.DateOnly))
		return nil
	}
	store, err := openImportStore(ctx, log, dbURL, migrate)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	for _, d := range man.Layers {
		if d.Derived == nil {
			if err := checkImportBackdate(ctx, store, d.ID, from, backdate); err != nil {
				return err
			}
		}
	}
	if err := demo.Load(ctx, store, man, data.ImportOptions{ValidFrom: from, Backdate: backdate}); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted (%v): the layer being imported was not stored; layers imported before it were", ctx.Err())
		}
		return err
	}
	infos, err := store.Layers(ctx, from)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported the demo layers, valid from %s, in %s:\n", from.Format(time.DateOnly), time.Since(start).Round(time.Millisecond))
	for _, in := range infos {
		kind := ""
		if in.Derived != nil {
			kind = " (derived)"
		}
		fmt.Fprintf(stdout, "  %-18s version %d, %d feature(s)%s\n", in.ID, in.Version, in.FeatureCount, kind)
	}
	return nil
}

// progress shows an import's progress on stderr: a bar on a terminal,
// otherwise a plain line every 10 % (at most every 2 s, at least every
// 10 s), so logs stay readable.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	desc     string
	bar      *progressbar.ProgressBar
	tty      bool
	lastPct  int
	lastLine time.Time
	started  bool
}

func newProgress(w io.Writer, desc string) *progress {
	p := &progress{w: w, desc: desc, lastPct: -1}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
	}
	return p
}

func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total <= 0 {
		return
	}
	if p.tty {
		if p.bar == nil {
			p.bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(p.w),
				progressbar.OptionSetDescription(p.desc),
				progressbar.OptionShowCount(),
				progressbar.OptionSetItsString("features"),
				progressbar.OptionShowIts(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionFullWidth())
		}
		_ = p.bar.Set(done)
		return
	}
	pct := done * 100 / total
	now := time.Now()
	due := pct/10 > p.lastPct/10 && now.Sub(p.lastLine) >= 2*time.Second
	if !p.started || done == total || due || now.Sub(p.lastLine) >= 10*time.Second {
		if p.started && pct == p.lastPct {
			return
		}
		fmt.Fprintf(p.w, "%s: %d/%d features (%d%%)\n", p.desc, done, total, pct)
		p.started, p.lastPct, p.lastLine = true, pct, now
	}
}

func (p *progress) finish(ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		if ok {
			_ = p.bar.Finish()
		}
		fmt.Fprintln(p.w)
	}
}
