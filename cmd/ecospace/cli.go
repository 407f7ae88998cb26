package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
)

// usageError is a command line that cannot work: a missing or malformed
// flag, a file that is not there. run prints it with a pointer to the
// command's help and exits 2, before the command has done any work.
type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == errUsage }

// usagef makes a usage error (exit 2).
func usagef(format string, a ...any) error {
	return &usageError{fmt.Sprintf(format, a...)}
}

// parseFlags parses args. -h prints the usage and is flag.ErrHelp; a flag
// the set does not know, or a value it cannot parse, is a usage error: the
// flag package's one line saying which, and where to find help (not the
// whole list of flags).
func parseFlags(fs *flag.FlagSet, args []string) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		if usage != nil {
			usage()
		} else {
			fmt.Fprintf(fs.Output(), "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
		return err
	case err != nil:
		fmt.Fprintf(fs.Output(), "run '%s -h' for help\n", fs.Name())
		return errUsage
	}
	return nil
}

// subcommandFlags splits off the subcommand of `ecospace name` (its first
// argument, unless that is a flag; "" when there is none) and makes the
// flag set of `ecospace name sub`, whose usage prints usage and the flags.
func subcommandFlags(name, usage string, args []string, stderr io.Writer) (string, *flag.FlagSet) {
	sub := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub = args[0]
	}
	fs := newFlags(strings.TrimSpace(name+" "+sub), stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return sub, fs
}

// isHelpFlag says whether arg asks for help.
func isHelpFlag(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help"
}

// parseFlagsAround parses args whose flags may stand before, between or
// after the positional arguments, and returns the positional ones in
// order.
func parseFlagsAround(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// flagName names where a flag's value came from: "--name" when it was
// given on the command line, else "NAME (environment)" when env is set
// there, so that an error points at what the user actually wrote.
func flagName(fs *flag.FlagSet, name, env string) string {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	if !given && env != "" {
		if _, ok := os.LookupEnv(env); ok {
			return env + " (environment)"
		}
	}
	return "--" + name
}

// checkListenAddr checks a listen address's form, host:port with a port
// 0–65535 (0: any free port), without binding it.
func checkListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:8080, or :8080 for every interface)", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port %q is not a number from 0 to 65535", addr, port)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return fmt.Errorf("%q: %q is neither an IP address nor a host name", addr, host)
	}
	return nil
}

// validHostname reports whether h looks like a DNS name (letters, digits,
// hyphens and dots).
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// checkFinite refuses NaN and ±Inf.
func checkFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkInputFile says what is wrong with a file the command line names:
// missing, unreadable, or (when dirOK is false) a directory.
func checkInputFile(flagName, path string, dirOK bool) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usagef("%s %s: no such file", flagName, path)
	case err != nil:
		return usagef("%s %s: %v", flagName, path, errors.Unwrap(err))
	case fi.IsDir() && !dirOK:
		return usagef("%s %s is a directory, not a file", flagName, path)
	}
	f, err := os.Open(path)
	if err != nil {
		return usagef("%s %s: cannot be read: %v", flagName, path, errors.Unwrap(err))
	}
	f.Close()
	return nil
}

// checkOutputDir says what is wrong with the directory a file the command
// line names is to be written into.
func checkOutputDir(flagName, path, dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usagef("%s %s: the directory %s does not exist", flagName, path, dir)
	case err != nil:
		return usagef("%s %s: %v", flagName, path, errors.Unwrap(err))
	case !fi.IsDir():
		return usagef("%s %s: %s is not a directory", flagName, path, dir)
	}
	return nil
}
