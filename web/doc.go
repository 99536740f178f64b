// Package web is annals' local web app for researchers: a search page
// with filters and result counts, article pages with their version
// timeline, bylines, captures and a diff between any two versions,
// exports of the current search, a view of each archived page as it was
// captured, and the JSON API behind them (/api/search, /api/articles/{id},
// /api/articles/{id}/versions, /api/articles/{id}/diff).
//
// Promises:
//   - it only reads the archive (open it ReadOnly: archive upgrades the
//     schema of an archive an older annals wrote as it opens, nothing
//     else); every route answers GET and HEAD only, apart from the token
//     login form;
//   - all archived text is escaped by html/template; archived pages are
//     shown only sanitised (bluemonday), with their scripts, styles,
//     frames, forms and event handlers removed, their links made inert and
//     their images either inlined from the archive as data: URIs or
//     dropped, in an <iframe sandbox> served from its own path under a
//     Content-Security-Policy that allows no script and no fetch: nothing
//     archived runs or reaches the network;
//   - every response carries a Content-Security-Policy, frame-ancestors
//     rules, X-Content-Type-Options: nosniff and no-referrer;
//   - with a token (Options.Token), every request must present it (an
//     Authorization: Bearer header or the cookie the login form sets),
//     compared in constant time and never logged; without one, only
//     requests addressed to a loopback host name are answered, so that a
//     web page cannot reach the archive through DNS rebinding.
//
// Files: server.go (routes, middleware, auth), params.go (query-string
// parsing), api.go (the JSON API and its types, which annals search, show
// and history print too), pages.go (HTML pages), archived.go (the
// sanitised archived page), export.go (CSV/JSON export of a search),
// templates/ and static/ (embedded; no build step).
package web
