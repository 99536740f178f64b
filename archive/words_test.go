package archive

import "github.com/annals/annals/extract"

// Vocabularies for synthetic pages and articles.
var (
	chineseWords = []string{"通辽", "人大", "代表", "会议", "经济", "发展", "生态", "治理", "草原", "农牧民", "党委", "政府", "改革",
		"开放", "教育", "医疗", "交通", "建设", "项目", "投资", "企业", "文化", "旅游", "科技", "创新", "乡村", "振兴", "扶贫",
		"环境", "保护", "水利", "农业", "工业", "城市", "社区", "服务", "安全", "群众", "干部", "学习", "贯彻", "落实", "精神",
		"推进", "加强", "提高", "完善", "实施", "举行", "召开", "审议", "通过", "报告", "工作", "任务", "目标", "全面", "深化"}
	englishWords = []string{"council", "election", "budget", "river", "policy", "report", "meeting", "growth", "school", "hospital",
		"road", "project", "market", "farmers", "water", "energy", "climate", "court", "police", "tax", "housing", "museum",
		"festival", "railway", "airport", "export", "harvest", "drought", "flood", "vaccine", "research", "students"}
)

// sameStory is an article whose content stays the same.
var sameStory = extract.Article{Title: "通辽市第五次党代会开幕", Body: "大会开幕。\n\n人大代表列席会议。", Language: "zh"}
