package layerfile

import (
	"fmt"
	"math"
	"strings"

	"github.com/zhonglou/ecospace/geo"
)

// .prj files: which coordinate system a Shapefile is in, recognised by
// its WKT1 definition (wkt.go parses it).

// crsFromPRJ recognises the coordinate systems ecospace converts. dx is
// what to add to eastings before converting (EPSG:4528 → EPSG:4549).
func crsFromPRJ(src string) (crs geo.CRS, dx float64, desc string, err error) {
	root, err := parseWKT(src)
	if err != nil {
		return "", 0, "", fmt.Errorf("cannot read the .prj: %w", err)
	}
	switch root.key {
	case "GEOGCS":
		c, d, err := geographic(root)
		return c, 0, d, err
	case "PROJCS":
		return projected(root)
	default:
		return "", 0, "", fmt.Errorf("unrecognised .prj: %s[%q]; ecospace reads EPSG:4326, EPSG:4490 and EPSG:4549 (WKT1 GEOGCS/PROJCS as ArcGIS, QGIS and GDAL write them)", root.key, root.name())
	}
}

func normName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func geographic(n *wktNode) (geo.CRS, string, error) {
	name := n.name()
	datum := ""
	if d := n.child("DATUM"); d != nil {
		datum = d.name()
	}
	if u := n.child("UNIT"); u != nil {
		if f, ok := u.num(1); ok && math.Abs(f-math.Pi/180) > 1e-10 {
			return "", "", fmt.Errorf("unrecognised .prj: GEOGCS[%q] measures angles in %q, not degrees", name, u.name())
		}
	}
	if p := n.child("PRIMEM"); p != nil {
		if f, ok := p.num(1); ok && f != 0 {
			return "", "", fmt.Errorf("unrecognised .prj: GEOGCS[%q] has prime meridian %g, not Greenwich", name, f)
		}
	}
	nn, dn := normName(name), normName(datum)
	switch {
	case dn == "dchina2000" || dn == "china2000" || strings.Contains(dn, "chinageodeticcoordinatesystem2000") || dn == "cgcs2000" ||
		strings.Contains(nn, "chinageodeticcoordinatesystem2000") || strings.Contains(nn, "cgcs2000"):
		return geo.CGCS2000, fmt.Sprintf("%q = %s (CGCS2000 lon/lat)", name, geo.CGCS2000), nil
	case dn == "dwgs1984" || dn == "wgs1984" || dn == "wgs84" || dn == "worldgeodeticsystem1984" ||
		nn == "gcswgs1984" || nn == "wgs84" || nn == "wgs1984":
		return geo.CRS84, fmt.Sprintf("%q = %s (WGS 84 lon/lat)", name, geo.CRS84), nil
	}
	return "", "", fmt.Errorf("unrecognised .prj: GEOGCS[%q] with DATUM[%q]; ecospace reads CGCS2000 (EPSG:4490) and WGS 84 (EPSG:4326) geographic coordinates, and EPSG:4549", name, datum)
}

// projected accepts CGCS2000 / 3-degree Gauss-Kruger CM 120E, checked by
// its parameters and not its name alone: Transverse Mercator (ArcGIS:
// Gauss_Kruger) on CGCS2000, central meridian 120, scale 1, latitude of
// origin 0, false northing 0, metres, and false easting 500 000 (EPSG:4549)
// or 40 500 000 (EPSG:4528, the same with the zone number 40 prefixed to
// the easting; converted exactly by subtracting 40 000 000 m).
func projected(n *wktNode) (geo.CRS, float64, string, error) {
	name := n.name()
	g := n.child("GEOGCS")
	if g == nil {
		return "", 0, "", fmt.Errorf("unrecognised .prj: PROJCS[%q] has no GEOGCS", name)
	}
	base, _, err := geographic(g)
	if err != nil || base != geo.CGCS2000 {
		return "", 0, "", fmt.Errorf("unsupported .prj: PROJCS[%q] is based on GEOGCS[%q], not CGCS2000; ecospace reads projected coordinates only in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E); reproject the layer, or give its CRS explicitly if the .prj is wrong", name, g.name())
	}
	proj := ""
	if p := n.child("PROJECTION"); p != nil {
		proj = p.name()
	}
	params := map[string]float64{}
	for _, c := range n.children("PARAMETER") {
		if v, ok := c.num(1); ok {
			params[normName(c.name())] = v
		}
	}
	unit, unitF := "", 1.0
	if u := n.child("UNIT"); u != nil {
		unit = u.name()
		unitF, _ = u.num(1)
	}
	got := fmt.Sprintf("PROJCS[%q]: %s, central_meridian %g, false_easting %g, false_northing %g, scale_factor %g, latitude_of_origin %g, unit %q",
		name, proj, params["centralmeridian"], params["falseeasting"], params["falsenorthing"], scale(params), params["latitudeoforigin"], unit)
	pn := normName(proj)
	ok := (pn == "transversemercator" || pn == "gausskruger") &&
		params["centralmeridian"] == 120 && scale(params) == 1 &&
		params["latitudeoforigin"] == 0 && params["falsenorthing"] == 0 &&
		math.Abs(unitF-1) < 1e-12
	fe := params["falseeasting"]
	nn := normName(name)
	nameSays4549 := strings.Contains(nn, "cm120e") || strings.Contains(nn, "zone40")
	switch {
	case ok && fe == 500000:
		desc := fmt.Sprintf("%q = %s (CGCS2000 / 3-degree Gauss-Kruger CM 120E)", name, geo.GK120)
		if !nameSays4549 {
			desc += ", recognised by its parameters"
		}
		return geo.GK120, 0, desc, nil
	case ok && fe == 40500000:
		return geo.GK120, -40000000, fmt.Sprintf("%q = EPSG:4528 (CGCS2000 / 3-degree Gauss-Kruger zone 40, easting prefixed with the zone number), converted to %s by subtracting 40 000 000 m from eastings", name, geo.GK120), nil
	case nameSays4549:
		return "", 0, "", fmt.Errorf("the .prj is named like EPSG:4549 but its parameters differ (%s); EPSG:4549 is Transverse Mercator with central_meridian 120, false_easting 500000, false_northing 0, scale_factor 1, in metres", got)
	default:
		return "", 0, "", fmt.Errorf("unsupported .prj (%s); ecospace reads projected coordinates only in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E: central_meridian 120, false_easting 500000, scale_factor 1); reproject the layer, or give its CRS explicitly if the .prj is wrong", got)
	}
}

func scale(params map[string]float64) float64 {
	if v, ok := params["scalefactor"]; ok {
		return v
	}
	return 1
}
