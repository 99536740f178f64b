package extract

import (
	"reflect"
	"testing"
)

func TestChineseCredits(t *testing.T) {
	for _, tc := range []struct {
		line   string
		want   []credit
		source string
	}{
		{"本报讯(记者 赵彦臻) 9月27日上午", []credit{{"赵彦臻", RoleReporter}}, ""},
		{"本报记者 张启民 宋悦 摄", []credit{{"张启民", RolePhotographer}, {"宋悦", RolePhotographer}}, ""},
		{"（记者 张三 李四）", []credit{{"张三", RoleReporter}, {"李四", RoleReporter}}, ""},
		{"（记者　张三、李四　通讯员　王五）", []credit{{"张三", RoleReporter}, {"李四", RoleReporter}, {"王五", RoleCorrespondent}}, ""},
		{"新华社记者 赵六 摄", []credit{{"赵六", RolePhotographer}}, ""},
		{"文/孙七 图/周八", []credit{{"孙七", RoleAuthor}, {"周八", RolePhotographer}}, ""},
		{"(文/图 刘玺东 易赛楠)", []credit{{"刘玺东", RoleAuthor}, {"易赛楠", RoleAuthor}}, ""},
		{"责任编辑：郑十", []credit{{"郑十", RoleEditor}}, ""},
		{"来源：新华社 作者：李在山", []credit{{"李在山", RoleAuthor}}, "新华社"},
		{"2019-09-26 12:11来源：证券时报网作者：李在山", []credit{{"李在山", RoleAuthor}}, "证券时报网"},
		{"本报记者罗科苏盈发自北京", []credit{{"罗科苏盈", RoleReporter}}, ""},
		{"（姚峰 上海报道）", []credit{{"姚峰", RoleReporter}}, ""},
		{"编辑：宪瑞 人气：1234", []credit{{"宪瑞", RoleEditor}}, ""},
		{"记者从市教育局获悉，今年秋季开学", nil, ""},
		{"本报记者近日走访了多家企业", nil, ""},
		{"来源：通辽日报", nil, "通辽日报"},
		{"来源: 尹娟", []credit{{"尹娟", RoleAuthor}}, ""},
		{"本網訊（記者 林嘉欣）9月23日", []credit{{"林嘉欣", RoleReporter}}, ""},
		{"來源：西遼河新聞網", nil, "西遼河新聞網"},
		{"本报记者 其其格", []credit{{"其其格", RoleReporter}}, ""},
		{"文章很值，打赏犒劳作者一下", nil, ""},
		// A wiki's menu and counters are no editor credits.
		{"蔡健雅 编辑 锁定 讨论", nil, ""},
		{"浏览次数： 次 编辑次数：155次 历史版本", nil, ""},
		{"编辑 王丽", []credit{{"王丽", RoleEditor}}, ""},
		{"编辑：其其格", []credit{{"其其格", RoleEditor}}, ""},
		{"本报讯记者张三报道", []credit{{"张三", RoleReporter}}, ""},
		{"本报实习生 刘国栋 周炜", []credit{{"刘国栋", RoleCorrespondent}, {"周炜", RoleCorrespondent}}, ""},
		{"执笔人：闵乐夫 赵兰波", []credit{{"闵乐夫", RoleAuthor}, {"赵兰波", RoleAuthor}}, ""},
	} {
		got, src := chineseCredits(tc.line)
		if !reflect.DeepEqual(got, tc.want) || src != tc.source {
			t.Errorf("chineseCredits(%q) = %v, %q; want %v, %q", tc.line, got, src, tc.want, tc.source)
		}
	}
}

