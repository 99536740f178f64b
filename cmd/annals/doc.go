// Command annals crawls news and government portals politely, extracts each
// article's title, times, bylines and body, and keeps every version it has
// seen in a SQLite archive that can be searched, diffed and exported.
//
// It owns the wiring and the command line, nothing else: the crawler
// fetches, extract reads pages, archive stores, and this package connects
// them (the Pipeline hands each crawled response to extract and records
// capture and article in the archive) and turns flags into settings.
//
// Promises:
//   - each subcommand (demo, crawl, run, daemon, extract, search, show,
//     history, diff, export, import, verify, serve, portal, version) is its
//     own type in its own file, with its own flag set and --help with
//     examples, writing to the writers it is given, so that tests run it
//     without touching os.Stdout;
//   - errors are logged once, at the top, and exit non-zero with a message
//     that says what to do: 1 failed, 2 usage (bad flags or files; nothing
//     was done), 3 locked (another process holds the job), 130 interrupted
//     (recorded as such; running the same command again resumes);
//   - no globals for configuration: settings come from flags and job files,
//     the archive is opened and closed by the command that uses it.
package main
