package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// csvText opens a CSV file as UTF-8: the byte-order mark is dropped, and a
// file that is not UTF-8 is read as GB18030 (a superset of GBK, what Excel
// writes on Chinese Windows).
func csvText(path, encoding string) (io.Reader, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<20)
	head, _ := br.Peek(1 << 20)
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	gbk := false
	switch strings.ToLower(encoding) {
	case "gbk", "gb18030", "gb2312", "cp936":
		gbk = true
	case "utf-8", "utf8":
	case "auto", "":
		// A multi-byte character may be cut at the end of the sample.
		for i := 0; i < 4 && len(head) > 0 && !utf8.Valid(head); i++ {
			head = head[:len(head)-1]
		}
		gbk = !utf8.Valid(head)
	default:
		f.Close()
		return nil, nil, fmt.Errorf("--encoding %q: use auto, utf-8 or gbk", encoding)
	}
	if gbk {
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), f, nil
	}
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	return br, f, nil
}

// openCSVRegister reads a register that is a CSV file with a header row:
// a first pass counts its rows, the second yields one row at a time, its
// columns found by name (or as the flags name them).
func openCSVRegister(path string, o sweepOptions) (*register, error) {
	// First pass: count the rows.
	r, f, err := csvText(path, o.encoding)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	total := -1
	for {
		if _, err := cr.Read(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		total++
	}
	f.Close()
	if total < 0 {
		return nil, fmt.Errorf("%s: the file is empty", path)
	}

	r, f, err = csvText(path, o.encoding)
	if err != nil {
		return nil, err
	}
	cr = csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	col := func(what, named string, cands []string, required bool) (int, error) {
		i := field(header, named, cands)
		if i < 0 && (required || named != "") {
			f.Close()
			flagName := strings.ReplaceAll(what, " ", "-")
			return -1, fmt.Errorf("%s: no %s column (name it with --%s-field); the columns are %s", path, what, flagName, strings.Join(header, ", "))
		}
		return i, nil
	}
	lonI, err := col("lon", o.lonField, lonNames, true)
	if err != nil {
		return nil, err
	}
	latI, err := col("lat", o.latField, latNames, true)
	if err != nil {
		return nil, err
	}
	idI, err := col("id", o.idField, idNames, false)
	if err != nil {
		return nil, err
	}
	nameI, err := col("name", o.nameField, nameNames, false)
	if err != nil {
		return nil, err
	}
	catI := -1
	if o.categoryField != "" {
		if catI, err = col("category", o.categoryField, nil, true); err != nil {
			return nil, err
		}
	}
	factsI, err := col("facts", o.factsField, factNames, false)
	if err != nil {
		return nil, err
	}
	row := 0
	get := func(rec []string, i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	next := func() (sweepItem, bool, error) {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return sweepItem{}, false, nil
		}
		row++
		if err != nil {
			return sweepItem{}, false, fmt.Errorf("%s row %d: %w", path, row, err)
		}
		it := sweepItem{row: row, id: get(rec, idI), name: get(rec, nameI), category: get(rec, catI), facts: get(rec, factsI)}
		lon, lerr := parseCoord(get(rec, lonI))
		lat, terr := parseCoord(get(rec, latI))
		switch {
		case lerr != nil:
			it.err = fmt.Errorf("%s %q: %v", header[lonI], get(rec, lonI), lerr)
		case terr != nil:
			it.err = fmt.Errorf("%s %q: %v", header[latI], get(rec, latI), terr)
		default:
			it.geometry = orb.Point{lon, lat}
		}
		return it, true, nil
	}
	return &register{total: total, next: next, close: func() { f.Close() }}, nil
}

func parseCoord(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a finite number")
	}
	return v, nil
}
