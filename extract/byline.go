package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// creditKeys are the Chinese credit words, longest first at each position.
var creditKeys = []struct {
	key  string
	role Role // "" for the credited source
}{
	{"责任编辑", RoleEditor}, {"实习记者", RoleReporter}, {"特约记者", RoleReporter},
	{"见习记者", RoleReporter}, {"首席记者", RoleReporter}, {"特派记者", RoleReporter},
	{"本报记者", RoleReporter}, {"本刊记者", RoleReporter}, {"新华社记者", RoleReporter},
	{"记者", RoleReporter}, {"通讯员", RoleCorrespondent}, {"实习生", RoleCorrespondent},
	{"作者", RoleAuthor}, {"执笔人", RoleAuthor}, {"执笔", RoleAuthor}, {"撰稿", RoleAuthor}, {"撰文", RoleAuthor}, {"文字", RoleAuthor},
	{"文/图", RoleAuthor}, {"文／图", RoleAuthor}, {"文图", RoleAuthor},
	{"文/", RoleAuthor}, {"文／", RoleAuthor}, {"文|", RoleAuthor}, {"文｜", RoleAuthor},
	{"摄影", RolePhotographer}, {"摄像", RolePhotographer}, {"图/", RolePhotographer},
	{"图／", RolePhotographer}, {"图|", RolePhotographer}, {"图｜", RolePhotographer},
	{"摄/", RolePhotographer}, {"摄／", RolePhotographer},
	{"责编", RoleEditor}, {"编辑", RoleEditor}, {"审核", RoleEditor}, {"审校", RoleEditor},
	{"终审", RoleEditor}, {"校对", RoleEditor}, {"值班编辑", RoleEditor},
	{"翻译", RoleTranslator}, {"译者", RoleTranslator}, {"编译", RoleTranslator},
	{"来源", ""}, {"稿源", ""}, {"出处", ""}, {"信息来源", ""},
}

