#!/usr/bin/env python3
"""Generator of ecospace's illustrative demo layers, second edition.

    python3 gen.py [OUTDIR]         (default: the directory of this script)

Writes every <layer-id>.geojson from the hand-placed control points in the
tables below, checks every geometry, measures it in EPSG:4549 and prints a
report (sizes, checks, test points) that README.md quotes. Standard library
only; geom.py beside this file holds the projection and the plane geometry.

How things are drawn, in short:
  * control points are lon/lat (WGS84 = CGCS2000 at this scale); every
    offset, strip, buffer and clip is computed in EPSG:4549 metres
    (CGCS2000 3-degree Gauss-Kruger, CM 120E), then projected back;
  * a water surface is its centre line offset by +-half the width (mitred
    joins, flat ends); a corridor is a strip at given distances from a line;
  * clips to the district use an exact polygon intersection (Greiner-
    Hormann); the two distance-band places (the canal's extension zone and
    the Zouqu stretch's canal buffer) are traced on a 25 m grid of the exact
    distance field and simplified by 2 m;
  * output: RFC 7946 GeoJSON, lon/lat rounded to 6 decimals, exterior rings
    counter-clockwise, holes clockwise, rings closed; all checks run again on
    the rounded coordinates that were written.

Nothing here is surveyed: every feature is "status": "illustrative".
"""
import json
import math
import os
import sys

import geom
from geom import P, L

HERE = os.path.dirname(os.path.abspath(__file__))

# =============================================================================
# 1. CONTROL POINTS (lon, lat) and widths: the whole of the hand work
# =============================================================================

# District outline: the project's own coarse hand tracing (3 decimals), read
# from district.geojson beside this script (copied unchanged from data/demo).
DISTRICT_FILE = os.path.join(HERE, "district.geojson")

# --- 新孟河 Xinmeng River, new channel -----------------------------------------
# From 1.4 km inside 武进 (south), north along the Zhonglou-Danyang border,
# 250-450 m inside the district outline (median ~340 m; up to ~700 m where the
# border steps 1 km west near 31.78 N: the channel cuts the corner), then on through the
# Danyang salient to the Grand Canal near 奔牛. The last point is put on the
# canal's centre line (computed below).
XINMENG_CL = [
    (119.7275, 31.7500),   # in 武进, ~1.4 km south of the district edge
    (119.7410, 31.7735),
    (119.7462, 31.7800),
    (119.7565, 31.7860),   # east of the border's step at (119.754, 31.789)
    (119.7585, 31.7925),
    (119.7612, 31.8000),
    (119.7622, 31.8100),   # leaves the district at its north-west corner
    (119.7638, 31.8300),   # Danyang salient
    (119.7650, None),      # on the canal centre line (lat computed)
]
XINMENG_WIDTH = 100.0      # water surface, m (no published figure found: see README)

# --- 京杭大运河 Grand Canal: unchanged centre lines of the first edition ------
CANAL_NEW_CL = [
    (119.74, 31.8575), (119.768, 31.8545), (119.79, 31.853), (119.82, 31.8505),
    (119.848, 31.847), (119.87, 31.8405), (119.885, 31.83), (119.895, 31.82),
    (119.902, 31.812), (119.907, 31.805), (119.91, 31.796), (119.9115, 31.787),
    (119.9125, 31.778), (119.914, 31.7725), (119.9175, 31.768), (119.924, 31.7662),
    (119.932, 31.7675), (119.94, 31.7698), (119.948, 31.7718), (119.96, 31.772),
    (119.98, 31.768), (120.005, 31.76), (120.03, 31.748),
]
CANAL_OLD_CL = [
    (119.902, 31.812), (119.912, 31.807), (119.922, 31.8), (119.93, 31.792),
    (119.936, 31.784), (119.942, 31.7795), (119.948, 31.778), (119.9535, 31.779),
    (119.962, 31.781), (119.975, 31.783), (119.99, 31.783),
]
CANAL_NEW_WIDTH = 90.0     # 口宽 90 m (新华社 2008-01-17, gov.cn)
CANAL_OLD_WIDTH = 50.0     # a justified guess: see README

