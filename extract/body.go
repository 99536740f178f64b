package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// prose reports whether a line reads as running text rather than a label,
// a menu entry or a headline.
func (b *block) prose() bool {
	nl := b.w - b.linkW
	return nl >= 30 && b.punct >= 1 || nl >= 120
}

func (b *block) linkDensity() float64 {
	if b.w == 0 {
		return 0
	}
	return float64(b.linkW) / float64(b.w)
}

// value is what one line adds to a container holding it: running text
// counts for its length, link lists and short labels count against.
func (b *block) value() float64 {
	if b.kind == kindImage || b.w == 0 {
		return 0
	}
	ld := b.linkDensity()
	switch {
	case ld > 0.5:
		return -0.6 * float64(b.w)
	case b.footer:
		return -0.5 * float64(b.w)
	case b.kind == kindHeading:
		return 0
	case b.prose():
		v := float64(b.w-b.linkW) + 8*float64(min(b.punct, 6))
		return v
	default:
		return -0.25 * float64(b.w)
	}
}

// chooseContainer picks the element whose lines add up to the most running
// text: the article's container. Boilerplate elements (by class, id, role
// or tag) are left out first; if that leaves too little, they are let in.
func (x *extraction) chooseContainer() {
	p := x.p
	x.container = -1
	if x.site != nil && x.site.body != nil {
		if n := x.site.find(p.root, x.site.body); n != nil {
			if i := x.nodeIndex(n); i >= 0 {
				x.container = i
				x.useUnl = false
				x.ruledBody = true
				x.blockRange()
				return
			}
		}
	}
	if len(p.elems) == 0 {
		return
	}
	best, score := x.bestElem(true)
	if score < 150 {
		if b2, s2 := x.bestElem(false); s2 > score*1.5+50 {
			best, score = b2, s2
			x.useUnl = false
		} else {
			x.useUnl = true
		}
	} else {
		x.useUnl = true
	}
	if best < 0 || score <= 0 {
		return
	}
	x.container = best
	x.blockRange()
}

func (x *extraction) bestElem(skipUnlikely bool) (int, float64) {
	p := x.p
	s := make([]float64, len(p.elems))
	for i := range p.blocks {
		b := &p.blocks[i]
		if b.owner < 0 || skipUnlikely && b.unlikely {
			continue
		}
		s[b.owner] += b.value()
	}
	for i := len(p.elems) - 1; i > 0; i-- {
		if par := p.elems[i].parent; par >= 0 {
			s[par] += s[i]
		}
	}
	best, bestScore := -1, 0.0
	for i := range p.elems {
		e := &p.elems[i]
		if e.n.DataAtom == 0x0 || skipUnlikely && e.unlikely {
			continue
		}
		c := s[i]
		if c > 0 {
			switch {
			case e.hint > 0:
				c *= 1.04
			case e.hint < 0:
				c *= 0.9
			}
		}
		if c >= bestScore && c > 0 {
			best, bestScore = i, c
		}
	}
	if best >= 0 {
		return best, s[best]
	}
	return -1, 0
}

// blockRange sets the range of lines inside the container.
func (x *extraction) blockRange() {
	p := x.p
	c := x.container
	lo, hi := int32(c), p.elems[c].end
	x.first, x.end = -1, -1
	for i := range p.blocks {
		o := p.blocks[i].owner
		if o >= lo && o < hi {
			if x.first < 0 {
				x.first = i
			}
			x.end = i + 1
		}
	}
	if x.first < 0 {
		x.first, x.end = 0, 0
	}
}

