package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X main.vcsRevision=… -X main.vcsTime=… -X
// main.vcsModified=…" (the Makefile does) for builds the Go tool cannot
// stamp itself: GOFLAGS=-buildvcs=false, a git worktree, a tarball. What
// the build info holds wins.
var vcsRevision, vcsTime, vcsModified string

const versionUsage = `usage: ecospace version   (or ecospace --version)

Prints the module version, the commit the binary was built from (and whether
the working tree had uncommitted changes), the commit's date and the Go
version. "(devel)" and "unknown" say honestly that the build did not record
them (go run, or go build outside a git checkout or with -buildvcs=false);
'make build' records them.
`

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			fmt.Fprint(stderr, versionUsage)
			return flag.ErrHelp
		}
		return usagef("takes no arguments, got %q", args[0])
	}
	bi, _ := debug.ReadBuildInfo()
	fmt.Fprint(stdout, versionText(bi))
	return nil
}

// buildVersion is what a binary knows of its own build.
type buildVersion struct {
	Module, Revision, Time, GoVersion string
	Modified                          bool
	ModifiedKnown                     bool
}

func readBuildVersion(bi *debug.BuildInfo) buildVersion {
	v := buildVersion{Module: "(devel)", GoVersion: runtime.Version()}
	if bi != nil {
		if bi.Main.Version != "" {
			v.Module = bi.Main.Version
		}
		if bi.GoVersion != "" {
			v.GoVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Revision = s.Value
			case "vcs.time":
				v.Time = s.Value
			case "vcs.modified":
				v.Modified, v.ModifiedKnown = s.Value == "true", true
			}
		}
	}
	if v.Revision == "" && vcsRevision != "" {
		v.Revision, v.Time = vcsRevision, vcsTime
		v.Modified, v.ModifiedKnown = vcsModified == "true", vcsModified != ""
	}
	return v
}

// versionText is what 'ecospace version' prints.
func versionText(bi *debug.BuildInfo) string {
	v := readBuildVersion(bi)
	commit, date := "unknown (the build recorded none: use 'make build')", "unknown"
	if v.Revision != "" {
		commit = v.Revision
		if v.ModifiedKnown && v.Modified {
			commit += " (with uncommitted changes)"
		}
	}
	if v.Time != "" {
		date = v.Time + " (the commit's)"
	}
	return fmt.Sprintf("ecospace %s\n  commit: %s\n  date:   %s\n  go:     %s %s/%s\n",
		v.Module, commit, date, v.GoVersion, runtime.GOOS, runtime.GOARCH)
}
