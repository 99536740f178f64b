package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mattn/go-runewidth"
	"golang.org/x/term"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
)

// Exit codes beyond those of main.go, documented in the README.
const (
	exitLocked      = 3   // another process is running the same job
	exitInterrupted = 130 // SIGINT or SIGTERM: the run is recorded as interrupted
)

// exitError carries its own exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// ExitCode is the process's exit status for this error.
func (e *exitError) ExitCode() int { return e.code }

// errInterrupted wraps the error of a run stopped by a signal.
var errInterrupted = errors.New("interrupted")

// logOptions are the logging flags every long-running command takes.
type logOptions struct {
	format string
	level  string
}

func (o *logOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.format, "log-format", "text", "log format: text or json")
	fs.StringVar(&o.level, "log-level", "info", "least severe `level` logged: debug, info, warn or error (crawl, run and demo log only warn and error on a terminal unless told)")
}

// logger builds the logger the flags ask for, writing to w.
func (o *logOptions) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.level)); err != nil {
		return nil, usageError("--log-level %q: use debug, info, warn or error", o.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch o.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, usageError("--log-format %q: use text or json", o.format)
	}
}

// isTTY reports whether w (a writer or a reader) is a terminal.
func isTTY(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// statusLine is a live progress line on a terminal, repainted in place
// with \r. Logs written through it (it is an io.Writer) clear the line
// first and repaint it after, so the two never garble each other.
type statusLine struct {
	mu    sync.Mutex
	w     io.Writer
	width int // columns; 0: unknown
	text  string
	shown bool
}

func newStatusLine(w io.Writer) *statusLine {
	s := &statusLine{w: w}
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 10 {
			s.width = cols
		}
	}
	return s
}

// Set replaces the line's text and repaints it. A line wider than the
// terminal is cut: a wrapped line could not be repainted in place.
func (s *statusLine) Set(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.width > 0 {
		text = runewidth.Truncate(text, s.width-1, "…")
	}
	s.text = text
	fmt.Fprint(s.w, "\r"+text+"\x1b[K")
	s.shown = true
}

// Done ends the line with a newline, leaving its last text on screen.
func (s *statusLine) Done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown {
		fmt.Fprintln(s.w)
	}
	s.shown, s.text = false, ""
}

// Write implements io.Writer for log lines.
func (s *statusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shown {
		fmt.Fprint(s.w, "\r\x1b[K")
	}
	n, err := s.w.Write(p)
	if s.shown {
		fmt.Fprint(s.w, "\r"+s.text+"\x1b[K")
	}
	return n, err
}

// progressText renders a crawl's running totals for the status line.
func progressText(job string, st crawler.Stats) string {
	return fmt.Sprintf("%s · fetched %d · queued %d · new %d · changed %d · errors %d · %.1f/s · %s",
		job, st.Fetched, st.Queued, st.New, st.Changed, st.Errors, st.Rate(), st.Elapsed.Round(time.Second))
}

// lockOwner says who this process is, for the job locks.
func lockOwner(note string) archive.LockOwner {
	host, _ := os.Hostname()
	return archive.LockOwner{PID: os.Getpid(), Host: host, Note: note}
}

// processAlive tells whether a lock holder's process still runs. On this
// host it asks the kernel (signal 0); about another host it cannot tell,
// and the lock's heartbeat decides.
func processAlive(o archive.LockOwner) bool {
	host, _ := os.Hostname()
	if o.Host != host {
		return true
	}
	if o.PID <= 0 {
		return false
	}
	err := syscall.Kill(o.PID, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// recordedCommand renders a command for the record ("annals crawl --delay 1s
// http://…"), quoting arguments that need it.
func recordedCommand(name string, args []string) string {
	parts := []string{"annals", name}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$&;|<>*?()[]{}`") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
