package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/web"
)

// ShowCommand prints an article as extracted at one version, or the raw
// bytes captured for it.
type ShowCommand struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Term   termDetector // nil: inspect Stdout
}

// Run implements command.
func (c *ShowCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals show", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file`")
	version := fs.Int("version", 0, "show version `n` (1 is the first seen; default the latest)")
	asOf := fs.String("as-of", "", "show the version live at the end of `date` (or at an RFC 3339 time)")
	raw := fs.Bool("raw", false, "write the raw bytes of the capture that first recorded the version, exactly as received")
	format := fs.String("format", formatText, "output: text or json (the API's article object)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals show [flags] URL|ID

Prints an article as extracted at one version: headline, kicker and
subtitle, URL, state, publish time, bylines with their roles, source,
which version it is and when it was captured, then the body. The article
is named by its id (from annals search) or by any URL it was captured at.

--raw writes instead the bytes the server sent for that version, exactly
as received (any charset, untouched), for saving or for other tools.

Examples:
  annals show 42
  annals show http://tl.example.cn/2021/09/28/congress.html --version 1
  annals show 42 --as-of 2021-10-01 --format json
  annals show 42 --raw > page.html

Exit status: 0, 1 on failure (no such article or version, damaged
archive), 2 for bad flags.

Flags:
`)
		fs.PrintDefaults()
	}
	ref, err := articleArgs(fs, args, format, formatText, formatJSON)
	if err != nil {
		return err
	}
	if *version < 0 {
		return usageError("--version %d: versions count from 1", *version)
	}
	at, err := parseDate(*asOf, true)
	if err != nil {
		return usageError("--as-of: %v", err)
	}
	if *version != 0 && !at.IsZero() {
		return usageError("give --version or --as-of, not both")
	}
	if *raw && *format != formatText {
		return usageError("--raw writes bytes: it takes no --format")
	}

	db, a, err := openArticle(ctx, *dbPath, ref)
	if err != nil {
		return err
	}
	defer db.Close()
	var v archive.Version
	if at.IsZero() {
		v, err = db.Version(ctx, a.ID, *version)
	} else {
		v, err = db.VersionAsOf(ctx, a.ID, at)
	}
	if errors.Is(err, archive.ErrNotFound) {
		if at.IsZero() {
			return fmt.Errorf("article %d has %d version(s), not %d: see 'annals history %d'", a.ID, a.Version, *version, a.ID)
		}
		return fmt.Errorf("article %d was not yet captured at %s: see 'annals history %d'", a.ID, *asOf, a.ID)
	}
	if err != nil {
		return err
	}
	if *raw {
		body, err := db.CapturePayload(ctx, v.CaptureID)
		if err != nil {
			return fmt.Errorf("raw bytes of version %d: %w", v.Version, err)
		}
		if body == nil {
			return fmt.Errorf("the capture of version %d kept no body", v.Version)
		}
		if ci, err := db.Capture(ctx, v.CaptureID); err == nil && ci.Truncated {
			fmt.Fprintf(c.Stderr, "annals: note: capture %d was cut at the crawler's size limit\n", v.CaptureID)
		}
		_, err = c.Stdout.Write(body)
		return err
	}
	if *format == formatJSON {
		return writeJSON(c.Stdout, formatJSON, web.NewArticle(a, v))
	}
	return c.text(a, v)
}

// text prints the article for reading.
func (c *ShowCommand) text(a archive.Article, v archive.Version) error {
	t := c.Term.detect(c.Stdout, c.Getenv)
	ct := v.Content
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	if ct.Kicker != "" {
		line(t.paint(ansiDim, oneLine(ct.Kicker)))
	}
	title := oneLine(ct.Title)
	if title == "" {
		title = "(no title)"
	}
	line(t.paint(ansiBold, title))
	if ct.Subtitle != "" {
		line(oneLine(ct.Subtitle))
	}
	line("")
	field := func(name, value string) {
		if value != "" {
			line(t.paint(ansiDim, fmt.Sprintf("%-10s", name)) + " " + oneLine(value))
		}
	}
	field("URL", a.URL)
	state := string(a.State)
	if a.MovedTo != "" {
		state += " → " + a.MovedTo
	}
	field("State", state)
	published := ct.Published
	if ct.PublishedZoneAssumed {
		published += " (time zone assumed)"
	}
	field("Published", published)
	field("Modified", ct.Modified)
	field("Bylines", archive.FormatBylines(ct.Bylines))
	field("Source", ct.Source)
	ver := fmt.Sprintf("%d of %d, captured %s UTC", v.Version, a.Version, stamp(v.CapturedAt))
	if len(v.Changed) > 0 {
		ver += " (changed: " + strings.Join(v.Changed, ", ") + ")"
	}
	field("Version", ver)
	field("Article", fmt.Sprintf("%d (capture %d, sha256 %s)", a.ID, v.CaptureID, shortDigest(v.PayloadSHA256)))
	line("")
	for i, p := range strings.Split(stripControls(ct.Body), "\n\n") {
		if i > 0 {
			line("")
		}
		if t.color {
			for _, l := range t.wrapText(p, min(t.width, 100)) {
				line(l)
			}
		} else {
			line(p)
		}
	}
	for _, img := range ct.Images {
		desc := strings.TrimSpace(img.Caption + " " + img.Credit)
		line(t.paint(ansiDim, "[image] "+oneLine(strings.TrimSpace(desc+" "+img.Src))))
	}
	_, err := io.WriteString(c.Stdout, b.String())
	return err
}

func shortDigest(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