// creditRunes are the first characters of the credit keys, and brackets:
// a line with none of them credits no one.
var creditRunes = func() string {
	var sb strings.Builder
	sb.WriteString("（(")
	for _, k := range creditKeys {
		r, _ := utf8.DecodeRuneInString(k.key)
		if !strings.ContainsRune(sb.String(), r) {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}()

// nonNameWords are two-character words that follow credit keys but are no
// one's name.
var nonNameWords = map[string]bool{
	"本报": true, "记者": true, "通讯": true, "编辑": true, "摄影": true, "综合": true,
	"整理": true, "供图": true, "资料": true, "视频": true, "实习": true, "网友": true,
	"发布": true, "来源": true, "新华": true, "报道": true, "图片": true, "本网": true,
	"作者": true, "责任": true, "日电": true, "获悉": true, "了解": true, "采访": true,
	"近日": true, "今天": true, "昨天": true, "目前": true, "表示": true, "介绍": true,
	"网络": true, "本站": true, "原创": true, "管理": true, "系统": true, "admin": true,
}

// nonNameRunes never appear in a Chinese personal name.
const nonNameRunes = "从对向据的了是等年时获悉表示报道介绍说到这那都就把被及们我你他她它市省县区镇村局部委会网社报台站讯"

type credit struct {
	name string
	role Role
}

// chineseCredits finds credits in one line: 本报讯(记者 赵彦臻)、本报记者 张启民 宋悦 摄、
// 文/X 图/Y、通讯员 X、责任编辑：X、来源：Y. It returns persons and the
// credited source.
//
// Traditional characters (記者, 來源, 攝) are read as their simplified
// forms; names are returned as written.
func chineseCredits(line string) (out []credit, source string) {
	orig := line
	line = foldHant(line)
	if !strings.ContainsAny(line, creditRunes) {
		return nil, ""
	}
	type hit struct {
		at, end int
		role    Role
		src     bool
	}
	var hits []hit
	for i := 0; i < len(line); {
		matched := false
		for _, k := range creditKeys {
			if strings.HasPrefix(line[i:], k.key) {
				hits = append(hits, hit{at: i, end: i + len(k.key), role: k.role, src: k.role == ""})
				i += len(k.key)
				matched = true
				break
			}
		}
		if !matched {
			_, n := utf8.DecodeRuneInString(line[i:])
			i += n
		}
	}
	for hi, h := range hits {
		seg := orig[h.end:]
		if hi+1 < len(hits) {
			seg = orig[h.end:hits[hi+1].at]
		}
		if h.src {
			s := sourceName(seg)
			if n := utf8.RuneCountInString(s); n >= 2 && n <= 3 && hasSurname(s) && validChineseName(s, n) {
				// "来源：尹娟": a person credited as the source wrote it.
				out = append(out, credit{s, RoleAuthor})
			} else if s != "" && source == "" {
				source = s
			}
			continue
		}
		if runIn(line, h.at, h.end) {
			continue // "打赏犒劳作者一下": the word, not a credit
		}
		names, photo, ok := nameList(seg, h.role)
		if !ok {
			continue
		}
		role := h.role
		if photo {
			role = RolePhotographer
		}
		for _, n := range names {
			out = append(out, credit{n, role})
		}
	}
	// "（袁源）", "（姚峰 上海报道）": a bracketed name closing a report.
	if len(out) == 0 {
		if m := reBareBracket.FindStringSubmatchIndex(line); m != nil {
			var names []string
			for _, n := range strings.Fields(strings.ReplaceAll(strings.ReplaceAll(orig[m[2]:m[3]], "、", " "), "　", " ")) {
				if !hasSurname(n) || !validChineseName(n, utf8.RuneCountInString(n)) {
					names = nil
					break
				}
				names = append(names, n)
			}
			for _, n := range names {
				out = append(out, credit{n, RoleReporter})
			}
		}
	}
	// "张三 李四 摄" with no key before the names.
	if len(out) == 0 {
		if m := reBareShot.FindStringSubmatchIndex(line); m != nil {
			if names, _, ok := nameList(orig[m[2]:m[3]], RolePhotographer); ok {
				for _, n := range names {
					if hasSurname(n) {
						out = append(out, credit{n, RolePhotographer})
					}
				}
			}
		}
	}
	return out, source
}

// runIn reports whether the credit word at line[at:end] sits inside a
// sentence: a Chinese character on both sides, the one before not ending
// a dateline or an outlet's name (本报讯记者, 日电记者).
func runIn(line string, at, end int) bool {
	before, _ := utf8.DecodeLastRuneInString(line[:at])
	after, _ := utf8.DecodeRuneInString(line[end:])
	return at > 0 && unicode.Is(unicode.Han, before) && unicode.Is(unicode.Han, after) &&
		!strings.ContainsRune("讯电报社台网刊站", before)
}

var reBareBracket = regexp.MustCompile(`^[（(]\s*(\p{Han}{2,3}(?:[\s、　]+\p{Han}{2,3}){0,3})(?:\s+\p{Han}{2,3}报道)?\s*[）)]$`)

var reBareShot = regexp.MustCompile(`(?:^|[\s（(])((?:\p{Han}{2,4}[\s、　]*){1,4})摄(?:影)?[\s）)]*$`)

// nameList reads the names after a credit key: separated by spaces, 、 or
// full-width spaces, ending at a bracket, punctuation or a non-name word. A
// trailing 摄 makes them photographers.
//
// Editors after a key followed by nothing but spaces ("编辑 锁定 讨论", a
// wiki's menu) must begin with a common surname (editor lines have a colon;
// reporters' do not, and their names may be Mongolian: 其其格); a single word run into the key
// and closed by a colon ("编辑次数：155") is a label, not a name.
func nameList(seg string, role Role) (names []string, photo bool, ok bool) {
	trimmed := strings.TrimLeft(seg, " \t：:/／|｜　\u00a0")
	lead := seg[:len(seg)-len(trimmed)]
	spacesOnly := role == RoleEditor && lead != "" && strings.Trim(lead, " \t　\u00a0") == ""
	joined := lead == ""
	seg = trimmed
	if seg == "" {
		return nil, false, false
	}
	end := len(seg)
	for i, r := range seg {
		if r == '摄' || r == '攝' {
			end = i
			photo = true
			break
		}
		if unicode.Is(unicode.Han, r) || r == '·' || r == '•' || r == ' ' || r == '　' || r == '、' || r == ',' || r == '，' || r == '\u00a0' {
			continue
		}
		end = i
		break
	}
	body := seg[:end]
	parts := strings.FieldsFunc(body, func(r rune) bool {
		return r == ' ' || r == '　' || r == '、' || r == ',' || r == '，' || r == '\u00a0'
	})
	// "编辑：宪瑞 人气：1234": the word before a colon is the next label.
	if rest := seg[end:]; len(parts) > 1 && (strings.HasPrefix(rest, "：") || strings.HasPrefix(rest, ":")) && !strings.HasSuffix(body, " ") {
		parts = parts[:len(parts)-1]
	}
	if rest := seg[end:]; joined && len(parts) == 1 && (strings.HasPrefix(rest, "：") || strings.HasPrefix(rest, ":")) {
		return nil, false, false
	}
	for pi, p := range parts {
		cut := false
		if i := strings.Index(p, "发自"); i > 0 {
			p, cut = p[:i], true
		}
		for _, suf := range []string{"报道", "撰文", "整理", "编译", "综合", "等"} {
			p = strings.TrimSuffix(p, suf)
		}
		if p == "" {
			continue
		}
		n := utf8.RuneCountInString(p)
		last := pi == len(parts)-1
		if !validChineseName(p, n) || (spacesOnly && !hasSurname(p) && !strings.ContainsAny(p, "·•")) {
			if pi == 0 {
				return nil, false, false
			}
			break
		}
		// A name running into the sentence ("记者赵彦臻近日采访") is not
		// trusted unless it stands alone.
		if last && end == len(seg) && n > 3 && !photo && !cut {
			break
		}
		names = append(names, p)
	}
	return names, photo, len(names) > 0
}

func validChineseName(p string, n int) bool {
	p = foldHant(p)
	if n < 2 {
		return false
	}
	if strings.ContainsAny(p, "·•") {
		return n <= 12
	}
	if n > 4 && !(n == 5 && !strings.ContainsAny(p, nonNameRunes)) {
		return false
	}
	if nonNameWords[p] || strings.ContainsAny(p, nonNameRunes) {
		return false
	}
	for _, r := range p {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func sourceName(seg string) string {
	seg = strings.TrimLeft(seg, " \t：:/／|｜　\u00a0")
	end := len(seg)
	for i, r := range seg {
		if r == ' ' || r == '　' || r == '|' || r == '｜' || r == '\u00a0' || r == '）' || r == ')' || r == '，' || r == '。' || r == '【' || r == '[' {
			end = i
			break
		}
	}
	s := strings.TrimSpace(seg[:end])
	if s == "" || utf8.RuneCountInString(s) > 30 || reDigitsOnly.MatchString(s) {
		return ""
	}
	return s
}

var reDigitsOnly = regexp.MustCompile(`^[\d\s:/.-]+$`)

var surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"

func hasSurname(n string) bool {
	r, _ := utf8.DecodeRuneInString(foldHant(n))
	return strings.ContainsRune(surnames, r)
}

// Latin bylines: "By Jane Doe and John Roe", "Von Max Muster".
var (
	reByPrefix   = regexp.MustCompile(`(?i)^\s*(?:(?:written|posted|words|story|text|reported|erstellt|geschrieben|verfasst|artikel|ein beitrag)\s+(?:by|von)|by|von|par|por|di|door|av|af|(?:autor(?:in)?|author|auteur|text|texte|interview|redaktion|bericht|from)\s*:)\s*`)
	reNameSplit  = regexp.MustCompile(`(?i)\s*(?:,|&|;|\band\b|\bund\b|\bet\b|\by\b|\be\b|\ben\b|\bog\b|\bi\b)\s*`)
	reNameStop   = regexp.MustCompile(`(?i)\s*(?:[|•·–—\n]|\s-\s|\bpublished\b|\bupdated\b|\bposted\b|\bon\b\s|\bat\b\s|\bveröffentlicht|\bam\b\s|\bfor\b\s|\bread\b|\s/|/\s|(?-i:/\p{Lu})|\bfollow\b|\bemail\b|\bphoto|\bfoto|\bcorrespondent\b|\breporter\b|\beditor\b|\bstaff writer\b|\bchefredakt|\bredakt|\bjournalist|\bkorrespondent|\bressortleit|\bautor\b|\bsays\b|\bsagt\b|\s(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d)`)
	reDomain     = regexp.MustCompile(`^[\p{L}\d-]+(?:\.[\p{L}\d-]+)*\.[a-z]{2,}$`) // stol.it, example.com
	reNotAPerson = regexp.MustCompile(`(?i)^(?:last|first|by|staff|admin|administrator|editor|editors|redaktion|team|unknown|anonymous|guest|news desk|newsroom|share|comments?|home|menu|more|about|contact|login|subscribe|the|a|an)$|https?:|www\.|@|\[at\]|\.com\b|\.html?\b`)
)

// latinNames reads person names from a byline text.
func latinNames(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 300 {
		return nil
	}
	s = reByPrefix.ReplaceAllString(s, "")
	if loc := reNameStop.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	var out []string
	for _, part := range reNameSplit.Split(s, -1) {
		part = strings.Trim(strings.TrimSpace(part), ".:,;()[]\"'")
		part = reByPrefix.ReplaceAllString(part, "")
		if n := cleanPersonName(part); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// cleanPersonName returns s if it looks like a person's (or a pen) name.
func cleanPersonName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Trim(s, " -–—|,:;·•/")
	s = reByPrefix.ReplaceAllString(s, "")
	if s == "" || utf8.RuneCountInString(s) > 60 || reNotAPerson.MatchString(s) || reDomain.MatchString(s) {
		return ""
	}
	words := strings.Fields(s)
	if len(words) > 5 {
		return ""
	}
	letters := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			return ""
		}
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < 2 {
		return ""
	}
	// Multi-word names are capitalised; a sentence is not a name.
	if len(words) > 1 {
		lower := 0
		for _, w := range words {
			r, _ := utf8.DecodeRuneInString(w)
			if unicode.IsLower(r) && !particle[w] {
				lower++
			}
		}
		if lower > 0 {
			return ""
		}
	}
	return s
}

var particle = map[string]bool{"van": true, "von": true, "de": true, "der": true, "den": true, "da": true, "del": true, "di": true, "du": true, "la": true, "le": true, "al": true, "bin": true, "ten": true, "ter": true, "zu": true, "dos": true, "das": true, "y": true}

// hantFold maps the traditional characters of credit words, and of the
// words that tell a name from a sentence, to their simplified forms. Both
// forms are three bytes in UTF-8, so offsets in a folded line are offsets
// in the original.
var hantFold = map[rune]rune{
	'記': '记', '報': '报', '訊': '讯', '員': '员', '責': '责', '編': '编', '輯': '辑',
	'攝': '摄', '來': '来', '審': '审', '對': '对', '譯': '译', '圖': '图', '實': '实',
	'習': '习', '見': '见', '約': '约', '處': '处', '資': '资', '網': '网', '臺': '台',
	'區': '区', '縣': '县', '鎮': '镇', '會': '会', '從': '从', '說': '说', '這': '这',
	'們': '们', '據': '据', '時': '时', '華': '华', '電': '电', '綜': '综', '聞': '闻',
	'導': '导', '獲': '获', '紹': '绍', '發': '发', '視': '视', '頻': '频', '稱': '称',
	'終': '终', '單': '单', '傳': '传', '專': '专', '劉': '刘', '陳': '陈', '張': '张',
	'黃': '黄', '趙': '赵', '吳': '吴', '孫': '孙', '馬': '马', '鄭': '郑', '謝': '谢',
	'韓': '韩', '馮': '冯', '鄧': '邓', '蕭': '萧', '葉': '叶', '蘇': '苏', '盧': '卢',
	'蔣': '蒋', '楊': '杨', '許': '许', '鍾': '钟', '譚': '谭',
	'陸': '陆', '賈': '贾', '韋': '韦', '鄒': '邹', '龍': '龙', '顧': '顾', '錢': '钱',
	'龔': '龚', '萬': '万', '嚴': '严', '湯': '汤', '聶': '聂', '魯': '鲁',
	'歐': '欧', '關': '关', '蘭': '兰', '齊': '齐', '喬': '乔', '閆': '闫', '賴': '赖',
}

// foldHant folds a line's traditional characters (see hantFold).
func foldHant(s string) string {
	for i, r := range s {
		if _, ok := hantFold[r]; ok {
			b := []byte(s)
			for j, r := range s[i:] {
				if f, ok := hantFold[r]; ok {
					utf8.EncodeRune(b[i+j:], f)
				}
			}
			return string(b)
		}
	}
	return s
}

// Latin credit lines: "Translated by X", "Edited by X", "Photo: X",
// "Source: Y", alone or several in one line ("Translated by X. Edited by
// Y.", "September 28, 2021 · Source: Y").
var reLatinCredit = regexp.MustCompile(`(?i)(?:^|[·•|;]\s*|[.,]\s+|\s[-–—]\s)(translated by|translation by|translation\s*:|translator\s*:|edited by|editing by|editor\s*:|photos? by|photographs? by|photography by|pictures? by|images? by|photos?\s*:|photo credit\s*:|source\s*:)\s*`)

// latinCredit is what one Latin credit line says.
type latinCredit struct {
	credits []credit
	source  string
}

// englishCredit reads the credits of a Latin credit line; ok is false
// when it holds none.
func englishCredit(t string) (lc latinCredit, ok bool) {
	if len(t) > 400 {
		return lc, false
	}
	ms := reLatinCredit.FindAllStringSubmatchIndex(t, 4)
	for k, m := range ms {
		seg := t[m[1]:]
		if k+1 < len(ms) {
			seg = t[m[1]:ms[k+1][0]]
		}
		key := strings.ToLower(t[m[2]:m[3]])
		var role Role
		switch {
		case strings.HasPrefix(key, "transl"):
			role = RoleTranslator
		case strings.HasPrefix(key, "edit"):
			role = RoleEditor
		case strings.HasPrefix(key, "source"):
			if s := latinSource(seg); s != "" && lc.source == "" {
				lc.source, ok = s, true
			}
			continue
		default:
			role = RolePhotographer
		}
		for _, n := range latinNames(seg) {
			lc.credits = append(lc.credits, credit{n, role})
			ok = true
		}
	}
	return lc, ok
}

var reSourceStop = regexp.MustCompile(`\s*(?:[·•|;(\[]|\s[-–—]\s|\d)`)

// latinSource reads the outlet named after "Source:".
func latinSource(seg string) string {
	if loc := reSourceStop.FindStringIndex(seg); loc != nil {
		seg = seg[:loc[0]]
	}
	seg = strings.Trim(strings.TrimSpace(seg), ".,:")
	if seg == "" || utf8.RuneCountInString(seg) > 60 || len(strings.Fields(seg)) > 6 {
		return ""
	}
	return seg
}
