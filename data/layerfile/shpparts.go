package layerfile

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhonglou/ecospace/geo"
)

// Finding the files of one Shapefile (.shp, .shx, .dbf, .prj, .cpg): in a
// zip archive or beside a .shp on disk.

const shpFileCode = 9994

// shpPart is one file of a Shapefile.
type shpPart struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
}

type shpParts struct {
	shp, shx, dbf, prj, cpg *shpPart
}

var shpExts = []string{".shp", ".shx", ".dbf", ".prj", ".cpg"}

func (p *shpParts) set(ext string, part *shpPart) {
	switch ext {
	case ".shp":
		p.shp = part
	case ".shx":
		p.shx = part
	case ".dbf":
		p.dbf = part
	case ".prj":
		p.prj = part
	case ".cpg":
		p.cpg = part
	}
}

// shapefileInZip finds the one Shapefile in a zip archive: its .shp and the
// sibling files with the same stem (case ignored), in any folder.
func shapefileInZip(zr *zip.Reader) (*shpParts, error) {
	byStem := map[string]map[string]*zip.File{}
	var shps []string
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		n := f.Name
		if strings.Contains("/"+n, "/__MACOSX/") || strings.HasPrefix(path.Base(n), "._") {
			continue
		}
		ext := strings.ToLower(path.Ext(n))
		if !slices.Contains(shpExts, ext) {
			continue
		}
		stem := strings.ToLower(strings.TrimSuffix(n, path.Ext(n)))
		if byStem[stem] == nil {
			byStem[stem] = map[string]*zip.File{}
		}
		byStem[stem][ext] = f
		if ext == ".shp" {
			shps = append(shps, stem)
		}
	}
	switch len(shps) {
	case 0:
		var names []string
		for _, f := range zr.File {
			names = append(names, zipName(f))
		}
		return nil, fmt.Errorf("the zip holds no .shp file (it holds: %s)", strings.Join(names, ", "))
	case 1:
	default:
		var names []string
		for _, s := range shps {
			names = append(names, zipName(byStem[s][".shp"]))
		}
		sort.Strings(names)
		return nil, fmt.Errorf("the zip holds %d Shapefiles (%s); zip one layer per file", len(shps), strings.Join(names, ", "))
	}
	parts := &shpParts{}
	for ext, f := range byStem[shps[0]] {
		parts.set(ext, &shpPart{name: zipName(f), size: int64(f.UncompressedSize64), open: f.Open})
	}
	return parts, nil
}

// zipName is an entry's name for people: names not flagged UTF-8 are
// usually GBK in zips made on Chinese Windows.
func zipName(f *zip.File) string {
	if f.NonUTF8 {
		if s, err := simplifiedchinese.GB18030.NewDecoder().String(f.Name); err == nil {
			return s
		}
	}
	return f.Name
}

// ReadShapefileDir reads an unzipped Shapefile: p is the .shp (its sibling
// .shx, .dbf, .prj and .cpg are found by stem, case ignored) or a directory
// holding exactly one .shp.
func ReadShapefileDir(p string, opts Options) ([]geo.Feature, Info, error) {
	feats, info, err := readShapefileDir(p, opts)
	if err != nil {
		return nil, info, fmt.Errorf("read %s: %w", p, err)
	}
	return feats, info, nil
}

func readShapefileDir(p string, opts Options) ([]geo.Feature, Info, error) {
	info := Info{Format: FormatShapefile}
	if opts.CRS != "" {
		c, err := geo.ParseCRS(string(opts.CRS))
		if err != nil {
			return nil, info, err
		}
		opts.CRS = c
	}
	dir, shpName := filepath.Dir(p), filepath.Base(p)
	if st, err := os.Stat(p); err != nil {
		return nil, info, err
	} else if st.IsDir() {
		dir, shpName = p, ""
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, info, err
	}
	if shpName == "" {
		var shps []string
		for _, e := range ents {
			if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ".shp") {
				shps = append(shps, e.Name())
			}
		}
		if len(shps) != 1 {
			return nil, info, fmt.Errorf("the directory holds %d .shp files (%s); name the .shp to read", len(shps), strings.Join(shps, ", "))
		}
		shpName = shps[0]
	}
	stem := strings.ToLower(strings.TrimSuffix(shpName, filepath.Ext(shpName)))
	parts := &shpParts{}
	for _, e := range ents {
		n := e.Name()
		ext := strings.ToLower(filepath.Ext(n))
		if e.IsDir() || !slices.Contains(shpExts, ext) || strings.ToLower(strings.TrimSuffix(n, filepath.Ext(n))) != stem {
			continue
		}
		full := filepath.Join(dir, n)
		fi, err := e.Info()
		if err != nil {
			return nil, info, err
		}
		parts.set(ext, &shpPart{name: n, size: fi.Size(), open: func() (io.ReadCloser, error) { return os.Open(full) }})
	}
	if parts.shp == nil {
		return nil, info, fmt.Errorf("%s: %w", shpName, fs.ErrNotExist)
	}
	return readShapefile(parts, opts)
}
