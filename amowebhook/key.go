package amowebhook

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventKey is the deterministic name of one event for one method:
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
func EventKey(account, method string, e Event, receivedAt time.Time, window time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "wh-%s-%s-%s%d", account, method, singular(e.Entity), e.ID)
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

// DeliveryKey names a delivery by the keys of its events (in any order):
// a redelivery gets the same name.
func DeliveryKey(account, method string, eventKeys []string) string {
	sorted := slices.Sorted(slices.Values(eventKeys))
	return fmt.Sprintf("whd-%s-%s-%s", account, method, Digest(sorted...))
}

// Digest is 64 bits of SHA-256 over the parts, in hex; ("ab","c") and
// ("a","bc") differ.
func Digest(parts ...string) string {
	buf := make([]byte, 0, 256)
	for _, p := range parts {
		buf = binary.AppendUvarint(buf, uint64(len(p)))
		buf = append(buf, p...)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8])
}

func singular(entity string) string {
	switch entity {
	case Leads:
		return "lead"
	case Contacts:
		return "contact"
	case Companies:
		return "company"
	}
	return entity
}
