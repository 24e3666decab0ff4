-- Portwarden schema, version 3 (issue 5): the controller's CA, enrollment tokens, agent identities
-- and their certificates, and the gaps agents report when their spool overflowed.

-- The controller's own certificate authority: one row, created by the first replica that starts
-- with a CA key secret (under an advisory lock). The private key is AES-256-GCM encrypted under a
-- key derived from that secret (kdf says how); the secret itself is never stored.
CREATE TABLE ca (
  id             smallint PRIMARY KEY CHECK (id = 1),
  cert_pem       text NOT NULL,
  -- SHA-256 of the certificate's DER, hex: what enrollment tokens pin.
  fingerprint    text NOT NULL,
  key_ciphertext bytea NOT NULL,
  key_iv         bytea NOT NULL,
  key_tag        bytea NOT NULL,
  key_salt       bytea NOT NULL,
  key_kdf        text NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Single-use enrollment tokens. Only the SHA-256 of the secret is kept; id is its first 12 hex
-- digits, a name for people and logs.
CREATE TABLE enrollment_tokens (
  id         text PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,
  -- The labels an agent enrolled with this token gets; policies select agents by them.
  labels     jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz,
  -- The agent that enrolled with it.
  used_by    text
);

-- An agent's identity is the name in its certificate; its labels come from the token it enrolled
-- with, never from its hello.
CREATE TABLE agent_identities (
  name        text PRIMARY KEY,
  labels      jsonb NOT NULL DEFAULT '{}',
  token_id    text REFERENCES enrollment_tokens (id) ON DELETE SET NULL,
  enrolled_at timestamptz NOT NULL DEFAULT now(),
  -- Set by `portwarden agents revoke`; a new enrollment clears it.
  revoked_at  timestamptz
);

-- Every certificate the CA issued to an agent. A certificate is accepted only while its row
-- exists and is not revoked.
CREATE TABLE agent_certificates (
  serial     text PRIMARY KEY,
  agent_name text NOT NULL REFERENCES agent_identities (name) ON DELETE CASCADE,
  not_before timestamptz NOT NULL,
  not_after  timestamptz NOT NULL,
  issued_at  timestamptz NOT NULL DEFAULT now(),
  -- 'enroll' or 'renew'.
  issued_by  text NOT NULL CHECK (issued_by IN ('enroll', 'renew')),
  revoked_at timestamptz
);
CREATE INDEX agent_certificates_agent ON agent_certificates (agent_name, not_after DESC);

-- Results an agent dropped because its spool was full, one row per report. (agent_id, gap_id) is
-- the idempotency key: a report sent again after a reconnect is recorded once.
CREATE TABLE result_gaps (
  agent_id    bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  gap_id      bigint NOT NULL,
  from_seq    bigint NOT NULL,
  to_seq      bigint NOT NULL,
  dropped     bigint NOT NULL CHECK (dropped > 0),
  -- {check id: results dropped}
  by_check    jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, gap_id)
);
