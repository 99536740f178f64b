package job

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // zones named in job files work on machines without a zone database
	"unicode"

	"github.com/dustin/go-humanize"
	"github.com/robfig/cron/v3"

	"github.com/annals/annals/crawler"
	"github.com/annals/annals/extract"
)

// Job is one crawl job: what to fetch, how politely, how to read it, and
// when. Build it with New (from command-line flags) or Parse (from a job
// file); both fill every setting, defaults included.
type Job struct {
	// Name names the job's frontier, its lock and its runs in the archive:
	// runs of the same name resume and revisit what earlier runs found.
	Name string
	// File and Line say where the job was defined (empty for New).
	File string
	Line int

	Seeds       []string
	Allow, Deny []*regexp.Regexp
	Depth       int // links followed from a seed; 0: no bound
	MaxPages    int // URLs fetched per run; 0: no bound

	Delay        time.Duration // between the starts of two requests to one host
	Parallel     int           // requests in flight per host
	Timeout      time.Duration // per request
	Retries      int
	MaxBody      int64  // bytes kept of one response
	UserAgent    string // "" for annals' own
	IgnoreRobots bool
	Revisit      crawler.RevisitPolicy

	// RulesFile is the per-site extraction rules file the job names,
	// resolved against the job file's directory; the caller reads it and
	// adds it with AddRules. Rules are the job's rules: inline ones first,
	// then the file's.
	RulesFile string
	Rules     *extract.Rules
	// Zone is the time zone of the job's sites, for pages that state a
	// time without one; nil: extract's default (China Standard Time for
	// Chinese pages).
	Zone *time.Location

	// WARCDir, when set, is the directory the job's runs also write every
	// capture to as WARC files (resolved against the job file's
	// directory; created when missing), beside the archive. WARCSize is
	// the size at which a file is closed and the next begun (0: the
	// default of 1 GiB).
	WARCDir  string
	WARCSize int64

	// Schedule is the cron expression as written ("" when the job runs
	// only when asked, by annals run).
	Schedule string
	schedule cron.Schedule
}

// New returns a job with the default settings (those of
// crawler.DefaultConfig) for seeds. An empty name is derived from the
// seeds (see DeriveName). Change what you need, then call Validate.
func New(name string, seeds []string) *Job {
	d := crawler.DefaultConfig()
	if name == "" {
		name = DeriveName(seeds)
	}
	return &Job{
		Name:     name,
		Seeds:    slices.Clone(seeds),
		Depth:    d.Depth,
		MaxPages: d.MaxPages,
		Delay:    d.Delay,
		Parallel: d.Parallel,
		Timeout:  d.Timeout,
		Retries:  d.Retries,
		MaxBody:  d.MaxBody,
		Revisit:  d.Revisit,
	}
}

// DeriveName names a job after its seeds, stably: the first seed's host
// (with its port), "+N" for N more hosts, and eight hex digits of a hash
// of the canonical seeds in sorted order. The same seeds, in any order,
// give the same name, so re-running the same crawl command resumes and
// revisits the same frontier.
func DeriveName(seeds []string) string {
	canon := make([]string, 0, len(seeds))
	var hosts []string
	for _, s := range seeds {
		c, err := crawler.Canonicalize(s)
		if err != nil {
			c = strings.TrimSpace(s)
		}
		canon = append(canon, c)
		if u, err := url.Parse(c); err == nil && u.Host != "" && !slices.Contains(hosts, u.Host) {
			hosts = append(hosts, u.Host)
		}
	}
	slices.Sort(canon)
	canon = slices.Compact(canon)
	sum := sha256.Sum256([]byte(strings.Join(canon, "\n")))
	name := "crawl"
	if len(hosts) > 0 {
		name = hosts[0]
		if len(hosts) > 1 {
			name += fmt.Sprintf("+%d", len(hosts)-1)
		}
	}
	return name + "-" + hex.EncodeToString(sum[:4])
}