var (
	reBoilerZh    = regexp.MustCompile(`^[【\[]?\s*(?:打印|关闭|返回|收藏|分享到?|字号|字体|大\s*中\s*小|上一篇|下一篇|上一条|下一条|相关(?:新闻|阅读|链接|文章|稿件)|扫一扫|打印本页|关闭窗口|返回顶部|推荐阅读|延伸阅读|热点推荐|原标题|点击|免责声明|声明[:：]|版权(?:所有|声明)|编辑|责任编辑|责编|审核|校对|来源|稿源|作者|发布时间|发布日期|浏览次数|阅读次数|点击数|视力保护色|【?我要纠错】?)`)
	reBoilerEn    = regexp.MustCompile(`(?i)^(?:share(?: this)?|tweet|email|print|advertisement|advert|anzeige|werbung|related(?: articles| stories| posts)?|read more|read also|see also|click here|sign up|subscribe|follow us|copyright|©|all rights reserved|newsletter|loading|tags?:|categories:|filed under|posted in|leave a (?:comment|reply)|comments?\b|photo:|image:|getty images|skip to|back to top|previous|next article|you may also like|more from|recommended|most popular|trending)`)
	reFooter      = regexp.MustCompile(`(?i)版权所有|ICP备|ICP证|备案号|备案序号|举报电话|举报邮箱|未经(?:许可|授权|书面许可)不得|不得转载|主办单位|承办单位|技术支持[:：]|all rights reserved|copyright\s*(?:©|\(c\)|\d{4})|©\s*\d{4}`)
	reStopSection = regexp.MustCompile(`(?i)^[【\[]?\s*(?:为你推荐|为您推荐|相关(?:新闻|阅读|文章|推荐|报道|链接|稿件)|推荐阅读|延伸阅读|热门(?:文章|推荐|新闻|排行)|猜你喜欢|更多(?:新闻|阅读|精彩)|精彩推荐|热点推荐|(?:related|more|recommended|popular|latest|top) (?:articles|stories|posts|content|news|reads)|more (?:from|on|in)\b|read (?:more|next)\b|you (?:may|might) also (?:like|enjoy)|recommended for you|most (?:read|popular|viewed)|weitere artikel|mehr zum thema|das könnte sie auch interessieren|lesen sie auch|auch interessant|ähnliche artikel|à lire aussi|lire aussi|sur le même sujet)\s*[】\]:：]?\s*$`)
	reCaptionZh   = regexp.MustCompile(`(?:摄|摄影|供图|图片来源[:：].{1,30}|图[/／].{1,20}|\(图片来源.{1,30}\)|（图片来源.{1,30}）)[)）]?\s*$|^图为|^图[：:]|^（图）`)
	reDateLine    = regexp.MustCompile(`^(?:.{0,30}(?:时间|日期|发布|来源|作者|编辑|浏览|点击|Published|Posted|Updated|Date|Datum|By|Von)[^。.]{0,80}|[\d\s\-/:.年月日时分]+)$`)
)

// collectBody gathers the article's lines from the container into the
// body, images and captions.
func (x *extraction) collectBody() {
	p, a := x.p, x.a
	if x.container < 0 {
		return
	}
	x.captionOf = map[int]int{}
	lastImg, lastImgBlock := -1, -1
	var suffix []int
	proseSoFar := 0
	titleKey := normKey(a.Title)
	for i := x.first; i < x.end; i++ {
		b := &p.blocks[i]
		if x.useUnl && b.unlikely {
			continue
		}
		if b.kind == kindImage {
			if b.img.small {
				continue
			}
			src := x.abs(b.img.src)
			if src == "" || strings.HasSuffix(strings.ToLower(src), ".svg") {
				continue
			}
			a.Images = append(a.Images, Image{Src: src})
			lastImg, lastImgBlock = len(a.Images)-1, i
			continue
		}
		ld := b.linkDensity()
		if ld > 0.5 || ld > 0.3 && !b.prose() {
			continue
		}
		t := b.text
		// Captions: inside figcaption, credited photo lines, short centred
		// lines under a picture.
		near := lastImg >= 0 && x.linesBetween(lastImgBlock, i) <= 2
		credited := b.w < 300 && strings.ContainsAny(t, "摄图") && reCaptionZh.MatchString(t)
		capt := b.caption && b.w < 300 || credited && utf8.RuneCountInString(t) < 150 ||
			near && b.center && b.w < 120 && !b.prose() ||
			near && b.center && b.w < 200 && credited
		if capt {
			img := lastImg
			if img < 0 || !near {
				img = x.nextImage(i)
			}
			x.captionOf[i] = img
			if img >= 0 {
				// A credit line alone ("本报记者 X 摄") under a short line that
				// follows the picture: that line is the caption.
				if loc := reCreditZh.FindStringIndex(t); loc != nil && loc[0] == 0 && near && len(x.bodyIdx) > 0 {
					prev := x.bodyIdx[len(x.bodyIdx)-1]
					if pb := &p.blocks[prev]; prev > lastImgBlock && x.linesBetween(lastImgBlock, i) == 1 && pb.w < 120 {
						x.bodyIdx = x.bodyIdx[:len(x.bodyIdx)-1]
						x.captionOf[prev] = img
						x.addCaption(img, pb.text)
					}
				}
				x.addCaption(img, t)
			}
			continue
		}
		if b.w < 400 && (reBoilerZh.MatchString(t) || reBoilerEn.MatchString(t) && b.w < 120) || b.footer {
			continue
		}
		if b.w < 80 && len(x.bodyIdx) > 0 && reStopSection.MatchString(t) {
			// "Related articles": the article is over when little running
			// text follows; else it is an inline promotion.
			if suffix == nil {
				// suffix[j]: running text minus linked text from line j on.
				suffix = make([]int, x.end-x.first+1)
				for j := x.end - 1; j >= x.first; j-- {
					v := 0
					if lb := &p.blocks[j]; lb.prose() && lb.linkDensity() < 0.3 {
						v = lb.w
					} else {
						v = -lb.linkW
					}
					suffix[j-x.first] = suffix[j-x.first+1] + v
				}
			}
			if after := suffix[i+1-x.first]; after*2 < proseSoFar {
				break
			}
			continue
		}
		if titleKey != "" && normKey(t) == titleKey {
			if x.repeat < 0 && i != x.headline {
				x.repeat = i
			}
			continue
		}
		x.bodyIdx = append(x.bodyIdx, i)
		if b.prose() {
			proseSoFar += b.w
		}
	}
	x.trimBody()
	// Images whose caption we did not find may carry alt text: the first
	// long enough alt of a picture with the same address.
	var alts map[string]string
	for i := range a.Images {
		im := &a.Images[i]
		if im.Caption != "" || im.Credit != "" {
			continue
		}
		if alts == nil {
			alts = map[string]string{}
			for j := x.first; j < x.end; j++ {
				if b := &p.blocks[j]; b.kind == kindImage && utf8.RuneCountInString(b.img.alt) > 3 {
					if src := x.abs(b.img.src); alts[src] == "" {
						alts[src] = b.img.alt
					}
				}
			}
		}
		im.Caption = alts[im.Src]
	}
}

