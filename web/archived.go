package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

// Bounds on the images inlined into an archived page.
const (
	maxImageBytes  = 2 << 20
	maxImagesBytes = 8 << 20
	maxImages      = 60
)

// inlineTypes are the image types inlined as data: URIs (never SVG,
// which can carry script).
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// sanitizer removes everything from archived HTML that could run, fetch
// or submit: scripts, styles, frames, objects, forms, event handlers,
// style attributes and any URL scheme but http(s), mailto and data:
// images (which the rewriting after it replaces or drops anyway).
// Building a policy costs far more than sanitising a page with it, so
// New builds it once; a built policy is safe for concurrent use.
func sanitizer() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("nav", "header", "footer", "main", "center", "font")
	p.AllowDataURIImages()
	p.AllowAttrs("title").Globally()
	return p
}

// archivedPage serves a capture's page sanitised, for the sandboxed
// frame of the capture page. It is served with a policy that allows no
// script, no fetch and no navigation, and a sandbox, even if opened on
// its own.
func (s *Server) archivedPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", cspArchived)
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	c, body, ok := s.captureBody(w, r)
	if !ok {
		return
	}
	out, err := s.archivedHTML(r.Context(), c, body)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(out)
}

// archivedHTML renders a capture's body as a safe, self-contained page.
func (s *Server) archivedHTML(ctx context.Context, c archive.CaptureInfo, body []byte) ([]byte, error) {
	ct := c.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "" && len(body) > 0 {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	var content template.HTML
	note := ""
	switch {
	case len(body) == 0:
		note = fmt.Sprintf("This capture has no body (HTTP %d%s).", c.Status, errSuffix(c.Err))
	case mt == "text/html" || mt == "application/xhtml+xml":
		text, err := decodeCapture(c, body)
		if err != nil {
			note = "This capture's body could not be decoded as text: " + err.Error()
			break
		}
		content = s.sanitizePage(ctx, text, c.URL)
	case inlineTypes[mt] && inlineTypes[sniffImage(body)]:
		content = template.HTML(`<img alt="archived image" src="` + dataURI(sniffImage(body), body) + `">`)
	case strings.HasPrefix(mt, "text/") || mt == "application/json" || mt == "application/xml":
		text, err := decodeCapture(c, body)
		if err != nil {
			note = "This capture's body could not be decoded as text: " + err.Error()
			break
		}
		content = template.HTML("<pre>" + template.HTMLEscapeString(text) + "</pre>")
	default:
		note = fmt.Sprintf("This capture is %s (%s); it is not shown here. Download its raw bytes from the capture page.", mt, fmtBytes(int64(len(body))))
	}
	if c.Truncated {
		note += " The body was cut at the crawler's size limit."
	}
	var buf bytes.Buffer
	err := archivedTemplate.Execute(&buf, struct {
		URL     string
		Note    string
		Content template.HTML
	}{c.URL, strings.TrimSpace(note), content})
	return buf.Bytes(), err
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}

// decodeCapture decodes a body with the charset recorded on its capture
// (the crawler's decision), falling back to extract's own detection.
func decodeCapture(c archive.CaptureInfo, body []byte) (string, error) {
	ct := c.Header.Get("Content-Type")
	if c.Charset != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt == "" {
			mt = "text/html"
		}
		ct = mt + "; charset=" + c.Charset
	}
	text, _, _, err := extract.Decode(body, ct)
	if errors.Is(err, extract.ErrBinary) {
		return "", errors.New("it is binary")
	}
	return text, err
}

// sanitizePage sanitises an archived page and rewrites what is left
// that points elsewhere: images become data: URIs of their archived
// copies (or are dropped when the archive has none) and links lose their
// targets, which stay readable in a tooltip.
func (s *Server) sanitizePage(ctx context.Context, page, pageURL string) template.HTML {
	clean := s.policy.Sanitize(page)
	base, _ := url.Parse(pageURL)
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(clean), root)
	if err != nil {
		return template.HTML(template.HTMLEscapeString(clean))
	}
	budget := &imageBudget{n: maxImages, bytes: maxImagesBytes}
	var buf bytes.Buffer
	for _, n := range nodes {
		root.AppendChild(n)
	}
	s.rewrite(ctx, root, base, budget)
	for n := root.FirstChild; n != nil; n = n.NextSibling {
		if err := html.Render(&buf, n); err != nil {
			return ""
		}
	}
	return template.HTML(buf.String())
}

type imageBudget struct {
	n     int
	bytes int
}

// rewrite walks the sanitised tree, keeping only attributes that cannot
// make the browser fetch anything.
func (s *Server) rewrite(ctx context.Context, n *html.Node, base *url.URL, budget *imageBudget) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			switch c.DataAtom {
			case atom.Img:
				s.rewriteImage(ctx, c, base, budget)
			case atom.A, atom.Area:
				target := attr(c, "href")
				c.Attr = dropAttrs(c.Attr, "href", "rel", "target")
				if target != "" {
					if u, err := resolve(base, target); err == nil {
						c.Attr = setAttr(c.Attr, "title", "link to "+u)
						c.Attr = setAttr(c.Attr, "class", "archived-link")
					}
				}
			default:
				c.Attr = dropAttrs(c.Attr, "src", "srcset", "href", "cite", "action", "formaction", "poster", "background", "longdesc", "usemap", "data")
			}
			s.rewrite(ctx, c, base, budget)
		}
		c = next
	}
}

