package job

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"

	"github.com/annals/annals/crawler"
	"github.com/annals/annals/extract"
)

// File is a parsed job file.
type File struct {
	// Name is the file's name as given to Parse.
	Name string
	// Archive is the archive file the jobs crawl into, resolved against
	// the job file's directory; "" when the file does not say.
	Archive string
	// Jobs are the file's jobs, in order.
	Jobs []*Job
}

// Job returns the job called name.
func (f *File) Job(name string) (*Job, bool) {
	for _, j := range f.Jobs {
		if j.Name == name {
			return j, true
		}
	}
	return nil, false
}

// Names lists the jobs' names in order.
func (f *File) Names() []string {
	names := make([]string, len(f.Jobs))
	for i, j := range f.Jobs {
		names[i] = j.Name
	}
	return names
}

// The keys of a job (and of [defaults]), in the order the README lists them.
var jobKeys = []string{
	"name", "seeds", "allow", "deny", "depth", "max_pages", "delay", "parallel", "timeout",
	"retries", "max_body", "user_agent", "ignore_robots", "revisit", "rules_file", "rules",
	"zone", "schedule", "warc_dir", "warc_size",
}

// The keys of an inline rules entry: those of a rules file's [[site]].
var ruleKeys = []string{"host", "hosts", "title", "published", "byline", "body", "remove", "zone"}

// rawFile is the file as written, in TOML or YAML.
type rawFile struct {
	Archive  *string  `toml:"archive" yaml:"archive"`
	Defaults *rawJob  `toml:"defaults" yaml:"defaults"`
	Job      []rawJob `toml:"job" yaml:"job"`
}

// rawJob is a job (or the defaults) as written: nil and unset fields fall
// back to the defaults.
type rawJob struct {
	Name         *string          `toml:"name" yaml:"name"`
	Seeds        []string         `toml:"seeds" yaml:"seeds"`
	Allow        []string         `toml:"allow" yaml:"allow"`
	Deny         []string         `toml:"deny" yaml:"deny"`
	Depth        *int             `toml:"depth" yaml:"depth"`
	MaxPages     *int             `toml:"max_pages" yaml:"max_pages"`
	Delay        scalar           `toml:"delay" yaml:"delay"`
	Parallel     *int             `toml:"parallel" yaml:"parallel"`
	Timeout      scalar           `toml:"timeout" yaml:"timeout"`
	Retries      *int             `toml:"retries" yaml:"retries"`
	MaxBody      scalar           `toml:"max_body" yaml:"max_body"`
	UserAgent    *string          `toml:"user_agent" yaml:"user_agent"`
	IgnoreRobots *bool            `toml:"ignore_robots" yaml:"ignore_robots"`
	Revisit      *string          `toml:"revisit" yaml:"revisit"`
	RulesFile    *string          `toml:"rules_file" yaml:"rules_file"`
	Rules        []map[string]any `toml:"rules" yaml:"rules"`
	Zone         *string          `toml:"zone" yaml:"zone"`
	Schedule     *string          `toml:"schedule" yaml:"schedule"`
	WARCDir      *string          `toml:"warc_dir" yaml:"warc_dir"`
	WARCSize     scalar           `toml:"warc_size" yaml:"warc_size"`
}

// scalar keeps a value written as a string or a number ("1s", 10485760)
// as text, so that its own parser can judge it and say why.
type scalar struct {
	s   string
	set bool
}

// UnmarshalText implements encoding.TextUnmarshaler (TOML).
func (v *scalar) UnmarshalText(b []byte) error {
	v.s, v.set = string(b), true
	return nil
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (v *scalar) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected a single value, such as 1s or 10MiB", n.Line)
	}
	v.s, v.set = n.Value, true
	return nil
}

