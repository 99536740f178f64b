package job

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/crawler"
)

func TestParse_Examples(t *testing.T) {
	var settings [][]Settings
	for _, name := range []string{"jobs.toml", "jobs.yaml"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "examples", name)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Parse(data, path)
			if err != nil {
				t.Fatalf("the example job file no longer parses:\n%v", err)
			}
			if got, want := f.Names(), []string{"tongliao", "example-news", "gov-notices"}; !reflect.DeepEqual(got, want) {
				t.Fatalf("jobs = %v, want %v", got, want)
			}
			if want := filepath.Join("..", "examples", "annals.db"); f.Archive != want {
				t.Errorf("archive = %q, want %q", f.Archive, want)
			}
			tl, _ := f.Job("tongliao")
			if tl.Revisit != crawler.RevisitAging || tl.Depth != 6 || tl.MaxPages != 20000 || tl.Delay != time.Second {
				t.Errorf("tongliao = %+v", tl.Settings())
			}
			if want := filepath.Join("..", "examples", "rules.toml"); tl.RulesFile != want {
				t.Errorf("rules_file = %q, want %q", tl.RulesFile, want)
			}
			if tl.Rules == nil || len(tl.Rules.Sites) != 1 || tl.Rules.Sites[0].Title != "h1.article-title" {
				t.Errorf("inline rules = %+v", tl.Rules)
			}
			if tl.Zone == nil || tl.Zone.String() != "Asia/Shanghai" {
				t.Errorf("zone = %v", tl.Zone)
			}
			if len(tl.Allow) != 1 || !tl.Allow[0].MatchString("https://www.tongliao.gov.cn/a.html") {
				t.Errorf("allow = %v", tl.Allow)
			}
			// 0 */6 in Beijing: from 2024-01-01 05:00 UTC (13:00 in Beijing), next is 18:00 Beijing = 10:00 UTC.
			if got, want := tl.Next(time.Date(2024, 1, 1, 5, 0, 0, 0, time.UTC)), time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
				t.Errorf("next = %v, want %v", got, want)
			}
			news, _ := f.Job("example-news")
			if news.Delay != 5*time.Second || news.Parallel != 1 || news.Timeout != 30*time.Second || news.MaxBody != 10<<20 || news.Revisit != crawler.RevisitAll {
				t.Errorf("example-news = %+v", news.Settings())
			}
			gov, _ := f.Job("gov-notices")
			if want := filepath.Join("..", "examples", "warcs"); gov.WARCDir != want || gov.WARCSize != 500<<20 {
				t.Errorf("gov-notices WARC = %q %d, want %q 500MiB", gov.WARCDir, gov.WARCSize, want)
			}
			if gov.Scheduled() || !gov.Next(time.Now()).IsZero() {
				t.Errorf("gov-notices has a schedule: %q", gov.Schedule)
			}
			var s []Settings
			for _, j := range f.Jobs {
				st := j.Settings()
				st.File = ""
				s = append(s, st)
			}
			settings = append(settings, s)
		})
	}
	if len(settings) == 2 && !reflect.DeepEqual(settings[0], settings[1]) {
		t.Errorf("jobs.toml and jobs.yaml differ:\n%+v\n%+v", settings[0], settings[1])
	}
}

func TestParse_Defaults(t *testing.T) {
	f, err := Parse([]byte(`
[defaults]
delay = "250ms"
ignore_robots = true
deny = ['\.pdf$']
schedule = "@daily"
zone = "Asia/Taipei"

[[job]]
name = "a"
seeds = ["http://a.example/"]

[[job]]
name = "b"
seeds = ["http://b.example/"]
delay = 0
ignore_robots = false
deny = []
schedule = ""
max_body = 2048
warc_dir = "/srv/warcs/b"
warc_size = "500MiB"
`), "conf/jobs.toml")
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.Jobs[0], f.Jobs[1]
	d := crawler.DefaultConfig()
	if a.Delay != 250*time.Millisecond || !a.IgnoreRobots || len(a.Deny) != 1 || !a.Scheduled() || a.Zone.String() != "Asia/Taipei" {
		t.Errorf("a = %+v", a.Settings())
	}
	if a.Parallel != d.Parallel || a.Timeout != d.Timeout || a.Retries != d.Retries || a.MaxBody != d.MaxBody {
		t.Errorf("a lacks built-in defaults: %+v", a.Settings())
	}
	if b.Delay != 0 || b.IgnoreRobots || len(b.Deny) != 0 || b.Scheduled() || b.MaxBody != 2048 {
		t.Errorf("b did not override the defaults: %+v", b.Settings())
	}
	if a.WARCDir != "" || a.WARCSize != 0 {
		t.Errorf("a writes WARC files without being asked: %q %d", a.WARCDir, a.WARCSize)
	}
	if b.WARCDir != "/srv/warcs/b" || b.WARCSize != 500<<20 || b.Settings().WARCDir != b.WARCDir {
		t.Errorf("b's WARC settings: %q %d", b.WARCDir, b.WARCSize)
	}
	if a.Line != 9 || b.Line != 13 {
		t.Errorf("lines = %d, %d; want 9, 13", a.Line, b.Line)
	}
	cfg := b.Config(crawler.DefaultConfig())
	if cfg.Job != "b" || cfg.Seeds[0] != "http://b.example/" || cfg.Delay != 0 || cfg.MaxBody != 2048 {
		t.Errorf("config = %+v", cfg)
	}
	nop := crawler.HandlerFunc(func(context.Context, *crawler.Response) (crawler.Verdict, error) { return crawler.Verdict{}, nil })
	if _, err := crawler.New(b.Config(d), crawler.NewMemoryFrontier(), nop); err != nil {
		t.Errorf("the crawler refuses the job's config: %v", err)
	}
}

