package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoToken reports that no OAuth token has been stored for an account yet.
var ErrNoToken = errors.New("store: no token stored for account")

// Token is one account's row in amo_tokens, exactly as stored: the package
// does not interpret or decrypt the token strings.
//
// Version identifies the token pair: it grows by one whenever the pair is
// replaced and stays put when only NeedsReauth changes, so a caller can tell
// whether the pair it used is still the current one.
type Token struct {
	Account      string
	AccessToken  string
	RefreshToken string // empty for long-lived tokens
	ExpiresAt    time.Time
	Version      int64
	NeedsReauth  string // why an operator must re-authorize; empty when usable
	UpdatedAt    time.Time
	// IssuedAt is when the current pair was obtained; zero for rows written
	// before it was recorded.
	IssuedAt time.Time
	// RefreshError is why the last refresh failed, until one succeeds.
	RefreshError   string
	RefreshErrorAt time.Time
}

// commitTimeout bounds a commit that outlives its caller's context.
const commitTimeout = 30 * time.Second

const tokenColumns = `account, access_token, refresh_token, expires_at, version, needs_reauth, updated_at,
	issued_at, refresh_error, refresh_error_at`

func scanToken(row pgx.Row) (Token, error) {
	var t Token
	var issued, errAt *time.Time
	err := row.Scan(&t.Account, &t.AccessToken, &t.RefreshToken, &t.ExpiresAt, &t.Version, &t.NeedsReauth, &t.UpdatedAt,
		&issued, &t.RefreshError, &errAt)
	if issued != nil {
		t.IssuedAt = *issued
	}
	if errAt != nil {
		t.RefreshErrorAt = *errAt
	}
	return t, err
}

// Token reads an account's token without locking it.
func (db *DB) Token(ctx context.Context, account string) (Token, error) {
	t, err := scanToken(db.Pool.QueryRow(ctx,
		`SELECT `+tokenColumns+` FROM amo_tokens WHERE account = $1`, account))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, fmt.Errorf("%w %q", ErrNoToken, account)
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: read token %q: %w", account, err)
	}
	return t, nil
}

// PutToken stores a new token pair for an account, creating the row if
// needed, bumping its version and clearing any re-authorization mark. It is
// how an operator's authorization replaces whatever was there.
func (db *DB) PutToken(ctx context.Context, account, access, refresh string, expiresAt time.Time) (Token, error) {
	t, err := scanToken(db.Pool.QueryRow(ctx, `
		INSERT INTO amo_tokens (account, access_token, refresh_token, expires_at, issued_at)
		VALUES ($1, $2, $3, $4, now())
		ON CONFLICT (account) DO UPDATE SET
			access_token = EXCLUDED.access_token,
			refresh_token = EXCLUDED.refresh_token,
			expires_at = EXCLUDED.expires_at,
			version = amo_tokens.version + 1,
			needs_reauth = '',
			updated_at = now(),
			issued_at = now(), refresh_error = '', refresh_error_at = NULL
		RETURNING `+tokenColumns, account, access, refresh, expiresAt))
	if err != nil {
		return Token{}, fmt.Errorf("store: put token %q: %w", account, err)
	}
	return t, nil
}

// ReplaceTokenIf replaces the pair only if the row still holds version; ok is
// false when someone else replaced it first. It persists a refreshed pair
// when the locked transaction that obtained it could not commit.
func (db *DB) ReplaceTokenIf(ctx context.Context, account string, version int64, access, refresh string, expiresAt time.Time) (t Token, ok bool, err error) {
	t, err = scanToken(db.Pool.QueryRow(ctx, `
		UPDATE amo_tokens SET access_token = $3, refresh_token = $4, expires_at = $5,
			version = version + 1, needs_reauth = '', updated_at = now(),
			issued_at = now(), refresh_error = '', refresh_error_at = NULL
		WHERE account = $1 AND version = $2
		RETURNING `+tokenColumns, account, version, access, refresh, expiresAt))
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, false, nil
	}
	if err != nil {
		return Token{}, false, fmt.Errorf("store: replace token %q: %w", account, err)
	}
	return t, true, nil
}

// TokenTx is a transaction holding the row lock on one account's token.
type TokenTx struct {
	// Token is the row as it was when the lock was taken (or last written).
	Token Token
	tx    pgx.Tx
}

// LockToken runs fn in a transaction that holds the account's row lock
// (SELECT … FOR UPDATE), so that across every process at most one fn runs
// per account at a time. ctx bounds the wait for the lock. The transaction
// commits when fn returns nil and rolls back otherwise; once fn has returned
// nil the commit is not abandoned because ctx is done, since fn may have
// consumed something that exists only in the row it wrote (a one-time
// refresh token). It returns ErrNoToken when the account has no row.
func (db *DB) LockToken(ctx context.Context, account string, fn func(*TokenTx) error) error {
	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("store: lock token %q: %w", account, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	t, err := scanToken(tx.QueryRow(ctx,
		`SELECT `+tokenColumns+` FROM amo_tokens WHERE account = $1 FOR UPDATE`, account))
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w %q", ErrNoToken, account)
	}
	if err != nil {
		return fmt.Errorf("store: lock token %q: %w", account, err)
	}
	if err := fn(&TokenTx{Token: t, tx: tx}); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	if err := tx.Commit(cctx); err != nil {
		return fmt.Errorf("store: commit token %q: %w", account, err)
	}
	return nil
}

// Replace writes a new pair under the lock, bumps the version and clears the
// re-authorization mark. The pair is durable only once LockToken commits.
func (t *TokenTx) Replace(ctx context.Context, access, refresh string, expiresAt time.Time) (Token, error) {
	nt, err := scanToken(t.tx.QueryRow(ctx, `
		UPDATE amo_tokens SET access_token = $2, refresh_token = $3, expires_at = $4,
			version = version + 1, needs_reauth = '', updated_at = now(),
			issued_at = now(), refresh_error = '', refresh_error_at = NULL
		WHERE account = $1
		RETURNING `+tokenColumns, t.Token.Account, access, refresh, expiresAt))
	if err != nil {
		return Token{}, fmt.Errorf("store: replace token %q: %w", t.Token.Account, err)
	}
	t.Token = nt
	return nt, nil
}

// MarkNeedsReauth records why the account must be re-authorized. The pair
// and its version are left as they are.
func (t *TokenTx) MarkNeedsReauth(ctx context.Context, reason string) error {
	if reason == "" {
		reason = "unknown reason"
	}
	err := t.tx.QueryRow(ctx, `
		UPDATE amo_tokens SET needs_reauth = $2, updated_at = now()
		WHERE account = $1 RETURNING updated_at`, t.Token.Account, reason).Scan(&t.Token.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: mark token %q: %w", t.Token.Account, err)
	}
	t.Token.NeedsReauth = reason
	return nil
}

// NoteRefreshError records why a refresh failed, for `amoflow auth status`;
// the pair and its version stay as they are.
func (db *DB) NoteRefreshError(ctx context.Context, account, reason string) error {
	_, err := db.Pool.Exec(ctx, `
		UPDATE amo_tokens SET refresh_error = $2, refresh_error_at = now() WHERE account = $1`, account, reason)
	if err != nil {
		return fmt.Errorf("store: note refresh error %q: %w", account, err)
	}
	return nil
}

// Tokens reads every account's row, for status pages.
func (db *DB) Tokens(ctx context.Context) ([]Token, error) {
	rows, err := db.Pool.Query(ctx, `SELECT `+tokenColumns+` FROM amo_tokens ORDER BY account`)
	if err != nil {
		return nil, fmt.Errorf("store: read tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: read tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
