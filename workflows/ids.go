package workflows

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"amoflow/amowebhook"
	"amoflow/phone"
)

// Every job id and child workflow id scheme, in one place
// (docs/architecture.md#job-ids). A job id is the Temporal workflow id, and
// Temporal runs one workflow per id: the ids are deterministic so that a
// double submit, a site retrying a request or a redelivered webhook maps to
// the job already started.
//
// WARNING: changing how any of these ids is built (a prefix, the hashed
// parts, their order, the form/v1 or 1c/v1 salt, the dedup window) breaks
// duplicate detection for work in flight: a redelivery or a resubmission
// that arrives after the deploy gets a new id and runs again. ids_test.go
// pins every format byte for byte; if you must change one, bump the salt,
// deploy when the queues are empty and no webhook retries are pending, and
// say so in the commit.

// maxKeyLen bounds an Idempotency-Key used verbatim in an id.
const maxKeyLen = 64

// FormJobID is form-{account}-{key} for a client's Idempotency-Key, else
// form-{account}-{hash of the submission}. The hash covers the account, the
// contact keys, the form name, every field and the dedup window the
// submission arrived in: identical submissions within one window share a job.
// Two identical submissions on either side of a window edge get two jobs;
// the lead flow then merges the second into the first lead.
func FormJobID(account, idempotencyKey string, fields map[string]string, at time.Time, window time.Duration) string {
	return FormJobIDSorted(account, idempotencyKey, fields, nil, at, window)
}

// FormJobIDSorted is FormJobID given the keys of fields in sorted order
// (nil: sorted here). The starter sorts them once for the id and the message.
func FormJobIDSorted(account, idempotencyKey string, fields map[string]string, keys []string, at time.Time, window time.Duration) string {
	if idempotencyKey != "" {
		return "form-" + account + "-" + sanitizeKey(idempotencyKey)
	}
	var buf [1024]byte // on the stack: a form's id is made per request
	b := appendPart(buf[:0], "form/v1")
	b = appendPart(b, account)
	b = appendPart(b, phone.Normalize(fields["phone"]))
	b = appendPart(b, FormEmail(fields["email"]))
	b = appendPart(b, fields["form_name_site"])
	if keys == nil {
		var buf [48]string
		keys = SortedKeys(buf[:0], fields)
	}
	for _, k := range keys {
		b = appendPart(b, k)
		b = appendPart(b, fields[k])
	}
	b = appendPart(b, windowNumber(at, window))
	return hexID(b, "form-", account, "-")
}

// OneCJobID is 1c-{slug}-{key} for a caller's Idempotency-Key, else
// 1c-{slug}-{hash of the input and the dedup window}: 1C sending the same
// object twice in a window gets the same job (and its result).
func OneCJobID(slug, key string, input any, at time.Time, window time.Duration) string {
	if key = strings.TrimSpace(key); key != "" {
		return "1c-" + slug + "-" + sanitizeKey(key)
	}
	b, _ := json.Marshal(input)
	h := NewIDHash()
	h.Add("1c/v1")
	h.Add(slug)
	h.Add(string(b))
	h.Add(windowNumber(at, window))
	return "1c-" + slug + "-" + h.Hex()
}

// ManagersKey is the key of the managers list's job (slug managers, id
// 1c-managers-{Unix minute}): one job per minute serves every caller.
func ManagersKey(now time.Time) string {
	return strconv.FormatInt(now.Unix()/60, 10)
}

// ContactLeadsKey is the key of a contact's leads job for getLeads.php
// (slug contact-leads, id 1c-contact-leads-{contact}-{Unix minute}): one
// read per contact and minute serves every widget open on it.
func ContactLeadsKey(contactID int64, now time.Time) string {
	return strconv.FormatInt(contactID, 10) + "-" + strconv.FormatInt(now.Unix()/60, 10)
}

// LeadTasksKey is the key of a lead's tasks job for GET /api/leadtasks/{id}
// (slug lead-tasks, id 1c-lead-tasks-{lead}-{Unix minute}): one read per
// lead and minute serves every caller.
func LeadTasksKey(leadID int64, now time.Time) string {
	return strconv.FormatInt(leadID, 10) + "-" + strconv.FormatInt(now.Unix()/60, 10)
}

