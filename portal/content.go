package portal

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// content holds the site's text: site.toml and one TOML file per article.
//
//go:embed content
var contentFS embed.FS

// siteFile is the schema of content/site.toml.
type siteFile struct {
	Name     string        `toml:"name"`
	NameHant string        `toml:"name_hant"`
	NameEn   string        `toml:"name_en"`
	Sections []sectionFile `toml:"section"`
	Editions []editionFile `toml:"edition"`
}

type sectionFile struct {
	ID       string `toml:"id"`
	Name     string `toml:"name"`
	Path     string `toml:"path"`
	PageSize int    `toml:"page_size"`
}

// editionFile lists what an edition changes relative to the one before.
type editionFile struct {
	Number    int          `toml:"number"`
	Generated time.Time    `toml:"generated"`
	Edits     []editFile   `toml:"edit"`
	Retitles  []retitle    `toml:"retitle"`
	Removes   []removeFile `toml:"remove"`
	Moves     []moveFile   `toml:"move"`
}

type editFile struct {
	Path      string `toml:"path"`
	Paragraph int    `toml:"paragraph"` // from 1
	Before    string `toml:"before"`
	After     string `toml:"after"`
}

type retitle struct {
	Path  string `toml:"path"`
	Title string `toml:"title"`
}

type removeFile struct {
	Path   string `toml:"path"`
	Status int    `toml:"status"` // 404 or 410
}

type moveFile struct {
	Path string `toml:"path"`
	To   string `toml:"to"`
}

// articleFile is the schema of one content/articles/*.toml file.
type articleFile struct {
	Path          string      `toml:"path"`
	CopyOf        string      `toml:"copy_of"` // reprint another article's text under this file's path and template
	Section       string      `toml:"section"`
	Template      string      `toml:"template"`       // modern, legacy or english
	Encoding      string      `toml:"encoding"`       // utf-8, gbk, gb18030 or big5
	CharsetHeader string      `toml:"charset_header"` // charset named in Content-Type; "" names none
	CharsetMeta   string      `toml:"charset_meta"`   // charset named in <meta>; "" declares none
	MetaLate      bool        `toml:"meta_late"`      // put the <meta> charset after the first KiB
	Lang          string      `toml:"lang"`           // <html lang>; "" leaves it out
	Edition       int         `toml:"edition"`        // first edition the article is in; 0 means 1
	Title         string      `toml:"title"`
	Kicker        string      `toml:"kicker"`
	Subtitle      string      `toml:"subtitle"`
	Published     time.Time   `toml:"published"`
	DateStyle     string      `toml:"date_style"`
	Credit        string      `toml:"credit"` // visible credit line under the headline
	Source        string      `toml:"source"`
	MetaAuthor    string      `toml:"meta_author"`
	JSONLD        bool        `toml:"json_ld"`
	OGTime        bool        `toml:"og_time"`
	ParaStyle     string      `toml:"paragraph_style"` // legacy only: "p" (default) or "br"
	Body          string      `toml:"body"`
	Bylines       []Byline    `toml:"byline"`
	Images        []imageFile `toml:"image"`
	Attachment    *linkFile   `toml:"attachment"`
	Related       []linkFile  `toml:"related"`
}

type imageFile struct {
	Src     string `toml:"src"`
	Caption string `toml:"caption"`
	Credit  string `toml:"credit"`
	Inline  bool   `toml:"inline"` // credit runs on after the caption, as in the seed's first photo
}

type linkFile struct {
	Title  string `toml:"title"`
	Href   string `toml:"href"`
	Date   string `toml:"date"`
	Status int    `toml:"status"` // a dead link: 404 or 410; 0 for a page the site serves
}

// Templates, encodings and date styles the content may name.
var (
	templates = []string{"modern", "legacy", "english"}
	encodings = []string{"utf-8", "gbk", "gb18030", "big5"}
	roles     = []string{"author", "reporter", "correspondent", "photographer", "editor", "translator"}
)

// content is the parsed, checked content of the site.
type content struct {
	site     siteFile
	articles []*articleFile // in file-name order
}

