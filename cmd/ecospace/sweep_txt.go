package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/zhonglou/ecospace/data/layerfile"
)

// The surveyor's file as a register: a 用地报盘 TXT (data/layerfile/txt.go)
// is swept one site per 地块, its 地块编号 the row's id (else its 地块名称,
// else its index) and its 地块名称 the row's name. The file says its own
// coordinate system; one it does not read (another datum or zone) stops
// the sweep before any row, naming the line.

// isTXTRegister reports whether path holds a 用地报盘 file rather than a
// CSV (both are .txt).
func isTXTRegister(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false // openCSVRegister reports it
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	return layerfile.MaybeTXT(head[:n])
}

func openTXTRegister(path string, o sweepOptions) (*register, error) {
	switch {
	case o.crsGiven:
		return nil, usagef("--crs: a 用地报盘 TXT names its coordinate system itself ([属性描述] 坐标系, 带号); leave --crs out")
	case o.categoryField != "":
		return nil, usagef("--category-field: a 用地报盘 TXT has no category column; give --category")
	case o.lonField != "" || o.latField != "" || o.idField != "" || o.nameField != "" || o.factsField != "":
		return nil, usagef("a 用地报盘 TXT has fixed fields (地块编号, 地块名称, 点号,圈号,X,Y): --lon-field, --lat-field, --id-field, --name-field and --facts-field do not apply")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	charset := ""
	if e := strings.ToLower(o.encoding); e != "" && e != "auto" {
		charset = e
	}
	f, err := layerfile.ReadTXT(src, layerfile.TXTOptions{Charset: charset, KeepInvalid: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	i := 0
	return &register{
		total: len(f.Parcels),
		next: func() (sweepItem, bool, error) {
			if i == len(f.Parcels) {
				return sweepItem{}, false, nil
			}
			p := &f.Parcels[i]
			i++
			if p.Err != nil { // its rings are no site: an error row
				return sweepItem{row: i, id: p.Reference, name: p.Name, err: p.Err}, true, nil
			}
			// The site in lon/lat: converted from EPSG:4549 as a check of
			// the same file converts it, so that the answers agree.
			return sweepItem{row: i, id: p.Reference, name: p.Name, geometry: p.Site.Geometry}, true, nil
		},
		close: func() {},
	}, nil
}