// DashboardKey is the key of a dashboard's job (slug dashboard, id
// 1c-dashboard-{name}-{from}-{to}-{period}): the figures of one range are
// computed once per ttl (the period is the Unix time divided by it), or
// once per minute when refresh asks for fresh ones (-r{Unix minute}). from
// and to are dates the starter validated (YYYY-MM-DD), the name a
// configured dashboard's: nothing a caller typed reaches the id unchecked.
func DashboardKey(name, from, to string, now time.Time, ttl time.Duration, refresh bool) string {
	key := name + "-" + from + "-" + to + "-"
	if refresh {
		return key + "r" + strconv.FormatInt(now.Unix()/60, 10)
	}
	return key + strconv.FormatInt(now.Unix()/int64(max(ttl, time.Minute)/time.Second), 10)
}

// EventJobID is the deterministic name of one webhook event for one method,
// the id of the child workflow that handles it:
//
//	wh-{account}-{method}-{entity}{id}[-st{status}][-from{old status}]-at{modified}
//
// The modification time (last_modified, updated_at) is what tells a
// redelivery (same time: same key) from a second real change (later time:
// another key). Digital-pipeline hooks carry no time; their key ends in
// -win{start} instead, the start of the dedup window the delivery arrived
// in, so the same hook posted twice within the window is one job, and a
// second real stage change after it is another. (Those hooks are sent once
// and never retried; the flows behind them are idempotent, so a change
// inside the window that collapses into the first job loses nothing.)
func EventJobID(account, method string, e amowebhook.Event, receivedAt time.Time, window time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "wh-%s-%s-%s%d", account, method, singularEntity(e.Entity), e.ID)
	if e.StatusID != 0 {
		fmt.Fprintf(&b, "-st%d", e.StatusID)
	}
	if e.OldStatusID != 0 {
		fmt.Fprintf(&b, "-from%d", e.OldStatusID)
	}
	if at := e.ModifiedAt(); at != 0 {
		fmt.Fprintf(&b, "-at%d", at)
	} else {
		if window <= 0 {
			window = time.Second
		}
		fmt.Fprintf(&b, "-win%d", receivedAt.Truncate(window).Unix())
	}
	return b.String()
}

// FlatEventJobID names a flat webhook request (change_resp): the event id of
// lead id, plus a digest of the contract uid and the new responsible.
func FlatEventJobID(account, method string, leadID int64, uid, resp string, receivedAt time.Time, window time.Duration) string {
	e := amowebhook.Event{Entity: amowebhook.Leads, ID: leadID}
	return EventJobID(account, method, e, receivedAt, window) + "-" + Digest(uid, resp)
}

// FlatFormJobID names a flat form posted to a webhook method (the payment
// forms): wh-{account}-{method}-{name}-win{start of the dedup window},
// name a digest of the form's fields (never a phone or an email), so the
// same form posted twice within inbound.dedup_window is one job.
func FlatFormJobID(account, method, name string, receivedAt time.Time, window time.Duration) string {
	if window <= 0 {
		window = time.Second
	}
	return fmt.Sprintf("wh-%s-%s-%s-win%d", account, method, name, receivedAt.Truncate(window).Unix())
}

// DeliveryJobID names a webhook delivery (the HandleWebhook job) by the ids
// of its events, in any order: a redelivery gets the same name.
func DeliveryJobID(account, method string, eventIDs []string) string {
	sorted := slices.Sorted(slices.Values(eventIDs))
	return fmt.Sprintf("whd-%s-%s-%s", account, method, Digest(sorted...))
}

// LeadEventJobID names the event of a method that runs once per lead,
// whichever delivery names it (initial_lead: a lead added, or made by
// accepting an unsorted entry): wh-{account}-{method}-lead{id}, no time.
func LeadEventJobID(account, method string, leadID int64) string {
	return fmt.Sprintf("wh-%s-%s-lead%d", account, method, leadID)
}

// LeadRerunJobID names a deliberate re-run of a method that runs once per
// lead (the old GET /wh/leadprocessor/{id}):
// wh-{account}-{method}-lead{id}-rerun-win{start of the dedup window}.
// Clicks within inbound.dedup_window are one job; a later re-run is
// another, and never the lead's first run (LeadEventJobID).
func LeadRerunJobID(account, method string, leadID int64, at time.Time, window time.Duration) string {
	if window <= 0 {
		window = time.Second
	}
	return fmt.Sprintf("%s-rerun-win%d", LeadEventJobID(account, method, leadID), at.Truncate(window).Unix())
}

// UnsortedEventJobID names the event of an unsorted entry (unsorted_accept):
// wh-{account}-{method}-unsorted-{digest of its uid}; an entry is handled once.
func UnsortedEventJobID(account, method, uid string) string {
	return "wh-" + account + "-" + method + "-unsorted-" + Digest(uid)
}

