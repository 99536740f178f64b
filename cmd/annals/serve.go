package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/annals/annals/web"
)

// ServeCommand runs the research web app over an archive, read-only.
type ServeCommand struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, is called with the address being served, once the
	// server accepts connections (tests use it).
	Ready func(addr string)
}

// tokenEnv is the environment variable that may hold the server's token.
const tokenEnv = "ANNALS_TOKEN"

// Run implements command.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals serve", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file` (opened read-only)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `host:port` (port 0 picks a free one)")
	token := fs.String("token", "", "require this `secret` on every request (default $"+tokenEnv+"); needed to listen beyond loopback")
	var logs logOptions
	logs.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals serve [flags]

Serves the research web app over the archive: search with filters and
result counts, article pages with their version history, bylines,
captures and a diff between any two versions, CSV and JSON exports of a
search, the archived pages as captured (sanitised, in a sandbox: nothing
archived runs or reaches the network), and the JSON API (/api/search,
/api/articles/{id}, /api/articles/{id}/versions, /api/articles/{id}/diff;
see the README). The archive is opened read-only: crawls may write to it
meanwhile.

It listens on 127.0.0.1 by default and then answers only requests
addressed to localhost. To listen on another address, give a token
(--token or $ANNALS_TOKEN): every request must then carry it, as an
"Authorization: Bearer TOKEN" header or through the session cookie of
the login page. Use TLS (a reverse proxy) beyond a trusted network.

Examples:
  annals serve                                   # http://127.0.0.1:8080/
  annals serve --db /srv/annals/annals.db --addr 127.0.0.1:9000
  ANNALS_TOKEN=$(openssl rand -hex 16) annals serve --addr 0.0.0.0:8080
  curl -H "Authorization: Bearer $ANNALS_TOKEN" 'http://host:8080/api/search?q=人大'

Exit status: 0 after Ctrl-C or SIGTERM, 1 on failure (no archive, the
address in use), 2 for bad flags (a non-loopback --addr without a token).

Flags:
`)
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("serve takes no arguments, got %q: see 'annals serve --help'", pos)
	}
	secret := *token
	if secret == "" && c.Getenv != nil {
		secret = c.Getenv(tokenEnv)
	}
	if secret != "" && len(secret) < 12 {
		return usageError("the token is too short: use 12 characters or more (e.g. openssl rand -hex 16)")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usageError("--addr %q: give host:port, e.g. 127.0.0.1:8080", *addr)
	}
	if !loopbackAddr(host) && secret == "" {
		return usageError("--addr %s listens beyond this machine: give a token with --token or $%s", *addr, tokenEnv)
	}
	logger, err := logs.logger(c.Stderr)
	if err != nil {
		return err
	}

	db, err := openArchive(ctx, *dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	app, err := web.New(db, web.Options{Token: secret, Logger: logger, Name: filepath.Base(*dbPath)})
	if err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another server there? try another --addr)", *addr, err)
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(c.Stderr, "annals: serving %s read-only at %s", *dbPath, url)
	if secret != "" {
		fmt.Fprint(c.Stderr, " (token required)")
	}
	fmt.Fprintln(c.Stderr, "; Ctrl-C stops")
	if c.Ready != nil {
		c.Ready(ln.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(c.Stderr, "annals: server stopped")
	return nil
}

// loopbackAddr reports whether a listen host is on this machine only.
func loopbackAddr(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
