package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // zones named in rules files work on machines without a zone database

	"github.com/BurntSushi/toml"
	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"
)

// Rules are per-site selectors, tried before the generic method for the
// portals a user knows well. A site's missing selector falls back to the
// generic method for that field.
type Rules struct {
	Sites []*Site
}

// Site is the rules for one or more hosts.
type Site struct {
	// Hosts are host names; "*.example.com" matches example.com and every
	// subdomain.
	Hosts []string
	// Selectors (CSS) for the fields; empty means generic.
	Title, Published, Byline, Body string
	// Remove lists selectors of elements dropped before extraction.
	Remove []string
	// Zone is the IANA zone of times the site states without one.
	Zone string

	title, published, byline, body cascadia.Sel
	remove                         []cascadia.Sel
	loc                            *time.Location
}

// siteFile is the file form of a rules file, in TOML or YAML:
//
//	[[site]]
//	hosts = ["www.example.gov.cn"]
//	title = "h1.title"
//	published = ".pubtime"
//	byline = ".author"
//	body = "#zoom"
//	remove = [".share", ".related"]
//	zone = "Asia/Shanghai"
type siteFile struct {
	Site []struct {
		Host      string   `toml:"host" yaml:"host"`
		Hosts     []string `toml:"hosts" yaml:"hosts"`
		Title     string   `toml:"title" yaml:"title"`
		Published string   `toml:"published" yaml:"published"`
		Byline    string   `toml:"byline" yaml:"byline"`
		Body      string   `toml:"body" yaml:"body"`
		Remove    []string `toml:"remove" yaml:"remove"`
		Zone      string   `toml:"zone" yaml:"zone"`
	} `toml:"site" yaml:"site"`
}

var reYAMLField = regexp.MustCompile(`field (\S+) not found in type .*`)

// ParseRules reads a rules file, TOML (.toml) or YAML (.yaml, .yml) by the
// file name's extension. Errors name the file, the line and the reason.
func ParseRules(data []byte, filename string) (*Rules, error) {
	var f siteFile
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".toml":
		md, err := toml.Decode(string(data), &f)
		if err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %s", filename, pe.Position.Line, pe.Message)
			}
			return nil, fmt.Errorf("%s: %w", filename, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			k := und[0].String()
			last := und[0][len(und[0])-1]
			return nil, fmt.Errorf("%s:%d: unknown key %q (known: host, hosts, title, published, byline, body, remove, zone)", filename, lineOf(data, last), k)
		}
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			var te *yaml.TypeError
			if errors.As(err, &te) && len(te.Errors) > 0 {
				msg := reYAMLField.ReplaceAllString(te.Errors[0], `unknown key "$1" (known: host, hosts, title, published, byline, body, remove, zone)`)
				return nil, fmt.Errorf("%s: %s", filename, msg)
			}
			return nil, fmt.Errorf("%s: %s", filename, strings.TrimPrefix(err.Error(), "yaml: "))
		}
	default:
		return nil, fmt.Errorf("%s: unknown rules format: name the file .toml, .yaml or .yml", filename)
	}
	r := &Rules{}
	for i, s := range f.Site {
		site := &Site{Title: s.Title, Published: s.Published, Byline: s.Byline, Body: s.Body, Remove: s.Remove, Zone: s.Zone}
		if s.Host != "" {
			site.Hosts = append(site.Hosts, s.Host)
		}
		site.Hosts = append(site.Hosts, s.Hosts...)
		if len(site.Hosts) == 0 {
			return nil, fmt.Errorf("%s:%d: site %d has no host: add host = \"www.example.com\"", filename, siteLine(data, i), i+1)
		}
		for _, h := range site.Hosts {
			if h == "" || strings.ContainsAny(h, "/: ") {
				return nil, fmt.Errorf("%s:%d: %q is not a host name (write www.example.com, without scheme or path)", filename, lineOf(data, h), h)
			}
		}
		for _, sel := range []struct {
			v   string
			dst *cascadia.Sel
		}{{s.Title, &site.title}, {s.Published, &site.published}, {s.Byline, &site.byline}, {s.Body, &site.body}} {
			if sel.v == "" {
				continue
			}
			c, err := cascadia.Parse(sel.v)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad CSS selector %q: %v", filename, lineOf(data, sel.v), sel.v, err)
			}
			*sel.dst = c
		}
		for _, v := range s.Remove {
			c, err := cascadia.Parse(v)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad CSS selector %q: %v", filename, lineOf(data, v), v, err)
			}
			site.remove = append(site.remove, c)
		}
		if s.Zone != "" {
			loc, err := time.LoadLocation(s.Zone)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: unknown time zone %q (use an IANA name such as Asia/Shanghai)", filename, lineOf(data, s.Zone), s.Zone)
			}
			site.loc = loc
		}
		r.Sites = append(r.Sites, site)
	}
	return r, nil
}

// lineOf returns the first line of data that holds s, or 0.
func lineOf(data []byte, s string) int {
	if s == "" {
		return 0
	}
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// siteLine returns the line where the n-th site entry starts, or 0.
func siteLine(data []byte, n int) int {
	lines := bytes.Split(data, []byte("\n"))
	seen := -1
	for i, l := range lines {
		t := bytes.TrimSpace(l)
		if bytes.HasPrefix(t, []byte("[[site]]")) || bytes.HasPrefix(t, []byte("- ")) {
			seen++
			if seen == n {
				return i + 1
			}
		}
	}
	return 0
}

// match returns the rules for host, or nil.
func (r *Rules) match(host string) *Site {
	if r == nil {
		return nil
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, s := range r.Sites {
		for _, h := range s.Hosts {
			h = strings.ToLower(h)
			if h == host {
				return s
			}
			if rest, ok := strings.CutPrefix(h, "*."); ok && (host == rest || strings.HasSuffix(host, "."+rest)) {
				return s
			}
		}
	}
	return nil
}

// find returns the first element matching sel.
func (s *Site) find(root *html.Node, sel cascadia.Sel) *html.Node {
	if sel == nil {
		return nil
	}
	return cascadia.Query(root, sel)
}

// removeFrom drops the elements matching the site's remove selectors.
func (s *Site) removeFrom(root *html.Node) {
	if len(s.remove) == 0 {
		return
	}
	doc := goquery.NewDocumentFromNode(root)
	for _, sel := range s.remove {
		doc.FindNodes(cascadia.QueryAll(root, sel)...).Remove()
	}
}
