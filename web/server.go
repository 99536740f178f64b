package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/annals/annals/archive"
)

// Reader is what the web app reads from the archive. *archive.DB, opened
// read-only, is one.
type Reader interface {
	Search(ctx context.Context, q archive.Query) (archive.Results, error)
	SearchFacets(ctx context.Context, q archive.Query, maxSites int) (archive.Facets, error)
	SearchExport(ctx context.Context, q archive.Query, fn func(archive.ExportRecord) error) error
	Sites(ctx context.Context) ([]archive.SiteCount, error)
	ArticleByID(ctx context.Context, id int64) (archive.Article, error)
	Version(ctx context.Context, articleID int64, n int) (archive.Version, error)
	VersionAsOf(ctx context.Context, articleID int64, t time.Time) (archive.Version, error)
	Versions(ctx context.Context, articleID int64) ([]archive.Version, error)
	Events(ctx context.Context, articleID int64) ([]archive.Event, error)
	Diff(ctx context.Context, articleID int64, from, to int) (archive.Diff, error)
	ArticleCaptures(ctx context.Context, articleID int64) ([]archive.CaptureInfo, error)
	Capture(ctx context.Context, id int64) (archive.CaptureInfo, error)
	CapturePayload(ctx context.Context, captureID int64) ([]byte, error)
	CapturesOf(ctx context.Context, rawURL string) ([]archive.CaptureInfo, error)
}

var _ Reader = (*archive.DB)(nil)

// Options configure a Server.
type Options struct {
	// Token, when set, must come with every request: as an
	// "Authorization: Bearer TOKEN" header, or through the cookie that
	// the login form (/login) sets. Without a token the server answers
	// only requests addressed to a loopback host (localhost, 127.0.0.1,
	// [::1]).
	Token string
	// Logger receives one line per request (never the token); nil
	// discards them.
	Logger *slog.Logger
	// Name is shown in the page header (e.g. the archive's file name).
	Name string
	// MaxTotal is how many hits /api/search counts at most (0: MaxTotal):
	// past it, the response says "more than MaxTotal" instead of counting
	// on, which for a term in most articles costs a good part of the
	// search (archive.Query.MaxTotal). The search page shows the exact
	// count all the same, from its counts by state.
	MaxTotal int
}

// Server is the web app over one archive. It is an http.Handler.
type Server struct {
	db      Reader
	token   string
	session string // the cookie value a login gives: HMAC of the token
	log     *slog.Logger
	name    string
	max     int // Options.MaxTotal
	pages   map[string]*template.Template
	static  http.Handler
	mux     *http.ServeMux
	policy  *bluemonday.Policy // sanitizes archived pages: sanitizer()

	siteMu   sync.Mutex // guards the cache of Sites
	siteList []archive.SiteCount
	siteAt   time.Time
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// New returns the web app reading db.
func New(db Reader, opts Options) (*Server, error) {
	s := &Server{db: db, token: opts.Token, log: opts.Logger, name: opts.Name, max: opts.MaxTotal, policy: sanitizer()}
	if s.max <= 0 {
		s.max = MaxTotal
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.token != "" {
		mac := hmac.New(sha256.New, []byte(s.token))
		mac.Write([]byte("annals web session"))
		s.session = hex.EncodeToString(mac.Sum(nil))
	}
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	s.static = http.StripPrefix("/static/", http.FileServerFS(sub))

	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.searchPage)
	m.HandleFunc("GET /articles/{id}", s.articlePage)
	m.HandleFunc("GET /captures/{id}", s.capturePage)
	m.HandleFunc("GET /captures/{id}/archived", s.archivedPage)
	m.HandleFunc("GET /captures/{id}/raw", s.rawCapture)
	m.HandleFunc("GET /export", s.export)
	m.HandleFunc("GET /api/search", s.apiSearch)
	m.HandleFunc("GET /api/articles/{id}", s.apiArticle)
	m.HandleFunc("GET /api/articles/{id}/versions", s.apiVersions)
	m.HandleFunc("GET /api/articles/{id}/diff", s.apiDiff)
	m.HandleFunc("GET /static/", s.staticFile)
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.login)
	m.HandleFunc("/", s.notFound)
	s.mux = m
	return s, nil
}

// Content-Security-Policies. The app's pages load only their own script
// and stylesheet and frame only the archived view; the archived view
// loads nothing at all (its images are inlined as data: URIs) and runs
// in a sandbox even when opened on its own.
const (
	cspApp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
	cspArchived = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'; " +
		"frame-ancestors 'self'; sandbox"
	cspRaw = "default-src 'none'; frame-ancestors 'none'; sandbox"
)