// loadContent parses and checks the embedded content.
func loadContent() (*content, error) {
	c := &content{}
	if err := decodeStrict("content/site.toml", &c.site); err != nil {
		return nil, err
	}
	names, err := fs.Glob(contentFS, "content/articles/*.toml")
	if err != nil {
		return nil, fmt.Errorf("list articles: %w", err)
	}
	byPath := map[string]*articleFile{}
	for _, name := range names {
		a := &articleFile{}
		if err := decodeStrict(name, a); err != nil {
			return nil, err
		}
		if byPath[a.Path] != nil {
			return nil, fmt.Errorf("%s: path %s used twice", name, a.Path)
		}
		byPath[a.Path] = a
		c.articles = append(c.articles, a)
	}
	for i, a := range c.articles {
		if a.CopyOf == "" {
			continue
		}
		orig := byPath[a.CopyOf]
		if orig == nil || orig.CopyOf != "" {
			return nil, fmt.Errorf("%s: copy_of %s: no such original", names[i], a.CopyOf)
		}
		a.copyText(orig)
	}
	for i, a := range c.articles {
		if a.Edition == 0 {
			a.Edition = 1
		}
		if err := c.check(a); err != nil {
			return nil, fmt.Errorf("%s: %w", names[i], err)
		}
	}
	if err := c.checkEditions(byPath); err != nil {
		return nil, fmt.Errorf("content/site.toml: %w", err)
	}
	return c, nil
}

