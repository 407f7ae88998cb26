"""Checks, measurements and test points for gen.py; fills README.md's generated blocks.

Everything is recomputed from the files as written (rounded to 6 decimals),
in EPSG:4549 metres.
"""
import json
import math
import os
import re

import geom
from geom import P, L

LAYERS = ["district", "taihu-tier", "xinmeng-river", "xinmeng-centreline", "xinmeng-corridor",
          "canal", "canal-centreline", "canal-built-up", "green-corridors", "plan-places"]
ZONE_LAYERS = {"taihu-tier", "xinmeng-corridor", "green-corridors", "plan-places", "canal-built-up"}
INSIDE_DISTRICT = {"taihu-tier", "xinmeng-corridor", "green-corridors", "plan-places"}


def polys_ll(g):
    if g["type"] == "Polygon":
        return [g["coordinates"]]
    if g["type"] == "MultiPolygon":
        return g["coordinates"]
    return []


def to_xy_polys(g):
    return [[[P(*p) for p in r[:-1]] for r in poly] for poly in polys_ll(g)]


def area_of(polys):
    return sum(geom.ring_area(q[0]) - sum(abs(geom.ring_area(h)) for h in q[1:]) for q in polys)


def sample_edges(polys, step=10.0):
    for q in polys:
        for r in q:
            for a, b in geom.ring_edges(r):
                n = max(1, int(geom.dist(a, b) / step))
                for i in range(n + 1):
                    t = i / n
                    yield (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))


def fmt_km2(v):
    return "%.3f km²" % (v / 1e6)


