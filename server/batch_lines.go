package server

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// Why the writer stopped a batch early.
var (
	errClientGone = errors.New("batch: the client went away")
	errBadLine    = errors.New("batch: a result could not be encoded")
)

// batchWriter writes a batch's answer: its headers and opening with the
// first result, then one line a result (JSON Lines, or a Feature of a
// GeoJSON FeatureCollection), then the closing.
type batchWriter struct {
	w        *echo.Response
	bw       *bufio.Writer // nil until the first result
	geoOut   bool
	features int
	n        int // results written
	line     []byte
}

// write writes one result: errBadLine when it cannot be encoded,
// errClientGone when the client does not take it.
func (b *batchWriter) write(r BatchResult) error {
	if b.bw == nil {
		h := b.w.Header()
		if b.geoOut {
			h.Set(echo.HeaderContentType, mediaGeoJSON)
		} else {
			h.Set(echo.HeaderContentType, mediaNDJSON)
		}
		h.Set("X-Batch-Features", strconv.Itoa(b.features))
		b.w.WriteHeader(http.StatusOK)
		b.bw = bufio.NewWriterSize(b.w, 32<<10)
		if b.geoOut {
			b.bw.WriteString(`{"type":"FeatureCollection","features":[`)
		}
	}
	var err error
	if b.line, err = appendBatchResult(b.line[:0], r, b.geoOut, b.n > 0); err != nil {
		return fmt.Errorf("%w: %w", errBadLine, err)
	}
	if _, err := b.bw.Write(b.line); err != nil {
		return errClientGone
	}
	b.n++
	return nil
}

// flush sends what is written so far.
func (b *batchWriter) flush() error {
	if b.bw == nil {
		return nil
	}
	if b.bw.Flush() != nil {
		return errClientGone
	}
	b.w.Flush()
	return nil
}

// close ends the answer.
func (b *batchWriter) close() error {
	if b.geoOut {
		b.bw.WriteString("]}")
	}
	return b.bw.Flush()
}

// appendBatchResult appends one line of the answer: the result as JSON
// Lines, or (geoOut) as a Feature of the answer's FeatureCollection, with
// the site as its geometry; comma says whether a feature came before.
func appendBatchResult(dst []byte, r BatchResult, geoOut, comma bool) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return dst, err
	}
	if !geoOut {
		return append(append(dst, b...), '\n'), nil
	}
	if comma {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = strconv.AppendInt(dst, int64(r.Index), 10)
	dst = append(dst, `,"geometry":`...)
	if r.Check != nil && len(r.Check.Site) > 0 {
		dst = append(dst, r.Check.Site...)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"properties":`...)
	dst = append(dst, b...)
	return append(dst, "}\n"...), nil
}
