package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/zhonglou/ecospace/geo"
)

// FileKeys keeps API keys in a JSON file (mode 0600). A missing file is an
// empty store. Readers notice changes made by other processes (a `keys
// revoke` while `serve` runs) within ReloadEvery; writers take a lock
// file and replace the file atomically, so a reader never sees half of it.
type FileKeys struct {
	path        string
	ReloadEvery time.Duration

	mu      sync.Mutex
	byHash  map[string]APIKey
	stamp   fileStamp
	checked time.Time
}

type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

type keysFile struct {
	Version int      `json:"version"`
	Keys    []APIKey `json:"keys"`
}

// OpenFileKeys opens the keys file at path, creating nothing until a key
// is created. A file that cannot be read or parsed is an error: the server
// must not start with an access list it cannot read.
func OpenFileKeys(path string) (*FileKeys, error) {
	if path == "" {
		return nil, errors.New("keys file: no path")
	}
	f := &FileKeys{path: path, ReloadEvery: time.Second}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.reloadLocked(true); err != nil {
		return nil, err
	}
	return f, nil
}

// Path is the file's location.
func (f *FileKeys) Path() string { return f.path }

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileStamp{}, nil
	}
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size(), ok: true}, nil
}

func readKeysFile(path string) (keysFile, error) {
	var kf keysFile
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return keysFile{Version: 1}, nil
	}
	if err != nil {
		return kf, fmt.Errorf("keys file: %w", err)
	}
	// Read as any JSON reader would: no member repeated or differing
	// from another only in case, names exact, nothing unknown (a
	// misspelt "revoked_at" must not leave a key in force).
	if err := geo.CheckJSONBytes(b, geo.MaxJSONDepth); err != nil {
		return kf, fmt.Errorf("keys file %s: %w", path, err)
	}
	if err := jsonv2.Unmarshal(b, &kf, jsonv2.RejectUnknownMembers(true)); err != nil {
		return kf, fmt.Errorf("keys file %s: %w", path, err)
	}
	if kf.Version != 1 {
		return kf, fmt.Errorf("keys file %s: version %d is not known", path, kf.Version)
	}
	for i, k := range kf.Keys {
		if k.ID == "" || len(k.Hash) != 64 {
			return kf, fmt.Errorf("keys file %s: key %d has no id or a malformed hash", path, i)
		}
	}
	return kf, nil
}

// reloadLocked rereads the file if it changed (or always, with force).
func (f *FileKeys) reloadLocked(force bool) error {
	st, err := stampOf(f.path)
	if err != nil {
		return fmt.Errorf("keys file: %w", err)
	}
	f.checked = time.Now()
	if !force && st == f.stamp {
		return nil
	}
	kf, err := readKeysFile(f.path)
	if err != nil {
		return err
	}
	m := make(map[string]APIKey, len(kf.Keys))
	for _, k := range kf.Keys {
		m[k.Hash] = k
	}
	f.byHash, f.stamp = m, st
	return nil
}

// LookupKey implements KeyStore.
func (f *FileKeys) LookupKey(ctx context.Context, secret string) (APIKey, error) {
	if !PlausibleKey(secret) {
		return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	reloaded := false
	if time.Since(f.checked) >= f.ReloadEvery {
		if err := f.reloadLocked(false); err != nil {
			// Fail closed: an unreadable access list admits nobody.
			return APIKey{}, fmt.Errorf("api key: %w: %v", ErrUnavailable, err)
		}
		reloaded = true
	}
	k, ok := f.byHash[HashKey(secret)]
	if !ok && !reloaded {
		// A key created since the last look (`keys create` while serve
		// runs) works at once: a key not known looks at the file again
		// (a stat; it is reread only if it changed).
		if err := f.reloadLocked(false); err != nil {
			return APIKey{}, fmt.Errorf("api key: %w: %v", ErrUnavailable, err)
		}
		k, ok = f.byHash[HashKey(secret)]
	}
	if !ok {
		return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
	}
	if k.Revoked() {
		return k, fmt.Errorf("api key %s: %w", k.ID, ErrKeyRevoked)
	}
	return k, nil
}

// ListKeys implements KeyStore.
func (f *FileKeys) ListKeys(ctx context.Context) ([]APIKey, error) {
	kf, err := readKeysFile(f.path)
	if err != nil {
		return nil, err
	}
	return kf.Keys, nil
}

// CreateKey implements KeyStore.
func (f *FileKeys) CreateKey(ctx context.Context, name string, scopes []string) (string, APIKey, error) {
	secret, k, err := NewKey(name, scopes)
	if err != nil {
		return "", APIKey{}, err
	}
	err = f.update(ctx, func(kf *keysFile) error {
		kf.Keys = append(kf.Keys, k)
		return nil
	})
	if err != nil {
		return "", APIKey{}, err
	}
	return secret, k, nil
}

// RevokeKey implements KeyStore.
func (f *FileKeys) RevokeKey(ctx context.Context, id string) error {
	return f.update(ctx, func(kf *keysFile) error {
		for i := range kf.Keys {
			if kf.Keys[i].ID == id {
				if kf.Keys[i].RevokedAt == nil {
					now := time.Now().UTC().Truncate(time.Second)
					kf.Keys[i].RevokedAt = &now
				}
				return nil
			}
		}
		return fmt.Errorf("api key %q: %w", id, ErrNotFound)
	})
}

// update changes the file under the lock and replaces it atomically.
func (f *FileKeys) update(ctx context.Context, change func(*keysFile) error) error {
	unlock, err := lockFile(ctx, f.path+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	kf, err := readKeysFile(f.path)
	if err != nil {
		return err
	}
	if err := change(&kf); err != nil {
		return err
	}
	kf.Version = 1
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keys file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".ecospace-keys-*")
	if err != nil {
		return fmt.Errorf("keys file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("keys file: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("keys file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keys file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keys file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("keys file: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reloadLocked(true)
}

// lockFile takes an exclusive lock by creating path; a lock older than a
// minute is taken to be left by a crashed process and broken.
func lockFile(ctx context.Context, path string) (func(), error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		lf, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintf(lf, "%d\n", os.Getpid())
			lf.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("keys file lock: %w", err)
		}
		if fi, serr := os.Stat(path); serr == nil && time.Since(fi.ModTime()) > time.Minute {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("keys file lock %s is held by another process; remove it if none is running", path)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