// Child workflow ids of OrderFrom1C: made of the objects the child is about,
// not of the parent's id, so a replay (which runs under another id) issues
// the same command and a re-run of the parent finds its child.
func orderClientID(leadID, clientID string) string {
	return "1c-order-" + leadID + "-client-" + clientID
}

func orderCompanyID(leadID, companyID string) string {
	return "1c-order-" + leadID + "-company-" + companyID
}

func orderCourseID(leadID, productID string) string {
	return "1c-order-" + leadID + "-course-" + productID
}

// Digest is 64 bits of SHA-256 over the parts, in hex; ("ab","c") and
// ("a","bc") differ. Also used for the lease keys (serialize.go).
func Digest(parts ...string) string {
	buf := make([]byte, 0, 256)
	for _, p := range parts {
		buf = binary.AppendUvarint(buf, uint64(len(p)))
		buf = append(buf, p...)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8])
}

func singularEntity(entity string) string {
	switch entity {
	case amowebhook.Leads:
		return "lead"
	case amowebhook.Contacts:
		return "contact"
	case amowebhook.Companies:
		return "company"
	}
	return entity
}

// windowNumber is the number of the dedup window at falls in.
func windowNumber(at time.Time, window time.Duration) string {
	if window <= 0 {
		window = time.Nanosecond
	}
	return strconv.FormatInt(at.UnixNano()/int64(window), 10)
}

// sanitizeKey keeps a short key of URL-safe characters as it is (it appears in
// status_url); any other key is replaced by its hash, so two distinct keys
// never collapse into one.
func sanitizeKey(key string) string {
	if len(key) <= maxKeyLen && safeKey(key) {
		return key
	}
	h := NewIDHash()
	h.Add(key)
	return h.Hex()
}

func safeKey(key string) bool {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
			return false
		}
	}
	return true
}

// IDHash writes length-prefixed parts, so that ("ab","c") and ("a","bc")
// differ. The starter also uses it to bind an Idempotency-Key to its body.
type IDHash struct{ buf []byte }

// NewIDHash is an empty IDHash.
func NewIDHash() *IDHash { return &IDHash{buf: make([]byte, 0, 512)} }

// Add adds one part.
func (h *IDHash) Add(s string) { h.buf = appendPart(h.buf, s) }

// AddFields adds every field, key then value, in key order.
func (h *IDHash) AddFields(fields map[string]string) {
	for _, k := range SortedKeys(nil, fields) {
		h.Add(k)
		h.Add(fields[k])
	}
}

// appendPart appends s with its length in front. The id functions called
// per request append to a buffer on their stack, which IDHash's methods
// would move to the heap.
func appendPart(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// SortedKeys appends the keys of fields to dst, sorted.
func SortedKeys(dst []string, fields map[string]string) []string {
	for k := range fields {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst
}

// hexID is the concatenation of prefix and 128 bits of the SHA-256 of b in
// hex (IDHash.Hex), in one allocation.
func hexID(b []byte, prefix ...string) string {
	n := 32
	for _, p := range prefix {
		n += len(p)
	}
	id := make([]byte, 0, n)
	for _, p := range prefix {
		id = append(id, p...)
	}
	sum := sha256.Sum256(b)
	id = hex.AppendEncode(id, sum[:16])
	return unsafe.String(unsafe.SliceData(id), len(id))
}

// Sum is the SHA-256 of what was added.
func (h *IDHash) Sum() []byte {
	s := sha256.Sum256(h.buf)
	return s[:]
}

// Hex is 128 bits of the SHA-256, in hex.
func (h *IDHash) Hex() string { return hexID(h.buf) }

// UchebaFormJobID names the site form made of one ucheba.ru request:
// form-{account}-ucheba-{institution}-{activity id}. The request (ucheba.ru's
// activity: a learning request or a question) has its own id, so the
// nightly run, a second run of the same day, a manual trigger and a
// backfill all name the same job, and Temporal starts it once.
func UchebaFormJobID(account string, institution, activityID int64) string {
	return fmt.Sprintf("form-%s-ucheba-%d-%d", account, institution, activityID)
}

// UchebaImportJobID names a by-hand import of one day (GET /wh/nightly,
// amoflow import ucheba): ucheba-import-{YYYY-MM-DD}. The Schedule's runs
// are named by Temporal instead ({schedule action id}-{scheduled time}).
func UchebaImportJobID(day string) string {
	return "ucheba-import-" + day
}
