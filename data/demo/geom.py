"""Plane geometry and the EPSG:4549 projection for gen.py (Python 3 standard library only).

Everything here works in EPSG:4549 metres (x = easting, y = northing) unless a
name says lon/lat. Rings are lists of (x, y) without the closing point; the
writer closes them.
"""
import math

# --- EPSG:4549: CGCS2000 / 3-degree Gauss-Kruger CM 120E -------------------
# Transverse Mercator, lon_0 120, k 1, x_0 500000, y_0 0, GRS80 ellipsoid.
A = 6378137.0
F = 1 / 298.257222101
E2 = F * (2 - F)
EP2 = E2 / (1 - E2)
LON0 = math.radians(120.0)
K0 = 1.0
X0 = 500000.0

_M1 = 1 - E2 / 4 - 3 * E2**2 / 64 - 5 * E2**3 / 256
_M2 = 3 * E2 / 8 + 3 * E2**2 / 32 + 45 * E2**3 / 1024
_M3 = 15 * E2**2 / 256 + 45 * E2**3 / 1024
_M4 = 35 * E2**3 / 3072


def _meridian(phi):
    return A * (_M1 * phi - _M2 * math.sin(2 * phi) + _M3 * math.sin(4 * phi)
                - _M4 * math.sin(6 * phi))


def fwd(lon, lat):
    """lon/lat degrees (CGCS2000 ~ WGS84 here) -> (easting, northing) metres.
    Snyder, Map Projections - A Working Manual (USGS PP 1395), eq. 8-9..8-10;
    sub-millimetre within 1 degree of the central meridian."""
    phi = math.radians(lat)
    lam = math.radians(lon)
    s, c = math.sin(phi), math.cos(phi)
    t = math.tan(phi)
    n = A / math.sqrt(1 - E2 * s * s)
    T = t * t
    C = EP2 * c * c
    a_ = (lam - LON0) * c
    m = _meridian(phi)
    x = K0 * n * (a_ + (1 - T + C) * a_**3 / 6
                  + (5 - 18 * T + T * T + 72 * C - 58 * EP2) * a_**5 / 120)
    y = K0 * (m + n * t * (a_**2 / 2 + (5 - T + 9 * C + 4 * C * C) * a_**4 / 24
                           + (61 - 58 * T + T * T + 600 * C - 330 * EP2) * a_**6 / 720))
    return (x + X0, y)


def inv(x, y):
    """(easting, northing) metres -> (lon, lat) degrees. Snyder eq. 8-12..8-18
    (footpoint latitude series), then Newton steps on fwd() so that
    fwd(inv(p)) == p to well below a millimetre."""
    x0 = x - X0
    mu = y / K0 / (A * _M1)
    e1 = (1 - math.sqrt(1 - E2)) / (1 + math.sqrt(1 - E2))
    phi1 = (mu + (3 * e1 / 2 - 27 * e1**3 / 32) * math.sin(2 * mu)
            + (21 * e1**2 / 16 - 55 * e1**4 / 32) * math.sin(4 * mu)
            + (151 * e1**3 / 96) * math.sin(6 * mu)
            + (1097 * e1**4 / 512) * math.sin(8 * mu))
    s, c = math.sin(phi1), math.cos(phi1)
    t = math.tan(phi1)
    C1 = EP2 * c * c
    T1 = t * t
    n1 = A / math.sqrt(1 - E2 * s * s)
    r1 = A * (1 - E2) / (1 - E2 * s * s) ** 1.5
    d = x0 / (n1 * K0)
    phi = phi1 - (n1 * t / r1) * (d**2 / 2 - (5 + 3 * T1 + 10 * C1 - 4 * C1**2 - 9 * EP2) * d**4 / 24
                                  + (61 + 90 * T1 + 298 * C1 + 45 * T1**2 - 252 * EP2 - 3 * C1**2) * d**6 / 720)
    lam = LON0 + (d - (1 + 2 * T1 + C1) * d**3 / 6
                  + (5 - 2 * C1 + 28 * T1 - 3 * C1**2 + 8 * EP2 + 24 * T1**2) * d**5 / 120) / c
    lon, lat = math.degrees(lam), math.degrees(phi)
    for _ in range(3):  # Newton refinement against the forward formulas
        fx, fy = fwd(lon, lat)
        ex, ey = x - fx, y - fy
        if abs(ex) < 1e-7 and abs(ey) < 1e-7:
            break
        h = 1e-6
        ax, ay = fwd(lon + h, lat)
        bx, by = fwd(lon, lat + h)
        j11, j21 = (ax - fx) / h, (ay - fy) / h
        j12, j22 = (bx - fx) / h, (by - fy) / h
        det = j11 * j22 - j12 * j21
        lon += (ex * j22 - ey * j12) / det
        lat += (ey * j11 - ex * j21) / det
    return (lon, lat)


