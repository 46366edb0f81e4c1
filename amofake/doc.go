// Package amofake is an in-memory amoCRM (REST API v4, plus the few legacy v2
// calls the integration makes) for tests and local work.
//
// One [Server] serves several accounts on one port, each under its own path
// prefix: an account's base_url is http://host:port/{subdomain}, so a client
// calls {base_url}/oauth2/access_token and {base_url}/api/v4/....
//
// The fake behaves the way docs/architecture.md#amocrm-behaviour says amoCRM does:
// one-time refresh tokens and the exact 401 bodies; a budget of RPS API
// requests per second per account, past which it answers 429 with an HTML
// page and no Retry-After; 204 with an empty body for empty lists, searches
// without a hit and GETs of a missing id; 400 "validation-errors" for
// unknown custom fields, missing data and batches over 50; a fuzzy query=
// search that also returns contacts whose phone merely contains the digits
// searched; HAL JSON answers with absolute _links. Each kind of entity of
// each account has its own id range, so a lead id used as a contact id, or
// one account's id in the other account, finds nothing.
//
// Account routes (under /{subdomain}):
//
//	POST  /oauth2/access_token
//	GET|POST|PATCH /api/v4/{leads,contacts,companies}[/{id}]
//	POST  /api/v4/leads/complex, /api/v4/leads/unsorted/forms, /api/v4/leads/unsorted/{uid}/accept
//	GET|POST /api/v4/{entity}/notes, /api/v4/{entity}/{id}/notes; GET /api/v4/{entity}/{id}/notes/{note}
//	GET   /api/v4/{entity}/{id}/links; POST /api/v4/{entity}[/{id}]/link, …/unlink
//	GET|POST|PATCH /api/v4/tasks[/{id}]
//	GET|POST /api/v4/{entity}/tags, /api/v4/{entity}/custom_fields
//	GET   /api/v4/catalogs[/{cat}], /api/v4/catalogs/{cat}/custom_fields
//	GET|POST|PATCH /api/v4/catalogs/{cat}/elements[/{id}]
//	GET|POST /api/v2/catalog_elements
//	GET   /api/v4/users[/{id}], /api/v4/account, /api/v4/events
//
// Tests look into an account and seed it with Go methods (inspect.go) and
// inject failures with SetFaults (faults.go). A fake running as its own
// process (amoflow fake-amo) offers the same under /_fake/ (fakehttp.go;
// GET /_fake/ lists the routes).
//
// Files: server.go routes and the request pipeline (faults, rate limit,
// auth, call log); oauth.go tokens; account.go per-account state and links;
// input.go request decoding and validation; output.go answers, lists and
// search; entities.go the endpoints leads, contacts and companies share;
// then one file per entity family.
package amofake
