-- Portwarden schema, version 6: secrets that notification channels refer to as ${secret:NAME} (issue 9).

-- `sealed` is iv (12 bytes) || GCM tag (16 bytes) || AES-256-GCM ciphertext of the value, under a
-- key derived from the CA key secret, with the name as additional data: a row copied under
-- another name does not open. The value itself is never stored.
CREATE TABLE secrets (
  name        text PRIMARY KEY,
  sealed      bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
