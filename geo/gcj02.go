package geo

import "math"

// GCJ-02 ("Mars coordinates") is the obfuscated datum Chinese web maps
// (AMap/Gaode, Tencent, Google in China) serve tiles and geocodes in. The
// algorithm is not published officially; this is the widely circulated
// reconstruction (eviltransform, coordtransform), which reproduces the
// providers' offsets to decimetres. Points digitised on such a map are
// typically ~500 m off WGS84/CGCS2000 and must be corrected before any
// spatial test.
const (
	gcjA  = 6378245.0              // Krasovsky 1940 semi-major axis
	gcjEE = 0.00669342162296594323 // Krasovsky 1940 first eccentricity²
)

// gcjOutOfChina reports whether the rough bounding box in which the offset is
// applied excludes the point. The box is what every public implementation
// uses, so matching it keeps us consistent with them near the borders.
func gcjOutOfChina(lon, lat float64) bool {
	return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// gcjDelta returns the GCJ-02 offset in degrees at a WGS84 point.
func gcjDelta(lon, lat float64) (dlon, dlat float64) {
	x, y := lon-105, lat-35
	common := 20*math.Sin(6*x*math.Pi) + 20*math.Sin(2*x*math.Pi)
	tLat := -100 + 2*x + 3*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x)) +
		(common+20*math.Sin(y*math.Pi)+40*math.Sin(y/3*math.Pi)+
			160*math.Sin(y/12*math.Pi)+320*math.Sin(y*math.Pi/30))*2/3
	tLon := 300 + x + 2*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x)) +
		(common+20*math.Sin(x*math.Pi)+40*math.Sin(x/3*math.Pi)+
			150*math.Sin(x/12*math.Pi)+300*math.Sin(x/30*math.Pi))*2/3

	// The series yields metres; the Krasovsky meridian and prime-vertical
	// radii of curvature turn them into degrees.
	rad := lat * math.Pi / 180
	s := math.Sin(rad)
	magic := 1 - gcjEE*s*s
	sq := math.Sqrt(magic)
	dlat = tLat * 180 / (gcjA * (1 - gcjEE) / (magic * sq) * math.Pi)
	dlon = tLon * 180 / (gcjA / sq * math.Cos(rad) * math.Pi)
	return dlon, dlat
}

// WGS84ToGCJ02 converts WGS84 (or CGCS2000) lon/lat in degrees to GCJ-02.
// Outside China the input is returned unchanged, as the providers do.
func WGS84ToGCJ02(lon, lat float64) (float64, float64) {
	if gcjOutOfChina(lon, lat) {
		return lon, lat
	}
	dlon, dlat := gcjDelta(lon, lat)
	return lon + dlon, lat + dlat
}

// gcjMaxIter bounds the inverse. The offset changes by at most ~0.3% of a
// step per step, so each iteration gains more than two digits and 1e-9
// degrees is reached in four or five; the bound only guards against
// pathological input such as NaN or points right on the box edge.
const gcjMaxIter = 30

// GCJ02ToWGS84 converts GCJ-02 lon/lat in degrees to WGS84 by fixed-point
// iteration on the forward transform, stopping when the forward image is
// within 1e-9 degrees (~0.1 mm) of the input. The one-step inverse most
// libraries ship is off by up to ~1.5 m around Zhonglou, enough to flip a
// point-on-boundary verdict.
func GCJ02ToWGS84(lon, lat float64) (float64, float64) {
	if gcjOutOfChina(lon, lat) {
		return lon, lat
	}
	wlon, wlat := lon, lat
	for range gcjMaxIter {
		glon, glat := WGS84ToGCJ02(wlon, wlat)
		dlon, dlat := glon-lon, glat-lat
		wlon -= dlon
		wlat -= dlat
		if math.Abs(dlon) < 1e-9 && math.Abs(dlat) < 1e-9 {
			break
		}
	}
	return wlon, wlat
}
