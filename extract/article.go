package extract

// Article is what extract finds in one page. It is defined here once; the
// archive stores it and the command line prints it as JSON.
//
// Times are strings, not time.Time, because a page's own statement must
// survive as written: Published is RFC 3339 in the page's local time with
// its offset ("2021-09-28T09:47:03+08:00"), or a bare date ("2021-09-28")
// when the page gives no time of day.
type Article struct {
	URL          string `json:"url,omitempty"`
	CanonicalURL string `json:"canonical_url,omitempty"`
	SiteName     string `json:"site_name,omitempty"`
	Language     string `json:"language,omitempty"` // BCP 47: "zh", "en", …

	Charset       string `json:"charset,omitempty"`        // "utf-8", "gbk", "big5", …
	CharsetSource string `json:"charset_source,omitempty"` // one of the CharsetFrom… constants

	Title    string `json:"title"`
	Kicker   string `json:"kicker,omitempty"`   // 引题, overline
	Subtitle string `json:"subtitle,omitempty"` // 副题, dek

	Published            string `json:"published,omitempty"`
	PublishedRaw         string `json:"published_raw,omitempty"`
	PublishedZoneAssumed bool   `json:"published_zone_assumed,omitempty"`
	Modified             string `json:"modified,omitempty"`
	ModifiedRaw          string `json:"modified_raw,omitempty"`
	ModifiedZoneAssumed  bool   `json:"modified_zone_assumed,omitempty"`

	Bylines []Byline `json:"bylines"`
	Source  string   `json:"source,omitempty"` // the outlet credited: 来源：新华社

	Body   string  `json:"body"` // paragraphs separated by one blank line
	Images []Image `json:"images,omitempty"`

	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
}

// Byline credits one person with one role.
type Byline struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
}

// Role is what a credited person did.
type Role string

// The roles a byline may have.
const (
	RoleAuthor        Role = "author"
	RoleReporter      Role = "reporter"
	RoleCorrespondent Role = "correspondent"
	RolePhotographer  Role = "photographer"
	RoleEditor        Role = "editor"
	RoleTranslator    Role = "translator"
)

// Image is one picture of the article with its caption and credit.
type Image struct {
	Src     string `json:"src"` // absolute URL
	Caption string `json:"caption,omitempty"`
	Credit  string `json:"credit,omitempty"`
}

// How the charset of a page was decided.
const (
	CharsetFromBOM     = "bom"
	CharsetFromHeader  = "header"
	CharsetFromMeta    = "meta"
	CharsetFromSniffed = "sniffed"
	CharsetFromDefault = "default"
)