func TestParse_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, file, text string
		want             []string // each must appear in the error
	}{
		{"unknown key", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\ndelya = \"1s\"\n",
			[]string{`j.toml:4: unknown key "delya" in job`}},
		{"unknown top key", "j.toml", "jobs = 1\n", []string{`j.toml:1: unknown key "jobs"`}},
		{"unknown yaml key", "j.yaml", "job:\n  - name: a\n    seeds: [\"http://a.example/\"]\n    sedes: []\n",
			[]string{`j.yaml:4: unknown key "sedes"`}},
		{"empty warc_dir", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\nwarc_dir = \" \"\n",
			[]string{`j.toml:4: job "a": warc_dir is empty`}},
		{"bad warc_size", "j.yaml", "job:\n- name: a\n  seeds: [\"http://a.example/\"]\n  warc_size: 1KiB\n",
			[]string{`j.yaml:4: job "a": warc_size = 1KiB is below 1MiB`}},
		{"invalid cron", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\nschedule = \"0 */6 * *\"\n",
			[]string{`j.toml:4: job "a": invalid schedule "0 */6 * *"`}},
		{"bad cron zone", "j.yaml", "job:\n- name: a\n  seeds: [\"http://a.example/\"]\n  schedule: CRON_TZ=Mars/Base 0 * * * *\n",
			[]string{`j.yaml:4: job "a": invalid schedule`}},
		{"missing seeds", "j.toml", "[[job]]\nname = \"a\"\n\n[[job]]\nname = \"b\"\nseeds = [\"http://b.example/\"]\n",
			[]string{`j.toml:1: job "a" has no seeds`}},
		{"missing name", "j.yaml", "job:\n  - seeds: [\"http://a.example/\"]\n", []string{`j.yaml:2: job 1 has no name`}},
		{"bad seed", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"www.example.com\"]\n", []string{`j.toml:3: job "a": seed "www.example.com" is not an absolute http(s) URL`}},
		{"bad regex", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\n\n\nallow = ['(unclosed']\n",
			[]string{`j.toml:6: job "a": allow: bad regular expression "(unclosed": missing closing )`}},
		{"bad regex in defaults", "j.toml", "[defaults]\ndeny = ['[z-a]']\n[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\n",
			[]string{`j.toml:2: defaults: deny: bad regular expression`}},
		{"bad duration", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\ndelay = 5\n",
			[]string{`j.toml:4: job "a": delay: "5" is not a duration`}},
		{"negative duration", "j.yaml", "job:\n- name: a\n  seeds: [\"http://a.example/\"]\n  timeout: 0s\n",
			[]string{`j.yaml:4: job "a": timeout = 0s must be positive`}},
		{"bad size", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\nmax_body = \"ten megs\"\n",
			[]string{`j.toml:4: job "a": max_body: "ten megs" is not a size`}},
		{"bad zone", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\nzone = \"Asia/Peking\"\n",
			[]string{`j.toml:4: job "a": zone: unknown time zone "Asia/Peking"`}},
		{"bad revisit", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\nrevisit = \"sometimes\"\n",
			[]string{`j.toml:4: job "a": revisit = "sometimes"`}},
		{"bad parallel", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\nparallel = 0\n",
			[]string{`j.toml:4: job "a": parallel = 0 is below 1`}},
		{"duplicate name", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\n[[job]]\nname = \"a\"\nseeds = [\"http://b.example/\"]\n",
			[]string{`j.toml:5: job "a" is defined twice`}},
		{"bad name", "j.toml", "[[job]]\nname = \"a b\"\nseeds = [\"http://a.example/\"]\n", []string{`j.toml:2: job "a b": name "a b" holds ' '`}},
		{"bad inline rule selector", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\n[[job.rules]]\nhost = \"a.example\"\ntitle = \"h1[\"\n",
			[]string{`j.toml:4: job "a": rules: bad CSS selector "h1["`}},
		{"unknown inline rule key", "j.yaml", "job:\n- name: a\n  seeds: [\"http://a.example/\"]\n  rules:\n  - host: a.example\n    titel: h1\n",
			[]string{`j.yaml:4: job "a": rules: entry 1: unknown key "titel"`}},
		{"rule without host", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\n[[job.rules]]\ntitle = \"h1\"\n",
			[]string{`j.toml:4: job "a": rules: site 1 has no host`}},
		{"defaults with seeds", "j.toml", "[defaults]\nseeds = [\"http://a.example/\"]\n[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\n",
			[]string{`j.toml:2: defaults cannot set seeds`}},
		{"no jobs", "j.toml", "# nothing\n", []string{`j.toml: no jobs`}},
		{"toml syntax", "j.toml", "[[job]]\nname = \"a\n", []string{`j.toml:2:`}},
		{"yaml syntax", "j.yaml", "job:\n  - name: a\n    seeds: [x\n", []string{`j.yaml:2: did not find expected`}},
		{"wrong type", "j.yaml", "job:\n- name: a\n  seeds: [\"http://a.example/\"]\n  depth: deep\n", []string{`j.yaml:4: cannot unmarshal`}},
		{"unknown format", "j.json", "{}", []string{`j.json: unknown job file format`}},
		{"several problems", "j.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://a.example/\"]\ndelay = \"fast\"\nzone = \"Nowhere\"\n",
			[]string{`j.toml:4: job "a": delay`, `j.toml:5: job "a": zone`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.text), tc.file)
			if err == nil {
				t.Fatalf("no error; parsed %+v", f)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
		})
	}
}

