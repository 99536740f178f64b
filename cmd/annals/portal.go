package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/annals/annals/portal"
)

// demoAddr is where the demo and annals portal serve the sample portal
// when the port is free, so that the demo's URLs stay the same from run
// to run.
const demoAddr = "127.0.0.1:8047"

// PortalCommand serves the bundled sample portal, for trying annals crawl
// by hand.
type PortalCommand struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Run implements command.
func (c *PortalCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals portal", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	addr := fs.String("addr", demoAddr, "loopback `address` to serve on (port 0: a free port)")
	edition := fs.Int("edition", 1, "edition of the site to serve: 1, or 2 (the same site a week later)")
	faults := fs.Bool("faults", false, "add the misbehaving pages and crawler traps (429, flaky 503, slow, huge page, endless calendar and pagination, session ids)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals portal [--addr 127.0.0.1:8047] [--edition N] [--faults]

Serves the sample news portal bundled in annals (西辽河新闻网, Chinese and
English news and notices, some in GBK and Big5) on a loopback address,
until interrupted, so that you can try annals crawl on it. It never
listens beyond this machine and its links out lead nowhere (.invalid).

Edition 2 is the same site a week later: one article's paragraph edited,
one retitled, one deleted (404), one withdrawn (410), one moved (301), a
new article, and the template changed on every page. Type 1 or 2 and Enter
to switch editions while it runs (when standard input is a terminal).

Examples:
  annals portal
  annals crawl --db try.db --delay 200ms http://127.0.0.1:8047/   # in another terminal
  annals portal --edition 2
  annals portal --addr 127.0.0.1:0 --faults

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() > 0 {
		return usageError("portal takes no arguments, got %q: see 'annals portal --help'", fs.Args())
	}
	p, err := portal.New(portal.Options{Faults: *faults})
	if err != nil {
		return fmt.Errorf("build the sample portal: %w", err)
	}
	if *edition < 1 || *edition > p.Editions() {
		return usageError("--edition %d: the portal has editions 1 to %d", *edition, p.Editions())
	}
	if err := p.SetEdition(*edition); err != nil {
		return fmt.Errorf("switch the portal to edition %d: %w", *edition, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := portal.Start(ctx, *addr, p)
	if err != nil {
		return fmt.Errorf("%w (is another program using the port? try --addr 127.0.0.1:0)", err)
	}
	defer srv.Close()
	fmt.Fprintf(c.Stdout, "serving the sample portal, edition %d, at %s/ (Ctrl-C stops)\n", p.Edition(), srv.URL())
	fmt.Fprintf(c.Stdout, "try:  annals crawl --db try.db --delay 200ms %s/\n", srv.URL())
	if c.Stdin != nil && isTTY(c.Stdin) {
		fmt.Fprintf(c.Stdout, "type an edition number (1-%d) and Enter to switch\n", p.Editions())
		go c.switchEditions(ctx, p)
	}
	<-ctx.Done()
	fmt.Fprintf(c.Stdout, "stopped after %d requests\n", len(p.Requests()))
	return nil
}

// switchEditions reads edition numbers from standard input.
func (c *PortalCommand) switchEditions(ctx context.Context, p *portal.Portal) {
	sc := bufio.NewScanner(c.Stdin)
	for sc.Scan() && ctx.Err() == nil {
		n, err := strconv.Atoi(strings.TrimSpace(sc.Text()))
		if err != nil || p.SetEdition(n) != nil {
			fmt.Fprintf(c.Stdout, "editions are 1 to %d\n", p.Editions())
			continue
		}
		fmt.Fprintf(c.Stdout, "now serving edition %d\n", n)
	}
}