// linesBetween counts text lines between two block indices, up to 3.
func (x *extraction) linesBetween(from, to int) int {
	n := 0
	for i := from + 1; i < to && n < 3; i++ {
		if x.p.blocks[i].kind != kindImage {
			n++
		}
	}
	return n
}

// nextImage returns the number the next picture will have, if one follows
// closely, else -1. It is only used to name where a caption above a
// picture belongs; the picture itself is added when reached.
func (x *extraction) nextImage(i int) int {
	n := len(x.a.Images)
	for j := i + 1; j < x.end && j <= i+2; j++ {
		b := &x.p.blocks[j]
		if b.kind == kindImage && !b.img.small {
			x.a.Images = append(x.a.Images, Image{Src: x.abs(b.img.src)})
			b.img.small = true // added now; skip when reached
			return n
		}
	}
	return -1
}

var (
	reCreditZh = regexp.MustCompile(`[（(]?\s*(?:[^\s。，,；;（(]{0,12}(?:记者|通讯员|摄影|特约))?[\s　]*(?:\p{Han}{2,4}[\s　、]*){1,4}(?:摄|摄影|供图)[\s）)]*$|[（(]?(?:图片来源|图[/／]|摄[/／])[^）)]{1,30}[）)]?\s*$`)
	reCreditEn = regexp.MustCompile(`(?i)\s*[(\[]?\s*(?:photo|foto|image|picture|bild|credit|photograph)s?\s*(?:by|:|©)\s*[^)\]]{2,80}[)\]]?\s*$|\s*©\s*[^©]{2,80}$`)
)

// addCaption adds one caption line to a picture: a credit line (本报记者 X 摄,
// Photo: X) becomes its credit, anything else its caption.
func (x *extraction) addCaption(img int, t string) {
	im := &x.a.Images[img]
	capt, cred := t, ""
	if loc := reCreditZh.FindStringIndex(t); loc != nil {
		capt, cred = strings.TrimSpace(t[:loc[0]]), strings.TrimSpace(t[loc[0]:])
	} else if loc := reCreditEn.FindStringIndex(t); loc != nil && loc[0] > 0 {
		capt, cred = strings.TrimSpace(t[:loc[0]]), strings.TrimSpace(t[loc[0]:])
	} else if loc != nil {
		cred, capt = strings.TrimSpace(t), ""
	}
	if capt != "" {
		if im.Caption != "" {
			im.Caption += " "
		}
		im.Caption += capt
	}
	if cred != "" && im.Credit == "" {
		im.Credit = cred
	}
}

