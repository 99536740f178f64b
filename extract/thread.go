package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
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
	if b.kind != kindText || b.w >= 160 || b.w-b.linkW >= 60 && b.punct >= 2 {
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
