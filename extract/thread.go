package extract

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Forum threads and blog posts print a stamp with each post: its time and
// who posted it, above the post ("ggjjzhzz 发表于 2005-9-15 11:46:00") or
// below it ("发布时间 2005/05/17 22:11:42 by 眉间尺", "本贴由大卫于2005年8月12日
// 16:12:21在〖…〗发表"). A thread's article is its first post; the replies
// that follow, each under or over its own stamp, are not.

// rePostStamp marks a line as a post's stamp: a poster's word next to the
// time of the post.
var rePostStamp = regexp.MustCompile(`(?i)发表于|发布于|发表时间|发布时间|发帖时间|回复时间|发表在|[贴帖]子?由|\bby\b|\bposted\b|楼主|\d+\s*楼|[#＃]\d+`)

// postStamp reports whether line i is a post's stamp: a short line, not
// running text, with a date and a time of day and a poster's word.
func (x *extraction) postStamp(i int) bool {
	b := &x.p.blocks[i]
	if b.kind != kindText || b.w >= 160 || b.w-b.linkW >= 60 && b.punct >= 2 || !strings.ContainsAny(b.text, "0123456789") {
		return false
	}
	if !rePostStamp.MatchString(b.text) {
		return false
	}
	st, ok := findStamp(b.text, false)
	return ok && st.hasTime
}

// stampShape is a stamp line with its digits, names and links left out,
// to tell the stamps of one thread by their common label.
func stampShape(t string) string {
	if m := rePostStamp.FindString(t); m != "" {
		return strings.ToLower(m)
	}
	return ""
}

// firstPost cuts a thread's body down to its first post: when two or more
// stamps of the same shape stand among the body's lines, the body ends
// before the first stamp (stamps below posts) or before the second (stamps
// above posts). It records the first post's stamp line in x.post; called
// again on the cut body, it changes nothing.
func (x *extraction) firstPost(idx []int) []int {
	var stamps []int // positions in idx
	shape := ""
	for k, i := range idx {
		if !x.postStamp(i) {
			continue
		}
		s := stampShape(x.p.blocks[i].text)
		if shape == "" {
			shape = s
		} else if s != shape {
			continue
		}
		stamps = append(stamps, k)
	}
	if len(stamps) == 0 {
		return idx
	}
	// Running text before the first stamp: stamps close their posts.
	before := 0
	for _, i := range idx[:stamps[0]] {
		if b := &x.p.blocks[i]; b.prose() {
			before += b.w
		}
	}
	if len(stamps) == 1 {
		// One stamp naming its poster under a post: the post ends there
		// and the board's notices follow.
		if before < 200 || poster(x.p.blocks[idx[stamps[0]]].text) == "" {
			return idx
		}
		x.post = idx[stamps[0]]
		return idx[:stamps[0]]
	}
	x.post = idx[stamps[0]]
	cut := stamps[0]
	if before < 100 {
		cut = stamps[1]
	}
	out := idx[:cut]
	// The next post's title or poster line ahead of its stamp stays out.
	for len(out) > 0 && !x.p.blocks[out[len(out)-1]].prose() && len(out)-1 > stamps[0] {
		out = out[:len(out)-1]
	}
	if len(out) > 0 && out[len(out)-1] == x.post {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return idx
	}
	return out
}

// Who posted: "… by 眉间尺", "本贴由大卫于…发表", "ggjjzhzz 发表于 …",
// "楼主：X".
var (
	rePosterBy     = regexp.MustCompile(`(?i)\bby\s+([^\s〓|│:：,，]{2,30})`)
	rePosterYou    = regexp.MustCompile(`由\s*([^\s于]{1,20}?)\s*于\s*(?:19|20)\d\d`)
	rePosterBefore = regexp.MustCompile(`^(?:作者[:：]?\s*)?([^\s:：|]{2,20})\s+(?:发表于|发布于|发表在|posted)`)
	rePosterLouzhu = regexp.MustCompile(`楼主[:：]?\s*([^\s:：|]{2,20})`)
)

// poster returns who posted, as a post's stamp line names them, or "".
func poster(t string) string {
	for _, re := range []*regexp.Regexp{rePosterYou, rePosterBy, rePosterBefore, rePosterLouzhu} {
		if m := re.FindStringSubmatch(t); m != nil {
			if n := userName(m[1]); n != "" {
				return n
			}
		}
	}
	return ""
}

// userName returns s if it can be a forum or blog user's name: a few
// letters, digits or Chinese characters, not a date, a time or a label.
func userName(s string) string {
	s = strings.Trim(s, "〓【】[]()（）<>《》\"'.,，。")
	n := utf8.RuneCountInString(s)
	if n < 2 || n > 20 {
		return ""
	}
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r) || strings.ContainsRune("_-.·•", r):
		default:
			return ""
		}
	}
	if letters == 0 || reNotAPerson.MatchString(s) || monthNames[strings.ToLower(s)] > 0 {
		return ""
	}
	for _, k := range creditKeys {
		if strings.Contains(s, k.key) {
			return ""
		}
	}
	for _, w := range []string{"楼主", "发表", "发布", "回复", "时间", "日期"} {
		if strings.Contains(s, w) {
			return ""
		}
	}
	return s
}

