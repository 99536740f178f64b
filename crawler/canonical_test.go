package crawler

import (
	"net/url"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://Example.COM/a", "http://example.com/a"},
		{"HTTP://example.com", "http://example.com/"},
		{"http://example.com:80/a", "http://example.com/a"},
		{"https://example.com:443/a", "https://example.com/a"},
		{"http://example.com:8080/a", "http://example.com:8080/a"},
		{"https://example.com:80/a", "https://example.com:80/a"},
		{"http://example.com./a", "http://example.com/a"},
		{"http://example.com/a#frag", "http://example.com/a"},
		{"http://example.com/a?#frag", "http://example.com/a"},
		{"http://example.com/a?", "http://example.com/a"},
		{"http://example.com/a/./b/../c", "http://example.com/a/c"},
		{"http://example.com/../a", "http://example.com/a"},
		{"http://example.com/%7euser/%41", "http://example.com/~user/A"},
		{"http://example.com/a%2fb", "http://example.com/a%2Fb"},
		{"http://example.com/a b", "http://example.com/a%20b"},
		{"http://example.com/新闻/", "http://example.com/%E6%96%B0%E9%97%BB/"},
		{"http://例子.中国/", "http://xn--fsqu00a.xn--fiqs8s/"},
		{"http://example.com/?b=2&a=1", "http://example.com/?a=1&b=2"},
		{"http://example.com/?b=2&a=1&a=0", "http://example.com/?a=1&a=0&b=2"},
		{"http://example.com/?utm_source=x&utm_medium=y&id=3", "http://example.com/?id=3"},
		{"http://example.com/?id=3&spm=a.b.c&from=timeline", "http://example.com/?id=3"},
		{"http://example.com/?fbclid=abc&gclid=def", "http://example.com/"},
		{"http://example.com/a;jsessionid=0123ABC?x=1", "http://example.com/a?x=1"},
		{"http://example.com/a;JSESSIONID=0123ABC/b", "http://example.com/a/b"},
		{"http://example.com/a?PHPSESSID=abc&x=1", "http://example.com/a?x=1"},
		{"http://example.com/a?sid=0123456789abcdef0123&x=1", "http://example.com/a?x=1"},
		{"http://example.com/a?sid=12&x=1", "http://example.com/a?sid=12&x=1"},
		{"http://example.com/a?q=%e4%b8%ad", "http://example.com/a?q=%E4%B8%AD"},
		{"http://example.com/a?q=a+b", "http://example.com/a?q=a+b"},
		{"http://example.com/a?q=%zz", "http://example.com/a?q=%25zz"},
		{"http://user:pw@example.com/", "http://user:pw@example.com/"},
		{"http://[::1]:8080/a", "http://[::1]:8080/a"},
		{"http://[::1]/a", "http://[::1]/a"},
	}
	for _, tt := range tests {
		got, err := Canonicalize(tt.in)
		if err != nil {
			t.Errorf("Canonicalize(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Canonicalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		// Canonical forms are fixed points.
		if again, err := Canonicalize(got); err != nil || again != got {
			t.Errorf("Canonicalize(%q) = %q, %v; not a fixed point", got, again, err)
		}
	}
	for _, bad := range []string{"", "/relative", "mailto:a@b.c", "ftp://example.com/", "http://", "javascript:alert(1)", "http://%zz/"} {
		if got, err := Canonicalize(bad); err == nil {
			t.Errorf("Canonicalize(%q) = %q, want an error", bad, got)
		}
	}
}

func TestResolve(t *testing.T) {
	base, _ := url.Parse("http://example.com/news/list.html")
	r := resolver{base: base}
	tests := []struct{ href, want string }{
		{"a.html", "http://example.com/news/a.html"},
		{"../b.html", "http://example.com/b.html"},
		{"/c.html?utm_campaign=x", "http://example.com/c.html"},
		{"//other.example/d", "http://other.example/d"},
		{"https://Example.com:443/e", "https://example.com/e"},
		{"?page=2", "http://example.com/news/list.html?page=2"},
		{" f.html ", "http://example.com/news/f.html"},
	}
	for _, tt := range tests {
		got, _, ok := r.resolve(tt.href)
		if !ok || got != tt.want {
			t.Errorf("resolve(%q) = %q, %v; want %q", tt.href, got, ok, tt.want)
		}
	}
	for _, skip := range []string{"#top", "mailto:a@b.c", "javascript:void(0)", "tel:123", "data:text/plain,x", "ftp://x/"} {
		if got, _, ok := r.resolve(skip); ok {
			t.Errorf("resolve(%q) = %q, want skipped", skip, got)
		}
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{"http://Example.com:80/a/../b?b=1&a=2#x", "https://例子.中国/新闻?utm_source=1",
		"http://[::1]:8080/%7e;jsessionid=1", "http://a/%zz?q=%e4", "http://a/./.././b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Canonicalize(s)
		if err != nil {
			return
		}
		again, err := Canonicalize(got)
		if err != nil {
			t.Fatalf("Canonicalize(%q) = %q, which does not canonicalise: %v", s, got, err)
		}
		if again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