# --- canal built-up mask --------------------------------------------------------
BUILT_UP_CORE = [          # first edition's polygon, unchanged
    (119.915, 31.7725), (119.9185, 31.77), (119.924, 31.7685), (119.932, 31.7698),
    (119.94, 31.772), (119.948, 31.774), (119.96, 31.775), (119.96, 31.801),
    (119.924, 31.815), (119.925, 31.83), (119.912, 31.838), (119.912, 31.844),
    (119.905, 31.85), (119.886, 31.854), (119.874, 31.838), (119.878, 31.82),
    (119.888, 31.805), (119.898, 31.799), (119.9085, 31.7965), (119.9122, 31.795),
    (119.9133, 31.787), (119.914, 31.778),
]
ZOUQU_BUILT_UP = [         # 邹区镇 seat and its strip along 312国道/长虹路: a guess
    (119.8185, 31.7935), (119.8300, 31.7915), (119.8420, 31.7920),
    (119.8540, 31.7950), (119.8560, 31.8030), (119.8480, 31.8080),
    (119.8420, 31.8115), (119.8320, 31.8150), (119.8220, 31.8140),
    (119.8175, 31.8060),
]

# --- 清水通道维护区 and its isolation belt ---------------------------------------
CORRIDOR_AREA_KM2 = 5.10   # published: about 5.1 km2
CORRIDOR_NORTH = (119.76, 31.800)   # the corridor's north edge runs along this parallel
BELT_WIDTH = 100.0         # 生态隔离带, east of the corridor

# --- green corridors (centre lines; widths in m) ---------------------------------
GREEN_XINMENG_HALF = 120.0  # river centre line +-120 m (first edition's 240 m)
BIANDAN_CL = [(119.8380, 31.7660), (119.8376, 31.77095), (119.837, 31.78),
              (119.835, 31.79), (119.836, 31.8), (119.8336, 31.8161), (119.8330, 31.8200)]
BIANDAN_WIDTH = 200.0
TONGZI_CL = [(119.901, 31.778), (119.9015, 31.793), (119.9015, 31.801)]
TONGZI_WIDTH = 120.0
HOUTANG_CL = [(119.9010, 31.7810), (119.8880, 31.7822), (119.8770, 31.7810),
              (119.8725, 31.7860), (119.8715, 31.7960)]
HOUTANG_WIDTH = 100.0
CANAL_SOUTH_GREEN = {"from": (119.9125, 31.7720), "to": (119.9484, 31.7706),
                     "near": 60.0, "far": 210.0}   # m south of the new course's centre line
NEW_CANAL_BUFFER = {"from": (119.9050, 31.8080), "to": (119.9135, 31.7770),
                    "near": CANAL_NEW_WIDTH / 2, "far": CANAL_NEW_WIDTH / 2 + 100.0}
OLD_CANAL_CORRIDOR = {"from": (119.9060, 31.8100), "to": (119.9580, 31.7797),
                      "near": CANAL_OLD_WIDTH / 2, "far": CANAL_OLD_WIDTH / 2 + 70.0}
NANYUNHE_CL = [(119.9442, 31.7780), (119.9444, 31.7750), (119.9447, 31.7723)]
NANYUNHE_BANK = (15.0, 85.0)    # each bank, m from the centre line (water ~30 m)
JINGCHUAN_PARK = [(119.9458, 31.7735), (119.9482, 31.7737), (119.9481, 31.7761),
                  (119.9458, 31.7760)]
YULAN_CL = [(119.7905, 31.7860), (119.8300, 31.7860)]
YULAN_WIDTH = 100.0
ETDZ_LINK_CL = [(119.8580, 31.8030), (119.8760, 31.8036), (119.8960, 31.8030)]
ETDZ_LINK_WIDTH = 80.0

# --- informational places ------------------------------------------------------
GREEN_HEART = [(119.7900, 31.7655), (119.8050, 31.7635), (119.8180, 31.7650),
               (119.8200, 31.7720), (119.8150, 31.7790), (119.8000, 31.7800),
               (119.7890, 31.7760)]
TAILWATER_WETLAND = [(119.8430, 31.7800), (119.8520, 31.7805), (119.8525, 31.7870),
                     (119.8435, 31.7868)]
ZOUQU_EAST_LON = 119.866    # 邹区镇's eastern limit near the canal (a guess)
EXTENSION_OUTER_M = 4000.0  # 拓展区 drawn from 2 km to 4 km (outer limit a guess)

# =============================================================================
# 2. helpers
# =============================================================================


def proj_line(pts):
    return [P(*p) for p in pts]


def proj_ring(pts):
    return geom.orient_ccw([P(*p) for p in pts])


def arc_s(line, p):
    """arc length along `line` of the point of `line` nearest to p"""
    best, acc, s_best = float("inf"), 0.0, 0.0
    for i in range(len(line) - 1):
        a, b = line[i], line[i + 1]
        l = geom.dist(a, b)
        t = ((p[0] - a[0]) * (b[0] - a[0]) + (p[1] - a[1]) * (b[1] - a[1])) / (l * l)
        t = min(1.0, max(0.0, t))
        q = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
        d = geom.dist(p, q)
        if d < best:
            best, s_best = d, acc + t * l
        acc += l
    return s_best