// Parse reads a job file: TOML (.toml) or YAML (.yaml, .yml), by the
// extension of filename. It checks everything it can without I/O and
// reports every problem, each as "file:line: reason". Relative rules_file
// and archive paths are resolved against filename's directory.
func Parse(data []byte, filename string) (*File, error) {
	var (
		raw   rawFile
		loc   locator
		early []problem
	)
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".toml":
		md, err := toml.Decode(string(data), &raw)
		if err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %s", filename, pe.Position.Line, strings.TrimPrefix(pe.Message, "toml: "))
			}
			return nil, fmt.Errorf("%s: %s", filename, strings.TrimPrefix(err.Error(), "toml: "))
		}
		tl := newTOMLLocator(data)
		loc = tl
		// Go on after these: the other problems are reported with them.
		for _, k := range md.Undecoded() {
			line := tl.anyKey(k[len(k)-1])
			early = append(early, problem{line, fmt.Errorf("%s:%d: %s", filename, line, unknownKey(k))})
		}
		// The decoder matches keys regardless of case; job files do not.
		for _, k := range md.Keys() {
			if bad := miscased(k); bad != "" {
				line := tl.anyKey(bad)
				early = append(early, problem{line, fmt.Errorf("%s:%d: unknown key %q: keys are lower case (%s)", filename, line, bad, strings.ToLower(bad))})
			}
		}
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&raw); err != nil && err.Error() != "EOF" {
			return nil, yamlError(filename, err)
		}
		var root yaml.Node
		_ = yaml.Unmarshal(data, &root)
		loc = yamlLocator{root: &root}
	default:
		return nil, fmt.Errorf("%s: unknown job file format: name the file .toml, .yaml or .yml", filename)
	}
	return build(&raw, filename, loc, early)
}

// unknownKey says what is wrong with an unknown TOML key.
func unknownKey(k toml.Key) string {
	switch {
	case len(k) == 1:
		return fmt.Sprintf("unknown key %q (known at the top: archive, defaults, job)", k[0])
	case len(k) == 2 && (k[0] == "job" || k[0] == "defaults"):
		return fmt.Sprintf("unknown key %q in %s (known: %s)", k[1], k[0], strings.Join(jobKeys, ", "))
	default:
		return fmt.Sprintf("unknown key %q", k.String())
	}
}

// miscased returns the first part of k that matches a known key only when
// case is ignored, or "".
func miscased(k toml.Key) string {
	known := []string{"archive", "defaults", "job"}
	for depth, part := range k {
		if depth == 1 && (k[0] == "job" || k[0] == "defaults") {
			known = jobKeys
		} else if depth > 1 {
			return ""
		}
		if !slices.Contains(known, part) && slices.ContainsFunc(known, func(w string) bool { return strings.EqualFold(w, part) }) {
			return part
		}
		if !slices.Contains(known, part) {
			return ""
		}
	}
	return ""
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)
var yamlField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// yamlError rewrites yaml's errors as "file:line: reason".
func yamlError(filename string, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return fmt.Errorf("%s:%s: %s", filename, m[1], m[2])
		}
		return fmt.Errorf("%s: %s", filename, msg)
	}
	var errs []error
	for _, e := range te.Errors {
		m := yamlLine.FindStringSubmatch(e)
		if m == nil {
			errs = append(errs, fmt.Errorf("%s: %s", filename, e))
			continue
		}
		msg := m[2]
		if f := yamlField.FindStringSubmatch(msg); f != nil {
			msg = fmt.Sprintf("unknown key %q (known in a job: %s; at the top: archive, defaults, job)", f[1], strings.Join(jobKeys, ", "))
		}
		msg = strings.ReplaceAll(msg, "job.scalar", "a value")
		errs = append(errs, fmt.Errorf("%s:%s: %s", filename, m[1], msg))
	}
	return errors.Join(errs...)
}

// problems collects "file:line: reason" errors, with their lines.
type problems struct {
	file string
	list []problem
	seen map[string]bool
}

// problem is one error and the line it names (0: none).
type problem struct {
	line int
	err  error
}

