// Package extract turns the raw bytes of one HTML page into an Article: its
// headline, kicker and subtitle, publish and modify times, bylines, credited
// source, body text, images with captions and credits, and page metadata.
//
// Promises:
//   - extract never does I/O: callers hand it bytes, a URL and the HTTP
//     Content-Type, and get an Article back;
//   - input may be in any encoding (UTF-8 with or without BOM, GBK/GB2312/
//     GB18030, Big5, Shift_JIS, windows-1252, …) declared in the header, in a
//     <meta> anywhere in <head>, or not at all; the Article says how the
//     charset was decided and never carries mojibake;
//   - any input returns promptly: malformed HTML, binary bodies and huge or
//     deeply nested pages give an error or an empty Article, never a panic,
//     in time linear in the input size;
//   - an Extractor is safe for concurrent use; Rules are read-only once
//     parsed.
//
// Files, one concern each:
//   - article.go: the Article type, shared with the archive;
//   - charset.go: Decode, the charset decision and sniffing;
//   - dom.go: one non-recursive walk of the parsed page into lines and
//     elements, with class/id hints and head metadata;
//   - body.go: scoring lines and containers, the body, captions and images;
//   - title.go: headline, kicker and subtitle;
//   - date.go: date and time formats; meta.go: JSON-LD, dates, bylines,
//     language;
//   - byline.go: Chinese credit lines (simplified and traditional), Latin
//     "By" names and credit lines (Translated by, Photo:, Source:);
//   - thread.go: forum threads and blog posts: the first post, its poster
//     and its stamp;
//   - rules.go: per-site rules files (TOML, YAML);
//   - extract.go: Options, Extractor and the order of the steps.
package extract
