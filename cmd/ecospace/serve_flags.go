package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zhonglou/ecospace/data"
)

// maxGCHeadroomMB bounds --gc-headroom-mb (1 TiB): above it the shift to
// bytes overflows.
const maxGCHeadroomMB = 1 << 20

// checkServeFlags checks serve's flags before any work (no store is
// opened, no port bound): each problem is a usage error (exit 2) naming
// the flag, or the environment variable its value came from; a keys file
// that cannot be read is an error (exit 1) found as early.
func checkServeFlags(fs *flag.FlagSet) error {
	str := func(name string) string { return fs.Lookup(name).Value.String() }
	get := func(name string) any { return fs.Lookup(name).Value.(flag.Getter).Get() }
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (serve takes only flags)", fs.Arg(0))
	}
	if err := checkListenAddr(str("addr")); err != nil {
		return usagef("%s %v", flagName(fs, "addr", "ECOSPACE_ADDR"), err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(str("log-level"))); err != nil {
		return usagef("%s %q: use debug, info, warn or error", flagName(fs, "log-level", "ECOSPACE_LOG_LEVEL"), str("log-level"))
	}
	if r := get("rate-limit").(float64); !checkFinite(r) || r < 0 {
		return usagef("--rate-limit %v: give requests per second ≥ 0 (0: no limit)", r)
	}
	if b := get("rate-burst").(int); b < 0 {
		return usagef("--rate-burst %d: give a number of requests ≥ 0 (0: as many as --rate-limit allows a second)", b)
	}
	if err := checkEnvInt("ECOSPACE_LAYER_CACHE_MB"); err != nil {
		return err
	}
	if mb := get("layer-cache-mb").(int); mb < -1 || mb > 1<<20 {
		return usagef("%s %d: give megabytes from 0 (keep none) to 1048576", flagName(fs, "layer-cache-mb", "ECOSPACE_LAYER_CACHE_MB"), mb)
	}
	if mb := get("gc-headroom-mb").(uint64); mb > maxGCHeadroomMB {
		return usagef("--gc-headroom-mb %d: at most %d (1 TiB)", mb, maxGCHeadroomMB)
	}
	if u := str("basemap-url"); u != "" {
		if err := checkTileURL(u); err != "" {
			return usagef("%s %q: %s", flagName(fs, "basemap-url", "ECOSPACE_BASEMAP_URL"), u, err)
		}
	}
	if _, err := parseOrigins(str("cors-origins")); err != nil {
		return usagef("%v", err)
	}
	primary, replica := str("database-url"), str("database-read-url")
	if replica != "" && primary == "" {
		return usagef("--database-read-url needs --database-url (the primary)")
	}
	for _, d := range []struct{ flag, env, val string }{{"database-url", "DATABASE_URL", primary}, {"database-read-url", "DATABASE_READ_URL", replica}} {
		if err := checkDatabaseURL(d.val); err != "" {
			return usagef("%s: %s", flagName(fs, d.flag, d.env), err)
		}
	}
	// The keys file serve will read (the database's table is used instead
	// unless one is named): unreadable or malformed stops start-up, so
	// find it before the store loads.
	keysNamed := os.Getenv("ECOSPACE_KEYS_FILE") != ""
	fs.Visit(func(f *flag.Flag) { keysNamed = keysNamed || f.Name == "keys-file" })
	if primary == "" || keysNamed {
		if _, err := data.OpenFileKeys(keysFileIn(str("data-dir"), str("keys-file"))); err != nil {
			return fmt.Errorf("%s: %w", flagName(fs, "keys-file", "ECOSPACE_KEYS_FILE"), err)
		}
	}
	if p := str("rules"); p != "" {
		if err := checkInputFile(flagName(fs, "rules", "ECOSPACE_RULES"), p, false); err != nil {
			return err
		}
	}
	return nil
}

// checkTileURL checks an XYZ tile URL template: http(s), a host, and the
// {z}, {x} and {y} the map fills in.
func checkTileURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "not an http(s) URL template like https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(raw, p) {
			return "the template lacks " + p + " (an XYZ template has {z}, {x} and {y})"
		}
	}
	return ""
}

// checkDatabaseURL checks that a database URL (or key=value DSN) parses;
// "" is fine (no database). The message never shows the password.
func checkDatabaseURL(v string) string {
	if v == "" {
		return ""
	}
	if _, err := pgconn.ParseConfig(v); err != nil {
		return "cannot be read as a PostgreSQL URL like postgres://user@host:5432/ecospace: " + redactURL(err.Error(), v)
	}
	return ""
}

// redactURL removes the password of u from msg.
func redactURL(msg, u string) string {
	if pu, err := url.Parse(u); err == nil && pu.User != nil {
		if pw, ok := pu.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// listen binds serve's address, saying which flag to change when the port
// is taken or not allowed.
func listen(fs *flag.FlagSet, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return ln, nil
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("cannot listen on %s: the address is in use by another process; choose another with %s", addr, addrHint(fs))
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("cannot listen on %s: permission denied (ports below 1024 need privileges); choose another with %s", addr, addrHint(fs))
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return nil, fmt.Errorf("cannot listen on %s: no interface of this machine has that address; choose another with %s", addr, addrHint(fs))
	}
	return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
}

func addrHint(fs *flag.FlagSet) string {
	return flagName(fs, "addr", "ECOSPACE_ADDR") + " (make run: ADDR=host:port or ECOSPACE_ADDR)"
}
