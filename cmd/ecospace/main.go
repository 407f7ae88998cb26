// Command ecospace is the one binary of the ecospace service: serve the
// API and map, and the data stewards' and operators' subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// command is one subcommand: it parses its own flags.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// errUsage is a command line that cannot work (exit 2). A bare errUsage
// means the command has said what is wrong; a usageError (usagef) says it
// through run.
var errUsage = errors.New("usage")

func commands() map[string]command {
	return map[string]command{
		"serve":   {"serve the API and the map (embedded store with demo layers unless --database-url is set)", runServe},
		"import":  {"load a layer file (GeoJSON, zipped Shapefile) or the demo layers into the database as a new version", runImport},
		"migrate": {"apply the database schema migrations this binary carries (PostGIS)", runMigrate},
		"gen":     {"write seeded synthetic province-scale layers and a point register for load tests", runGen},
		"bench":   {"drive a server on this machine with concurrent checks and layer reads; print requests/s and latency", runBench},
		"keys":    {"create, list and revoke API keys (scopes check, admin)", runKeys},
		"hooks":   {"add, list and remove webhooks; read and redeliver their deliveries (PostGIS)", runHooks},
		"sweep":   {"screen a register of enterprises (GeoJSON or CSV) and write a report (CSV or GeoJSON)", runSweep},
		"version": {"print the version, commit and Go version this binary was built with (also --version)", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ecospace: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	if err := cmd.run(ctx, args[1:], stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			var ue *usageError
			switch {
			case errors.As(err, &ue):
				fmt.Fprintf(stderr, "ecospace %s: %v\nrun 'ecospace %s -h' for help\n", args[0], err, args[0])
			case err != errUsage:
				fmt.Fprintf(stderr, "ecospace %s: %v\n", args[0], err)
			}
			return 2
		}
		fmt.Fprintf(stderr, "ecospace %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: ecospace <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ecospace <command> -h' for its flags; 'ecospace --version' for the build.")
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ecospace "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// envOr returns the environment variable's value, or def.
func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok {
		return v
	}
	return def
}

// envInt returns the environment variable as an integer, or def when it is
// unset or not a whole number (checkEnvInt names such a value).
func envInt(key string, def int) int {
	if v, ok := os.LookupEnv(key); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return n
		}
	}
	return def
}

// checkEnvInt refuses an environment variable that is set but not a whole
// number, which envInt would pass over.
func checkEnvInt(key string) error {
	if v, ok := os.LookupEnv(key); ok {
		if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
			return usagef("%s=%q (environment): not a whole number", key, v)
		}
	}
	return nil
}