// Validate checks the job's settings and says what is wrong with each.
func (j *Job) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if err := checkName(j.Name); err != nil {
		bad("%v", err)
	}
	if len(j.Seeds) == 0 {
		bad("no seeds: give at least one URL to start from")
	}
	for _, s := range j.Seeds {
		if err := checkSeed(s); err != nil {
			bad("%v", err)
		}
	}
	if j.Depth < 0 {
		bad("depth %d is negative (0 means no bound)", j.Depth)
	}
	if j.MaxPages < 0 {
		bad("max_pages %d is negative (0 means no bound)", j.MaxPages)
	}
	if j.Delay < 0 {
		bad("delay %v is negative", j.Delay)
	}
	if j.Parallel < 1 {
		bad("parallel %d: at least 1 request per host is needed", j.Parallel)
	}
	if j.Timeout <= 0 {
		bad("timeout %v must be positive", j.Timeout)
	}
	if j.Retries < 0 {
		bad("retries %d is negative", j.Retries)
	}
	if j.MaxBody <= 0 {
		bad("max_body %d must be positive", j.MaxBody)
	}
	if strings.ContainsAny(j.UserAgent, "\r\n") {
		bad("user_agent holds a line break")
	}
	if j.Revisit != crawler.RevisitAll && j.Revisit != crawler.RevisitAging {
		bad("unknown revisit policy %v", j.Revisit)
	}
	return errors.Join(errs...)
}

// checkName accepts names of letters (any script), digits, and . _ - +.
func checkName(name string) error {
	if name == "" {
		return errors.New("no name: name the job (it names the job's frontier, lock and runs)")
	}
	if len(name) > 100 {
		return fmt.Errorf("name %q is longer than 100 bytes", name)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._-+:", r) {
			return fmt.Errorf("name %q holds %q: use letters, digits and . _ - + : only", name, r)
		}
	}
	return nil
}

// checkSeed accepts absolute http and https URLs.
func checkSeed(s string) error {
	if _, err := crawler.Canonicalize(s); err != nil {
		return fmt.Errorf("seed %q is not an absolute http(s) URL (write it like https://www.example.gov.cn/): %v", s, err)
	}
	return nil
}

// Config returns base with the job's settings: its name, seeds, scope,
// bounds and politeness. Base carries what jobs do not set (the logger,
// progress, version, workers).
func (j *Job) Config(base crawler.Config) crawler.Config {
	c := base
	c.Job = j.Name
	c.Seeds = slices.Clone(j.Seeds)
	c.Allow, c.Deny = slices.Clone(j.Allow), slices.Clone(j.Deny)
	c.Depth, c.MaxPages = j.Depth, j.MaxPages
	c.Delay, c.Parallel, c.Timeout, c.Retries = j.Delay, j.Parallel, j.Timeout, j.Retries
	c.MaxBody = j.MaxBody
	if j.UserAgent != "" {
		c.UserAgent = j.UserAgent
	}
	c.IgnoreRobots = j.IgnoreRobots
	c.Revisit = j.Revisit
	return c
}

// ExtractOptions returns the options of the job's extractor: its rules and
// its sites' time zone.
func (j *Job) ExtractOptions() extract.Options {
	return extract.Options{Rules: j.Rules, DefaultZone: j.Zone}
}

// AddRules adds the sites of a rules file after the job's own.
func (j *Job) AddRules(r *extract.Rules) {
	if r == nil || len(r.Sites) == 0 {
		return
	}
	all := &extract.Rules{}
	if j.Rules != nil {
		all.Sites = append(all.Sites, j.Rules.Sites...)
	}
	all.Sites = append(all.Sites, r.Sites...)
	j.Rules = all
}

// SetSchedule parses a cron expression (five fields, or a descriptor such
// as @daily or @every 6h), optionally preceded by CRON_TZ=Zone; "" clears
// the schedule.
func (j *Job) SetSchedule(spec string) error {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		j.Schedule, j.schedule = "", nil
		return nil
	}
	s, err := ParseSchedule(spec)
	if err != nil {
		return err
	}
	j.Schedule, j.schedule = spec, s
	return nil
}

// ParseSchedule reads a cron expression as job files write it.
func ParseSchedule(spec string) (s cron.Schedule, err error) {
	const hint = `write five fields: minute hour day-of-month month day-of-week, e.g. "CRON_TZ=Asia/Shanghai 0 */6 * * *", or @hourly, @daily, @every 6h`
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		// The cron library panics on a zone with nothing after it.
		if !strings.ContainsAny(spec, " \t") {
			return nil, fmt.Errorf("invalid schedule %q: the time zone is not followed by a schedule (%s)", spec, hint)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid schedule %q (%s)", spec, hint)
		}
	}()
	s, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid schedule %q: %v (%s)", spec, err, hint)
	}
	return s, nil
}

