package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	os.Exit(m.exitCode(err))
}

// Exit codes, documented in the README.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed: the message says why
	exitUsage   = 2 // bad flags, arguments, job file or rules file
)

// errUsage marks errors that come from how the command was called.
var errUsage = errors.New("usage")

// usageError wraps a message as a usage error (exit code 2).
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// Main holds what every subcommand is given: its input and output streams,
// its environment and a logger. Nothing is read from globals.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Logger *slog.Logger
}

// NewMain returns a Main bound to the process's standard streams.
func NewMain() *Main {
	return &Main{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
}

// command is one subcommand.
type command interface {
	Run(ctx context.Context, args []string) error
}

// Run hands args[0]'s subcommand the rest of the arguments.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		m.usage(m.Stderr)
		return usageError("no command given: try 'annals demo' or 'annals help'")
	}
	name, rest := args[0], args[1:]
	var cmd command
	switch name {
	case "version", "--version", "-version":
		cmd = &VersionCommand{Stdout: m.Stdout}
	case "search":
		cmd = &SearchCommand{Stdout: m.Stdout, Stderr: m.Stderr, Getenv: m.Getenv}
	case "show":
		cmd = &ShowCommand{Stdout: m.Stdout, Stderr: m.Stderr, Getenv: m.Getenv}
	case "history":
		cmd = &HistoryCommand{Stdout: m.Stdout, Stderr: m.Stderr, Getenv: m.Getenv}
	case "diff":
		cmd = &DiffCommand{Stdout: m.Stdout, Stderr: m.Stderr, Getenv: m.Getenv}
	case "serve":
		cmd = &ServeCommand{Stdout: m.Stdout, Stderr: m.Stderr, Getenv: m.Getenv}
	case "export":
		cmd = &ExportCommand{Stdout: m.Stdout, Stderr: m.Stderr}
	case "import":
		cmd = &ImportCommand{Stdout: m.Stdout, Stderr: m.Stderr}
	case "verify":
		cmd = &VerifyCommand{Stdout: m.Stdout, Stderr: m.Stderr}
	case "demo":
		cmd = &DemoCommand{Stdout: m.Stdout, Stderr: m.Stderr}
	case "crawl":
		cmd = &CrawlCommand{Stdout: m.Stdout, Stderr: m.Stderr}
	case "run":
		cmd = &RunCommand{Stdout: m.Stdout, Stderr: m.Stderr}
	case "daemon":
		cmd = &DaemonCommand{Stdout: m.Stdout, Stderr: m.Stderr}
	case "portal":
		cmd = &PortalCommand{Stdin: m.Stdin, Stdout: m.Stdout, Stderr: m.Stderr}
	case "extract":
		cmd = &ExtractCommand{Stdin: m.Stdin, Stdout: m.Stdout, Stderr: m.Stderr}
	case "help", "-h", "--help", "-help":
		m.usage(m.Stdout)
		return nil
	default:
		m.usage(m.Stderr)
		return usageError("unknown command %q: see 'annals help'", name)
	}
	return cmd.Run(ctx, rest)
}

// exitCode reports err once, at the top, and maps it to an exit code.
func (m *Main) exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintln(m.Stderr, "annals:", err)
	return exitCodeOf(err)
}

// exitCodeOf is the exit status a command's error asks for: its own
// (exitError), exitUsage for usage errors, else exitFailure.
func exitCodeOf(err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case errors.Is(err, errUsage):
		return exitUsage
	}
	return exitFailure
}

func (m *Main) usage(w io.Writer) {
	fmt.Fprint(w, `annals keeps every version of the articles of news and government portals.

Usage:
  annals <command> [flags] [arguments]

Commands:
  version    print the version and build information
  demo       the whole pipeline on the bundled sample portal, in half a minute
  crawl      crawl sites into the archive: every capture, every version
  run        run every job of a job file once (for cron)
  daemon     run the jobs of a job file on their schedules
  portal     serve the bundled sample news portal, to try crawl on
  extract    print the title, times, bylines and body of HTML pages as JSON
  search     find articles: ranked results with snippets, filters, as of a date
  show       print an article at one version, or its raw captured bytes
  history    list an article's versions and events (changed, gone, moved, restored)
  diff       compare two versions of an article, field by field and paragraph by paragraph
  serve      the research web app and JSON API over the archive (read-only)
  export     write the archived articles as CSV, JSON or JSON Lines, or the captures as WARC
  import     read WARC files (from annals, wget, Heritrix, …) into the archive
  verify     check the archive for damaged pages, payloads and versions

Run 'annals <command> --help' for a command's flags and examples.
`)
}