func (p *problems) add(line int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	key := fmt.Sprint(line, msg)
	if p.seen[key] {
		return // a bad default is reported once, not once per job
	}
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	p.seen[key] = true
	err := fmt.Errorf("%s: %s", p.file, msg)
	if line > 0 {
		err = fmt.Errorf("%s:%d: %s", p.file, line, msg)
	}
	p.list = append(p.list, problem{line, err})
}

// build turns the raw file into jobs, defaults applied, and checks them.
func build(raw *rawFile, filename string, loc locator, early []problem) (*File, error) {
	p := &problems{file: filename, list: early}
	dir := filepath.Dir(filename)
	f := &File{Name: filename}
	if raw.Archive != nil {
		if strings.TrimSpace(*raw.Archive) == "" {
			p.add(loc.top("archive"), "archive is empty: name the archive file, e.g. archive = \"annals.db\"")
		} else {
			f.Archive = resolve(dir, *raw.Archive)
		}
	}
	def := rawJob{}
	if raw.Defaults != nil {
		def = *raw.Defaults
		if def.Name != nil {
			p.add(loc.key(-1, "name"), "defaults cannot set name: each job names itself")
		}
		if def.Seeds != nil {
			p.add(loc.key(-1, "seeds"), "defaults cannot set seeds: each job has its own")
		}
	}
	if len(raw.Job) == 0 {
		p.add(0, "no jobs: add a job, e.g.\n\n[[job]]\nname = \"example\"\nseeds = [\"https://www.example.gov.cn/\"]")
		return nil, p.join(false)
	}
	seen := map[string]int{}
	for i := range raw.Job {
		j := buildJob(p, loc, i, &raw.Job[i], &def, dir)
		j.File = filename
		j.Line = loc.job(i)
		if j.Name != "" {
			if first, dup := seen[j.Name]; dup {
				p.add(loc.key(i, "name"), "job %q is defined twice (first as job %d): job names must be unique", j.Name, first+1)
			}
			seen[j.Name] = i
		}
		f.Jobs = append(f.Jobs, j)
	}
	if len(p.list) > 0 {
		return nil, p.join(true)
	}
	return f, nil
}

// join returns the problems as one error, in the order of their lines
// when sorted, else in the order they were found.
func (p *problems) join(sorted bool) error {
	if sorted {
		slices.SortStableFunc(p.list, func(a, b problem) int { return a.line - b.line })
	}
	errs := make([]error, len(p.list))
	for i, pr := range p.list {
		errs[i] = pr.err
	}
	return errors.Join(errs...)
}

