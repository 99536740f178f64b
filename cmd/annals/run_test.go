package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, base := testPortal(t)
	dir := t.TempDir()
	writeFile(t, dir, "rules.yaml", "site:\n  - host: 127.0.0.1\n    remove: ['.share']\n")
	jobs := writeFile(t, dir, "jobs.toml", fmt.Sprintf(`
archive = "portal.db"

[defaults]
delay = "0s"

[[job]]
name = "local-news"
seeds = ["%[1]s/news/local/"]
allow = ['/news/local/']
rules_file = "rules.yaml"

[[job]]
name = "gov"
seeds = ["%[1]s/gov/"]
allow = ['/gov/']
depth = 1
schedule = "@daily"
`, base))

	out, errOut, code := pipeRun(t, ctx, "run", jobs)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "run 1 of job local-news: completed") || !strings.Contains(out, "run 2 of job gov: completed") {
		t.Errorf("summaries:\n%s", out)
	}
	db := filepath.Join(dir, "portal.db") // the job file's archive, beside it
	r1, r2 := readRun(t, db, 1), readRun(t, db, 2)
	if r1.Job != "local-news" || r2.Job != "gov" || r1.Summary.NewArticles == 0 || r2.Summary.NewArticles == 0 {
		t.Errorf("runs = %+v\n%+v", r1, r2)
	}
	if !strings.Contains(string(r1.Settings), `"rules_hosts":["127.0.0.1"]`) || !strings.Contains(string(r2.Settings), `"schedule":"@daily"`) {
		t.Errorf("settings = %s\n%s", r1.Settings, r2.Settings)
	}
	for _, r := range p.Requests() {
		if strings.HasPrefix(r.Target, "/en/") {
			t.Errorf("out of both jobs' scope: %s", r.Target)
		}
	}

	// One job, into another archive.
	other := filepath.Join(dir, "other.db")
	out, errOut, code = pipeRun(t, ctx, "run", "--db", other, "--job", "gov", jobs)
	if code != 0 || !strings.Contains(out, "run 1 of job gov") || strings.Contains(out, "local-news") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}

	// A job held by another process is skipped, the others run: exit 3.
	release := holdLock(t, db, "gov")
	defer release()
	out, errOut, code = pipeRun(t, ctx, "run", jobs)
	if code != exitLocked {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitLocked, out, errOut)
	}
	if !strings.Contains(out, "run 3 of job local-news: completed") || !strings.Contains(out, "job gov skipped") ||
		!strings.Contains(errOut, "1 of 2 jobs did not run to completion") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

func TestRunCommand_BadFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	good := "[[job]]\nname = \"a\"\nseeds = [\"http://127.0.0.1:1/\"]\n"
	for _, tc := range []struct {
		name, file, text string
		args             []string
		want             string
	}{
		{"unknown key", "a.toml", good + "dealy = \"1s\"\n", nil, `a.toml:4: unknown key "dealy"`},
		{"invalid cron", "b.yaml", "job:\n  - name: a\n    seeds: [\"http://127.0.0.1:1/\"]\n    schedule: \"0 */6 * *\"\n", nil, `b.yaml:4: job "a": invalid schedule`},
		{"missing rules file", "c.toml", good + "rules_file = \"nope.toml\"\n", nil, `c.toml:1: job "a": rules_file: open`},
		{"bad rules file", "d.toml", good + "rules_file = \"bad-rules.toml\"\n", nil, `bad-rules.toml:2: bad CSS selector`},
		{"unknown job", "e.toml", good, []string{"--job", "zzz"}, `e.toml has no job "zzz"; its jobs are: a`},
		{"missing file", "", "", nil, "read job file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.toml")
			if tc.file != "" {
				path = writeFile(t, dir, tc.file, tc.text)
			}
			writeFile(t, dir, "bad-rules.toml", "[[site]]\ntitle = \"h1[\"\nhost = \"a\"\n")
			db := filepath.Join(dir, tc.name+".db")
			args := append([]string{"run", "--db", db}, tc.args...)
			_, errOut, code := pipeRun(t, ctx, append(args, path)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, errOut, tc.want)
			}
			if _, err := os.Stat(db); err == nil {
				t.Error("a refused job file created the archive")
			}
		})
	}
	_, errOut, code := pipeRun(t, ctx, "run")
	if code != exitUsage || !strings.Contains(errOut, "run needs one JOBFILE") {
		t.Errorf("no file: exit %d: %s", code, errOut)
	}
}

func TestRunCommand_Example(t *testing.T) {
	// The example job file, with its rules file, loads as annals run loads it.
	f, err := loadJobFile(filepath.Join("..", "..", "examples", "jobs.toml"))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := f.Job("tongliao")
	if j.Rules == nil || len(j.Rules.Sites) != 2 {
		t.Fatalf("tongliao rules: inline and file, got %+v", j.Rules)
	}
	if got := archivePath("", f); got != filepath.Join("..", "..", "examples", "annals.db") {
		t.Errorf("archive = %q", got)
	}
	if got := archivePath("x.db", f); got != "x.db" {
		t.Errorf("--db does not win: %q", got)
	}
	if archivePath("", nil) != defaultDB {
		t.Error("default archive")
	}
}
