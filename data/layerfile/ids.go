package layerfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/zhonglou/ecospace/geo"
)

// What every reader shares: collecting per-record errors, choosing
// feature ids, and the extent of what was read.

// badRecords collects per-record read errors so that all are reported.
type badRecords struct {
	n    int
	msgs []string
}

func (b *badRecords) add(where string, err error) {
	b.n++
	if len(b.msgs) < 20 {
		b.msgs = append(b.msgs, where+": "+err.Error())
	}
}

func (b *badRecords) err(what string) error {
	if b.n == 0 {
		return nil
	}
	msg := strings.Join(b.msgs, "; ")
	if b.n > len(b.msgs) {
		msg += fmt.Sprintf("; and %d more", b.n-len(b.msgs))
	}
	if b.n == 1 {
		return errors.New(msg)
	}
	return fmt.Errorf("%d bad %ss: %s", b.n, what, msg)
}

// idString renders an attribute value as an id; "" when it cannot be one.
func idString(v any) string {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		return v.String()
	}
	return ""
}

// assignIDs gives the features the candidate ids when every one is present
// and unique, else their 1-based record numbers; it returns the id source.
// The id is also written to the "id" property, as the demo loader does.
func assignIDs(feats []geo.Feature, ids []string, label string, info *Info) string {
	source := label
	if label != "" {
		first := map[string]int{}
		recNo := func(i int) string {
			if feats[i].ID != "" {
				return feats[i].ID
			}
			return strconv.Itoa(i + 1)
		}
		for i, id := range ids {
			if id == "" {
				info.warnf("%s is empty for record %s; ids are the record numbers instead", label, recNo(i))
				source = ""
				break
			}
			if j, dup := first[id]; dup {
				info.warnf("%s %q repeats (records %s and %s); ids are the record numbers instead", label, id, recNo(j), recNo(i))
				source = ""
				break
			}
			first[id] = i
		}
	}
	for i := range feats {
		if source != "" {
			feats[i].ID = ids[i]
		} else if feats[i].ID == "" {
			feats[i].ID = strconv.Itoa(i + 1)
		}
		feats[i].Properties["id"] = feats[i].ID
	}
	if source == "" {
		return "record number"
	}
	return source
}

// bboxOf is the lon/lat extent of the features; it warns when they lie
// outside China, which usually means a wrong CRS.
func bboxOf(feats []geo.Feature, info *Info) [4]float64 {
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, f := range feats {
		if f.Geometry != nil {
			b = b.Union(f.Geometry.Bound())
		}
	}
	if len(feats) == 0 || b.IsEmpty() {
		return [4]float64{}
	}
	out := [4]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]}
	if !(b.Min[0] >= 73 && b.Max[0] <= 136 && b.Min[1] >= 3 && b.Max[1] <= 54) {
		info.warnf("the features span lon %.6f…%.6f, lat %.6f…%.6f, outside China: is the CRS (%s) right?", out[0], out[2], out[1], out[3], info.CRS)
	}
	return out
}