// normKey folds a line for comparison: no spaces or punctuation, lower case,
// full-width letters and digits made narrow.
func normKey(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if weight(r) > 0 {
			if r < 0x80 && r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			sb.WriteRune(r)
		}
	}
	return strings.ToLower(sb.String())
}

// trimBody drops labels, bylines, datelines and the kicker and subtitle
// before the first and after the last line of running text, and sets the
// body.
func (x *extraction) trimBody() {
	p := x.p
	skip := map[string]bool{}
	for _, t := range []string{x.a.Kicker, x.a.Subtitle} {
		if k := normKey(t); k != "" {
			skip[k] = true
		}
	}
	meta := func(i int) bool {
		b := &p.blocks[i]
		if !b.prose() || skip[normKey(b.text)] {
			return true
		}
		if b.w >= 200 {
			return false
		}
		if reByPrefix.MatchString(b.text) && b.w < 120 {
			return true
		}
		if st, ok := findStamp(b.text, false); ok && st.pos < 40 && b.w < 120 {
			return true
		}
		return false
	}
	idx := x.bodyIdx[:0:0]
	for _, i := range x.bodyIdx {
		if !skip[normKey(p.blocks[i].text)] {
			idx = append(idx, i)
		}
	}
	lo, hi := 0, len(idx)
	for lo < hi && meta(idx[lo]) {
		lo++
	}
	for hi > lo && !p.blocks[idx[hi-1]].prose() {
		hi--
	}
	// A sign-off in the article's own text block is body: "特此通告。",
	// the issuing office and its date, a closing word of thanks.
	for hi > lo && hi < len(idx) && x.signOff(idx[hi], idx[hi-1]) {
		hi++
	}
	x.bodyIdx = x.firstPost(idx[lo:hi])
	var sb strings.Builder
	for _, i := range x.bodyIdx {
		if sb.Len() > 0 {
			sb.WriteString("\n\n")
		}
		sb.WriteString(p.blocks[i].text)
	}
	x.a.Body = sb.String()
}

// mayBeFooter is a cheap test before reFooter.
func mayBeFooter(t string) bool {
	for _, k := range []string{"版权", "ICP", "备案", "举报", "转载", "主办", "承办", "技术支持", "ights", "opyright", "OPYRIGHT", "©"} {
		if strings.Contains(t, k) {
			return true
		}
	}
	return false
}

// signOff reports whether line i, a short line just after line prev of the
// body, closes a Chinese article inside the same text block as a notice
// closes: a short sentence ("特此通告。", "感谢社会各界的关心和支持！"), the
// issuing office ("通辽市应急管理局") or the date it signed
// ("2021年9月27日"). Links, credits, labels, dates of the page's own and
// requests to readers are not.
func (x *extraction) signOff(i, prev int) bool {
	p := x.p
	b, pb := &p.blocks[i], &p.blocks[prev]
	if !x.chinese || b.kind != kindText || b.linkW > 0 || b.w >= 120 || i-prev > 2 || b.owner < 0 || pb.owner < 0 {
		return false
	}
	if b.owner != pb.owner && p.elems[b.owner].parent != p.elems[pb.owner].parent {
		return false
	}
	t := b.text
	if !(reSignOff.MatchString(t) || reDateOnly.MatchString(t)) || reNotSignOff.MatchString(t) {
		return false
	}
	if cs, src := chineseCredits(t); len(cs) > 0 || src != "" {
		return false
	}
	return true
}

var (
	// reSignOff is a closing sentence or an office's name.
	reSignOff = regexp.MustCompile(`^\p{Han}[^：:]*[。！!]$|^\p{Han}{2,30}(?:局|委员会|委|办公室|办|政府|厅|院|部|中心|公司|协会|学会|集团|办事处|管委会|指挥部|银行|学校|大学|医院|所|站|队|处|会|社|室|组)$`)
	// reNotSignOff asks readers for something or speaks of the page.
	reNotSignOff = regexp.MustCompile(`打赏|赞赏|点赞|扫码|扫一扫|长按|关注|订阅|转发|分享|本文|本站|本网|本号|转载|原文|链接|免责|观点|声明|来源|作者`)
	// reDateOnly is a date alone on its line, as a notice signs off.
	reDateOnly = regexp.MustCompile(`^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$`)
)