// buildJob applies the defaults to job i and checks each setting.
func buildJob(p *problems, loc locator, i int, rj, def *rawJob, dir string) *Job {
	j := New("", nil)
	j.Name = ""
	label := fmt.Sprintf("job %d", i+1)
	if rj.Name != nil {
		j.Name = strings.TrimSpace(*rj.Name)
		label = fmt.Sprintf("job %q", j.Name)
		if err := checkName(j.Name); err != nil {
			p.add(loc.key(i, "name"), "%s: %v", label, err)
		}
	} else {
		p.add(loc.job(i), "%s has no name: add name = \"...\" (it names the job's frontier, lock and runs)", label)
	}
	// who names where a setting comes from: the job, or the defaults.
	who := func(inJob bool) string {
		if inJob {
			return label
		}
		return "defaults"
	}
	// at says where key is set: in the job, or in the defaults.
	at := func(key string, inJob bool) int {
		if inJob {
			return loc.key(i, key)
		}
		return loc.key(-1, key)
	}
	if len(rj.Seeds) == 0 {
		p.add(loc.job(i), "%s has no seeds: add seeds = [\"https://www.example.gov.cn/\"]", label)
	}
	for _, s := range rj.Seeds {
		if err := checkSeed(s); err != nil {
			p.add(loc.key(i, "seeds"), "%s: %v", label, err)
		}
	}
	j.Seeds = slices.Clone(rj.Seeds)

	patterns := func(key string, own, fallback []string) []*regexp.Regexp {
		list, inJob := own, own != nil
		if !inJob {
			list = fallback
		}
		var out []*regexp.Regexp
		for _, s := range list {
			r, err := ParsePattern(s)
			if err != nil {
				p.add(at(key, inJob), "%s: %s: %v", who(inJob), key, err)
				continue
			}
			out = append(out, r)
		}
		return out
	}
	j.Allow = patterns("allow", rj.Allow, def.Allow)
	j.Deny = patterns("deny", rj.Deny, def.Deny)

	ints := []struct {
		key       string
		own, dflt *int
		dst       *int
		min       int
		hint      string
	}{
		{"depth", rj.Depth, def.Depth, &j.Depth, 0, "0 means no bound"},
		{"max_pages", rj.MaxPages, def.MaxPages, &j.MaxPages, 0, "0 means no bound"},
		{"parallel", rj.Parallel, def.Parallel, &j.Parallel, 1, "at least 1 request per host"},
		{"retries", rj.Retries, def.Retries, &j.Retries, 0, "0 means no retries"},
	}
	for _, n := range ints {
		v, inJob := n.own, n.own != nil
		if !inJob {
			v = n.dflt
		}
		if v == nil {
			continue
		}
		if *v < n.min {
			p.add(at(n.key, inJob), "%s: %s = %d is below %d (%s)", who(inJob), n.key, *v, n.min, n.hint)
			continue
		}
		*n.dst = *v
	}

	for _, d := range []struct {
		key       string
		own, dflt scalar
		dst       *int64
		positive  bool
	}{
		{"delay", rj.Delay, def.Delay, (*int64)(&j.Delay), false},
		{"timeout", rj.Timeout, def.Timeout, (*int64)(&j.Timeout), true},
	} {
		v, inJob := d.own, d.own.set
		if !inJob {
			v = d.dflt
		}
		if !v.set {
			continue
		}
		dur, err := ParseDuration(v.s)
		switch {
		case err != nil:
			p.add(at(d.key, inJob), "%s: %s: %v", who(inJob), d.key, err)
		case dur < 0 || (d.positive && dur == 0):
			p.add(at(d.key, inJob), "%s: %s = %s must be positive", who(inJob), d.key, v.s)
		default:
			*d.dst = int64(dur)
		}
	}

	if v, inJob := pick(rj.MaxBody, def.MaxBody); v.set {
		n, err := ParseSize(v.s)
		switch {
		case err != nil:
			p.add(at("max_body", inJob), "%s: max_body: %v", who(inJob), err)
		case n <= 0:
			p.add(at("max_body", inJob), "%s: max_body must be positive", who(inJob))
		default:
			j.MaxBody = n
		}
	}
	if v, inJob := pickPtr(rj.UserAgent, def.UserAgent); v != nil {
		if strings.ContainsAny(*v, "\r\n") {
			p.add(at("user_agent", inJob), "%s: user_agent holds a line break", who(inJob))
		}
		j.UserAgent = strings.TrimSpace(*v)
	}
	if v, _ := pickPtr(rj.IgnoreRobots, def.IgnoreRobots); v != nil {
		j.IgnoreRobots = *v
	}
	if v, inJob := pickPtr(rj.Revisit, def.Revisit); v != nil {
		r, err := crawler.ParseRevisitPolicy(strings.TrimSpace(*v))
		if err != nil {
			p.add(at("revisit", inJob), "%s: revisit = %q: use \"all\" (every known page, every run) or \"aging\" (articles less often as they age)", who(inJob), *v)
		} else {
			j.Revisit = r
		}
	}
	if v, inJob := pickPtr(rj.RulesFile, def.RulesFile); v != nil {
		if strings.TrimSpace(*v) == "" {
			p.add(at("rules_file", inJob), "%s: rules_file is empty", who(inJob))
		} else {
			j.RulesFile = resolve(dir, *v)
		}
	}
	rules, inJob := rj.Rules, rj.Rules != nil
	if !inJob {
		rules = def.Rules
	}
	if len(rules) > 0 {
		r, err := inlineRules(rules)
		if err != nil {
			p.add(at("rules", inJob), "%s: rules: %v", who(inJob), err)
		} else {
			j.Rules = r
		}
	}
	if v, inJob := pickPtr(rj.Zone, def.Zone); v != nil {
		z, err := ParseZone(*v)
		if err != nil {
			p.add(at("zone", inJob), "%s: zone: %v", who(inJob), err)
		} else {
			j.Zone = z
		}
	}
	if v, inJob := pickPtr(rj.WARCDir, def.WARCDir); v != nil {
		if strings.TrimSpace(*v) == "" {
			p.add(at("warc_dir", inJob), "%s: warc_dir is empty: name a directory, or leave warc_dir out", who(inJob))
		} else {
			j.WARCDir = resolve(dir, *v)
		}
	}
	if v, inJob := pick(rj.WARCSize, def.WARCSize); v.set {
		n, err := ParseSize(v.s)
		switch {
		case err != nil:
			p.add(at("warc_size", inJob), "%s: warc_size: %v", who(inJob), err)
		case n < 1<<20:
			p.add(at("warc_size", inJob), "%s: warc_size = %s is below 1MiB: WARC files that small would be too many", who(inJob), v.s)
		default:
			j.WARCSize = n
		}
	}
	if v, inJob := pickPtr(rj.Schedule, def.Schedule); v != nil {
		if err := j.SetSchedule(*v); err != nil {
			p.add(at("schedule", inJob), "%s: %v", who(inJob), err)
		}
	}
	return j
}

