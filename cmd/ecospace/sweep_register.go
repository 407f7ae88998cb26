package main

import (
	"path/filepath"
	"strings"
)

// register reads a register one row at a time.
type register struct {
	total int // rows, counted in a first pass, for the progress bar
	next  func() (sweepItem, bool, error)
	close func()
}

func openRegister(path string, o sweepOptions) (*register, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".txt":
		if isTXTRegister(path) {
			return openTXTRegister(path, o) // a 用地报盘 file (sweep_txt.go)
		}
		return openCSVRegister(path, o)
	case ".csv":
		return openCSVRegister(path, o)
	case ".geojson", ".json":
		return openGeoJSONRegister(path, o)
	}
	return nil, usagef("--file %s: a register is .geojson, .json or .csv, or a 用地报盘 .txt", path)
}

var (
	lonNames  = []string{"lon", "lng", "long", "longitude", "x", "经度"}
	latNames  = []string{"lat", "latitude", "y", "纬度"}
	idNames   = []string{"id", "code", "编号", "代码", "统一社会信用代码", "信用代码"}
	nameNames = []string{"name", "名称", "企业名称", "单位名称", "公司名称"}
)

// field finds a column or property: the one named, else the first of the
// candidates present (case and surrounding space ignored).
func field(names []string, named string, candidates []string) int {
	norm := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	if named != "" {
		for i, n := range names {
			if norm(n) == norm(named) {
				return i
			}
		}
		return -1
	}
	for _, c := range candidates {
		for i, n := range names {
			if norm(n) == c {
				return i
			}
		}
	}
	return -1
}