def P(lon, lat):
    return fwd(lon, lat)


def L(p):
    return inv(p[0], p[1])


# --- basic plane geometry ----------------------------------------------------

def sub(a, b):
    return (a[0] - b[0], a[1] - b[1])


def dist(a, b):
    return math.hypot(a[0] - b[0], a[1] - b[1])


def seg_dist(p, a, b):
    ax, ay = a
    dx, dy = b[0] - ax, b[1] - ay
    l2 = dx * dx + dy * dy
    if l2 == 0:
        return math.hypot(p[0] - ax, p[1] - ay)
    t = ((p[0] - ax) * dx + (p[1] - ay) * dy) / l2
    t = 0.0 if t < 0 else (1.0 if t > 1 else t)
    return math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy)


def ring_area(r):
    """signed area (counter-clockwise positive)"""
    s = 0.0
    n = len(r)
    for i in range(n):
        x1, y1 = r[i]
        x2, y2 = r[(i + 1) % n]
        s += x1 * y2 - x2 * y1
    return s / 2


def ring_edges(r):
    n = len(r)
    for i in range(n):
        yield r[i], r[(i + 1) % n]


def in_ring(p, r):
    """ray casting; points on the boundary may go either way (callers keep a margin)"""
    x, y = p
    inside = False
    n = len(r)
    j = n - 1
    for i in range(n):
        xi, yi = r[i]
        xj, yj = r[j]
        if (yi > y) != (yj > y):
            xc = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < xc:
                inside = not inside
        j = i
    return inside


def in_polygon(p, poly):
    """poly = [exterior, hole, hole...]"""
    if not in_ring(p, poly[0]):
        return False
    return not any(in_ring(p, h) for h in poly[1:])


def in_geom(p, polys):
    """polys = list of polygons (a MultiPolygon)"""
    return any(in_polygon(p, q) for q in polys)


def boundary_dist(p, polys):
    d = float("inf")
    for q in polys:
        for r in q:
            for a, b in ring_edges(r):
                v = seg_dist(p, a, b)
                if v < d:
                    d = v
    return d


def line_length(pts):
    return sum(dist(pts[i], pts[i + 1]) for i in range(len(pts) - 1))


def seg_intersect(p1, p2, p3, p4):
    """proper or touching intersection test of closed segments"""
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return 0 if abs(v) < 1e-9 else (1 if v > 0 else -1)

    def on_seg(a, b, c):
        return (min(a[0], b[0]) - 1e-9 <= c[0] <= max(a[0], b[0]) + 1e-9 and
                min(a[1], b[1]) - 1e-9 <= c[1] <= max(a[1], b[1]) + 1e-9)
    o1, o2 = orient(p1, p2, p3), orient(p1, p2, p4)
    o3, o4 = orient(p3, p4, p1), orient(p3, p4, p2)
    if o1 != o2 and o3 != o4:
        return True
    if o1 == 0 and on_seg(p1, p2, p3):
        return True
    if o2 == 0 and on_seg(p1, p2, p4):
        return True
    if o3 == 0 and on_seg(p3, p4, p1):
        return True
    if o4 == 0 and on_seg(p3, p4, p2):
        return True
    return False


def ring_self_intersections(r):
    """pairs of non-adjacent edges that touch or cross; [] for a simple ring"""
    n = len(r)
    bad = []
    edges = [(r[i], r[(i + 1) % n]) for i in range(n)]
    boxes = [(min(a[0], b[0]), max(a[0], b[0]), min(a[1], b[1]), max(a[1], b[1])) for a, b in edges]
    for i in range(n):
        bi = boxes[i]
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue
            bj = boxes[j]
            if bi[1] < bj[0] or bj[1] < bi[0] or bi[3] < bj[2] or bj[3] < bi[2]:
                continue
            if seg_intersect(edges[i][0], edges[i][1], edges[j][0], edges[j][1]):
                bad.append((i, j))
    # adjacent edges folding back on each other (a spike) also break simplicity
    for i in range(n):
        a, b, c = r[i - 1], r[i], r[(i + 1) % n]
        cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        dot = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1])
        if abs(cross) < 1e-9 and dot < 0:
            bad.append((i - 1, i))
    return bad


