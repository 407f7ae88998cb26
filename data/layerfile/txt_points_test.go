package layerfile

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// RingPoints keep each 界址点's 点号 and the file's metres, ring for ring
// and vertex for vertex as the assembled geometry has them: rings the
// reader reverses (RFC 7946: outer rings counter-clockwise, holes
// clockwise) or reorders (nesting decides which ring is the outer one)
// carry their names along.
func TestReadTXTRingPoints(t *testing.T) {
	head := "[属性描述]\n坐标系=2000国家大地坐标系\n几度分带=3\n带号=40\n[地块坐标]\n"
	type ring []string // "点号 X Y" per distinct vertex, in the geometry's order
	cases := []struct {
		name string
		src  []byte
		opts TXTOptions
		want [][]ring // per 地块
	}{
		{
			// Surveying software's file: J1–J4 clockwise (reversed to
			// J1, J4, J3, J2), the hole J6–J9 counter-clockwise (reversed to
			// J6, J9, J8, J7); eastings with the zone number 40.
			name: "GBK fixture, outer ring and hole both reversed",
			src:  readFixture(t, "zhonglou-gbk-crlf.txt"),
			want: [][]ring{
				{
					{"J1 3517550 490400", "J4 3517400 490400", "J3 3517400 490600", "J2 3517550 490600"},
					{"J6 3517500 490450", "J9 3517500 490500", "J8 3517450 490500", "J7 3517450 490450"},
				},
				{{"J1 3519200 477150", "J4 3519100 477150", "J3 3519100 477250", "J2 3519200 477250"}},
			},
		},
		{
			// Counter-clockwise already: the file's order; millimetres kept,
			// the zone number taken off without disturbing them.
			name: "outer ring as written, millimetres",
			src:  []byte(head + "5,,A,甲,面,@\nP1,1,3517400.123,40490400.456\nP2,1,3517400.123,40490600.789\nP3,1,3517550.001,40490600.789\nP4,1,3517550.001,40490400.456\nP1,1,3517400.123,40490400.456\n"),
			want: [][]ring{{{"P1 3517400.123 490400.456", "P2 3517400.123 490600.789", "P3 3517550.001 490600.789", "P4 3517550.001 490400.456"}}},
		},
		{
			// 圈号 1 lies inside 圈号 2: 圈号 2 is the outer ring, listed
			// first; 圈号 1 the hole, reversed to clockwise.
			name: "rings reordered by nesting",
			src: []byte(head + "10,,B,乙,面,@\n" +
				"H1,1,3517450,490450\nH2,1,3517450,490500\nH3,1,3517500,490500\nH4,1,3517500,490450\nH1,1,3517450,490450\n" +
				"K1,2,3517400,490400\nK2,2,3517400,490600\nK3,2,3517550,490600\nK4,2,3517550,490400\nK1,2,3517400,490400\n"),
			want: [][]ring{{
				{"K1 3517400 490400", "K2 3517400 490600", "K3 3517550 490600", "K4 3517550 490400"},
				{"H1 3517450 490450", "H4 3517500 490450", "H3 3517500 490500", "H2 3517450 490500"},
			}},
		},
		{
			// 圈号 2 outside 圈号 1: a MultiPolygon, a polygon each, both
			// clockwise in the file.
			name: "two parts",
			src: []byte(head + "10,,C,丙,面,@\n" +
				"1,1,3517550,490400\n2,1,3517550,490600\n3,1,3517400,490600\n4,1,3517400,490400\n5,1,3517550,490400\n" +
				"6,2,3517350,490400\n7,2,3517350,490500\n8,2,3517300,490500\n9,2,3517300,490400\n10,2,3517350,490400\n"),
			want: [][]ring{{
				{"1 3517550 490400", "4 3517400 490400", "3 3517400 490600", "2 3517550 490600"},
				{"6 3517350 490400", "9 3517300 490400", "8 3517300 490500", "7 3517350 490500"},
			}},
		},
		{
			name: "DropSites keeps none",
			src:  readFixture(t, "zhonglou-gbk-crlf.txt"),
			opts: TXTOptions{DropSites: true},
			want: [][]ring{nil, nil},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ReadTXT(c.src, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.Parcels) != len(c.want) {
				t.Fatalf("%d 地块, want %d", len(f.Parcels), len(c.want))
			}
			for i, p := range f.Parcels {
				want := c.want[i]
				if want == nil {
					if p.RingPoints != nil {
						t.Errorf("地块 %s: RingPoints %v, want none", p.Reference, p.RingPoints)
					}
					continue
				}
				if len(p.RingPoints) != len(want) {
					t.Fatalf("地块 %s: %d rings of points, want %d: %v", p.Reference, len(p.RingPoints), len(want), p.RingPoints)
				}
				for j, r := range p.RingPoints {
					got := make([]string, len(r))
					for k, q := range r {
						got[k] = q.Name + " " + fmtTXT(math.Round(q.X*1000)/1000) + " " + fmtTXT(math.Round(q.Y*1000)/1000)
					}
					if strings.Join(got, "; ") != strings.Join(want[j], "; ") {
						t.Errorf("地块 %s ring %d:\n got %v\nwant %v", p.Reference, j+1, got, want[j])
					}
				}
				assertPointsFollowGeometry(t, p)
			}
		})
	}
}

// assertPointsFollowGeometry: RingPoints[j][k] is vertex k of ring j of
// the geometry (easting Y, northing X), within a micrometre of the
// file's metres.
func assertPointsFollowGeometry(t *testing.T, p TXTParcel) {
	t.Helper()
	var rings []orb.Ring
	switch g := p.Geometry.(type) {
	case orb.Polygon:
		rings = g
	case orb.MultiPolygon:
		for _, q := range g {
			rings = append(rings, q...)
		}
	}
	if len(rings) != len(p.RingPoints) {
		t.Fatalf("地块 %s: %d rings, %d rings of points", p.Reference, len(rings), len(p.RingPoints))
	}
	for j, r := range rings {
		if len(r)-1 != len(p.RingPoints[j]) {
			t.Fatalf("地块 %s ring %d: %d vertices, %d points", p.Reference, j+1, len(r)-1, len(p.RingPoints[j]))
		}
		for k, q := range p.RingPoints[j] {
			if math.Abs(r[k][0]-q.Y) > 1e-6 || math.Abs(r[k][1]-q.X) > 1e-6 {
				t.Errorf("地块 %s ring %d vertex %d: geometry %v, point %+v", p.Reference, j+1, k, r[k], q)
			}
		}
	}
}