def canal_lat_at(lon):
    for (x1, y1), (x2, y2) in zip(CANAL_NEW_CL, CANAL_NEW_CL[1:]):
        if x1 <= lon <= x2:
            return y1 + (lon - x1) / (x2 - x1) * (y2 - y1)
    raise ValueError(lon)


def clip_all(ring, district):
    """the parts of a ring inside the district (exact polygon intersection)"""
    return geom.intersect(ring, district)


# =============================================================================
# 3. build
# =============================================================================

def build():
    dj = json.load(open(DISTRICT_FILE, encoding="utf-8"))
    dring_ll = dj["features"][0]["geometry"]["coordinates"][0][:-1]
    DIST = geom.orient_ccw([P(*p) for p in dring_ll])
    G = {"district": DIST}

    # --- river --------------------------------------------------------------
    cl = list(XINMENG_CL)
    cl[-1] = (cl[-1][0], canal_lat_at(cl[-1][0]))
    xcl = proj_line(cl)
    river = geom.strip(xcl, XINMENG_WIDTH / 2, XINMENG_WIDTH / 2)
    G["xinmeng_cl"], G["river"] = xcl, river

    # --- canal ----------------------------------------------------------------
    ncl, ocl = proj_line(CANAL_NEW_CL), proj_line(CANAL_OLD_CL)
    canal_new = geom.strip(ncl, CANAL_NEW_WIDTH / 2, CANAL_NEW_WIDTH / 2)
    canal_old = geom.strip(ocl, CANAL_OLD_WIDTH / 2, CANAL_OLD_WIDTH / 2)
    G.update(ncl=ncl, ocl=ocl, canal_new=canal_new, canal_old=canal_old)
    canal_water = [[canal_new], [canal_old]]
    canal_segs = geom.Segs([canal_new, canal_old])

    def d_canal(p):
        bd = canal_segs.min_dist(p[0], p[1])
        if bd < 100 and geom.in_geom(p, canal_water):
            return 0.0
        return bd
    G["d_canal"] = d_canal

    # --- clear-water corridor: district land west of an east edge that runs
    # parallel to the river, D m east of its centre line, up to 31.800 N.
    # D is solved so that the area is the published ~5.1 km2.
    y_north = P(*CORRIDOR_NORTH)[1]
    xmin = min(p[0] for p in DIST) - 3000

    def east_edge(D):
        e = geom.offset_line(xcl, -D)          # right of a northward line = east
        out = [e[0]]
        for a, b in zip(e, e[1:]):
            if b[1] < y_north:
                out.append(b)
            else:
                t = (y_north - a[1]) / (b[1] - a[1])
                out.append((a[0] + t * (b[0] - a[0]), y_north))
                break
        return out

    def corridor_for(D):
        e = east_edge(D)
        ring = e + [(xmin, y_north), (xmin, e[0][1])]
        return clip_all(geom.orient_ccw(ring), DIST), e

    lo, hi = 200.0, 2000.0
    for _ in range(60):
        mid = (lo + hi) / 2
        parts, _e = corridor_for(mid)
        a = sum(geom.ring_area(r) for r in parts) / 1e6
        if a < CORRIDOR_AREA_KM2:
            lo = mid
        else:
            hi = mid
    D = round((lo + hi) / 2, 1)
    corridor, e = corridor_for(D)
    G["corridor"], G["corridor_D"] = corridor, D
    belt_ring = geom.orient_ccw(e + geom.offset_line(e, -BELT_WIDTH)[::-1])
    G["belt"] = clip_all(belt_ring, DIST)

    # --- green corridors --------------------------------------------------------
    G["green_xinmeng"] = clip_all(geom.strip(xcl, GREEN_XINMENG_HALF, GREEN_XINMENG_HALF), DIST)
    b = proj_line(BIANDAN_CL)
    G["green_biandan"] = clip_all(geom.strip(b, BIANDAN_WIDTH / 2, BIANDAN_WIDTH / 2), DIST)
    t = proj_line(TONGZI_CL)
    G["green_tongzi"] = [geom.strip(t, TONGZI_WIDTH / 2, TONGZI_WIDTH / 2)]
    h = proj_line(HOUTANG_CL)
    G["green_houtang"] = [geom.strip(h, HOUTANG_WIDTH / 2, HOUTANG_WIDTH / 2)]

    def canal_piece(line, spec):
        s0 = arc_s(line, P(*spec["from"]))
        s1 = arc_s(line, P(*spec["to"]))
        return geom.substring(line, min(s0, s1), max(s0, s1))

    sb = canal_piece(ncl, CANAL_SOUTH_GREEN)        # runs west -> east
    G["green_canal_south"] = clip_all(geom.strip(sb, -CANAL_SOUTH_GREEN["near"], CANAL_SOUTH_GREEN["far"]), DIST)
    nb = canal_piece(ncl, NEW_CANAL_BUFFER)
    G["green_new_canal"] = [geom.strip(nb, NEW_CANAL_BUFFER["far"], -NEW_CANAL_BUFFER["near"]),
                            geom.strip(nb, -NEW_CANAL_BUFFER["near"], NEW_CANAL_BUFFER["far"])]
    ob = canal_piece(ocl, OLD_CANAL_CORRIDOR)
    old_left = clip_all(geom.strip(ob, OLD_CANAL_CORRIDOR["far"], -OLD_CANAL_CORRIDOR["near"]), DIST)
    old_right = clip_all(geom.strip(ob, -OLD_CANAL_CORRIDOR["near"], OLD_CANAL_CORRIDOR["far"]), DIST)
    G["green_old_canal"] = old_left + old_right
    nn = proj_line(NANYUNHE_CL)
    G["green_nanyunhe"] = [geom.strip(nn, NANYUNHE_BANK[1], -NANYUNHE_BANK[0]),
                           geom.strip(nn, -NANYUNHE_BANK[0], NANYUNHE_BANK[1])]
    G["green_jingchuan"] = [proj_ring(JINGCHUAN_PARK)]
    y = proj_line(YULAN_CL)
    G["green_yulan"] = [geom.strip(y, YULAN_WIDTH / 2, YULAN_WIDTH / 2)]
    z = proj_line(ETDZ_LINK_CL)
    G["green_etdz"] = [geom.strip(z, ETDZ_LINK_WIDTH / 2, ETDZ_LINK_WIDTH / 2)]

    # --- masks ------------------------------------------------------------------
    G["built_core"] = [proj_ring(BUILT_UP_CORE)]
    G["built_zouqu"] = [proj_ring(ZOUQU_BUILT_UP)]

    # --- informational places ---------------------------------------------------
    G["heart"] = [[proj_ring(GREEN_HEART)]]
    G["wetland"] = [[proj_ring(TAILWATER_WETLAND)]]

    # The two distance-band places are traced on a 25 m grid of the exact
    # distance to the canal water (the region's edge runs 200 m outside the
    # district there), simplified by 2 m, then cut exactly by the district.
    dsegs = geom.Segs([DIST])

    def sd_district(x, y):
        d = dsegs.min_dist(x, y)
        return -d if geom.in_ring((x, y), DIST) else d

    def traced(field, lo, hi, step):
        x0, y0 = P(*lo)
        x1, y1 = P(*hi)
        ext, holes = geom.contour_region(field, x0, y0, x1, y1, step)
        assert not holes, "unexpected hole"
        out = []
        for r in ext:
            for piece in geom.intersect(geom.dp_ring(r, 2.0), DIST):
                out.append([piece])
        return out

    # Zouqu stretch's canal buffer: 邹区镇 land (west of ZOUQU_EAST_LON)
    # within 2 km of the canal water
    x_east = P(ZOUQU_EAST_LON, 31.83)[0]

    def f_zq(x, y):
        sd = sd_district(x, y)
        if sd > 400 or x > x_east + 400:
            return max(sd - 200.0, x - x_east)
        return max(d_canal((x, y)) - 1997.0, sd - 200.0, x - x_east)
    G["zouqu_canal_buffer"] = traced(f_zq, (119.830, 31.805), (119.875, 31.846), 25.0)

    # canal extension zone: district land 2-4 km from the canal water
    def f_ext(x, y):
        sd = sd_district(x, y)
        if sd > 400:
            return sd - 200.0
        dc = d_canal((x, y))
        return max(2003.0 - dc, dc - EXTENSION_OUTER_M, sd - 200.0)
    G["extension"] = traced(f_ext, (119.722, 31.736), (119.962, 31.858), 25.0)
    return G


