// Package amocrm is amoflow's client for the amoCRM REST API v4.
//
// It covers what the flows need: leads, contacts and companies (get by id,
// list by ids, search, create and update in batches of at most 50, and
// POST /leads/complex), notes, tasks, links, tags, custom-field lists,
// catalog elements (including the legacy v2 delete), users, events and
// accepting unsorted leads. Lists follow _links.next.href until it is
// absent or amoCRM answers 204.
//
// Tokens live in Postgres (see TokenSource): a refresh is one serialized,
// persisted step per account across all processes, because amoCRM refresh
// tokens are single-use and a lost pair locks the integration out. A 401 from
// the API triggers at most one forced refresh and one retry.
//
// amoCRM answers an empty list, a search without hits and a missing entity
// with 204 and no body. List and search calls then return a nil slice and no
// error; get-by-id calls return an error matching ErrNotFound.
//
// Tokens are refreshed at a fraction of their lifetime (half by default), and
// a pair whose refresh failed keeps being used until it expires, so a lost
// rotation or a bad client secret leaves hours to react. A 403 (amoCRM's
// HTML page: the account is blocked) opens the account's Breaker, shared by
// every process through Postgres.
//
// Errors are *Error values classified by Retryable (see IsRetryable), or one
// of the errors that pause the account's work rather than fail it (see
// Paused): ReauthError (wraps ErrReauthRequired; an operator must authorize
// the account again), ConfigError (amoCRM rejects the client credentials) and
// BlockedError. AccountStatuses reports the state behind them. No error or
// log message carries tokens, query strings or request bodies.
package amocrm
