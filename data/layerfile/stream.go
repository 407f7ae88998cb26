package layerfile

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// ErrNotStreamable: the file cannot be read feature by feature (not a
// UTF-8 FeatureCollection, or its "crs" member comes after its features);
// read it whole instead.
var ErrNotStreamable = errors.New("the file cannot be read feature by feature")

// GeoJSONStream reads a GeoJSON FeatureCollection file one feature at a
// time, for files too big to hold (a national layer of hundreds of MB):
// ScanGeoJSON reads it once for what must be known before the first
// feature is handed out (the CRS, the count, whether the ids are unique),
// and Each reads it again, handing out the features as Read would give
// them: lon/lat, RFC 7946 ring orientation, the same ids and "id"
// property. Memory: one feature, and the ids.
type GeoJSONStream struct {
	path string
	opts Options
	// Info is how the file is read; BBox (and a warning about it) is known
	// once Each has run.
	Info     Info
	ids      []string // the candidate ids, when they are the ids
	useIDs   bool
	bboxDone bool
}

// ScanGeoJSON reads the file at path once and prepares it to be streamed.
// Files the stream cannot read give ErrNotStreamable.
func ScanGeoJSON(path string, opts Options) (*GeoJSONStream, error) {
	if opts.CRS != "" {
		c, err := geo.ParseCRS(string(opts.CRS))
		if err != nil {
			return nil, err
		}
		opts.CRS = c
	}
	s := &GeoJSONStream{path: path, opts: opts, Info: Info{Format: FormatGeoJSON, Encoding: "UTF-8", EncodingSource: "RFC 7946"}}
	var ids []string
	var fileCRS json.RawMessage
	err := s.walk(func(crs json.RawMessage) error {
		fileCRS = crs
		return nil
	}, func(i int, f *streamFeature) error {
		ids = append(ids, geoJSONID(f.ID, f.Properties))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	crs, desc, err := geoJSONCRS(fileCRS)
	if err != nil && opts.CRS == "" {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	switch {
	case opts.CRS != "":
		s.Info.CRS, s.Info.CRSSource = opts.CRS, "given explicitly"
		if err != nil {
			s.Info.warnf("ignored the crs member (%v) because %s was given", err, opts.CRS)
		} else if crs != "" && crs != opts.CRS {
			s.Info.warnf("the GeoJSON crs member says %s but %s was given; using %s", desc, opts.CRS, opts.CRS)
		}
	case crs != "":
		s.Info.CRS, s.Info.CRSSource = crs, "GeoJSON crs member "+desc
	default:
		s.Info.CRS, s.Info.CRSSource = geo.CRS84, "RFC 7946 default: lon/lat"
	}
	s.Info.Records = len(ids)
	// As assignIDs decides: the candidates when all are there and unique.
	s.useIDs = true
	const label = `"id" member or property`
	first := make(map[string]int, len(ids))
	for i, id := range ids {
		if id == "" {
			s.Info.warnf("%s is empty for record %d; ids are the record numbers instead", label, i+1)
			s.useIDs = false
			break
		}
		if j, dup := first[id]; dup {
			s.Info.warnf("%s %q repeats (records %d and %d); ids are the record numbers instead", label, id, j+1, i+1)
			s.useIDs = false
			break
		}
		first[id] = i
	}
	s.Info.IDSource = "record number"
	if s.useIDs {
		s.ids, s.Info.IDSource = ids, label
	}
	return s, nil
}

// Each reads the file again and calls fn with each feature, in order. A
// feature whose geometry cannot be read is reported (with up to 19
// others) when the file has been read, fn having been called for the
// others; fn's first error stops the reading.
func (s *GeoJSONStream) Each(fn func(i int, f geo.Feature) error) error {
	var bad badRecords
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	n := 0
	err := s.walk(nil, func(i int, f *streamFeature) error {
		g, err := geo.DecodeGeometry(f.Geometry, fmt.Sprintf("/features/%d/geometry", i), math.MaxInt)
		if err != nil {
			bad.add(fmt.Sprintf("feature %d", i), err)
			return nil
		}
		g = toLonLat(g, s.Info.CRS, 0)
		orientRFC7946(g)
		props := make(map[string]any, len(f.Properties)+1)
		for k, v := range f.Properties {
			props[k] = v
		}
		id := strconv.Itoa(i + 1)
		if s.useIDs {
			id = s.ids[i]
		}
		props["id"] = id
		b = b.Union(g.Bound())
		n++
		return fn(i, geo.Feature{ID: id, Geometry: g, Properties: props})
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", s.path, err)
	}
	if err := bad.err("feature"); err != nil {
		return fmt.Errorf("read %s: %w", s.path, err)
	}
	if n > 0 && !s.bboxDone {
		s.bboxDone = true
		s.Info.BBox = bboxOf([]geo.Feature{{Geometry: b}}, &s.Info)
	}
	return nil
}

type streamFeature struct {
	Type       string          `json:"type"`
	ID         json.RawMessage `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// walk reads the FeatureCollection token by token, decoding one feature
// at a time.
func (s *GeoJSONStream) walk(crs func(json.RawMessage) error, feature func(i int, f *streamFeature) error) error {
	file, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer file.Close()
	br := bufio.NewReaderSize(file, 1<<20)
	if head, _ := br.Peek(3); string(head) == string(utf8BOM) {
		br.Discard(3)
	}
	dec := json.NewDecoder(&utf8Reader{r: br})
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		if errors.Is(err, ErrNotStreamable) {
			return err
		}
		return fmt.Errorf("%w: not a JSON object", ErrNotStreamable)
	}
	seenFeatures, typ := false, ""
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("not valid GeoJSON: %w", err)
		}
		switch key, _ := t.(string); key {
		case "type":
			if err := dec.Decode(&typ); err != nil {
				return fmt.Errorf("not valid GeoJSON: %w", err)
			}
			if typ != "FeatureCollection" {
				return fmt.Errorf("%w: a %q, not a FeatureCollection", ErrNotStreamable, typ)
			}
		case "crs":
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return fmt.Errorf("not valid GeoJSON: %w", err)
			}
			if seenFeatures && s.opts.CRS == "" && string(raw) != "null" {
				return fmt.Errorf("%w: the crs member comes after the features", ErrNotStreamable)
			}
			if crs != nil {
				if err := crs(raw); err != nil {
					return err
				}
			}
		case "features":
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return errors.New(`a FeatureCollection without a "features" array`)
			}
			for i := 0; dec.More(); i++ {
				var f streamFeature
				if err := dec.Decode(&f); err != nil {
					return fmt.Errorf("/features/%d: not a GeoJSON Feature: %w", i, err)
				}
				if f.Type != "Feature" {
					return fmt.Errorf("/features/%d/type: %q, want \"Feature\"", i, f.Type)
				}
				if err := feature(i, &f); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("not valid GeoJSON: %w", err)
			}
			seenFeatures = true
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("not valid GeoJSON: %w", err)
			}
		}
	}
	if !seenFeatures || typ == "" {
		return fmt.Errorf("%w: no FeatureCollection", ErrNotStreamable)
	}
	return nil
}

// utf8Reader fails on bytes that are not UTF-8 (the stream cannot read a
// GBK file, which Read converts whole), across reads.
type utf8Reader struct {
	r    io.Reader
	tail []byte // an incomplete rune at the end of the last read
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	chunk := append(u.tail, p[:n]...)
	// Keep an incomplete rune at the end for the next read.
	end := len(chunk)
	for k := 1; k <= 3 && k <= len(chunk); k++ {
		c := chunk[len(chunk)-k]
		if c < 0x80 {
			break
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(chunk[len(chunk)-k:]) {
				end = len(chunk) - k
			}
			break
		}
	}
	if !utf8.Valid(chunk[:end]) || err == io.EOF && end < len(chunk) {
		return 0, fmt.Errorf("%w: the file is not UTF-8", ErrNotStreamable)
	}
	u.tail = append(u.tail[:0], chunk[end:]...)
	return n, err
}