# =============================================================================
# 4. features (properties) and writing
# =============================================================================

PLAN = "《常州市钟楼区生态文明建设示范区规划（2023-2030年）》"
GREENLINE = "《城市绿线管理办法》（建设部令第112号）第二条、第十一条"


def features(G):
    """(layer id) -> list of (properties, geometry kind, rings-structure)"""
    D = G["corridor_D"]
    F = {}
    F["district"] = None  # copied verbatim
    F["taihu-tier"] = [(
        {"id": "taihu-tier-3-zhonglou", "name_zh": "太湖流域三级保护区（钟楼区全域）",
         "name_en": "Taihu basin protection tier 3 (the whole district)",
         "tier": 3, "status": "illustrative",
         "basis": "《江苏省太湖水污染防治条例》第二条：“其他地区为三级保护区”（2007年文本；范围由省人民政府划定公布）",
         "note": "示意：以本项目自绘区界为范围，全区按三级保护区；一、二级保护区的正式范围由省政府公布，导入正式图层后替换 / "
                 "illustrative: the whole district (the project's own outline) as tier 3; the province publishes the real "
                 "tier extents, which replace this when imported"},
        "Polygon", [[G["district"]]])]
    F["xinmeng-river"] = [(
        {"id": "xinmeng-river", "name_zh": "新孟河（水面）", "name_en": "Xinmeng River (water surface)",
         "kind": "river", "width_m": XINMENG_WIDTH, "status": "illustrative",
         "note": "示意水面：沿钟楼区与丹阳市界（区界西侧）内侧约250-450米绘制中心线（中位约340米；界线西折处最远约700米），"
                 "两侧各50米成100米宽水面；北经丹阳市境至奔牛附近京杭运河，南入武进约1.4公里。宽度未查到公开数据，按100米示意；"
                 "实际位置与宽度未核实 / illustrative water surface: centre line 250-450 m (median ~340 m) inside the Zhonglou-Danyang "
                 "border on the district's west side (up to ~700 m where the border steps west), 50 m either side = "
                 "100 m wide; on north through Danyang to the Grand Canal near Benniu, 1.4 km south into Wujin. No "
                 "published width was found; 100 m is illustrative. Position and width not verified"},
        "Polygon", [[G["river"]]])]
    F["xinmeng-centreline"] = [(
        {"id": "xinmeng-centreline", "name_zh": "新孟河（中心线，仅显示）", "name_en": "Xinmeng River centre line (display only)",
         "kind": "display", "status": "illustrative",
         "note": "绘制水面所用的中心线，仅供显示，不作距离起算 / the centre line the water surface was drawn from; display "
                 "only, never a distance origin"},
        "LineString", G["xinmeng_cl"])]
    F["xinmeng-corridor"] = [(
        {"id": "xinmeng-clear-water-corridor", "name_zh": "新孟河（钟楼区）清水通道维护区",
         "name_en": "Xinmeng River (Zhonglou) clear-water corridor", "kind": "清水通道维护区",
         "level": "省级", "function": "水源水质保护", "status": "illustrative",
         "villages": "琵琶墩、泰村、杏塘（邹区镇）",
         "basis": "《江苏省生态空间管控区域规划》苏政发〔2020〕1号；《江苏省生态空间管控区域管理办法》苏政办规〔2026〕1号",
         "note": "示意：区界（丹阳界）与新孟河中心线以东%.0f米平行线之间、区南界至北纬31.800°的区内范围，按公告约5.1平方公里求得；"
                 "覆盖河道水面；村庄位置未知，边界未核实 / illustrative: district land between the Danyang border and a "
                 "line %.0f m east of the river's centre line, from the district's south edge to 31.800 N; the offset "
                 "was solved for the published ~5.1 km2; it covers the water; the villages' positions are unknown; "
                 "boundary not verified" % (D, D)},
        "Polygon", [[r] for r in G["corridor"]])]
    F["canal"] = [
        ({"id": "canal-new-course", "name_zh": "京杭大运河（新运河，2008年通航，水面）",
          "name_en": "Grand Canal, new course (2008), water surface", "kind": "canal", "course": "new",
          "width_m": CANAL_NEW_WIDTH, "status": "illustrative",
          "note": "示意水面：中心线两侧各45米（口宽90米，新华社2008-01-17）；连江桥以西为与老运河共用的主航道（往奔牛）；位置示意 / "
                  "illustrative water surface: 45 m either side of the centre line (90 m top width, Xinhua 2008-01-17); "
                  "west of 连江桥 the shared main channel towards Benniu; position illustrative"},
         "Polygon", [[G["canal_new"]]]),
        ({"id": "canal-old-course", "name_zh": "京杭大运河（古运河城区段，水面）",
          "name_en": "Grand Canal, old course through the old city, water surface", "kind": "canal",
          "course": "old", "width_m": CANAL_OLD_WIDTH, "status": "illustrative",
          "note": "示意水面：中心线两侧各25米（50米为估计值：2008年前为四级航道主航道，城区段实际宽窄不一）；自连江桥向东经篦箕巷、西瀛门、南大街 / "
                  "illustrative water surface: 25 m either side of the centre line (50 m is an estimate: the Class-IV "
                  "main channel until 2008; the real width varies through the old city); from 连江桥 east past 篦箕巷, "
                  "西瀛门, 南大街"},
         "Polygon", [[G["canal_old"]]]),
    ]
    F["canal-centreline"] = [
        ({"id": "canal-new-course-centreline", "name_zh": "京杭大运河新运河（中心线，仅显示）",
          "name_en": "Grand Canal new course, centre line (display only)", "kind": "display", "course": "new",
          "status": "illustrative", "note": "仅供显示，不作距离起算 / display only, never a distance origin"},
         "LineString", G["ncl"]),
        ({"id": "canal-old-course-centreline", "name_zh": "京杭大运河古运河（中心线，仅显示）",
          "name_en": "Grand Canal old course, centre line (display only)", "kind": "display", "course": "old",
          "status": "illustrative", "note": "仅供显示，不作距离起算 / display only, never a distance origin"},
         "LineString", G["ocl"]),
    ]
    bu_basis = "《大运河文化保护传承利用规划纲要》；苏政发〔2021〕20号"
    F["canal-built-up"] = [
        ({"id": "canal-built-up-core", "name_zh": "中心城区建成区（大运河核心监控区分区用）",
          "name_en": "Built-up urban core (sub-zoning of the canal core zone)", "kind": "建成区",
          "status": "illustrative", "basis": bu_basis,
          "note": "示意范围（第一版不变）：老城区及新运河沿线城区；青枫公园、西南部农田不计入 / illustrative (unchanged "
                  "from the first edition): old city and the western city; 青枫公园 and the south-western farmland left out"},
         "Polygon", [[G["built_core"][0]]]),
        ({"id": "canal-built-up-zouqu", "name_zh": "邹区镇建成区（建制镇，按建成区计）",
          "name_en": "Built-up area of Zouqu town (a designated town counts as built-up)", "kind": "建成区",
          "status": "illustrative", "basis": bu_basis,
          "note": "位置示意（猜测）：邹区镇镇区及沿312国道、长虹路的东西向建成带，约119.818-119.856E、31.792-31.815N；"
                  "距运河均大于2公里，故不改变任何核心监控区分区 / position a guess: the town seat of 邹区 and its east-west "
                  "built strip along G312 and 长虹路, about 119.818-119.856 E, 31.792-31.815 N; all of it is more than "
                  "2 km from the canal, so it changes no core-zone sub-zone in this demo"},
         "Polygon", [[G["built_zouqu"][0]]]),
    ]

    def green(fid, name, name_en, green_line, width, note, geomparts, basis=None):
        b = basis or (GREENLINE + "；" + PLAN if green_line else
                      PLAN + "（“禁止破坏主导生态功能的开发建设活动”）")
        props = {"id": fid, "name_zh": name, "name_en": name_en, "green_line": green_line,
                 "status": "illustrative", "basis": b, "note": note}
        if width is not None:
            props["width_m"] = width
        kind = "Polygon" if len(geomparts) == 1 else "MultiPolygon"
        return (props, kind, [[r] for r in geomparts])

    F["green-corridors"] = [
        green("green-xinmeng", "新孟河生态廊道", "Xinmeng River ecological corridor", False, 240,
              "随新孟河新位置重绘：中心线两侧各120米（含100米水面），裁至区内；规划结构廊道，非城市绿线 / redrawn on the "
              "river's new position: 120 m either side of the centre line (the 100 m water included), clipped to the "
              "district; a plan corridor, not 城市绿线 land", G["green_xinmeng"]),
        green("green-biandan", "扁担河生态廊道", "Biandan River ecological corridor", False, BIANDAN_WIDTH,
              "位置示意，未核实（约东经119.835°南北向穿过邹区镇）；规划结构廊道，非城市绿线 / position not verified "
              "(north-south at about 119.835 E across 邹区镇); a plan corridor, not 城市绿线 land", G["green_biandan"]),
        green("green-tongzi", "童子河生态廊道（青枫公园西侧滨河绿地）", "Tongzi River ecological corridor (riverside green by 青枫公园)",
              True, TONGZI_WIDTH,
              "第一版位置不变：青枫公园西侧童子河两岸；按城市滨河绿地（城市绿线）处理，未核实 / unchanged from the first "
              "edition: both banks of 童子河 on the west side of 青枫公园; treated as urban riverside green space "
              "(城市绿线 land); not verified", G["green_tongzi"]),
        green("green-tongzi-houtang", "童子河—后塘河绿色廊道", "Tongzi–Houtang green corridor", False, HOUTANG_WIDTH,
              "位置示意，未核实；规划结构廊道，非城市绿线 / position not verified; a plan corridor, not 城市绿线 land",
              G["green_houtang"]),
        green("green-canal-south-bank", "大运河南岸绿地", "Grand Canal south-bank green space", True, 150,
              "第一版位置不变：新运河东西向河段南岸，距中心线60-210米（距水边15-165米），裁至区内；已建滨河绿地，按城市绿线 / "
              "unchanged: south bank of the new course's east-west reach, 60-210 m from the centre line (15-165 m "
              "from the water's edge), clipped to the district; built riverside green space, treated as 城市绿线 land", G["green_canal_south"]),
        green("green-new-canal-buffer", "新运河生态缓冲带", "New canal course ecological buffer", False, 100,
              "新运河南北向河段（连江桥以南约0.5公里至东西向转弯前）两岸，距水边0-100米；规划缓冲带，非城市绿线（其中已建滨河绿道未单独绘出）/ "
              "both banks of the new course's north-south reach (from ~0.5 km south of 连江桥 to before the bend), "
              "0-100 m from the water's edge; a plan buffer, not 城市绿线 land (the built greenway in it is not drawn "
              "separately)", G["green_new_canal"]),
        green("green-old-canal", "老运河（古运河城区段）生态廊道", "Old canal course ecological corridor", False, 70,
              "古运河城区段两岸，距水边0-70米，自连江桥以东约0.4公里至区东界；穿老城历史街区，规划结构廊道，非城市绿线 / "
              "both banks of the old course through the old city, 0-70 m from the water's edge, from ~0.4 km east of "
              "连江桥 to the district's east edge; through historic streets: a plan corridor, not 城市绿线 land",
              G["green_old_canal"]),
        green("green-nanyunhe", "南运河滨河绿地", "Nanyunhe (south canal) riverside green", True, 70,
              "南运河（古运河至新运河之间，约东经119.944°）两岸各70米滨河绿地；公开报道：怀德路至清潭西路段沿河两岸绿地约3.75公顷已建成；"
              "位置示意，宽度为便于测试略放大 / 70 m of riverside green on each bank of 南运河 (between the old and new "
              "courses, about 119.944 E); public reports say ~3.75 ha of green on both banks (怀德路 to 清潭西路) "
              "were built; position illustrative, width widened a little for robust tests", G["green_nanyunhe"]),
        green("green-jingchuan-park", "荆川公园（位置示意）", "Jingchuan Park (position a guess)", True, None,
              "公园，城市绿线；报道称其位于南运河滨河绿地南端东侧，位置与大小为猜测 / a park, 城市绿线 land; reported at the "
              "south end of the 南运河 riverside green, on the east side; position and size are a guess",
              G["green_jingchuan"]),
        green("green-yulan-avenue", "“玉兰大道”生态廊道", "“Yulan Avenue” ecological corridor", False, YULAN_WIDTH,
              "位置为猜测：未找到玉兰大道的公开位置，按邹区镇南部东西向道路两侧各50米绘制（北纬31.786°，东经119.79-119.83°）；"
              "道路生态廊道，非城市绿线 / position a guess: no public position of 玉兰大道 was found; drawn as an east-west "
              "avenue through southern 邹区 (31.786 N, 119.79-119.83 E), 50 m either side; a road-side ecological "
              "corridor, not 城市绿线 land", G["green_yulan"]),
        green("green-etdz-core-link", "经开区核心区生态联系廊道", "Economic development zone core-area ecological link",
              False, ETDZ_LINK_WIDTH,
              "位置为猜测：钟楼经济开发区在老钟楼区西部（2015年前已设立），按北纬31.803°东西向80米宽联系带，西接邹区、东近新运河绘制；"
              "规划结构廊道，非城市绿线 / position a guess: 钟楼经济开发区 lies in the west of the pre-2015 district; drawn "
              "as an 80 m east-west link at 31.803 N between 邹区 and the new canal; a plan corridor, not 城市绿线 land",
              G["green_etdz"]),
        green("green-clear-water-isolation-belt", "新孟河清水通道生态隔离带", "Xinmeng clear-water corridor ecological isolation belt",
              False, BELT_WIDTH,
              "清水通道维护区东界外侧100米宽隔离带，与维护区同南北范围，裁至区内；位置随维护区，属示意 / a 100 m belt just "
              "east of the clear-water corridor's east edge, same north-south extent, clipped to the district; "
              "follows the corridor, illustrative", G["belt"]),
    ]

    def place(fid, name, name_en, note, polys):
        kind = "Polygon" if len(polys) == 1 else "MultiPolygon"
        return ({"id": fid, "name_zh": name, "name_en": name_en, "informational": True,
                 "status": "illustrative", "basis": PLAN + "（规划结构要素，本身不设管控规则）", "note": note},
                kind, polys)

    F["plan-places"] = [
        place("place-zouqu-canal-safety-buffer", "大运河生态安全缓冲区（邹区段）",
              "Grand Canal ecological safety buffer, Zouqu stretch",
              "位置为猜测：邹区镇（东经119.866°以西，镇界未知）距运河水边2公里以内的区内土地；本示意中运河在邹区北侧区外，仅东北角一小块在2公里内；"
              "其管控见大运河核心监控区 / position a guess: 邹区's district land (west of 119.866 E; the town boundary is "
              "unknown) within 2 km of the canal water; here the canal runs north of the district, so only a small "
              "north-eastern lobe qualifies; its rules are the canal core zone's", G["zouqu_canal_buffer"]),
        place("place-canal-extension-zone", "大运河拓展区", "Grand Canal extension zone",
              "区内距运河水边2-%g公里的土地（核心监控区外），按25米格网追踪后简化；外界%g公里为猜测，未查到定义 / district "
              "land 2-%g km from the canal water (outside the 2 km core zone), traced on a 25 m grid and simplified; "
              "the %g km outer limit is a guess, no definition was found" % ((EXTENSION_OUTER_M / 1000,) * 4),
              G["extension"]),
        place("place-western-green-heart", "西部生态休闲绿心", "Western ecological leisure green heart",
              "位置为猜测：邹区镇西南部农田水网，清水通道东侧、扁担河以西（约119.789-119.820E、31.764-31.780N）/ "
              "position a guess: farmland and water in south-western 邹区, east of the clear-water corridor and west "
              "of 扁担河 (about 119.789-119.820 E, 31.764-31.780 N)", G["heart"]),
        place("place-yuejin-tailwater-wetland", "岳津河（邹区）尾水湿地缓冲区", "Yuejin River / Zouqu tail-water wetland buffer",
              "位置为猜测：未找到岳津河与邹区污水处理厂的公开位置，按邹区镇区以南、扁担河东侧约0.6平方公里绘制 / position a "
              "guess: no public position of 岳津河 or of the 邹区 sewage works was found; drawn as ~0.6 km2 south of "
              "the 邹区 town seat, east of 扁担河", G["wetland"]),
    ]
    return F