// poster returns who posted a forum thread's first post or a blog post,
// as its stamp names them: the first post's stamp, else a stamp among the
// lines around the headline or just after the body.
func (x *extraction) poster() string {
	p := x.p
	if x.post >= 0 {
		if n := poster(p.blocks[x.post].text); n != "" {
			return n
		}
	}
	lo, hi := x.headerZone()
	var lines []int
	for i := lo; i <= hi && i < len(p.blocks); i++ {
		lines = append(lines, i)
	}
	if n := len(x.bodyIdx); n > 0 {
		last := x.bodyIdx[n-1]
		lines = append(lines, last)
		for i := last + 1; i < len(p.blocks) && i <= last+3; i++ {
			lines = append(lines, i)
		}
	}
	for _, i := range lines {
		if x.postStamp(i) {
			if n := poster(p.blocks[i].text); n != "" {
				return n
			}
		}
	}
	return ""
}

// mayBeProfile is a cheap test for a link to a user's or author's page.
func mayBeProfile(href string) bool {
	if len(href) < 4 || len(href) > 300 {
		return false
	}
	h := strings.ToLower(href)
	for _, k := range []string{"author", "profile", "user", "member", "space", "uid", "people"} {
		if strings.Contains(h, k) {
			return true
		}
	}
	return false
}

var (
	reProfilePath  = regexp.MustCompile(`(?i)/(?:author|authors|user|users|member|members|profile|profiles|people|space)/([^/?#]+)`)
	profileParams  = []string{"author", "uid", "userid", "user", "username", "cid", "lookuserid", "memberid"}
	reNotAUserName = regexp.MustCompile(`(?i)查看|点击|资料|管理|登录|登陆|注册|更多|首页|主页|个人|空间|博客|留言|发表|文章|相册|profile|home|more|view|posts|edit|about|log ?in|sign|regist|anmeld|abmeld|konto|account|passwor`)
)

// profileKey names the user a profile link leads to ("author=102",
// "/author/jane-doe") and says whether the link leads to the user alone,
// not to one of their lists (a category, an archive month).
func profileKey(base *url.URL, href string) (key string, alone bool) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	if base != nil {
		u = base.ResolveReference(u)
		// Only the site's own users: not its channel on a video site.
		if siteDomain(u.Hostname()) != siteDomain(base.Hostname()) {
			return "", false
		}
	}
	if m := reProfilePath.FindStringSubmatch(u.Path); m != nil {
		return strings.ToLower(u.Host + m[0]), u.RawQuery == ""
	}
	q := u.Query()
	for _, k := range profileParams {
		if v := q.Get(k); v != "" {
			return strings.ToLower(u.Host + u.Path + "?" + k + "=" + v), len(q) == 1
		}
	}
	return "", false
}

// linkName is the name a link shows: its text, or its picture's alt text.
func linkName(n *html.Node) string {
	if t := strings.TrimSpace(nodeText(n, 100)); t != "" {
		return t
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Img {
			return strings.TrimSpace(attr(c, "alt"))
		}
	}
	return ""
}

// owner returns the user a blog or forum page belongs to: the one whose
// profile link heads the post, else the one whose profile the page links
// again and again (a blog's sidebar) and whose archives it links or whose
// name its title bears, named by a link to their profile alone.
func (x *extraction) owner() string {
	p := x.p
	lo, _ := x.headerZone()
	first := len(p.blocks)
	if len(x.bodyIdx) > 0 {
		first = x.bodyIdx[0]
	}
	count := map[string]int{}
	lists := map[string]bool{} // the user's categories or archives are linked
	names := map[string]string{}
	for _, r := range p.profiles {
		key, alone := profileKey(x.base, attr(r.node, "href"))
		if key == "" {
			continue
		}
		name := ""
		if alone {
			if n := userName(linkName(r.node)); n != "" && !reNotAUserName.MatchString(n) {
				name = n
			}
		}
		if name != "" && r.block >= lo-3 && r.block <= first {
			return name // the post's header names its poster
		}
		count[key]++
		if !alone {
			lists[key] = true
		}
		if name != "" && names[key] == "" {
			names[key] = name
		}
	}
	best, n1, n2 := "", 0, 0
	for k, c := range count {
		switch {
		case c > n1:
			best, n1, n2 = k, c, n1
		case c > n2:
			n2 = c
		}
	}
	// A blog's owner, not the most frequent byline of a list of teasers:
	// their archives are linked, or the page's title names them.
	if n1 >= 2 && n1 > 2*n2 && names[best] != "" && (lists[best] || slices.Contains(titleParts(p.title), names[best])) {
		return names[best]
	}
	return ""
}

// siteDomain is the part of a host name its owner registered:
// blog.example.com and members.example.com are both example.com,
// www.example.com.cn is example.com.cn.
func siteDomain(host string) string {
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(host, ".")), ".")
	n := 2
	if len(labels) >= 3 {
		switch labels[len(labels)-2] {
		case "com", "net", "org", "gov", "edu", "co", "ac", "or", "ne", "go":
			n = 3
		}
	}
	if len(labels) <= n {
		return strings.Join(labels, ".")
	}
	return strings.Join(labels[len(labels)-n:], ".")
}