func (s *Server) rewriteImage(ctx context.Context, img *html.Node, base *url.URL, budget *imageBudget) {
	src, alt := attr(img, "src"), attr(img, "alt")
	img.Attr = dropAttrs(img.Attr, "src", "srcset", "usemap", "loading", "longdesc")
	if strings.HasPrefix(src, "data:") {
		// A data: URI in the page itself is kept only when it is a
		// raster image (bluemonday checked its form).
		if mt, _, _ := strings.Cut(strings.TrimPrefix(src, "data:"), ";"); inlineTypes[mt] {
			img.Attr = append(img.Attr, html.Attribute{Key: "src", Val: src})
			return
		}
	} else if u, err := resolve(base, src); err == nil && budget.n > 0 {
		if data, mt, ok := s.archivedImage(ctx, u, budget.bytes); ok {
			budget.n--
			budget.bytes -= len(data)
			img.Attr = append(img.Attr, html.Attribute{Key: "src", Val: dataURI(mt, data)}, html.Attribute{Key: "title", Val: "archived copy of " + u})
			return
		}
	}
	// No archived copy: a placeholder in its place.
	label := "image not archived"
	if alt != "" {
		label = "image not archived: " + alt
	}
	ph := &html.Node{Type: html.ElementNode, Data: "span", DataAtom: atom.Span,
		Attr: []html.Attribute{{Key: "class", Val: "archived-missing"}, {Key: "title", Val: src}}}
	ph.AppendChild(&html.Node{Type: html.TextNode, Data: "[" + label + "]"})
	img.Parent.InsertBefore(ph, img)
	img.Parent.RemoveChild(img)
}

// archivedImage finds the latest good capture of an image URL.
func (s *Server) archivedImage(ctx context.Context, u string, budget int) ([]byte, string, bool) {
	cs, err := s.db.CapturesOf(ctx, u)
	if err != nil {
		return nil, "", false
	}
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		if c.Status != http.StatusOK || c.PayloadSHA256 == "" || c.Truncated || c.Size > maxImageBytes || int(c.Size) > budget {
			continue
		}
		body, err := s.db.CapturePayload(ctx, c.ID)
		if err != nil {
			return nil, "", false
		}
		if mt := sniffImage(body); inlineTypes[mt] {
			return body, mt, true
		}
		return nil, "", false
	}
	return nil, "", false
}

// sniffImage names an image type from its bytes (what the browser would
// decide), so that a mislabelled body is never inlined as something else.
func sniffImage(b []byte) string {
	mt, _, _ := mime.ParseMediaType(http.DetectContentType(b))
	return mt
}

func dataURI(mt string, b []byte) string {
	return "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(b)
}

func resolve(base *url.URL, ref string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", err
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("not a web URL: %s", ref)
	}
	u.Fragment = ""
	return u.String(), nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func dropAttrs(as []html.Attribute, keys ...string) []html.Attribute {
	out := as[:0]
	for _, a := range as {
		drop := a.Namespace != ""
		for _, k := range keys {
			if strings.EqualFold(a.Key, k) {
				drop = true
			}
		}
		if !drop {
			out = append(out, a)
		}
	}
	return out
}

func setAttr(as []html.Attribute, key, val string) []html.Attribute {
	return append(dropAttrs(as, key), html.Attribute{Key: key, Val: val})
}

// captureOf reads the capture the path's {id} names, answering the
// error itself when it cannot.
func (s *Server) captureOf(w http.ResponseWriter, r *http.Request) (archive.CaptureInfo, bool) {
	id, err := ParseID("id", r.PathValue("id"))
	if err == nil {
		var c archive.CaptureInfo
		if c, err = s.db.Capture(r.Context(), id); err == nil {
			return c, true
		}
	}
	s.fail(w, r, statusOf(err), err)
	return archive.CaptureInfo{}, false
}

// captureBody is captureOf with the capture's raw body.
func (s *Server) captureBody(w http.ResponseWriter, r *http.Request) (archive.CaptureInfo, []byte, bool) {
	c, ok := s.captureOf(w, r)
	if !ok {
		return c, nil, false
	}
	body, err := s.db.CapturePayload(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return c, nil, false
	}
	return c, body, true
}

// rawCapture serves a capture's bytes exactly as received, as a download
// that no browser will render.
func (s *Server) rawCapture(w http.ResponseWriter, r *http.Request) {
	c, body, ok := s.captureBody(w, r)
	if !ok {
		return
	}
	if body == nil {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("capture %d has no body", c.ID))
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", cspRaw)
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="capture-`+strconv.FormatInt(c.ID, 10)+`.bin"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if c.PayloadSHA256 != "" {
		h.Set("ETag", `"`+c.PayloadSHA256+`"`)
		if sum, err := hex.DecodeString(c.PayloadSHA256); err == nil {
			h.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
		}
	}
	w.Write(body)
}

// archivedTemplate frames the sanitised content. Its style sheet is
// inline (the page's policy allows inline styles and nothing else).
var archivedTemplate = template.Must(template.New("archived").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>archived: {{.URL}}</title>
<style>
body{font:16px/1.6 system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1rem;color:#222;background:#fff;max-width:60rem}
img{max-width:100%;height:auto}
table{border-collapse:collapse;max-width:100%}
td,th{vertical-align:top;padding:2px 4px}
.archived-link{color:#1a4f8b;text-decoration:underline dotted;cursor:help}
.archived-missing{display:inline-block;border:1px dashed #999;color:#666;font-size:.85em;padding:0 .3em}
.archived-note{background:#fff6d6;border:1px solid #e0c060;padding:.4rem .6rem;font-size:.9em}
pre{white-space:pre-wrap}
</style></head>
<body>{{if .Note}}<p class="archived-note">{{.Note}}</p>{{end}}{{.Content}}</body></html>
`))