def ll_ring(r):
    out = [[round(v, 6) for v in L(p)] for p in r]
    out.append(out[0])
    return out


def ll_line(pts):
    return [[round(v, 6) for v in L(p)] for p in pts]


def to_geojson_geom(kind, data):
    if kind == "LineString":
        return {"type": "LineString", "coordinates": ll_line(data)}
    polys = [[ll_ring(geom.orient_ccw(q[0]))] + [ll_ring(geom.orient_cw(h)) for h in q[1:]] for q in data]
    if kind == "Polygon":
        assert len(polys) == 1
        return {"type": "Polygon", "coordinates": polys[0]}
    return {"type": "MultiPolygon", "coordinates": polys}


def dump_fc(feats):
    lines = ['{"type": "FeatureCollection",', ' "features": [']
    for i, f in enumerate(feats):
        g = f["geometry"]
        lines.append('  {"type": "Feature",')
        lines.append('   "properties": ' + json.dumps(f["properties"], ensure_ascii=False) + ',')
        lines.append('   "geometry": {"type": "%s", "coordinates": %s}}%s' % (
            g["type"], json.dumps(g["coordinates"], separators=(",", ":")), "," if i < len(feats) - 1 else ""))
    lines.append(' ]}')
    return "\n".join(lines) + "\n"


def write_all(outdir, F):
    written = {}
    dst = os.path.join(outdir, "district.geojson")
    if os.path.abspath(dst) != os.path.abspath(DISTRICT_FILE):
        with open(DISTRICT_FILE, "rb") as src, open(dst, "wb") as out:   # copied unchanged
            out.write(src.read())
    for lid, items in F.items():
        if items is None:
            continue
        feats = []
        for props, kind, data in items:
            feats.append({"type": "Feature", "properties": props, "geometry": to_geojson_geom(kind, data)})
        text = dump_fc(feats)
        with open(os.path.join(outdir, lid + ".geojson"), "w", encoding="utf-8") as fh:
            fh.write(text)
        written[lid] = feats
    return written


if __name__ == "__main__":
    import report
    outdir = sys.argv[1] if len(sys.argv) > 1 else HERE
    G = build()
    F = features(G)
    written = write_all(outdir, F)
    report.run(outdir, G, written)