// pick returns the job's value when set, else the default's; inJob tells
// which.
func pick(own, dflt scalar) (scalar, bool) {
	if own.set {
		return own, true
	}
	return dflt, false
}

func pickPtr[T any](own, dflt *T) (*T, bool) {
	if own != nil {
		return own, true
	}
	return dflt, false
}

// resolve makes a relative path relative to dir.
func resolve(dir, path string) string {
	path = strings.TrimSpace(path)
	if filepath.IsAbs(path) || dir == "" || dir == "." {
		return path
	}
	return filepath.Join(dir, path)
}

// inlineRulesName is the name ParseRules is given for inline rules; its
// errors are rewritten to point at the job file.
const inlineRulesName = "inline-rules.yaml"

var inlinePrefix = regexp.MustCompile(`^` + regexp.QuoteMeta(inlineRulesName) + `(:\d+)?: `)

// inlineRules checks inline rules entries and compiles them as a rules
// file's [[site]] entries.
func inlineRules(entries []map[string]any) (*extract.Rules, error) {
	for n, e := range entries {
		for k := range e {
			if !slices.Contains(ruleKeys, k) {
				return nil, fmt.Errorf("entry %d: unknown key %q (known: %s)", n+1, k, strings.Join(ruleKeys, ", "))
			}
		}
	}
	data, err := yaml.Marshal(map[string]any{"site": entries})
	if err != nil {
		return nil, fmt.Errorf("read inline rules: %w", err)
	}
	r, err := extract.ParseRules(data, inlineRulesName)
	if err != nil {
		return nil, errors.New(inlinePrefix.ReplaceAllString(err.Error(), ""))
	}
	return r, nil
}

// locator finds the lines where things are written in a job file, for
// error messages; 0 when it cannot tell.
type locator interface {
	job(i int) int             // where job i starts
	key(i int, key string) int // where job i (-1: the defaults) sets key
	top(key string) int        // where a top-level key is set
}

// tomlLocator reads line numbers from TOML text: a job's own keys sit
// between its [[job]] header and the next header.
type tomlLocator struct {
	lines   []string
	headers []tomlHeader
}

type tomlHeader struct {
	line  int // 1-based
	name  string
	array bool
}

var tomlHeaderRE = regexp.MustCompile(`^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$`)