// ServeHTTP implements http.Handler: security headers, method and host
// checks, the token, a log line, then the route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(p))
			if !rec.wrote {
				http.Error(rec, "internal error", http.StatusInternalServerError)
			}
		}
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "query", redactQuery(r.URL.RawQuery),
			"status", rec.status, "bytes", rec.bytes, "ms", float64(time.Since(start).Microseconds())/1000)
	}()
	h := rec.Header()
	h.Set("Content-Security-Policy", cspApp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	h.Set("Cache-Control", "no-store")

	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if r.URL.Path != "/login" {
			s.methodNotAllowed(rec, r)
			return
		}
	default:
		s.methodNotAllowed(rec, r)
		return
	}
	if s.token == "" {
		if !loopbackHost(r.Host) {
			s.fail(rec, r, http.StatusMisdirectedRequest, errors.New("this annals server answers only requests addressed to localhost, 127.0.0.1 or [::1]; to serve other hosts, start it with --token"))
			return
		}
	} else if !s.authorized(r) && r.URL.Path != "/login" && !strings.HasPrefix(r.URL.Path, "/static/") {
		s.unauthorized(rec, r)
		return
	}
	s.mux.ServeHTTP(rec, r)
}

// authorized reports whether r carries the token (as a bearer token) or
// the session cookie, comparing in constant time.
func (s *Server) authorized(r *http.Request) bool {
	if a := r.Header.Get("Authorization"); a != "" {
		if tok, ok := strings.CutPrefix(a, "Bearer "); ok {
			return equalSecret(strings.TrimSpace(tok), s.token)
		}
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return equalSecret(c.Value, s.session)
	}
	return false
}

const sessionCookie = "annals_session"

// equalSecret compares two secrets in time that depends on neither
// (their hashes have one length).
func equalSecret(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1 && want != ""
}

// loopbackHost reports whether a Host header names the local machine.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactQuery drops any token-like parameter from a query string before
// it is logged.
func redactQuery(raw string) string {
	if raw == "" {
		return ""
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		return "(unparsable)"
	}
	for k := range v {
		if l := strings.ToLower(k); strings.Contains(l, "token") || strings.Contains(l, "auth") {
			v.Set(k, "REDACTED")
		}
	}
	return v.Encode()
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "login", loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

// login checks the token posted by the login form and sets the session
// cookie (an HMAC of the token, never the token itself).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			s.fail(w, r, http.StatusForbidden, errors.New("login from another site refused"))
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, http.StatusBadRequest, paramError("token", "unreadable form"))
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if !equalSecret(r.PostForm.Get("token"), s.token) {
		s.render(w, r, http.StatusUnauthorized, "login", loginView{Next: next, Failed: true})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.session, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext keeps a post-login destination only when it is a path on this
// server.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

type loginView struct {
	Next   string
	Failed bool
}

func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/export" || r.Header.Get("Authorization") != "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="annals"`)
		s.apiError(w, http.StatusUnauthorized, "this annals server needs its token: send 'Authorization: Bearer TOKEN'")
		return
	}
	s.render(w, r, http.StatusUnauthorized, "login", loginView{Next: safeNext(r.URL.RequestURI())})
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	s.fail(w, r, http.StatusMethodNotAllowed, errors.New("the archive is read-only: only GET and HEAD are answered"))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, fmt.Errorf("no page at %s", r.URL.Path))
}

func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	s.static.ServeHTTP(w, r)
}

// fail answers an error in the form the route speaks: JSON under /api/,
// an HTML page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if status >= 500 {
		s.log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	msg := err.Error()
	if status >= 500 {
		msg = "internal error: " + msg
	}
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/export" {
		s.apiError(w, status, msg)
		return
	}
	s.render(w, r, status, "error", errorView{Status: status, StatusText: http.StatusText(status), Message: msg})
}

type errorView struct {
	Status     int
	StatusText string
	Message    string
}

func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	s.fail(w, r, statusOf(err), err)
}

func (s *Server) apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(apiError{Error: msg, Status: status})
}

func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	if r.URL.Query().Get("pretty") == "1" {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		s.log.Warn("write response", "path", r.URL.Path, "err", err)
	}
}

// statusRecorder remembers a response's status and size for the log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush lets streamed exports reach the client as they are written.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
