package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zhonglou/ecospace/data"
)

const keysUsage = `usage:
  ecospace keys create --name NAME --scope check|audit|admin [--keys-file F | --database-url URL]
  ecospace keys list [--keys-file F | --database-url URL]
  ecospace keys revoke ID [--keys-file F | --database-url URL]

API keys for the permit system and data stewards, sent as
"Authorization: Bearer <key>". Scope check runs checks and reads the checks
it filed; scope audit reads every filed check; scope admin uploads layers
(and does both). create prints the key once, on stdout: only its SHA-256
is kept. With --database-url the keys live in the PostGIS table api_keys;
otherwise in a keys file: --keys-file, else $ECOSPACE_KEYS_FILE, else
keys.json in the data directory (--data-dir, $ECOSPACE_DATA_DIR, default
~/.local/share/ecospace), where 'ecospace serve' reads it too.
A revoked key stops working within a second, without restarting serve.

flags:
`

// keysHolder is a store that keeps API keys itself (PostGIS).
type keysHolder interface{ Keys() data.KeyStore }

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sub, fs := subcommandFlags("keys", keysUsage, args, stderr)
	name := fs.String("name", "", "create: who the key is for, e.g. permit-system")
	var scopes []string
	fs.Func("scope", "create: check, audit or admin (repeat or comma-separate for several)", func(v string) error {
		scopes = append(scopes, v)
		return nil
	})
	keysFile := fs.String("keys-file", "", "keys file, when there is no database (ECOSPACE_KEYS_FILE); default keys.json in --data-dir")
	dataDir := fs.String("data-dir", defaultDataDir(), dataDirHelp)
	dbURL := fs.String("database-url", envOr("DATABASE_URL", ""), "PostgreSQL/PostGIS URL: keep the keys in its api_keys table (DATABASE_URL)")
	migrate := fs.Bool("migrate", false, "apply missing schema migrations first (PostGIS)")
	if sub == "" {
		if len(args) > 0 && isHelpFlag(args[0]) {
			fs.Usage()
			return flag.ErrHelp
		}
		if len(args) == 0 {
			return usagef("name what to do: create, list or revoke")
		}
		return usagef("name what to do (create, list or revoke) before the flags, e.g. ecospace keys list %s", strings.Join(args, " "))
	}
	// Flags may come before or after the key id.
	pos, err := parseFlagsAround(fs, args[1:])
	if err != nil {
		return err
	}
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "ecospace keys %s: "+format+"\n", append([]any{sub}, a...)...)
		fmt.Fprintln(stderr, "run 'ecospace keys -h' for help")
		return errUsage
	}
	switch sub {
	case "create":
		if len(pos) > 0 {
			return bad("unexpected argument %q", pos[0])
		}
		if *name == "" || len(scopes) == 0 {
			return bad("--name and --scope are required")
		}
		if _, err := data.NormalizeScopes(scopes); err != nil {
			return bad("%v", err)
		}
	case "list":
		if len(pos) > 0 {
			return bad("unexpected argument %q", pos[0])
		}
	case "revoke":
		if len(pos) != 1 {
			return bad("name one key id to revoke (see 'ecospace keys list')")
		}
	default:
		fmt.Fprintf(stderr, "ecospace keys: unknown subcommand %q\n\n", sub)
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}

	if msg := checkDatabaseURL(*dbURL); msg != "" {
		return bad("%s: %s", flagName(fs, "database-url", "DATABASE_URL"), msg)
	}
	keysFileGiven := false
	fs.Visit(func(f *flag.Flag) { keysFileGiven = keysFileGiven || f.Name == "keys-file" })
	if sub == "create" && *dbURL == "" && keysFileGiven {
		if err := checkOutputDir("--keys-file", *keysFile, filepath.Dir(*keysFile)); err != nil {
			return err
		}
	}
	file := ""
	if *dbURL == "" {
		if *keysFile == "" && os.Getenv("ECOSPACE_KEYS_FILE") == "" {
			dir, err := ensureDataDir(*dataDir)
			if err != nil {
				return err
			}
			*dataDir = dir
		}
		file = keysFileIn(*dataDir, *keysFile)
		if hint := legacyKeysHint(file); hint != "" {
			fmt.Fprintln(stderr, "ecospace keys: "+hint)
		}
	}
	ks, where, closeKeys, err := openKeyStore(ctx, *dbURL, file, *migrate)
	if err != nil {
		return err
	}
	defer closeKeys()
	switch sub {
	case "create":
		secret, k, err := ks.CreateKey(ctx, *name, scopes)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "created %s (%s, scope %s) in %s.\nThe key above is shown this once: hand it to %s now; only its hash is kept.\n",
			k.ID, k.Name, strings.Join(k.Scopes, ","), where, k.Name)
	case "list":
		keys, err := ks.ListKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tKEY STARTS\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s…\t%s\t%s\n", k.ID, k.Name, strings.Join(k.Scopes, ","), k.Hint, k.CreatedAt.Format(time.RFC3339), revoked)
		}
		tw.Flush()
		if len(keys) == 0 {
			fmt.Fprintf(stderr, "no keys in %s\n", where)
		}
	case "revoke":
		if err := ks.RevokeKey(ctx, pos[0]); err != nil {
			if errors.Is(err, data.ErrNotFound) {
				return fmt.Errorf("no key %q in %s (see 'ecospace keys list')", pos[0], where)
			}
			return err
		}
		fmt.Fprintf(stdout, "revoked %s in %s\n", pos[0], where)
	}
	return nil
}

// openKeyStore opens the PostGIS key table when a database URL is given,
// else the keys file.
func openKeyStore(ctx context.Context, dbURL, file string, migrate bool) (data.KeyStore, string, func(), error) {
	if dbURL == "" {
		ks, err := data.OpenFileKeys(file)
		if err != nil {
			return nil, "", nil, err
		}
		return ks, "keys file " + file, func() {}, nil
	}
	st, err := openStore(ctx, slog.New(slog.DiscardHandler), dbURL, migrate)
	if err != nil {
		return nil, "", nil, err
	}
	kh, ok := st.(keysHolder)
	if !ok {
		st.Close()
		return nil, "", nil, fmt.Errorf("the store at --database-url keeps no API keys")
	}
	return kh.Keys(), "the database's api_keys table", func() { st.Close() }, nil
}

// serveKeyStore is the key store serve checks: the keys file when one is
// named explicitly, else the database's table when the store has one, else
// the default keys file (a missing file holds no keys).
func serveKeyStore(store data.Store, file string, explicit bool) (data.KeyStore, string, error) {
	if kh, ok := store.(keysHolder); ok && !explicit {
		return kh.Keys(), "the database's api_keys table", nil
	}
	ks, err := data.OpenFileKeys(file)
	if err != nil {
		return nil, "", err
	}
	return ks, "keys file " + file, nil
}

// parseOrigins reads --cors-origins: comma-separated origins
// (scheme://host[:port], no path) or "*".
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
				return nil, fmt.Errorf("--cors-origins: %q is not an origin like https://permits.example.gov.cn", o)
			}
			o = u.Scheme + "://" + u.Host
		}
		out = append(out, o)
	}
	return out, nil
}

// activeKeys counts the keys that are not revoked (-1 if they cannot be
// listed).
func activeKeys(ctx context.Context, ks data.KeyStore) int {
	keys, err := ks.ListKeys(ctx)
	if err != nil {
		return -1
	}
	n := 0
	for _, k := range keys {
		if !k.Revoked() {
			n++
		}
	}
	return n
}
