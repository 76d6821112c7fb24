-- An AI operation's Idempotency-Key is kept on its usage log; the hash of
-- the request it was first used for lets a retry with a different request
-- be refused, also when the operation cost nothing.

-- +goose Up
ALTER TABLE credit_usage_logs ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX credit_usage_logs_transaction ON credit_usage_logs (transaction_id);

-- +goose Down
DROP INDEX credit_usage_logs_transaction;
ALTER TABLE credit_usage_logs DROP COLUMN request_hash;
