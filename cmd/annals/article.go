package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/annals/annals/archive"
)

// This file holds what search, show, history and diff share: naming an
// article by URL or id, and output formats.

// findArticle resolves "URL|ID": digits name an article id; anything else
// is a URL (the key URL or any URL it was captured at; a URL without a
// scheme is tried with https:// and http://).
func findArticle(ctx context.Context, db *archive.DB, ref string) (archive.Article, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return archive.Article{}, usageError("name an article by its URL or id")
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		if id <= 0 {
			return archive.Article{}, usageError("%s is not an article id: ids are positive", ref)
		}
		a, err := db.ArticleByID(ctx, id)
		if errors.Is(err, archive.ErrNotFound) {
			return a, fmt.Errorf("no article %d in the archive: find articles with 'annals search'", id)
		}
		return a, err
	}
	tries := []string{ref}
	if !strings.Contains(ref, "://") {
		tries = []string{"https://" + ref, "http://" + ref}
	}
	var err error
	for _, u := range tries {
		var a archive.Article
		if a, err = db.ArticleByURL(ctx, u); err == nil {
			return a, nil
		}
		if !errors.Is(err, archive.ErrNotFound) {
			break
		}
	}
	if errors.Is(err, archive.ErrNotFound) {
		return archive.Article{}, fmt.Errorf("no article at %s in the archive: check the URL, or find it with 'annals search'", ref)
	}
	return archive.Article{}, usageError("%q is neither an article id nor a URL: %v", ref, err)
}

// Output formats of the research commands.
const (
	formatTable = "table"
	formatText  = "text"
	formatJSON  = "json"
	formatJSONL = "jsonl"
)

// checkFormat accepts one of the allowed formats.
func checkFormat(f string, allowed ...string) error {
	for _, a := range allowed {
		if f == a {
			return nil
		}
	}
	return usageError("unknown --format %q: use %s", f, strings.Join(allowed, ", "))
}

// writeJSON writes v as indented JSON (format json) or one compact line
// (jsonl).
func writeJSON(w io.Writer, format string, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if format == formatJSON {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

// stamp shows a time in tables: UTC, to the second.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// dateOf returns the date of an RFC 3339 time (or a bare date).
func dateOf(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}

// articleArgs parses the flags of a command that takes one article
// (show, history, diff) and checks its --format, which parsing sets.
func articleArgs(fs *flag.FlagSet, args []string, format *string, formats ...string) (string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", err
	}
	name := strings.TrimPrefix(fs.Name(), "annals ")
	ref, err := oneArg(name, pos)
	if err != nil {
		return "", err
	}
	return ref, checkFormat(*format, formats...)
}

// openArticle opens the archive read-only and finds the article; the
// caller closes the archive.
func openArticle(ctx context.Context, dbPath, ref string) (*archive.DB, archive.Article, error) {
	db, err := openArchive(ctx, dbPath, true)
	if err != nil {
		return nil, archive.Article{}, err
	}
	a, err := findArticle(ctx, db, ref)
	if err != nil {
		db.Close()
		return nil, a, err
	}
	return db, a, nil
}

// oneArg checks that a command got exactly one URL or id.
func oneArg(name string, args []string) (string, error) {
	switch len(args) {
	case 1:
		return args[0], nil
	case 0:
		return "", usageError("%s needs an article URL or id: see 'annals %s --help'", name, name)
	}
	return "", usageError("%s takes one article URL or id, got %d arguments (flags go before the article): see 'annals %s --help'", name, len(args), name)
}

// eventLabel names an event for people.
func eventLabel(k archive.EventKind) string {
	switch k {
	case archive.EventFirstSeen:
		return "first seen"
	case archive.EventNotArticle:
		return "not an article"
	}
	return string(k)
}

// parseArgs parses flags that may come before, between or after the
// positional arguments ("annals show URL --raw"), which the flag package
// alone stops at. "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageFlagError(err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at "--" (dropping it) or at a positional.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