def rings_touch(r1, r2):
    for a, b in ring_edges(r1):
        for c, d in ring_edges(r2):
            if seg_intersect(a, b, c, d):
                return True
    return False


# --- lines: offsets, substrings, resampling -----------------------------------

def _unit(v):
    l = math.hypot(v[0], v[1])
    return (v[0] / l, v[1] / l)


def offset_line(pts, d):
    """parallel offset of an open polyline, d metres to the LEFT of the
    direction of travel (negative: right). Mitred joins: exact on the inner
    side of a bend, slightly outside a round buffer on the outer side."""
    n = len(pts)
    normals = []
    for i in range(n - 1):
        ux, uy = _unit(sub(pts[i + 1], pts[i]))
        normals.append((-uy, ux))
    out = []
    for i in range(n):
        if i == 0:
            nx, ny = normals[0]
            out.append((pts[0][0] + d * nx, pts[0][1] + d * ny))
        elif i == n - 1:
            nx, ny = normals[-1]
            out.append((pts[-1][0] + d * nx, pts[-1][1] + d * ny))
        else:
            n1, n2 = normals[i - 1], normals[i]
            bx, by = n1[0] + n2[0], n1[1] + n2[1]
            bl = math.hypot(bx, by)
            bx, by = bx / bl, by / bl
            cos_half = bx * n1[0] + by * n1[1]
            k = d / cos_half
            out.append((pts[i][0] + k * bx, pts[i][1] + k * by))
    return out


def strip(pts, d_left, d_right):
    """polygon ring between offsets d_left (left) and -d_right (right) of pts;
    flat ends. For a bank strip on one side pass e.g. (150, -45)."""
    left = offset_line(pts, d_left)
    right = offset_line(pts, -d_right)
    return orient_ccw(left + right[::-1])


def substring(pts, s0, s1):
    """the part of a polyline between arc lengths s0 and s1 (metres)"""
    out = []
    acc = 0.0
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        l = dist(a, b)
        if l == 0:
            continue
        lo, hi = acc, acc + l
        if hi >= s0 and lo <= s1:
            t0 = max(0.0, (s0 - lo) / l)
            t1 = min(1.0, (s1 - lo) / l)
            p0 = (a[0] + t0 * (b[0] - a[0]), a[1] + t0 * (b[1] - a[1]))
            p1 = (a[0] + t1 * (b[0] - a[0]), a[1] + t1 * (b[1] - a[1]))
            if not out:
                out.append(p0)
            elif dist(out[-1], p0) > 1e-6:
                out.append(p0)
            out.append(p1)
        acc = hi
    clean = []
    for p in out:
        if not clean or dist(clean[-1], p) > 1e-6:
            clean.append(p)
    return clean


def point_at(pts, s):
    """point and unit direction at arc length s"""
    acc = 0.0
    for i in range(len(pts) - 1):
        a, b = pts[i], pts[i + 1]
        l = dist(a, b)
        if acc + l >= s:
            t = (s - acc) / l
            u = _unit(sub(b, a))
            return (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])), u
        acc += l
    return pts[-1], _unit(sub(pts[-1], pts[-2]))


def orient_ccw(r):
    return r if ring_area(r) > 0 else r[::-1]


def orient_cw(r):
    return r if ring_area(r) < 0 else r[::-1]


def dedupe(r, eps=1e-6):
    out = []
    for p in r:
        if not out or dist(out[-1], p) > eps:
            out.append(p)
    while len(out) > 1 and dist(out[0], out[-1]) <= eps:
        out.pop()
    return out


# --- Greiner-Hormann intersection of two simple polygons (no holes) ----------

class _V:
    __slots__ = ("p", "next", "prev", "inter", "entry", "nb", "alpha", "seen")

    def __init__(self, p, inter=False, alpha=0.0):
        self.p = p
        self.next = self.prev = self.nb = None
        self.inter = inter
        self.entry = False
        self.alpha = alpha
        self.seen = False


