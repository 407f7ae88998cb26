package postgis

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// TestIsUnavailable holds the classification to the driver's sentinels:
// wrapped as the pool and the driver wrap them, they mean "try again",
// while an error that merely says the same words does not.
func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"conn closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"closed pool", fmt.Errorf("acquire: %w", puddle.ErrClosedPool), true},
		{"reset socket", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"lock not available", &pgconn.PgError{Code: "55P03"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"same words, not the sentinel", errors.New("layer name: conn closed, closed pool, connection reset"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := isUnavailable(tc.err); got != tc.want {
				t.Errorf("isUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