func TestLatinNames(t *testing.T) {
	for in, want := range map[string][]string{
		"By Jane Doe and John Roe":                {"Jane Doe", "John Roe"},
		"By JANE DOE, Reuters":                    {"JANE DOE", "Reuters"},
		"Von Max Mustermann und Erika Musterfrau": {"Max Mustermann", "Erika Musterfrau"},
		"By Jane Doe | September 28, 2021":        {"Jane Doe"},
		"Ludwig van Beethoven":                    {"Ludwig van Beethoven"},
		"Zhao Min":                                {"Zhao Min"},
		"stol.it / Suedtirol Online":              nil,
		"Staff":                                   nil,
		"https://example.com/authors/jane":        nil,
		"Posted on September 28, 2021":            nil,
		"this is a sentence and not a name":       nil,
	} {
		if got := latinNames(in); !reflect.DeepEqual(got, want) {
			t.Errorf("latinNames(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnglishCredit(t *testing.T) {
	for _, tc := range []struct {
		line   string
		want   []credit
		source string
	}{
		{"Translated by Lucy Zhang. Edited by Paul King.", []credit{{"Lucy Zhang", RoleTranslator}, {"Paul King", RoleEditor}}, ""},
		{"Photo: Tom Baker", []credit{{"Tom Baker", RolePhotographer}}, ""},
		{"Photos by Tom Baker/Xinhua", []credit{{"Tom Baker", RolePhotographer}}, ""},
		{"September 28, 2021 · Source: Tongliao Daily · 4633 views", nil, "Tongliao Daily"},
		{"The source: a report", nil, ""},
		{"He edited by hand the photos of the day.", nil, ""},
	} {
		got, _ := englishCredit(tc.line)
		if !reflect.DeepEqual(got.credits, tc.want) || got.source != tc.source {
			t.Errorf("englishCredit(%q) = %v, %q; want %v, %q", tc.line, got.credits, got.source, tc.want, tc.source)
		}
	}
}

func FuzzChineseCredits(f *testing.F) {
	for _, s := range []string{"本报讯(记者 赵彦臻)", "本报记者 张启民 宋悦 摄", "文/孙七 图/周八", "责任编辑：郑十 来源：新华社", "记者记者记者", "（）摄"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, _ := chineseCredits(s)
		for _, c := range cs {
			if c.name == "" || c.role == "" {
				t.Errorf("chineseCredits(%q) gave an empty credit %+v", s, c)
			}
		}
		latinNames(s)
		englishCredit(s)
	})
}

func TestPoster(t *testing.T) {
	for in, want := range map[string]string{
		"〓 网易娱乐 留言板 发布时间 2005/05/17 22:11:42 by 眉间尺 〓":  "眉间尺",
		"本贴由大卫于2005年8月12日16:12:21在〖心灵体操〗发表.":            "大卫",
		"ggjjzhzz 发表于 2005-9-15 11:46:00":               "ggjjzhzz",
		"楼主：海姑娘 2006-12-20 10:00":                       "海姑娘",
		"发布时间：2021-09-28 09:47":                         "",
		"Posted by admin on September 28, 2021 at 9:47": "",
	} {
		if got := poster(in); got != want {
			t.Errorf("poster(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSiteDomain(t *testing.T) {
	for in, want := range map[string]string{
		"blog.wenxuecity.com": "wenxuecity.com", "members.wenxuecity.com": "wenxuecity.com",
		"www.example.com.cn": "example.com.cn", "news.bbc.co.uk": "bbc.co.uk", "localhost": "localhost",
	} {
		if got := siteDomain(in); got != want {
			t.Errorf("siteDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

// Photographers credited under several pictures keep the page's order on
// every run: the archive would see a new version if they were shuffled.
func TestBylines_CaptionOrder(t *testing.T) {
	const page = `<html lang="zh"><head><meta charset="utf-8"><title>通辽市召开全市经济工作会议_通辽日报</title></head><body>
<div class="content"><h1>通辽市召开全市经济工作会议</h1>
<p>本报讯(记者 赵彦臻)近日，通辽市召开全市经济工作会议，会议总结了今年以来全市经济工作，分析了当前经济形势，部署了明年经济工作。会议强调，要坚持稳中求进工作总基调，推动经济高质量发展。</p>
<p><img src="/a.jpg"></p><p align="center">会议现场。 王小明 摄</p>
<p>会议指出，今年以来，全市上下认真贯彻落实党中央决策部署，统筹推进疫情防控和经济社会发展，经济运行总体平稳、稳中有进，各项事业取得新成效，人民生活水平不断提高。</p>
<p><img src="/b.jpg"></p><p align="center">与会人员认真听讲。 李大山 摄</p>
<p><img src="/c.jpg"></p><p align="center">分组讨论现场。 周立新 摄</p>
<p><img src="/d.jpg"></p><p align="center">会前交流。 孙立平 摄</p>
<p>会议要求，各地各部门要切实增强责任感紧迫感，以更加饱满的精神状态、更加务实的工作作风，全力以赴抓好各项工作落实，确保明年经济工作开好局起好步，为全面建设社会主义现代化国家作出新贡献。</p>
</div></body></html>`
	want := []Byline{{"赵彦臻", RoleReporter}, {"王小明", RolePhotographer}, {"李大山", RolePhotographer},
		{"周立新", RolePhotographer}, {"孙立平", RolePhotographer}}
	for range 30 {
		a, err := Extract([]byte(page), "https://www.example.cn/a.html", "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Bylines, want) {
			t.Fatalf("bylines = %v, want %v", a.Bylines, want)
		}
	}
}
