package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/annals/annals/extract"
)

// ExtractCommand prints the article of each page file as one JSON line.
type ExtractCommand struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Run implements command.
func (c *ExtractCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals extract", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	pageURL := fs.String("url", "", "the URL the page was fetched from: resolves links and images, picks per-site rules")
	contentType := fs.String("content-type", "", `the HTTP Content-Type the page was served with, e.g. "text/html; charset=gbk"`)
	rulesFile := fs.String("rules", "", "per-site rules file (.toml, .yaml or .yml): CSS selectors tried before the generic method")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals extract [--url URL] [--content-type CT] [--rules FILE] FILE...

Reads each HTML page (FILE may be - for standard input), in any encoding,
and prints its article as one JSON object per line, in the order given: one
line per page, even for a page with no article (its body is then empty).

Examples:
  annals extract page.html
  annals extract --url https://www.example.gov.cn/art/2021/9/28/art_1.html page.html
  curl -s https://example.com/a.html | annals extract --url https://example.com/a.html -

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	files := fs.Args()
	if len(files) == 0 {
		fs.Usage()
		return usageError("extract needs at least one FILE (or - for standard input)")
	}
	var opts extract.Options
	if *rulesFile != "" {
		r, err := readRules(*rulesFile)
		if err != nil {
			return usageError("rules file: %v", err)
		}
		opts.Rules = r
	}
	ex := extract.New(opts)
	out := bufio.NewWriter(c.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	failed := 0
	stdinUsed := false
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		var raw []byte
		var err error
		if name == "-" {
			if stdinUsed {
				return usageError("standard input (-) can be read only once")
			}
			stdinUsed = true
			raw, err = io.ReadAll(c.Stdin)
		} else {
			raw, err = os.ReadFile(name)
		}
		if err != nil {
			out.Flush()
			return fmt.Errorf("read page %s: %w (earlier pages were printed; later ones were not read)", name, err)
		}
		art, err := ex.Extract(raw, *pageURL, *contentType)
		if err != nil {
			// Keep the output aligned: the page still gets its line.
			fmt.Fprintf(c.Stderr, "annals: extract %s: %v\n", name, err)
			failed++
		}
		if err := enc.Encode(art); err != nil {
			return fmt.Errorf("write article: %w", err)
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write articles: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d pages could not be read as HTML (their lines are empty articles)", failed, len(files))
	}
	return nil
}
