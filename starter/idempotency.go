package starter

import (
	"context"
	"net/http"
	"time"

	"amoflow/workflows"
)

// Idempotency binds a job named by a client's Idempotency-Key to a digest
// of the request it was first sent with (*store.DB does, in Postgres).
type Idempotency interface {
	BindIdempotencyKey(ctx context.Context, jobID string, digest []byte, ttl time.Duration) (same bool, err error)
}

// idempotencyHeader is the header a client names its request with.
const idempotencyHeader = "Idempotency-Key"

// checkIdempotency refuses a key reused with another body (422). It is
// called only for requests that carry the header, before publishing: the
// key is bound to its first body even when that body could not be stored,
// so a retry must send the same body (which is what a retry is).
func (s *server) checkIdempotency(ctx context.Context, jobID string, digest []byte) *problem {
	if s.idem == nil {
		return nil
	}
	same, err := s.idem.BindIdempotencyKey(ctx, jobID, digest, s.cfg.Inbound.IdempotencyTTL)
	if err != nil {
		s.log.Error("idempotency key not checked", "job_id", jobID, "err", err)
		return notStored()
	}
	if !same {
		return &problem{Type: problemType + "idempotency-key-reused", Title: "Idempotency key reused", Status: http.StatusUnprocessableEntity,
			Field:  idempotencyHeader,
			Detail: "this " + idempotencyHeader + " was first sent with another body; use a new key for a new request"}
	}
	return nil
}

// formDigest is the digest of a form as it is stored: its account and
// cleaned fields, so the same form in another encoding or key order is the
// same body.
func formDigest(account string, fields map[string]string) []byte {
	h := workflows.NewIDHash()
	h.Add("form-body/v1")
	h.Add(account)
	h.AddFields(fields)
	return h.Sum()
}
