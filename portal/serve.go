package portal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"time"
)

// ServeHTTP answers one request from the current edition and records it.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gen, i := p.logRequest(r)
	sw := &statusWriter{ResponseWriter: w}
	p.serve(sw, r)
	p.logStatus(gen, i, sw.status)
}

func (p *Portal) serve(w http.ResponseWriter, r *http.Request) {
	s := p.current.Load()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	rc := &reqCtx{p: p, s: s, base: scheme + "://" + r.Host, host: r.Host}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, r, rc, http.StatusMethodNotAllowed, "不允许的请求方法", "本站只接受 GET 和 HEAD 请求。")
		return
	}
	rt := s.lookup(r.URL.Path, r.URL.RawQuery)
	switch {
	case rt == nil:
		serveError(w, r, rc, http.StatusNotFound, "页面不存在", "您访问的页面不存在或已被删除。")
	case rt.serve != nil:
		rt.serve(w, r, rc)
	case rt.Location != "":
		target := rc.base + rt.Location
		if rt.relative {
			target = rt.Location
		}
		w.Header().Set("Location", target)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(rt.Status)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, "<html><body><a href=\"%s\">%s</a></body></html>\n", html.EscapeString(target), http.StatusText(rt.Status))
		}
	default:
		body, err := rt.render(rc)
		if err != nil {
			http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
			return
		}
		if rt.Status != http.StatusOK {
			writeStatus(w, r, rt.Status, rt.ContentType, body)
			return
		}
		serveBody(w, r, rt.ContentType, rt.modTime, body)
	}
}

// serveBody answers 200 with validators, or 304 to a matching conditional
// request; http.ServeContent does the RFC 9110 precedence (If-None-Match
// over If-Modified-Since), HEAD and ranges.
func serveBody(w http.ResponseWriter, r *http.Request, contentType string, modTime time.Time, body []byte) {
	sum := sha256.Sum256(body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	w.Header().Set("Cache-Control", "max-age=60")
	http.ServeContent(w, r, "", modTime, bytes.NewReader(body))
}

func writeStatus(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// serveError answers status with a page of the site's own.
func serveError(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, heading, msg string) {
	body, err := renderMessage(rc, heading, []string{msg}, nil)
	if err != nil {
		http.Error(w, msg, status)
		return
	}
	writeStatus(w, r, status, "text/html; charset=utf-8", body)
}

// serveRendered answers 200 with a plain page of the site.
func serveRendered(w http.ResponseWriter, r *http.Request, rc *reqCtx, heading string, msg []string) {
	serveRenderedLinks(w, r, rc, heading, msg, nil)
}

func serveRenderedLinks(w http.ResponseWriter, r *http.Request, rc *reqCtx, heading string, msg []string, links []link) {
	body, err := renderMessage(rc, heading, msg, links)
	if err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	serveBody(w, r, "text/html; charset=utf-8", rc.s.generated, body)
}

// logRequest records a request as it arrives and returns where: the log's
// generation (Reset starts a new one) and the index in it.
func (p *Portal) logRequest(r *http.Request) (gen, i int) {
	req := Request{
		Time:       time.Now(),
		Method:     r.Method,
		Target:     r.RequestURI,
		Host:       r.Host,
		Header:     r.Header.Clone(),
		RemoteAddr: r.RemoteAddr,
	}
	if req.Target == "" {
		req.Target = r.URL.RequestURI()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, req)
	return p.generation, len(p.requests) - 1
}

// logStatus records the status answered; a Reset in between drops it.
func (p *Portal) logStatus(gen, i, status int) {
	if status == 0 {
		status = http.StatusOK
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen == p.generation && i < len(p.requests) {
		p.requests[i].Status = status
	}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
