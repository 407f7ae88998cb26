package layerfile

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Which coordinate systems a 用地报盘 file may be in: CGCS2000, 3° bands,
// Gauss–Krüger, metres, zone 40 (central meridian 120°E), the easting
// with or without the zone number. Anything else is refused by name and
// line: a parcel read in the wrong system lands hundreds of metres (1980
// 西安 → CGCS2000) or a whole zone away, and would be judged there.

// zoneRule is what [属性描述] says about the zone.
type zoneRule struct {
	declared bool // 带号 names zone 40 (or its central meridian)
	first    int  // the line of the first 界址点: whether it carried the prefix decides
	prefix   bool
}

// txtZone is the only zone read, and its central meridian.
const (
	txtZone = 40
	txtCM   = 120
)

// checkAttributes checks [属性描述]: the datum, band width, projection,
// unit, zone and transformation parameters.
func (p *txtParser) checkAttributes() (zoneRule, error) {
	f := p.f
	line := func(key string) int {
		for _, a := range f.Attributes {
			if a.Key == key {
				return a.Line
			}
		}
		return 0
	}
	refuse := func(key, why string, args ...any) (zoneRule, error) {
		return zoneRule{}, txtErr(TXTCRS, line(key), "%s=%s: %s", key, clipTXT(f.Attribute(key)), fmt.Sprintf(why, args...))
	}
	cs := strings.ToUpper(strings.Join(strings.Fields(f.Attribute("坐标系")), ""))
	switch {
	case cs == "":
		return zoneRule{}, txtErr(TXTCRS, line("坐标系"), "坐标系 is not given; ecospace reads 2000国家大地坐标系 (CGCS2000) files and must be told that this is one")
	case strings.Contains(cs, "西安") || strings.Contains(cs, "XIAN") || strings.Contains(cs, "1980") || strings.Contains(cs, "80"):
		return refuse("坐标系", "the 1980 西安 datum; ecospace reads 2000国家大地坐标系 (CGCS2000) only, and the two differ by tens of metres here: have the file converted to CGCS2000")
	case strings.Contains(cs, "北京") || strings.Contains(cs, "BEIJING") || strings.Contains(cs, "54"):
		return refuse("坐标系", "the 1954 北京 datum; ecospace reads 2000国家大地坐标系 (CGCS2000) only: have the file converted to CGCS2000")
	case strings.Contains(cs, "WGS"):
		return refuse("坐标系", "WGS 84 is not a 用地报盘 datum; ecospace reads 2000国家大地坐标系 (CGCS2000)")
	case !strings.Contains(cs, "2000"):
		return refuse("坐标系", "ecospace reads 2000国家大地坐标系 (CGCS2000) only")
	}
	switch b := strings.TrimSpace(f.Attribute("几度分带")); b {
	case "3":
	case "":
		f.Warnings = append(f.Warnings, "几度分带 is not given; read as 3° bands")
	case "6":
		return refuse("几度分带", "6° bands; ecospace reads CGCS2000 3° zone 40 (central meridian 120°E, EPSG:4549 / EPSG:4528)")
	default:
		return refuse("几度分带", "ecospace reads 3° bands (zone 40, central meridian 120°E)")
	}
	if pt := strings.ToLower(strings.Join(strings.Fields(f.Attribute("投影类型")), "")); pt != "" &&
		!strings.Contains(pt, "高斯") && !strings.Contains(pt, "gauss") && !strings.Contains(pt, "横轴墨卡托") && !strings.Contains(pt, "transversemercator") {
		return refuse("投影类型", "ecospace reads the 高斯克吕格 (Gauss–Krüger) projection")
	}
	switch u := strings.ToLower(strings.TrimSpace(f.Attribute("计量单位"))); u {
	case "米", "m", "metre", "meter", "metres", "meters":
	case "":
		f.Warnings = append(f.Warnings, "计量单位 is not given; read as 米")
	default:
		return refuse("计量单位", "coordinates must be in 米 (metres)")
	}
	var zr zoneRule
	switch z := strings.TrimSpace(f.Attribute("带号")); z {
	case "":
		f.Warnings = append(f.Warnings, fmt.Sprintf("带号 is not given; read as zone %d (central meridian %d°E), the zone of Changzhou", txtZone, txtCM))
	case strconv.Itoa(txtZone), strconv.Itoa(txtCM):
		zr.declared = true
	default:
		n, err := strconv.Atoi(z)
		if err != nil {
			return refuse("带号", "not a zone number; ecospace reads zone %d (central meridian %d°E)", txtZone, txtCM)
		}
		return refuse("带号", "zone %d (central meridian %d°E); ecospace reads CGCS2000 3° zone %d (central meridian %d°E, EPSG:4549 / EPSG:4528) only", n, 3*n, txtZone, txtCM)
	}
	if tp := f.Attribute("转换参数"); tp != "" {
		for _, v := range strings.Split(tp, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if x, err := strconv.ParseFloat(v, 64); err != nil || x != 0 {
				return refuse("转换参数", "the file names a datum transformation; ecospace reads coordinates already in CGCS2000 (转换参数 empty or zeros)")
			}
		}
	}
	return zr, nil
}

// easting reads the Y of a 界址点 (the easting, surveying axes) at line
// n: with the zone number 40 prefixed (EPSG:4528; removed) or without
// (EPSG:4549); the same way for the whole file. x is the northing.
func (p *txtParser) easting(x, y float64, n int) (float64, error) {
	if x >= 1e7 || (x >= 1e5 && x <= 9e5 && y >= 1e6 && y < 1e7) {
		return 0, txtErr(TXTSyntax, n, "X %s looks like an easting and Y %s like a northing; a 用地报盘 file gives X (northing) first, then Y (easting)", fmtTXT(x), fmtTXT(y))
	}
	var prefix bool
	e := y
	switch {
	case y >= 1e7:
		zone := int(math.Floor(y / 1e6))
		if zone != txtZone {
			return 0, txtErr(TXTCRS, n, "Y %s carries zone number %d (central meridian %d°E); ecospace reads CGCS2000 3° zone %d (central meridian %d°E) only", fmtTXT(y), zone, 3*zone, txtZone, txtCM)
		}
		prefix, e = true, y-txtZone*1e6
	case y >= 1e5 && y <= 9e5:
	default:
		return 0, txtErr(TXTSyntax, n, "Y %s is not an easting in metres (zone %d: 100 000–900 000, or 40 100 000–40 900 000 with the zone number)", fmtTXT(y), txtZone)
	}
	if p.zone.first == 0 {
		p.zone.first, p.zone.prefix = n, prefix
		p.f.ZonePrefix = prefix
	} else if p.zone.prefix != prefix {
		with := func(b bool) string {
			if b {
				return "with"
			}
			return "without"
		}
		return 0, txtErr(TXTSyntax, n, "Y %s is %s the zone number, but line %d's was %s it; a file writes every easting the same way", fmtTXT(y), with(prefix), p.zone.first, with(p.zone.prefix))
	}
	return e, nil
}

func fmtTXT(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
