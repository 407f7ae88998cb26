// Package hooks delivers events to registered webhooks: it signs each
// delivery (HMAC-SHA256 over the timestamp and the body, with the hook's
// secret), sends it, and retries what failed with exponential backoff
// and full jitter until a day has passed, then gives it up (dead). The
// outbox it sends from is the store's (data.HookStore): durable on
// PostGIS, where several instances may send from it at once without
// sending one attempt twice.
package hooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	HeaderDelivery  = "Ecospace-Delivery"
	HeaderEvent     = "Ecospace-Event"
	HeaderTimestamp = "Ecospace-Timestamp"
	HeaderSignature = "Ecospace-Signature"
)

// Sign is the Ecospace-Signature of a body sent at timestamp (Unix
// seconds, as in Ecospace-Timestamp): "sha256=" and the hex HMAC-SHA256
// of timestamp + "." + body under the hook's secret.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verification errors.
var (
	ErrBadSignature = errors.New("hooks: signature does not match")
	ErrStale        = errors.New("hooks: timestamp too far from now")
)

// Verify checks a delivery as a receiver gets it: signature and timestamp
// are its Ecospace-Signature and Ecospace-Timestamp headers, body its
// bytes as received. A timestamp further than tolerance from now is
// refused (ErrStale), so that a recorded delivery cannot be replayed
// later; the signature is compared in constant time.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("hooks: timestamp %q: %w", timestamp, ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("hooks: timestamp %s is %s from now: %w", timestamp, d.Round(time.Second), ErrStale)
	}
	want := Sign(secret, timestamp, body)
	if !strings.HasPrefix(signature, "sha256=") || !hmac.Equal([]byte(signature), []byte(want)) {
		return ErrBadSignature
	}
	return nil
}

// NewSecret makes a hook secret: 32 random bytes, hex.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("hook secret: %w", err)
	}
	return "whsec_" + hex.EncodeToString(b[:]), nil
}
