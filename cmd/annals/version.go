package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X main.Version=v1.2.3"; a
// build from a checkout reports the module version or "devel".
var Version = ""

// ProjectURL is where users learn what annals is; it appears in the
// crawler's User-Agent.
const ProjectURL = "https://github.com/annals/annals"

// version returns the best version string known for this binary.
func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// VersionCommand prints version and build information.
type VersionCommand struct {
	Stdout io.Writer
}

// Run implements command.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals version", flag.ContinueOnError)
	fs.SetOutput(c.Stdout)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: annals version\n\nPrints the version of annals, its Go version and the commit it was built from.")
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	fmt.Fprintf(c.Stdout, "annals %s\n", version())
	fmt.Fprintf(c.Stdout, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, when, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = " (modified)"
				}
			}
		}
		if rev != "" {
			fmt.Fprintf(c.Stdout, "commit %s %s%s\n", rev, when, dirty)
		}
	}
	return nil
}

// usageFlagError turns a flag-parsing error into a usage error; -h is not
// an error.
func usageFlagError(err error) error {
	if err == flag.ErrHelp {
		return err
	}
	return usageError("%v", err)
}