func TestNew(t *testing.T) {
	j := New("", []string{"https://www.Example.com:443/a?utm_source=x", "https://www.example.com/b"})
	d := crawler.DefaultConfig()
	if j.Delay != d.Delay || j.Parallel != d.Parallel || j.Timeout != d.Timeout || j.Retries != d.Retries || j.MaxBody != d.MaxBody {
		t.Errorf("defaults = %+v", j.Settings())
	}
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(j.Name, "www.example.com-") || len(j.Name) != len("www.example.com-")+8 {
		t.Errorf("name = %q", j.Name)
	}
	// The same seeds in another order and spelling give the same name.
	if got := DeriveName([]string{"https://www.example.com/b", "https://WWW.EXAMPLE.COM/a"}); got != j.Name {
		t.Errorf("name %q, then %q", j.Name, got)
	}
	if got := DeriveName([]string{"https://www.example.com/c"}); got == j.Name {
		t.Errorf("other seeds, same name %q", got)
	}
	if got := DeriveName([]string{"http://127.0.0.1:8047/", "http://other.example/"}); !strings.HasPrefix(got, "127.0.0.1:8047+1-") {
		t.Errorf("name = %q", got)
	}
	bad := New("", nil)
	bad.Parallel, bad.Timeout = 0, 0
	err := bad.Validate()
	for _, w := range []string{"no seeds", "parallel 0", "timeout 0s"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v, want it to say %q", err, w)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"10485760", 10 << 20, true},
		{"10MiB", 10 << 20, true},
		{"512 KiB", 512 << 10, true},
		{"1MB", 1000000, true},
		{"1.5GiB", 3 << 29, true},
		{"ten", 0, false},
		{"-1", 0, false},
		{"", 0, false},
		{"99999999999999999999", 0, false},
	} {
		got, err := ParseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v", tc.in, got, err)
		}
	}
	if got := FormatSize(10 << 20); got != "10MiB" {
		t.Errorf("FormatSize = %q", got)
	}
}

func TestAddRules(t *testing.T) {
	f, err := Parse([]byte("job:\n- name: a\n  seeds: [\"http://a.example/\"]\n  rules:\n  - host: a.example\n    body: '#zoom'\n"), "j.yml")
	if err != nil {
		t.Fatal(err)
	}
	j := f.Jobs[0]
	more, err := inlineRules([]map[string]any{{"host": "b.example", "title": "h1"}})
	if err != nil {
		t.Fatal(err)
	}
	j.AddRules(more)
	if len(j.Rules.Sites) != 2 || j.Rules.Sites[0].Hosts[0] != "a.example" || j.Rules.Sites[1].Hosts[0] != "b.example" {
		t.Errorf("rules = %+v", j.Rules.Sites)
	}
	if got := j.Settings().RulesHosts; !reflect.DeepEqual(got, []string{"a.example", "b.example"}) {
		t.Errorf("rules hosts = %v", got)
	}
	opts := j.ExtractOptions()
	if opts.Rules != j.Rules {
		t.Error("extract options lack the rules")
	}
}

func TestParse_KeyCase(t *testing.T) {
	_, err := Parse([]byte("[[JoB]]\nnAme=\"0\"\nseeds=[\"http://0\"]"), "j.toml")
	if err == nil || !strings.Contains(err.Error(), `j.toml:1: unknown key "JoB": keys are lower case (job)`) {
		t.Errorf("err = %v", err)
	}
	_, err = Parse([]byte("[[job]]\nname=\"0\"\nSeeds=[\"http://0\"]"), "j.toml")
	if err == nil || !strings.Contains(err.Error(), `j.toml:3: unknown key "Seeds"`) {
		t.Errorf("err = %v", err)
	}
}
