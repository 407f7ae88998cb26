package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/zhonglou/ecospace/geo"
	"github.com/zhonglou/ecospace/server/problem"
)

// spoolBody copies the (size-limited) body to a temporary file.
func spoolBody(body io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "ecospace-batch-*.json")
	if err != nil {
		return nil, fmt.Errorf("batch: spool: %w", err)
	}
	n, err := io.Copy(f, body)
	if err == nil && n == 0 {
		err = problem.BadRequest("invalid-json", "Invalid JSON", "", "the request body is empty; send a GeoJSON FeatureCollection")
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, problem.New(http.StatusRequestEntityTooLarge, "too-large", "Request too large",
				fmt.Sprintf("a batch body may be at most %d bytes; split the batch", MaxBatchBodyBytes))
		case errors.As(err, new(*problem.Problem)):
			return nil, err
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, problem.New(http.StatusRequestTimeout, "request-timeout", "Request timeout",
				fmt.Sprintf("the body did not arrive within %s; send it faster, or split the batch", BodyReadTimeout))
		}
		return nil, problem.BadRequest("unreadable-body", "Unreadable body", "", "the request body could not be read: %v", err)
	}
	return f, nil
}

// batchReadError is an error reading the spool as the problem it is: the
// strict pass reads the file, so only a JSON error is the client's.
func batchReadError(err error) error {
	if errors.As(err, new(*geo.JSONError)) {
		return err
	}
	return fmt.Errorf("batch: spool: %w", err)
}