func newTOMLLocator(data []byte) *tomlLocator {
	l := &tomlLocator{lines: strings.Split(string(data), "\n")}
	for n, line := range l.lines {
		if m := tomlHeaderRE.FindStringSubmatch(line); m != nil {
			name := strings.ReplaceAll(strings.ReplaceAll(m[2], `"`, ""), " ", "")
			l.headers = append(l.headers, tomlHeader{line: n + 1, name: name, array: m[1] == "[["})
		}
	}
	return l
}

// section returns the lines [from, to) of job i's own keys, or of the
// defaults for i = -1, or of the top level for i = -2.
func (l *tomlLocator) section(i int) (from, to int) {
	if i == -2 {
		if len(l.headers) > 0 {
			return 1, l.headers[0].line
		}
		return 1, len(l.lines) + 1
	}
	n := -1
	for h, hd := range l.headers {
		match := (i == -1 && !hd.array && hd.name == "defaults") || (i >= 0 && hd.array && hd.name == "job")
		if !match {
			continue
		}
		n++
		if i == -1 || n == i {
			to = len(l.lines) + 1
			if h+1 < len(l.headers) {
				to = l.headers[h+1].line
			}
			return hd.line, to
		}
	}
	return 0, 0
}

func (l *tomlLocator) job(i int) int {
	from, _ := l.section(i)
	return from
}

func (l *tomlLocator) key(i int, key string) int {
	from, to := l.section(i)
	if from == 0 {
		return 0
	}
	if n := l.find(key, from, to); n > 0 {
		return n
	}
	// Inline rules written as [[job.rules]] tables after the job's keys.
	if key == "rules" {
		want := "job.rules"
		if i == -1 {
			want = "defaults.rules"
		}
		for _, hd := range l.headers {
			if hd.line > from && hd.name == want {
				return hd.line
			}
		}
	}
	return from
}

func (l *tomlLocator) top(key string) int {
	from, to := l.section(-2)
	return l.find(key, from, to)
}

// anyKey returns the first line that sets key, or a header naming it.
func (l *tomlLocator) anyKey(key string) int {
	if n := l.find(key, 1, len(l.lines)+1); n > 0 {
		return n
	}
	for _, hd := range l.headers {
		if hd.name == key || strings.HasSuffix(hd.name, "."+key) {
			return hd.line
		}
	}
	return 0
}

// find returns the first line in [from, to) that sets key.
func (l *tomlLocator) find(key string, from, to int) int {
	re := regexp.MustCompile(`^\s*("` + regexp.QuoteMeta(key) + `"|'` + regexp.QuoteMeta(key) + `'|` + regexp.QuoteMeta(key) + `)\s*=`)
	for n := max(from, 1); n < to && n <= len(l.lines); n++ {
		if re.MatchString(l.lines[n-1]) {
			return n
		}
	}
	return 0
}

// yamlLocator reads line numbers from the YAML node tree.
type yamlLocator struct{ root *yaml.Node }

func (l yamlLocator) mapping() *yaml.Node {
	n := l.root
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	return n
}

// get returns the key and value nodes of key in mapping m.
func get(m *yaml.Node, key string) (k, v *yaml.Node) {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func (l yamlLocator) entry(i int) *yaml.Node {
	if i == -1 {
		_, v := get(l.mapping(), "defaults")
		return v
	}
	_, seq := get(l.mapping(), "job")
	if seq == nil || seq.Kind != yaml.SequenceNode || i >= len(seq.Content) {
		return nil
	}
	return seq.Content[i]
}

func (l yamlLocator) job(i int) int {
	if e := l.entry(i); e != nil {
		return e.Line
	}
	return 0
}

func (l yamlLocator) key(i int, key string) int {
	e := l.entry(i)
	if e == nil {
		return 0
	}
	if k, _ := get(e, key); k != nil {
		return k.Line
	}
	return e.Line
}

func (l yamlLocator) top(key string) int {
	if k, _ := get(l.mapping(), key); k != nil {
		return k.Line
	}
	return 0
}