def _link(pts):
    vs = [_V(p) for p in pts]
    n = len(vs)
    for i in range(n):
        vs[i].next = vs[(i + 1) % n]
        vs[i].prev = vs[i - 1]
    return vs


def intersect(subj, clip):
    """intersection of two simple rings -> list of rings (counter-clockwise).
    Raises on degenerate contacts (a vertex on the other ring's edge), which
    the caller avoids by placement; the checks would catch a bad result."""
    subj, clip = dedupe(subj), dedupe(clip)
    sv, cv = _link(subj), _link(clip)
    ns, nc = len(sv), len(cv)
    s_ins = [[] for _ in range(ns)]
    c_ins = [[] for _ in range(nc)]
    found = 0
    for i in range(ns):
        a, b = subj[i], subj[(i + 1) % ns]
        for j in range(nc):
            c, d = clip[j], clip[(j + 1) % nc]
            r = (b[0] - a[0], b[1] - a[1])
            s = (d[0] - c[0], d[1] - c[1])
            den = r[0] * s[1] - r[1] * s[0]
            if abs(den) < 1e-12:
                if seg_intersect(a, b, c, d):
                    raise ValueError("collinear overlap in intersect()")
                continue
            qp = (c[0] - a[0], c[1] - a[1])
            t = (qp[0] * s[1] - qp[1] * s[0]) / den
            u = (qp[0] * r[1] - qp[1] * r[0]) / den
            eps = 1e-10
            if -eps <= t <= 1 + eps and -eps <= u <= 1 + eps:
                if t < eps or t > 1 - eps or u < eps or u > 1 - eps:
                    raise ValueError("degenerate contact in intersect() at %r" % ((a, b, c, d),))
                p = (a[0] + t * r[0], a[1] + t * r[1])
                vi = _V(p, True, t)
                vj = _V(p, True, u)
                vi.nb, vj.nb = vj, vi
                s_ins[i].append(vi)
                c_ins[j].append(vj)
                found += 1
    if found == 0:
        if in_ring(subj[0], clip):
            return [orient_ccw(subj)]
        if in_ring(clip[0], subj):
            return [orient_ccw(clip)]
        return []

    def splice(vs, ins):
        for i, v in enumerate(vs):
            nxt = v.next
            cur = v
            for w in sorted(ins[i], key=lambda w: w.alpha):
                cur.next = w
                w.prev = cur
                cur = w
            cur.next = nxt
            nxt.prev = cur
    splice(sv, s_ins)
    splice(cv, c_ins)

    def mark(start, other):
        status_in = in_ring(start.p, other)
        v = start
        while True:
            if v.inter:
                v.entry = not status_in
                status_in = not status_in
            v = v.next
            if v is start:
                break
    mark(sv[0], clip)
    mark(cv[0], subj)

    out = []
    while True:
        start = None
        v = sv[0]
        while True:
            if v.inter and not v.seen:
                start = v
                break
            v = v.next
            if v is sv[0]:
                break
        if start is None:
            break
        ring = []
        cur = start
        while True:
            cur.seen = True
            cur.nb.seen = True
            ring.append(cur.p)
            if cur.entry:
                cur = cur.next
                while not cur.inter:
                    ring.append(cur.p)
                    cur = cur.next
            else:
                cur = cur.prev
                while not cur.inter:
                    ring.append(cur.p)
                    cur = cur.prev
            cur = cur.nb
            if cur.seen:
                break
        ring = dedupe(ring)
        if len(ring) >= 3 and abs(ring_area(ring)) > 1e-6:
            out.append(orient_ccw(ring))
    return out


# --- Douglas-Peucker ------------------------------------------------------------

def dp_open(pts, tol):
    if len(pts) < 3:
        return list(pts)
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        a, b = pts[i], pts[j]
        dmax, k = -1.0, -1
        for m in range(i + 1, j):
            dd = seg_dist(pts[m], a, b)
            if dd > dmax:
                dmax, k = dd, m
        if dmax > tol:
            keep[k] = True
            stack.append((i, k))
            stack.append((k, j))
    return [p for p, kp in zip(pts, keep) if kp]


def dp_ring(r, tol):
    # split at the vertex farthest from r[0], simplify both halves
    far = max(range(len(r)), key=lambda i: dist(r[0], r[i]))
    a = dp_open(r[:far + 1], tol)
    b = dp_open(r[far:] + [r[0]], tol)
    return a[:-1] + b[:-1]


