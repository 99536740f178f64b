package crawler

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/temoto/robotstxt"
)

// maxRobotsBytes is how much of a robots.txt is read (RFC 9309 asks for at
// least 500 KiB).
const maxRobotsBytes = 512 << 10

// robotsRules is what one host's robots.txt says to annals.
type robotsRules struct {
	all      bool // everything allowed (no robots.txt, a 4xx)
	none     bool // nothing allowed
	group    *robotstxt.Group
	delay    time.Duration // Crawl-delay
	sitemaps []string
}

// parseRobots reads a robots.txt answered with status for the user-agent
// product token agent. A 4xx means no rules (RFC 9309); a 2xx is parsed,
// leniently: lines robotstxt would reject (rules before any User-agent, a
// malformed Crawl-delay) are dropped rather than failing the whole file.
// Anything else (5xx, no answer) is the caller's to handle; here it
// disallows everything.
func parseRobots(status int, body []byte, agent string) robotsRules {
	switch {
	case status >= 400 && status < 500:
		return robotsRules{all: true}
	case status < 200 || status >= 300:
		return robotsRules{none: true}
	}
	if len(body) > maxRobotsBytes {
		body = body[:maxRobotsBytes]
	}
	data, err := robotstxt.FromBytes(cleanRobots(body))
	if err != nil {
		return robotsRules{none: true}
	}
	r := robotsRules{group: data.FindGroup(agent), sitemaps: data.Sitemaps}
	if r.group != nil {
		r.delay = r.group.CrawlDelay
	}
	return r
}

// cleanRobots drops the lines robotstxt would fail the whole file for.
func cleanRobots(body []byte) []byte {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	var out bytes.Buffer
	out.Grow(len(body))
	sawAgent := false
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		rule := line
		if i := bytes.IndexByte(rule, '#'); i >= 0 {
			rule = rule[:i]
		}
		key, value, found := strings.Cut(string(rule), ":")
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		if found {
			switch key {
			case "user-agent", "useragent":
				sawAgent = true
			case "allow", "disallow":
				if !sawAgent {
					continue
				}
			case "crawl-delay", "crawldelay":
				f, err := strconv.ParseFloat(value, 64)
				if !sawAgent || err != nil || f < 0 || f > 1e6 {
					continue
				}
			}
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// allowed tells whether u may be fetched.
func (r *robotsRules) allowed(u *url.URL) bool {
	switch {
	case r == nil || r.all:
		return true
	case r.none:
		return false
	case r.group == nil:
		return true
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return r.group.Test(p)
}
