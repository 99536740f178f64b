package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/annals/annals/archive"
)

// VerifyCommand checks an archive for damage.
type VerifyCommand struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Run implements command.
func (c *VerifyCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals verify", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file`")
	quiet := fs.Bool("q", false, "print only problems")
	optimize := fs.Bool("optimize", false, "after the checks, make the archive quick to search again (merge the full-text indexes, refresh the planner's statistics)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals verify [--db FILE] [-q] [--optimize]

Checks every page of the archive file (SQLite's integrity check, naming the
table or index of each damaged page), the full-text indexes, every stored
payload (decoded and re-hashed against its SHA-256), every header block and
every version's content hash. Reports each problem on its own line and exits
with status 1 when anything is damaged. Opening an older archive upgrades
its schema first.

--optimize then merges each full-text index into one segment, in small
steps that let a crawl running meanwhile go on, and refreshes SQLite's
query statistics; nothing archived changes. A damaged archive is not
optimised.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() > 0 {
		return usageError("verify takes no arguments, got %q: see 'annals verify --help'", fs.Args())
	}
	// What the file's header tells first: SQLite cannot open a truncated
	// file to say so.
	fileProblems, _ := archive.CheckFile(*dbPath) // a file that cannot be read: openArchive says why
	db, err := openArchive(ctx, *dbPath, false)
	if errors.Is(err, archive.ErrDamaged) {
		for _, p := range fileProblems {
			fmt.Fprintln(c.Stdout, "DAMAGED", p.String())
		}
		if len(fileProblems) == 0 {
			fmt.Fprintln(c.Stdout, "DAMAGED database:", *dbPath+":", "the file's header or schema is unreadable:", err)
		}
		return fmt.Errorf("%s is damaged beyond opening; keep a copy of the file before any repair", *dbPath)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Verify(ctx, nil)
	if err != nil {
		return fmt.Errorf("verify %s: %w", *dbPath, err)
	}
	rep.Problems = append(fileProblems, rep.Problems...)
	for _, p := range rep.Problems {
		fmt.Fprintln(c.Stdout, "DAMAGED", p.String())
	}
	if !*quiet {
		fmt.Fprintf(c.Stdout, "checked %s: %d payloads (%d bytes), %d header blocks, %d versions\n",
			*dbPath, rep.Payloads, rep.PayloadBytes, rep.Headers, rep.Versions)
	}
	if !rep.OK() {
		if *optimize {
			fmt.Fprintln(c.Stdout, "not optimised: the archive is damaged")
		}
		return fmt.Errorf("%s is damaged: %d problems (listed above); keep a copy of the file before repairing it", *dbPath, len(rep.Problems))
	}
	if !*quiet {
		fmt.Fprintln(c.Stdout, "ok: no damage found")
	}
	if *optimize {
		or, err := db.Optimize(ctx)
		if err != nil {
			return fmt.Errorf("optimise %s: %w", *dbPath, err)
		}
		if !*quiet {
			fmt.Fprintf(c.Stdout, "optimised in %v: %d versions indexed, %d merge steps, file %d → %d bytes (%d pages free for reuse)\n",
				or.Took.Round(time.Millisecond), or.Indexed, or.MergeSteps, or.SizeBefore, or.SizeAfter, or.FreePages)
		}
	}
	return nil
}