// Scheduled reports whether the job has a schedule.
func (j *Job) Scheduled() bool { return j.schedule != nil }

// Next returns the first time after t the job's schedule fires; the zero
// time when it has none.
func (j *Job) Next(t time.Time) time.Time {
	if j.schedule == nil {
		return time.Time{}
	}
	return j.schedule.Next(t)
}

// Settings are a job's settings as plain values, for citing a run (they
// are stored with it) and for printing.
type Settings struct {
	Job          string   `json:"job"`
	Seeds        []string `json:"seeds"`
	Allow        []string `json:"allow,omitempty"`
	Deny         []string `json:"deny,omitempty"`
	Depth        int      `json:"depth"`
	MaxPages     int      `json:"max_pages"`
	Delay        string   `json:"delay"`
	Parallel     int      `json:"parallel"`
	Timeout      string   `json:"timeout"`
	Retries      int      `json:"retries"`
	MaxBody      int64    `json:"max_body"`
	UserAgent    string   `json:"user_agent,omitempty"`
	IgnoreRobots bool     `json:"ignore_robots"`
	Revisit      string   `json:"revisit"`
	RulesFile    string   `json:"rules_file,omitempty"`
	RulesHosts   []string `json:"rules_hosts,omitempty"`
	Zone         string   `json:"zone,omitempty"`
	Schedule     string   `json:"schedule,omitempty"`
	File         string   `json:"job_file,omitempty"`
	WARCDir      string   `json:"warc_dir,omitempty"`
	WARCSize     int64    `json:"warc_size,omitempty"`
}

// Settings returns the job's settings as plain values.
func (j *Job) Settings() Settings {
	s := Settings{
		Job: j.Name, Seeds: slices.Clone(j.Seeds), Depth: j.Depth, MaxPages: j.MaxPages,
		Delay: j.Delay.String(), Parallel: j.Parallel, Timeout: j.Timeout.String(), Retries: j.Retries,
		MaxBody: j.MaxBody, UserAgent: j.UserAgent, IgnoreRobots: j.IgnoreRobots, Revisit: j.Revisit.String(),
		RulesFile: j.RulesFile, Schedule: j.Schedule, File: j.File, WARCDir: j.WARCDir, WARCSize: j.WARCSize,
	}
	for _, r := range j.Allow {
		s.Allow = append(s.Allow, r.String())
	}
	for _, r := range j.Deny {
		s.Deny = append(s.Deny, r.String())
	}
	if j.Rules != nil {
		for _, site := range j.Rules.Sites {
			s.RulesHosts = append(s.RulesHosts, site.Hosts...)
		}
	}
	if j.Zone != nil {
		s.Zone = j.Zone.String()
	}
	return s
}

// ParseSize reads a byte size: a number of bytes ("10485760") or a number
// with a unit ("10MiB", "512 KiB", "1.5GB"; KiB, MiB, GiB are powers of
// 1024; KB, MB, GB, and K, M, G, powers of 1000).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	n, err := humanize.ParseBytes(s)
	if err != nil || n > 1<<50 {
		return 0, fmt.Errorf("%q is not a size: write bytes (10485760) or a number with a unit (10MiB, 512KiB)", s)
	}
	return int64(n), nil
}

// FormatSize writes a byte size the way ParseSize reads it.
func FormatSize(n int64) string {
	if n < 0 {
		return fmt.Sprint(n)
	}
	return strings.ReplaceAll(humanize.IBytes(uint64(n)), " ", "")
}

// ParseDuration reads a duration with its unit ("1s", "500ms", "2m30s");
// a bare 0 is zero.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write a number with a unit, e.g. 1s, 500ms, 2m", s)
	}
	return d, nil
}

// ParseZone reads an IANA time zone name.
func ParseZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "Local" {
		return nil, fmt.Errorf("%q is not a time zone: use an IANA name such as Asia/Shanghai", s)
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use an IANA name such as Asia/Shanghai or Europe/Berlin", s)
	}
	return loc, nil
}

// ParsePattern compiles an allow or deny regular expression.
func ParsePattern(s string) (*regexp.Regexp, error) {
	r, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %v", s, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
	}
	return r, nil
}