// decodeStrict decodes one embedded TOML file, refusing keys the schema lacks.
func decodeStrict(name string, v any) error {
	md, err := toml.DecodeFS(contentFS, name, v)
	if err != nil {
		return fmt.Errorf("parse %s: %w", name, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		return fmt.Errorf("parse %s: unknown keys %v", name, extra)
	}
	return nil
}

// copyText takes the original's text and credits, keeping this file's own
// path, section, template and encoding.
func (a *articleFile) copyText(orig *articleFile) {
	a.Title, a.Kicker, a.Subtitle = orig.Title, orig.Kicker, orig.Subtitle
	a.Published, a.DateStyle = orig.Published, orig.DateStyle
	a.Credit, a.Source = orig.Credit, orig.Source
	a.Body = orig.Body
	a.Bylines = slices.Clone(orig.Bylines)
	a.Images = slices.Clone(orig.Images)
	a.Edition = orig.Edition
}

func (c *content) section(id string) *sectionFile {
	for i := range c.site.Sections {
		if c.site.Sections[i].ID == id {
			return &c.site.Sections[i]
		}
	}
	return nil
}

// check verifies one article: known template, encoding, section and style,
// a body, credits that the page will show, and text its encoding can carry.
func (c *content) check(a *articleFile) error {
	switch {
	case !strings.HasPrefix(a.Path, "/") || strings.ContainsAny(a.Path, "?# "):
		return fmt.Errorf("bad path %q", a.Path)
	case !slices.Contains(templates, a.Template):
		return fmt.Errorf("unknown template %q", a.Template)
	case !slices.Contains(encodings, a.Encoding):
		return fmt.Errorf("unknown encoding %q", a.Encoding)
	case c.section(a.Section) == nil:
		return fmt.Errorf("unknown section %q", a.Section)
	case a.Title == "" || strings.TrimSpace(a.Body) == "":
		return errors.New("title and body are required")
	case a.Published.IsZero():
		return errors.New("published is required")
	case a.Edition < 1 || a.Edition > len(c.site.Editions):
		return fmt.Errorf("edition %d does not exist", a.Edition)
	case a.Template != "legacy" && a.Encoding != "utf-8":
		return fmt.Errorf("template %s is UTF-8 only", a.Template)
	case a.Template == "legacy" && a.Encoding == "utf-8":
		return errors.New("the legacy template is for legacy encodings")
	case a.ParaStyle != "" && a.ParaStyle != "p" && a.ParaStyle != "br":
		return fmt.Errorf("unknown paragraph_style %q", a.ParaStyle)
	}
	if _, err := precision(a.DateStyle, a.Published); err != nil {
		return err
	}
	for _, b := range a.Bylines {
		if !slices.Contains(roles, b.Role) {
			return fmt.Errorf("byline %s: unknown role %q", b.Name, b.Role)
		}
	}
	if err := checkEncodable(a); err != nil {
		return err
	}
	if a.Template == "english" && a.JSONLD {
		return nil // JSON-LD names every author
	}
	// Every credited name must be visible somewhere the page puts it.
	shown := a.Credit + "\n" + a.Body + "\n" + a.MetaAuthor
	for _, img := range a.Images {
		shown += "\n" + img.Credit
	}
	for _, b := range a.Bylines {
		if b.Role == "editor" || b.Role == "translator" {
			continue // the template prints these lines
		}
		if !strings.Contains(shown, b.Name) {
			return fmt.Errorf("byline %s is not shown on the page", b.Name)
		}
	}
	return nil
}

// checkEncodable makes sure the article's own text needs no character
// references in its encoding: only the chrome may fall back to them. The
// exception is the no-break space (the seed has one after its lead's
// credit), which legacy pages write as &nbsp;.
func checkEncodable(a *articleFile) error {
	enc := encoderFor(a.Encoding)
	if enc == nil {
		return nil
	}
	texts := []string{a.Title, a.Kicker, a.Subtitle, a.Credit, a.Source, a.Body}
	for _, img := range a.Images {
		texts = append(texts, img.Caption, img.Credit)
	}
	for _, b := range a.Bylines {
		texts = append(texts, b.Name)
	}
	for _, t := range texts {
		if _, err := enc.NewEncoder().String(strings.ReplaceAll(t, "\u00a0", " ")); err != nil {
			return fmt.Errorf("%s cannot carry %.40q: %w", a.Encoding, t, err)
		}
	}
	return nil
}

func (c *content) checkEditions(byPath map[string]*articleFile) error {
	for i, e := range c.site.Editions {
		if e.Number != i+1 || e.Generated.IsZero() {
			return fmt.Errorf("edition %d: numbers must run 1, 2, … and each needs generated", i+1)
		}
		for _, ed := range e.Edits {
			a := byPath[ed.Path]
			if a == nil {
				return fmt.Errorf("edition %d: edit of unknown %s", e.Number, ed.Path)
			}
			paras := paragraphs(a.Body)
			if ed.Paragraph < 1 || ed.Paragraph > len(paras) || paras[ed.Paragraph-1] != ed.Before {
				return fmt.Errorf("edition %d: edit of %s: paragraph %d is not %q", e.Number, ed.Path, ed.Paragraph, ed.Before)
			}
		}
		for _, r := range e.Retitles {
			if byPath[r.Path] == nil || r.Title == "" {
				return fmt.Errorf("edition %d: bad retitle of %s", e.Number, r.Path)
			}
		}
		for _, r := range e.Removes {
			if byPath[r.Path] == nil || (r.Status != 404 && r.Status != 410) {
				return fmt.Errorf("edition %d: bad remove of %s", e.Number, r.Path)
			}
		}
		for _, m := range e.Moves {
			if byPath[m.Path] == nil || byPath[m.To] != nil || !strings.HasPrefix(m.To, "/") {
				return fmt.Errorf("edition %d: bad move of %s", e.Number, m.Path)
			}
		}
	}
	return nil
}

// paragraphs splits a body on blank lines.
func paragraphs(body string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// What a date style shows of the publish time.
const (
	showSeconds = iota
	showMinutes
	showDate
)

// precision says how much of t a date style shows, and refuses content that
// would make the page and its ground truth disagree.
func precision(style string, t time.Time) (int, error) {
	var p int
	switch style {
	case "slash", "labeltime", "english":
		p = showSeconds
	case "cn", "dash":
		p = showMinutes
	case "label", "bracket":
		p = showDate
	default:
		return 0, fmt.Errorf("unknown date_style %q", style)
	}
	switch {
	case p == showMinutes && t.Second() != 0:
		return 0, fmt.Errorf("date_style %s shows no seconds, but published has them", style)
	case p == showDate && (t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0):
		return 0, fmt.Errorf("date_style %s shows no time of day, but published has one", style)
	}
	return p, nil
}

// dateText renders the publish time as the page shows it.
func dateText(style string, t time.Time) string {
	switch style {
	case "slash": // 2021/9/28 9:47:03
		return fmt.Sprintf("%d/%d/%d %d:%02d:%02d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second())
	case "cn": // 2021年9月28日 09:47
		return fmt.Sprintf("%d年%d月%d日 %02d:%02d", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
	case "dash": // 2021-09-28 09:47
		return t.Format("2006-01-02 15:04")
	case "label": // 发布时间：2021-09-28
		return "发布时间：" + t.Format("2006-01-02")
	case "labeltime": // 发布时间：2021-09-28 09:47:03
		return "发布时间：" + t.Format("2006-01-02 15:04:05")
	case "bracket": // [2021-09-28]
		return "[" + t.Format("2006-01-02") + "]"
	case "english":
		return t.Format("January 2, 2006")
	}
	return t.Format(time.RFC3339)
}

// groundTruthTime is the publish time as extraction should report it:
// RFC 3339 in the page's own offset, or a bare date when the page shows no
// time of day. English pages state the full time in their metadata.
func groundTruthTime(style string, t time.Time) string {
	p, _ := precision(style, t)
	if p == showDate {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}
