package data

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Scopes an API key can hold. check runs checks and reads the checks it
// filed; audit reads every filed check; admin uploads layers and includes
// both.
const (
	ScopeCheck = "check"
	ScopeAudit = "audit"
	ScopeAdmin = "admin"
)

// Scopes lists every scope.
var Scopes = []string{ScopeCheck, ScopeAudit, ScopeAdmin}

// KeyPrefix starts every API key, so that a leaked key is recognisable
// (secret scanners, logs) and a pasted password is refused without a lookup.
const KeyPrefix = "esk_"

// ErrKeyRevoked: the key existed and was revoked.
var ErrKeyRevoked = errors.New("data: api key revoked")

// APIKey is a stored API key. The key itself is never stored: only the
// SHA-256 of it, and its first characters (Hint) so that an operator can
// tell which key a client holds.
//
// Why SHA-256 and not bcrypt/argon2: those are slow on purpose, to make
// guessing a low-entropy password from its hash expensive. An API key here
// is 256 random bits; no amount of hashing speed makes guessing it
// feasible, so a slow hash adds nothing but cost to every request (tens of
// milliseconds of CPU per call, an easy denial of service). And because the
// hash is unsalted and deterministic, a presented key is found by looking
// its hash up directly (a map or a unique index), not by trying every
// stored hash in turn.
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	Hash      string     `json:"hash"` // hex SHA-256 of the key
	Hint      string     `json:"hint"` // the key's first characters
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Has reports whether the key grants scope; admin grants every scope.
func (k *APIKey) Has(scope string) bool {
	return slices.Contains(k.Scopes, scope) || slices.Contains(k.Scopes, ScopeAdmin)
}

// Revoked reports whether the key has been revoked.
func (k *APIKey) Revoked() bool { return k.RevokedAt != nil }

// KeyStore keeps API keys. Both the keys file and the PostGIS table
// implement it; `ecospace keys` writes and `ecospace serve` reads the same
// one.
type KeyStore interface {
	// CreateKey makes a new key and returns it: the only time the key
	// itself is seen.
	CreateKey(ctx context.Context, name string, scopes []string) (secret string, k APIKey, err error)
	// LookupKey finds the key a client presented: ErrNotFound for an
	// unknown key, ErrKeyRevoked (with the key) for a revoked one.
	LookupKey(ctx context.Context, secret string) (APIKey, error)
	// RevokeKey revokes a key by id; ErrNotFound if there is none.
	RevokeKey(ctx context.Context, id string) error
	// ListKeys lists every key, oldest first.
	ListKeys(ctx context.Context) ([]APIKey, error)
}

// HashKey is the stored form of a key.
func HashKey(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NormalizeScopes checks and sorts scopes (accepting "check,admin" too).
func NormalizeScopes(in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			if p == "" {
				continue
			}
			if !slices.Contains(Scopes, p) {
				return nil, fmt.Errorf("unknown scope %q: use %s", p, strings.Join(Scopes, ", "))
			}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("a key needs a scope: %s", strings.Join(Scopes, ", "))
	}
	slices.Sort(out)
	return out, nil
}

// NewKey makes a key and its record: 32 random bytes, base64url. Every
// KeyStore makes its keys with it, so that keys look the same whichever
// store holds them.
func NewKey(name string, scopes []string) (string, APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", APIKey{}, fmt.Errorf("a key needs a name of 1 to 100 printable characters (who uses it, e.g. permit-system)")
	}
	sc, err := NormalizeScopes(scopes)
	if err != nil {
		return "", APIKey{}, err
	}
	var b [32]byte
	var id [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", APIKey{}, err
	}
	if _, err := rand.Read(id[:]); err != nil {
		return "", APIKey{}, err
	}
	secret := KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	k := APIKey{
		ID: "key_" + hex.EncodeToString(id[:]), Name: name, Scopes: sc,
		Hash: HashKey(secret), Hint: secret[:len(KeyPrefix)+4],
		CreatedAt: time.Now().UTC().Truncate(time.Second),
	}
	return secret, k, nil
}

// PlausibleKey reports whether secret can be a key at all, so that a
// KeyStore refuses a pasted password or a truncated key without a lookup.
func PlausibleKey(secret string) bool {
	return strings.HasPrefix(secret, KeyPrefix) && len(secret) <= 200
}
