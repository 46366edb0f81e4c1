-- The site-form jobs the ucheba.ru import started, one row per ucheba.ru
-- request (docs/flows.md#uchebaimport): a backfill of a day whose jobs
-- Temporal no longer remembers (past the namespace's retention) still
-- starts none of them again. Ids only, no personal data.
CREATE TABLE ucheba_forms (
    job_id      text PRIMARY KEY,          -- form-{account}-ucheba-{institution}-{request id}
    import_job  text NOT NULL,             -- the import run that started it
    started_at  timestamptz NOT NULL DEFAULT now()
);