# --- marching squares on an implicit field ----------------------------------------

def contour_region(field, x0, y0, x1, y1, step):
    """rings bounding {field(x, y) < 0}, traced on a grid (linear interpolation
    along cell edges). Returns (exteriors, holes) as lists of rings, exteriors
    counter-clockwise, holes clockwise. The grid edge must lie where field > 0."""
    nx = int(math.ceil((x1 - x0) / step)) + 1
    ny = int(math.ceil((y1 - y0) / step)) + 1
    g = [[field(x0 + i * step, y0 + j * step) for i in range(nx)] for j in range(ny)]

    def pt(i, j, i2, j2):
        # crossing point on the grid edge between nodes (i,j) and (i2,j2)
        v1, v2 = g[j][i], g[j2][i2]
        t = v1 / (v1 - v2)
        return (x0 + (i + t * (i2 - i)) * step, y0 + (j + t * (j2 - j)) * step)

    # each cell emits directed segments (region on their right; reversed below)
    nexts = {}
    for j in range(ny - 1):
        for i in range(nx - 1):
            a = g[j][i] < 0          # (i, j)       bottom-left
            b = g[j][i + 1] < 0      # (i+1, j)     bottom-right
            c = g[j + 1][i + 1] < 0  # (i+1, j+1)   top-right
            d = g[j + 1][i] < 0      # (i, j+1)     top-left
            code = (a << 0) | (b << 1) | (c << 2) | (d << 3)
            if code == 0 or code == 15:
                continue
            # edge keys: ('h', i, j) = edge from (i,j) to (i+1,j); ('v', i, j) = (i,j)-(i,j+1)
            B = ('h', i, j)
            R = ('v', i + 1, j)
            T = ('h', i, j + 1)
            Lf = ('v', i, j)
            segs = {
                1: [(Lf, B)], 2: [(B, R)], 3: [(Lf, R)], 4: [(R, T)],
                6: [(B, T)], 7: [(Lf, T)], 8: [(T, Lf)], 9: [(T, B)],
                11: [(T, R)], 12: [(R, Lf)], 13: [(R, B)], 14: [(B, Lf)],
            }
            if code in segs:
                for s, e in segs[code]:
                    nexts[s] = e
            else:  # saddles 5 and 10: decide by the centre value
                centre = (g[j][i] + g[j][i + 1] + g[j + 1][i + 1] + g[j + 1][i]) / 4 < 0
                if code == 5:   # a and c inside
                    if centre:
                        nexts[Lf] = T
                        nexts[R] = B
                    else:
                        nexts[Lf] = B
                        nexts[R] = T
                else:           # code 10: b and d inside
                    if centre:
                        nexts[B] = Lf
                        nexts[T] = R
                    else:
                        nexts[B] = R
                        nexts[T] = Lf

    def key_pt(k):
        kind, i, j = k
        return pt(i, j, i + 1, j) if kind == 'h' else pt(i, j, i, j + 1)

    rings = []
    used = set()
    for k0 in list(nexts):
        if k0 in used:
            continue
        ring = []
        k = k0
        while k not in used:
            used.add(k)
            ring.append(key_pt(k))
            k = nexts[k]
        if len(ring) >= 3:
            rings.append(ring[::-1])  # the cell table leaves the region on the right
    ext = [r for r in rings if ring_area(r) > 0]
    holes = [r for r in rings if ring_area(r) < 0]
    return ext, holes


class Segs:
    """the edges of some rings, for fast repeated distance queries"""

    def __init__(self, rings):
        self.s = []
        for r in rings:
            for a, b in ring_edges(r):
                dx, dy = b[0] - a[0], b[1] - a[1]
                self.s.append((a[0], a[1], dx, dy, dx * dx + dy * dy))

    def min_dist(self, x, y):
        best = float("inf")
        for ax, ay, dx, dy, l2 in self.s:
            px, py = x - ax, y - ay
            t = (px * dx + py * dy) / l2
            if t < 0:
                t = 0.0
            elif t > 1:
                t = 1.0
            ex, ey = px - t * dx, py - t * dy
            d2 = ex * ex + ey * ey
            if d2 < best:
                best = d2
        return math.sqrt(best)
