package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// CRS names a coordinate reference system a client may send or ask for. The
// value is the canonical spelling, so it can be echoed back in responses.
type CRS string

const (
	CRS84    CRS = "EPSG:4326" // WGS84 lon/lat (RFC 7946)
	CGCS2000 CRS = "EPSG:4490" // treated as WGS84 within centimetres
	GK120    CRS = "EPSG:4549" // CGCS2000 / 3-degree GK CM 120E, metres
	GCJ02    CRS = "GCJ-02"
)

// ErrUnknownCRS is wrapped by ParseCRS errors so callers can map them to a
// 400 without string matching.
var ErrUnknownCRS = errors.New("geo: unknown crs")

// crsAccepted is spelled out in every ParseCRS error: the caller is usually
// a person fixing a request by hand, and guessing spellings wastes their time.
const crsAccepted = `EPSG:4326 (WGS84 lon/lat; also "4326", "CRS84", "OGC:CRS84", ` +
	`"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", ` +
	`"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326"), ` +
	`EPSG:4490 (CGCS2000 lon/lat) and EPSG:4549 (CGCS2000 / 3-degree GK CM 120E, metres), ` +
	`each also as the bare code, "urn:ogc:def:crs:EPSG::<code>" or "http://www.opengis.net/def/crs/EPSG/0/<code>"; ` +
	`GCJ-02 (also "GCJ02"); case is ignored, and an empty crs means EPSG:4326`

// crsAliases maps every accepted spelling, lower-cased, to its CRS.
var crsAliases = func() map[string]CRS {
	m := map[string]CRS{
		"":                              CRS84,
		"crs84":                         CRS84,
		"ogc:crs84":                     CRS84,
		"urn:ogc:def:crs:ogc:1.3:crs84": CRS84,
		"gcj-02":                        GCJ02,
		"gcj02":                         GCJ02,
	}
	for _, c := range []CRS{CRS84, CGCS2000, GK120} {
		code := strings.TrimPrefix(string(c), "EPSG:")
		m["epsg:"+code] = c
		m[code] = c
		m["urn:ogc:def:crs:epsg::"+code] = c
		m["http://www.opengis.net/def/crs/epsg/0/"+code] = c
	}
	m["http://www.opengis.net/def/crs/ogc/1.3/crs84"] = CRS84
	// Clients that rewrite every URL to https send the same identifiers
	// with an https scheme; they name the same thing.
	for k, c := range m {
		if rest, ok := strings.CutPrefix(k, "http://"); ok {
			m["https://"+rest] = c
		}
	}
	return m
}()

// ParseCRS resolves a client-supplied CRS name. The empty string means CRS84
// because that is GeoJSON's default.
func ParseCRS(s string) (CRS, error) {
	if c, ok := crsAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return c, nil
	}
	return "", fmt.Errorf("%w %q; accepted: %s", ErrUnknownCRS, s, crsAccepted)
}

// URI is the identifier to write into outgoing documents. GCJ-02 has no
// registry entry, so its name is the best there is.
func (c CRS) URI() string {
	switch c {
	case CRS84, "":
		return "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	case CGCS2000, GK120:
		return "http://www.opengis.net/def/crs/EPSG/0/" + strings.TrimPrefix(string(c), "EPSG:")
	default:
		return string(c)
	}
}

// IsProjected reports whether coordinates in c are metres rather than
// degrees.
func (c CRS) IsProjected() bool {
	return c == GK120
}

// ToLonLat converts a coordinate in c to WGS84/CGCS2000 lon/lat degrees. The
// zero CRS is CRS84, matching ParseCRS(""). A CRS that did not come from
// ParseCRS or the constants yields NaN, which every downstream range check
// rejects, instead of panicking in a request path.
func (c CRS) ToLonLat(x, y float64) (lon, lat float64) {
	switch c {
	case CRS84, CGCS2000, "":
		return x, y
	case GK120:
		return FromGK(x, y)
	case GCJ02:
		return GCJ02ToWGS84(x, y)
	default:
		return math.NaN(), math.NaN()
	}
}

// FromLonLat converts WGS84/CGCS2000 lon/lat degrees to a coordinate in c;
// unknown CRSs behave as in ToLonLat.
func (c CRS) FromLonLat(lon, lat float64) (x, y float64) {
	switch c {
	case CRS84, CGCS2000, "":
		return lon, lat
	case GK120:
		return ToGK(lon, lat)
	case GCJ02:
		return WGS84ToGCJ02(lon, lat)
	default:
		return math.NaN(), math.NaN()
	}
}
