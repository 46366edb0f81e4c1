// Package amofake is an in-memory amoCRM (REST API v4, plus the few legacy v2
// calls the integration makes) for tests and local work.
//
// One [Server] serves several accounts on one port, each under its own path
// prefix: an account's base_url is http://host:port/{subdomain}, so a client
// calls {base_url}/oauth2/access_token and {base_url}/api/v4/....
//
// The fake behaves the way shared/spec/amocrm-api.md says amoCRM does:
// one-time refresh tokens, a per-account request budget answered with an
// HTML 429, 204 with an empty body for empty lists and missing ids, 400
// validation errors for unknown custom fields, a fuzzy query= search that
// also returns near misses, HAL JSON bodies. Tests drive and inspect it
// through Go methods (inspect.go, faults.go) or, when it runs as a separate
// process, through the same operations under /_fake/ (fakehttp.go).
//
// Files: server.go routes and the request pipeline (faults, rate limit,
// auth, call log); oauth.go tokens; account.go per-account state; input.go
// request decoding and validation; output.go responses and lists; one file
// per entity family (leads.go, contacts.go, notes.go, tasks.go, links.go,
// catalogs.go, meta.go for users, tags, custom fields and events).
package amofake