def run(outdir, G, written):
    out = []          # checks log
    fail = []

    def log(s):
        out.append(s)

    def check(ok, what):
        log(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            fail.append(what)

    # ---- read back what was written -----------------------------------------
    data = {}
    for lid in LAYERS:
        path = os.path.join(outdir, lid + ".geojson")
        raw = open(path, encoding="utf-8").read()
        data[lid] = json.loads(raw)
        # count decimals in coordinate pairs only (property text has numbers too)
        coords = re.findall(r"\[(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)\]", raw)
        dec = max((len(c.split(".")[1]) if "." in c else 0) for pair in coords for c in pair)
        check(dec <= 6, "%s: coordinates have at most 6 decimals (max %d)" % (lid, dec))

    dist_xy = to_xy_polys(data["district"]["features"][0]["geometry"])
    DIST = dist_xy[0][0]

    # ---- per-feature checks ----------------------------------------------------
    feats = {}   # id -> (layer, props, xy polys or xy line)
    inside_ids = {"zhonglou"}
    for lid in LAYERS:
        for f in data[lid]["features"]:
            pr, g = f["properties"], f["geometry"]
            fid = pr.get("id")
            check(fid is not None and fid not in feats, "%s/%s: has a unique id" % (lid, fid))
            if lid != "district":
                for k in ("name_zh", "name_en", "note"):
                    check(isinstance(pr.get(k), str) and pr[k] != "", "%s/%s: has %s" % (lid, fid, k))
                check(pr.get("status") == "illustrative", "%s/%s: status illustrative" % (lid, fid))
            if lid in ZONE_LAYERS:
                check(isinstance(pr.get("basis"), str) and pr["basis"] != "", "%s/%s: has basis" % (lid, fid))
            if lid == "green-corridors":
                check(isinstance(pr.get("green_line"), bool), "%s/%s: green_line is a boolean" % (lid, fid))
            if lid == "taihu-tier":
                check(pr.get("tier") in (1, 2, 3), "%s/%s: tier is 1, 2 or 3" % (lid, fid))
            if g["type"] == "LineString":
                xy = [P(*p) for p in g["coordinates"]]
                feats[fid] = (lid, pr, xy)
                check(len(xy) >= 2 and all(geom.dist(a, b) > 0 for a, b in zip(xy, xy[1:])),
                      "%s/%s: line has >= 2 distinct consecutive points" % (lid, fid))
                continue
            problems = []
            for poly in polys_ll(g):
                for k, r in enumerate(poly):
                    if len(r) < 4:
                        problems.append("ring with < 4 positions")
                    if r[0] != r[-1]:
                        problems.append("ring not closed")
                    a = geom.ring_area([tuple(p) for p in r[:-1]])
                    if k == 0 and a <= 0:
                        problems.append("exterior not counter-clockwise")
                    if k > 0 and a >= 0:
                        problems.append("hole not clockwise")
                    if any(r[i] == r[i + 1] for i in range(len(r) - 1)):
                        problems.append("repeated consecutive position")
            polys = to_xy_polys(g)
            for q in polys:
                for r in q:
                    if geom.ring_self_intersections(r):
                        problems.append("self-intersecting ring")
                for h in q[1:]:
                    if geom.rings_touch(q[0], h) or not geom.in_ring(h[0], q[0]):
                        problems.append("hole touches or lies outside its exterior")
                for i in range(1, len(q)):
                    for j in range(i + 1, len(q)):
                        if geom.rings_touch(q[i], q[j]) or geom.in_ring(q[i][0], q[j]) or geom.in_ring(q[j][0], q[i]):
                            problems.append("holes overlap")
            for i in range(len(polys)):
                for j in range(i + 1, len(polys)):
                    a, b = polys[i][0], polys[j][0]
                    if geom.rings_touch(a, b) or geom.in_ring(a[0], b) or geom.in_ring(b[0], a):
                        problems.append("MultiPolygon parts touch or overlap")
            check(not problems, "%s/%s: valid %s (%d ring(s), %d vertices)%s" % (
                lid, fid, g["type"], sum(len(q) for q in polys), sum(len(r) for q in polys for r in q),
                "" if not problems else ": " + ", ".join(sorted(set(problems)))))
            feats[fid] = (lid, pr, polys)
            if lid in INSIDE_DISTRICT or fid == "canal-built-up-zouqu":
                worst = 0.0
                for p in sample_edges(polys, 10.0):
                    if not geom.in_ring(p, DIST):
                        worst = max(worst, min(geom.seg_dist(p, a, b) for a, b in geom.ring_edges(DIST)))
                check(worst < 0.5, "%s/%s: inside the district (largest overshoot %.2f m, rounding only)" % (lid, fid, worst))
                inside_ids.add(fid)

    # ---- handy geometry -----------------------------------------------------------
    river = feats["xinmeng-river"][2]
    xcl = feats["xinmeng-centreline"][2]
    cnew, cold = feats["canal-new-course"][2], feats["canal-old-course"][2]
    ncl, ocl = feats["canal-new-course-centreline"][2], feats["canal-old-course-centreline"][2]
    canal_polys = cnew + cold
    mask_polys = feats["canal-built-up-core"][2] + feats["canal-built-up-zouqu"][2]
    corridor = feats["xinmeng-clear-water-corridor"][2]
    rsegs = geom.Segs([r for q in river for r in q])
    csegs = geom.Segs([r for q in canal_polys for r in q])

    def d_shore(p):
        b = rsegs.min_dist(*p)
        return 0.0 if (b < 100 and geom.in_geom(p, river)) else b

    def d_canal(p):
        b = csegs.min_dist(*p)
        return 0.0 if (b < 100 and geom.in_geom(p, canal_polys)) else b

    def d_line(p, line):
        return min(geom.seg_dist(p, a, b) for a, b in zip(line, line[1:]))

    # ---- the projection against PROJ, when cs2cs is installed ---------------------------
    log("")
    import shutil
    import subprocess
    pts = [(119.731, 31.764), (119.955, 31.851), (119.7594, 31.795), (119.9, 31.75), (120.03, 31.748)]
    if shutil.which("cs2cs"):
        inp = "".join("%.9f %.9f\n" % (lat, lon) for lon, lat in pts)
        res = subprocess.run(["cs2cs", "EPSG:4490", "EPSG:4549", "-f", "%.4f"], input=inp,
                             capture_output=True, text=True).stdout.split("\n")
        worst = 0.0
        for (lon, lat), line in zip(pts, res):
            n, e = (float(v) for v in line.split()[:2])   # EPSG:4549 axis order: northing, easting
            x, y = P(lon, lat)
            worst = max(worst, abs(x - e), abs(y - n))
        check(worst < 0.001, "projection: EPSG:4549 forward formulas agree with `cs2cs EPSG:4490 EPSG:4549` "
              "on %d points to %.1e m" % (len(pts), worst))
    else:
        log("info  cs2cs not installed: projection not compared with PROJ")
    rt = max(max(abs(a - b) for a, b in zip(L(P(lon, lat)), (lon, lat))) for lon, lat in pts)
    check(rt < 1e-9, "projection: inverse(forward(p)) returns p to %.1e degrees" % rt)

    # ---- specific placement checks ------------------------------------------------------
    log("")
    # widths: at the middle of every centre-line segment the water edge is half the width away
    def width_check(name, cl, polys, half):
        errs = []
        segs = geom.Segs([r for q in polys for r in q])
        for a, b in zip(cl, cl[1:]):
            m = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            errs.append(segs.min_dist(*m) - half)
        check(max(abs(e) for e in errs) < 0.5, "%s: water edge %.0f m from the centre line at every segment middle "
              "(worst deviation %.2f m)" % (name, half, max(abs(e) for e in errs)))
    width_check("xinmeng-river", xcl, river, 50.0)
    width_check("canal-new-course", ncl, cnew, 45.0)
    width_check("canal-old-course", ocl, cold, 25.0)

    # river placement against the district's west border (the project's own outline)
    inside, dmin, dmax = 0.0, 1e9, 0.0
    s, tot = 0.0, geom.line_length(xcl)
    west = []
    while s <= tot:
        p, _u = geom.point_at(xcl, s)
        if geom.in_ring(p, DIST):
            d = min(geom.seg_dist(p, a, b) for a, b in geom.ring_edges(DIST))
            west.append(d)
        s += 10.0
    core = west[30:-30]   # leave out the two ends where the line crosses the edge
    log("info  xinmeng centre line: %.2f km in all, %.2f km inside the district; away from the two edge "
        "crossings it runs %.0f-%.0f m inside the district outline (median %.0f m)" % (
            tot / 1000, len(west) * 10 / 1000, min(core), max(core), sorted(core)[len(core) // 2]))
    # the detailed border trace, when ECOSPACE_BORDER_TRACE names it (the project's research notes
    # hold one, xinmeng_corridor_proxy.geojson; it has no open licence and is not redistributed)
    proxy = os.environ.get("ECOSPACE_BORDER_TRACE", "")
    if proxy and os.path.exists(proxy):
        px = json.load(open(proxy))["features"][0]["geometry"]["coordinates"]
        X = [P(*p) for p in px]
        ds = []
        s = 0.0
        while s <= tot:
            p, _u = geom.point_at(xcl, s)
            if geom.in_ring(p, DIST):
                ds.append(min(geom.seg_dist(p, X[i], X[i + 1]) for i in range(len(X) - 1)))
            s += 10.0
        ds = ds[30:-30]
        log("info  against the detailed border trace (shared/data, not redistributed): the centre line runs "
            "%.0f-%.0f m from it (median %.0f m); the line shares no vertex with it" % (
                min(ds), max(ds), sorted(ds)[len(ds) // 2]))
        check(not any(tuple(round(v, 6) for v in L(p)) in {tuple(q) for q in px} for p in xcl),
              "xinmeng centre line shares no vertex with the shared border trace")

    ca = area_of(corridor)
    check(abs(ca / 1e6 - 5.10) < 0.02, "xinmeng-corridor: %s (published ~5.1 km²)" % fmt_km2(ca))
    check(all(geom.in_geom(p, corridor) for p in
              [geom.point_at(xcl, s)[0] for s in range(0, int(tot), 50)]
              if geom.in_ring(p, DIST) and P(119.76, 31.800)[1] - p[1] > 60 and
              min(geom.seg_dist(p, a, b) for a, b in geom.ring_edges(DIST)) > 60),
          "xinmeng-corridor covers the river's centre line inside the district south of 31.800 N")

    # extension zone: 2-4 km from the canal water; Zouqu buffer within 2 km
    ext = feats["place-canal-extension-zone"][2]
    dd = [d_canal(p) for p in sample_edges(ext, 20.0)]
    check(min(dd) >= 2000.0, "place-canal-extension-zone: every edge point >= 2000 m from the canal water "
          "(min %.1f m, max %.1f m)" % (min(dd), max(dd)))
    zq = feats["place-zouqu-canal-safety-buffer"][2]
    dd = [d_canal(p) for p in sample_edges(zq, 20.0)]
    check(max(dd) <= 2000.0, "place-zouqu-canal-safety-buffer: every edge point <= 2000 m from the canal water "
          "(max %.1f m)" % max(dd))
    # green-line features do not lie on canal water
    for fid in ("green-nanyunhe", "green-jingchuan-park", "green-canal-south-bank", "green-tongzi"):
        dd = min(d_canal(p) for p in sample_edges(feats[fid][2], 10.0))
        check(dd > 5.0, "%s (城市绿线): keeps off the canal water (min %.1f m)" % (fid, dd))
    # band and core zone apart inside the district
    near = min(d_canal(p) for p in sample_edges([[r] for r in geom.intersect(river[0][0], DIST)], 20.0))
    log("info  inside the district the river water comes no closer than %.2f km to the canal water, so the "
        "1 km band and the 2 km core zone do not meet there" % (near / 1000))
    check(near > 3000, "xinmeng band (1 km) and canal core (2 km) are apart inside the district")

    # ---- measurements table --------------------------------------------------------
    rows = []
    for lid in LAYERS:
        for f in data[lid]["features"]:
            fid = f["properties"]["id"]
            g = f["geometry"]
            if g["type"] == "LineString":
                xy = feats[fid][2]
                inside_len = 0.0
                for a, b in zip(xy, xy[1:]):
                    n = max(1, int(geom.dist(a, b) / 5))
                    for i in range(n):
                        m = (a[0] + (i + .5) / n * (b[0] - a[0]), a[1] + (i + .5) / n * (b[1] - a[1]))
                        if geom.in_ring(m, DIST):
                            inside_len += geom.dist(a, b) / n
                rows.append((lid, fid, "LineString, %d vertices" % len(xy),
                             "%.2f km, %.2f km inside the district" % (geom.line_length(xy) / 1000, inside_len / 1000)))
                continue
            polys = feats[fid][2]
            nv = sum(len(r) + 1 for q in polys for r in q)
            nr = sum(len(q) for q in polys)
            a = area_of(polys)
            inside = 0.0
            for q in (polys if fid not in inside_ids else []):
                parts = geom.intersect(q[0], DIST)
                inside += sum(geom.ring_area(r) for r in parts)
                for h in q[1:]:
                    inside -= sum(geom.ring_area(r) for r in geom.intersect(geom.orient_ccw(h), DIST))
            extra = ""
            if fid == "zhonglou":
                b = [L(p) for p in polys[0][0]]
                extra = "; bbox %.3f–%.3f E, %.3f–%.3f N" % (min(p[0] for p in b), max(p[0] for p in b),
                                                         min(p[1] for p in b), max(p[1] for p in b))
            if fid in inside_ids:
                inside = a
            if abs(a - inside) < 1:
                m = fmt_km2(a) + " (all inside the district)" + extra
            else:
                m = "%s, %s inside the district" % (fmt_km2(a), fmt_km2(inside))
            if f["properties"].get("green_line") is not None:
                m += "; green_line %s" % str(f["properties"]["green_line"]).lower()
            rows.append((lid, fid, "%s, %d ring(s), %d positions" % (g["type"], nr, nv), m))
    files_md = ["| file | feature id | geometry | measured (EPSG:4549) |", "| --- | --- | --- | --- |"]
    for lid, fid, gm, m in rows:
        files_md.append("| `%s.geojson` | `%s` | %s | %s |" % (lid, fid, gm, m))

    # ---- derived figures (grid estimate) ----------------------------------------------
    step = 25.0
    xs = [p[0] for p in DIST]
    ys = [p[1] for p in DIST]
    cnt = {"band-water": 0, "band-land": 0, "core-built-up": 0, "core-riverside-eco": 0, "core-non-built-up": 0}
    dsegs = geom.Segs([DIST])
    x = min(xs) + step / 2
    while x < max(xs):
        y = min(ys) + step / 2
        while y < max(ys):
            p = (x, y)
            if geom.in_ring(p, DIST):
                ds = d_shore(p)
                if ds == 0:
                    cnt["band-water"] += 1
                elif ds <= 1000:
                    cnt["band-land"] += 1
                dc = d_canal(p)
                if dc <= 2000:
                    if geom.in_geom(p, mask_polys):
                        cnt["core-built-up"] += 1
                    elif dc <= 1000:
                        cnt["core-riverside-eco"] += 1
                    else:
                        cnt["core-non-built-up"] += 1
            y += step
        x += step
    cell = step * step / 1e6
    derived_md = ["| derived area inside the district (25 m grid estimate) | size |", "| --- | --- |"]
    names = {"band-water": "新孟河 band, subzone `water` (inside the shoreline)",
             "band-land": "新孟河 band, subzone `land` (0 < d ≤ 1 000 m from the shore)",
             "core-built-up": "canal core zone, `built-up` (≤ 2 000 m from the water edge, inside the mask)",
             "core-riverside-eco": "canal core zone, `riverside-eco` (≤ 1 000 m, outside the mask)",
             "core-non-built-up": "canal core zone, `non-built-up` (1 000–2 000 m, outside the mask)"}
    for k, v in cnt.items():
        derived_md.append("| %s | ≈ %.2f km² |" % (names[k], v * cell))

    # ---- test points -------------------------------------------------------------------------
    tps = test_points(xcl, ncl, ocl, river, d_shore)
    zone_feats = [(fid, v) for fid, v in feats.items()
                  if v[0] in ("xinmeng-corridor", "green-corridors", "plan-places")]
    bounds = [("district edge", dist_xy), ("xinmeng water edge (shore)", river),
              ("canal water edge", canal_polys), ("built-up mask edge", mask_polys)]
    bounds += [("%s edge" % fid, v[2]) for fid, v in zone_feats]
    tp_md = ["| # | point | lon, lat | d shore (新孟河) | d centre line | d canal water | expected hits | nearest other boundary |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    tp_json = []
    log("")
    for i, (label, lonlat, expect, exempt) in enumerate(tps, 1):
        lon, lat = round(lonlat[0], 6), round(lonlat[1], 6)
        p = P(lon, lat)
        hits = []
        indist = geom.in_ring(p, DIST)
        if indist:
            hits.append("taihu-tier (tier-3)")
        ds = d_shore(p)
        if indist or True:
            if ds == 0:
                hits.append("xinmeng-band (water)")
            elif ds <= 1000:
                hits.append("xinmeng-band (land)")
        dc = d_canal(p)
        inmask = geom.in_geom(p, mask_polys)
        if dc <= 2000:
            if inmask:
                hits.append("canal-core (built-up)")
            elif dc <= 1000:
                hits.append("canal-core (riverside-eco)")
            else:
                hits.append("canal-core (non-built-up)")
        for fid, v in zone_feats:
            if geom.in_geom(p, v[2]):
                lid, pr = v[0], v[1]
                if lid == "xinmeng-corridor":
                    hits.append("xinmeng-corridor (eco-control)")
                elif lid == "green-corridors":
                    hits.append("%s (green_line %s)" % (fid, str(pr["green_line"]).lower()))
                else:
                    hits.append("%s (informational)" % fid)
        if not indist:
            hits = ["outside the district (no coverage)"] + [h for h in hits]
        margins = []
        for name, polys in bounds:
            margins.append((geom.boundary_dist(p, polys), name))
        if "band" not in exempt:
            margins.append((abs(ds - 1000), "band level 1 000 m from the shore"))
        margins.append((abs(dc - 1000), "canal 1 000 m level"))
        margins.append((abs(dc - 2000), "canal 2 000 m level"))
        mm = min(margins)
        dcl = d_line(p, xcl)
        ok = (set(expect) == set(hits)) and mm[0] >= 30.0
        check(ok, "test point %d (%s): hits %s; nearest other boundary %.1f m (%s)%s" % (
            i, label, ", ".join(hits) or "none", mm[0], mm[1],
            "" if set(expect) == set(hits) else " — expected " + ", ".join(expect)))
        tp_md.append("| %d | %s | %.6f, %.6f | %s | %s | %s | %s | %.0f m (%s) |" % (
            i, label, lon, lat, "0 (in the water)" if ds == 0 else "%.1f m" % ds, "%.1f m" % dcl,
            "0 (in the water)" if dc == 0 else "%.1f m" % dc, "; ".join(hits), mm[0], mm[1]))
        tp_json.append({"n": i, "label": label, "lon": lon, "lat": lat, "d_shore_m": round(ds, 1),
                        "d_centreline_m": round(dcl, 1), "d_canal_water_m": round(dc, 1), "hits": hits})

    log("")
    log("%d checks failed" % len(fail) if fail else "all checks passed")
    blocks = {"files": "\n".join(files_md), "derived": "\n".join(derived_md),
              "testpoints": "\n".join(tp_md), "checks": "```\n" + "\n".join(out) + "\n```"}
    print("\n".join(out))
    with open(os.path.join(outdir, "testpoints.json"), "w", encoding="utf-8") as fh:
        json.dump(tp_json, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    write_preview(outdir, data, tp_json)
    readme = os.path.join(outdir, "README.md")
    if os.path.exists(readme):
        text = open(readme, encoding="utf-8").read()
        for k, v in blocks.items():
            text = re.sub(r"(<!-- gen:%s -->\n).*?(<!-- /gen:%s -->)" % (k, k),
                          lambda m: m.group(1) + v + "\n" + m.group(2), text, flags=re.S)
        with open(readme, "w", encoding="utf-8") as fh:
            fh.write(text)
    if fail:
        raise SystemExit(1)


# =============================================================================
# test points: (label, (lon, lat), expected hits, exempt margins)
# =============================================================================

def station(line, lat):
    """the point of a roughly northward line at a given latitude, and the unit direction there"""
    y = P(119.76, lat)[1]
    for a, b in zip(line, line[1:]):
        if (a[1] - y) * (b[1] - y) <= 0 and a[1] != b[1]:
            t = (y - a[1]) / (b[1] - a[1])
            p = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            l = geom.dist(a, b)
            return p, ((b[0] - a[0]) / l, (b[1] - a[1]) / l)
    raise ValueError(lat)


def along(line, lonlat_near):
    """nearest point of a line to a lon/lat, and the line's direction there"""
    q = P(*lonlat_near)
    best = None
    for a, b in zip(line, line[1:]):
        l = geom.dist(a, b)
        t = max(0.0, min(1.0, ((q[0] - a[0]) * (b[0] - a[0]) + (q[1] - a[1]) * (b[1] - a[1])) / l / l))
        p = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        d = geom.dist(p, q)
        if best is None or d < best[0]:
            best = (d, p, ((b[0] - a[0]) / l, (b[1] - a[1]) / l))
    return best[1], best[2]


def perp(p, u, d):
    """d metres to the right of direction u (negative: left)"""
    return (p[0] + d * u[1], p[1] - d * u[0])


def solve_shore(p, u, target, d_shore):
    """the point to the right of p (direction u) at exactly `target` m from the shore,
    rounded to 6 decimals; bisection on the perpendicular"""
    lo, hi = 0.0, target + 500.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if d_shore(perp(p, u, mid)) < target:
            lo = mid
        else:
            hi = mid
    return L(perp(p, u, (lo + hi) / 2))


def test_points(xcl, ncl, ocl, river, d_shore):
    import gen
    nnl = [P(*p) for p in gen.NANYUNHE_CL]   # 南运河 centre line (not a layer of its own)
    T = []
    band_w, band_l = "xinmeng-band (water)", "xinmeng-band (land)"
    tt = "taihu-tier (tier-3)"
    cor = "xinmeng-corridor (eco-control)"
    gx = "green-xinmeng (green_line false)"
    p, u = station(xcl, 31.7950)
    T.append(("in the 新孟河 water (on the centre line)", L(p), [tt, band_w, cor, gx], ""))
    p, u = station(xcl, 31.7700)
    T.append(("west bank, 150 m from the shore (between river and border)", L(perp(p, u, -200.0)), [tt, band_l, cor], ""))
    p, u = station(xcl, 31.7845)
    T.append(("in the clear-water corridor, 300 m east of the shore", L(perp(p, u, 350.0)), [tt, band_l, cor], ""))
    p, u = station(xcl, 31.8030)
    T.append(("`green-xinmeng`, 35 m east of the shore", L(perp(p, u, 85.0)), [tt, band_l, gx], ""))
    p, u = station(xcl, 31.8050)
    T.append(("500 m from the shore, east bank", solve_shore(p, u, 500.0, d_shore), [tt, band_l], ""))
    T.append(("980 m from the shore, 1 030 m from the centre line", solve_shore(p, u, 980.0, d_shore), [tt, band_l], "band"))
    T.append(("1 001 m from the shore (outside the band)", solve_shore(p, u, 1001.0, d_shore), [tt], "band"))
    p, u = station(xcl, 31.7850)
    T.append(("`green-clear-water-isolation-belt`", L(perp(p, u, 677.0)),
             [tt, band_l, "green-clear-water-isolation-belt (green_line false)"], ""))
    T.append(("canal core, built-up", (119.925, 31.785), [tt, "canal-core (built-up)"], ""))
    T.append(("canal core, riverside-eco (青枫公园)", (119.906, 31.790), [tt, "canal-core (riverside-eco)"], ""))
    T.append(("canal core, non-built-up (south-west farmland)", (119.896, 31.772), [tt, "canal-core (non-built-up)"], ""))
    T.append(("`green-biandan`", (119.8360, 31.7850), [tt, "green-biandan (green_line false)"], ""))
    T.append(("`green-tongzi`", (119.9015, 31.7960), [tt, "canal-core (riverside-eco)", "green-tongzi (green_line true)"], ""))
    T.append(("`green-tongzi-houtang`", (119.8721, 31.7910), [tt, "green-tongzi-houtang (green_line false)",
                                                               "place-canal-extension-zone (informational)"], ""))
    p, u = along(ncl, (119.9300, 31.7660))
    T.append(("`green-canal-south-bank`", L(perp(p, u, 135.0)),
              [tt, "canal-core (riverside-eco)", "green-canal-south-bank (green_line true)"], ""))
    p, u = along(ncl, (119.9105, 31.7900))
    T.append(("`green-new-canal-buffer` (west bank)", L(perp(p, u, 95.0)),
              [tt, "canal-core (riverside-eco)", "green-new-canal-buffer (green_line false)"], ""))
    p, u = along(ocl, (119.9260, 31.7960))
    T.append(("`green-old-canal` (south-west bank)", L(perp(p, u, 60.0)),
              [tt, "canal-core (built-up)", "green-old-canal (green_line false)"], ""))
    T.append(("`green-nanyunhe` (west bank)", L(perp(*along(nnl, (119.9444, 31.7760)), 50.0)),
              [tt, "canal-core (built-up)", "green-nanyunhe (green_line true)"], ""))
    T.append(("`green-jingchuan-park`", (119.9470, 31.7749),
              [tt, "canal-core (built-up)", "green-jingchuan-park (green_line true)"], ""))
    T.append(("`green-yulan-avenue`", (119.8100, 31.7860), [tt, "green-yulan-avenue (green_line false)"], ""))
    T.append(("`green-etdz-core-link`", (119.8660, 31.8033),
              [tt, "green-etdz-core-link (green_line false)", "place-canal-extension-zone (informational)"], ""))
    T.append(("邹区段 canal safety buffer (informational) in the canal core", (119.8580, 31.8290),
              [tt, "canal-core (non-built-up)", "place-zouqu-canal-safety-buffer (informational)"], ""))
    T.append(("canal extension zone (informational only)", (119.8780, 31.7700),
              [tt, "place-canal-extension-zone (informational)"], ""))
    T.append(("western green heart (informational only)", (119.8050, 31.7720),
              [tt, "place-western-green-heart (informational)"], ""))
    T.append(("岳津河 tail-water wetland (informational only)", (119.8478, 31.7835),
              [tt, "place-yuejin-tailwater-wetland (informational)"], ""))
    T.append(("邹区镇 built-up area (mask), beyond 2 km of the canal: no canal zone", (119.8470, 31.7990), [tt], ""))
    T.append(("in the district, outside every named zone", (119.8000, 31.7950), [tt], ""))
    T.append(("outside the district (武进)", (119.8500, 31.7400), ["outside the district (no coverage)"], ""))
    return T


# =============================================================================
# preview.svg: a quick look at the layers and the numbered test points
# =============================================================================

def write_preview(outdir, data, tp_json):
    lon0, lat0, lon1, lat1 = 119.72, 31.735, 119.965, 31.862
    W = 1600
    x0, y0 = P(lon0, lat0)
    x1, y1 = P(lon1, lat1)
    s = W / (x1 - x0)
    H = int((y1 - y0) * s)

    def tr(lon, lat):
        x, y = P(lon, lat)
        return (x - x0) * s, H - (y - y0) * s

    def path(poly):
        return " ".join("M" + " L".join("%.1f,%.1f" % tr(*p) for p in r) + " Z" for r in poly)

    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif">' % (W, H + 150),
           '<rect width="100%" height="100%" fill="white"/>']
    style = {
        "plan-places": 'fill="#ffcc00" fill-opacity="0.25" stroke="#cc8800" stroke-dasharray="6,4"',
        "canal-built-up": 'fill="#ff6666" fill-opacity="0.15" stroke="#cc0000"',
        "xinmeng-corridor": 'fill="#66cc66" fill-opacity="0.25" stroke="#338833"',
        "green-true": 'fill="#006600" fill-opacity="0.7" stroke="#003300"',
        "green-false": 'fill="#88dd88" fill-opacity="0.7" stroke="#338833" stroke-dasharray="3,2"',
        "water": 'fill="#3399ff" stroke="#0044aa" stroke-width="0.5"',
        "district": 'fill="none" stroke="black" stroke-width="1.5"',
        "line": 'fill="none" stroke="#002266" stroke-width="0.6" stroke-dasharray="2,2"',
    }
    for lid in ["plan-places", "canal-built-up", "xinmeng-corridor", "green-corridors", "xinmeng-river", "canal",
                "district", "xinmeng-centreline", "canal-centreline"]:
        for f in data[lid]["features"]:
            g = f["geometry"]
            if g["type"] == "LineString":
                svg.append('<polyline points="%s" %s/>' % (" ".join("%.1f,%.1f" % tr(*p) for p in g["coordinates"]),
                                                          style["line"]))
                continue
            key = {"green-corridors": "green-true" if f["properties"].get("green_line") else "green-false",
                   "xinmeng-river": "water", "canal": "water"}.get(lid, lid)
            for poly in polys_ll(g):
                svg.append('<path d="%s" fill-rule="evenodd" %s><title>%s</title></path>' % (
                    path(poly), style[key], f["properties"]["id"]))
    for t in tp_json:
        x, y = tr(t["lon"], t["lat"])
        svg.append('<circle cx="%.1f" cy="%.1f" r="4" fill="#cc00cc"/><text x="%.1f" y="%.1f" font-size="13" '
                   'fill="#660066">%d</text>' % (x, y, x + 5, y - 5, t["n"]))
    legend = [("water", "water surfaces (新孟河, canal): distance origin"),
              ("xinmeng-corridor", "清水通道维护区 (eco-control)"),
              ("green-true", "corridor, green_line true (城市绿线 land)"),
              ("green-false", "corridor, green_line false (plan structure)"),
              ("canal-built-up", "built-up mask (canal sub-zones)"),
              ("plan-places", "plan places, informational (not judged)"),
              ("district", "district = taihu-tier (tier 3)")]
    for i, (k, text) in enumerate(legend):
        yy = H + 15 + i * 19
        svg.append('<rect x="15" y="%d" width="30" height="13" %s/><text x="55" y="%d" font-size="13">%s</text>' % (
            yy, style[k], yy + 11, text))
    svg.append('<text x="700" y="%d" font-size="13">magenta: test points (README table). Illustrative data, '
               'not official. EPSG:4549 scale, north up.</text>' % (H + 26))
    svg.append("</svg>")
    with open(os.path.join(outdir, "preview.svg"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(svg) + "\n")
