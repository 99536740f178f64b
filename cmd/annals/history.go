package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/web"
)

// HistoryCommand prints an article's versions and events.
type HistoryCommand struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Term   termDetector // nil: inspect Stdout
}

// historyJSON is what --format json prints.
type historyJSON struct {
	Article  historyArticle `json:"article"`
	Versions []web.Version  `json:"versions"`
	Events   []web.Event    `json:"events"`
}

type historyArticle struct {
	ID            int64     `json:"id"`
	URL           string    `json:"url"`
	Site          string    `json:"site"`
	State         string    `json:"state"`
	MovedTo       string    `json:"moved_to,omitempty"`
	FirstSeen     time.Time `json:"first_seen"`
	LastCheckedAt time.Time `json:"last_checked_at"`
	LatestVersion int       `json:"latest_version"`
}

// Run implements command.
func (c *HistoryCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals history", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file`")
	all := fs.Bool("all", false, "list every unchanged re-check instead of folding runs of them into one line")
	format := fs.String("format", formatTable, "output: table, json (article, versions, events) or jsonl (one event a line)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals history [flags] URL|ID

Prints what the archive knows of an article over time: its versions
(when each was first captured and which fields changed) and its events:
first seen, changed (with the fields), unchanged re-checks, gone (404,
410, or a redirect to the home page), moved (a permanent redirect
elsewhere) and restored (live again after gone). Times are UTC.

Examples:
  annals history http://tl.example.cn/2021/09/28/congress.html
  annals history 42 --all
  annals history 42 --format json | jq '.events[] | select(.kind == "changed")'

Exit status: 0, 1 on failure (no such article, damaged archive), 2 for
bad flags.

Flags:
`)
		fs.PrintDefaults()
	}
	ref, err := articleArgs(fs, args, format, formatTable, formatJSON, formatJSONL)
	if err != nil {
		return err
	}
	db, a, err := openArticle(ctx, *dbPath, ref)
	if err != nil {
		return err
	}
	defer db.Close()
	versions, err := db.Versions(ctx, a.ID)
	if err != nil {
		return err
	}
	events, err := db.Events(ctx, a.ID)
	if err != nil {
		return err
	}
	switch *format {
	case formatJSON:
		out := historyJSON{
			Article: historyArticle{ID: a.ID, URL: a.URL, Site: a.Site, State: string(a.State), MovedTo: a.MovedTo,
				FirstSeen: a.FirstSeen, LastCheckedAt: a.LastChecked, LatestVersion: a.Version},
			Versions: make([]web.Version, 0, len(versions)), Events: make([]web.Event, 0, len(events)),
		}
		for _, v := range versions {
			out.Versions = append(out.Versions, web.NewVersion(v, false))
		}
		for _, e := range events {
			out.Events = append(out.Events, web.NewEvent(e))
		}
		return writeJSON(c.Stdout, formatJSON, out)
	case formatJSONL:
		for _, e := range events {
			if err := writeJSON(c.Stdout, formatJSONL, web.NewEvent(e)); err != nil {
				return err
			}
		}
		return nil
	}
	return c.table(a, versions, events, *all)
}

func (c *HistoryCommand) table(a archive.Article, versions []archive.Version, events []archive.Event, all bool) error {
	t := c.Term.detect(c.Stdout, c.Getenv)
	state := string(a.State)
	if a.MovedTo != "" {
		state += " → " + a.MovedTo
	}
	head := fmt.Sprintf("%s\narticle %d · %s · %d version(s) · first seen %s UTC · last checked %s UTC",
		oneLine(a.URL), a.ID, state, len(versions), stamp(a.FirstSeen), stamp(a.LastChecked))
	if _, err := fmt.Fprintln(c.Stdout, t.paint(ansiBold, head)+"\n"); err != nil {
		return err
	}
	vt := &table{cols: []column{
		{title: "VERSION", right: true},
		{title: "CAPTURED (UTC)"},
		{title: "CHANGED", max: 40, optional: true},
		{title: "TITLE", min: 10, flex: true},
	}}
	for _, v := range versions {
		changed := strings.Join(v.Changed, ", ")
		if v.Version == 1 {
			changed = "—"
		}
		vt.add(strconv.Itoa(v.Version), stamp(v.CapturedAt), changed, v.Content.Title)
	}
	if err := vt.render(c.Stdout, t); err != nil {
		return err
	}
	fmt.Fprintln(c.Stdout)
	et := &table{cols: []column{
		{title: "TIME (UTC)"},
		{title: "EVENT"},
		{title: "VERSION", right: true},
		{title: "STATUS", right: true, optional: true},
		{title: "DETAIL", min: 10, flex: true},
	}}
	for i := 0; i < len(events); i++ {
		e := events[i]
		detail := ""
		switch e.Kind {
		case archive.EventChanged, archive.EventRestored:
			if len(e.Changed) > 0 {
				detail = "changed: " + strings.Join(e.Changed, ", ")
			}
		case archive.EventMoved:
			detail = "→ " + e.RedirectTo
		case archive.EventGone:
			if e.RedirectTo != "" {
				detail = "→ " + e.RedirectTo
			}
		case archive.EventFirstSeen:
			detail = e.URL
		case archive.EventUnchanged:
			// Fold a run of unchanged re-checks.
			j := i
			for !all && j+1 < len(events) && events[j+1].Kind == archive.EventUnchanged {
				j++
			}
			if j > i {
				detail = fmt.Sprintf("×%d until %s", j-i+1, stamp(events[j].At))
				i = j
			}
		}
		if e.URL != a.URL && e.Kind != archive.EventFirstSeen && detail == "" {
			detail = "at " + e.URL
		}
		status := ""
		if e.Status != 0 {
			status = strconv.Itoa(e.Status)
		}
		version := ""
		if e.Version != 0 {
			version = strconv.Itoa(e.Version)
		}
		et.add(stamp(e.At), eventLabel(e.Kind), version, status, detail)
		switch e.Kind {
		case archive.EventGone:
			et.style(1, ansiRed)
		case archive.EventMoved:
			et.style(1, ansiYellow)
		case archive.EventChanged, archive.EventRestored, archive.EventFirstSeen:
			et.style(1, ansiGreen)
		case archive.EventUnchanged:
			et.style(1, ansiDim)
		}
	}
	return et.render(c.Stdout, t)
}
