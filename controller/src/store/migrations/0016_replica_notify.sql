-- Replicas tell each other through PostgreSQL NOTIFY (controller/src/replicas/). The triggers
-- notify in the writing transaction, so a notification is delivered on commit and never for a
-- change that rolled back, whichever replica (or a hand-run SQL statement) made it.

-- A new policy revision: its number, so a replica that has it already does nothing.
CREATE FUNCTION portwarden_notify_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('portwarden_policy', NEW.revision::text);
  RETURN NULL;
END $$;
CREATE TRIGGER policy_revisions_notify AFTER INSERT ON policy_revisions
  FOR EACH ROW EXECUTE FUNCTION portwarden_notify_policy();

-- Any change of the run-time overrides: each replica reads them all again (a small table).
CREATE FUNCTION portwarden_notify_overrides() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('portwarden_overrides', '');
  RETURN NULL;
END $$;
CREATE TRIGGER check_overrides_notify AFTER INSERT OR UPDATE OR DELETE ON check_overrides
  FOR EACH STATEMENT EXECUTE FUNCTION portwarden_notify_overrides();

-- A revoked certificate: the agent's name, so the replica holding its stream closes it at once.
CREATE FUNCTION portwarden_notify_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('portwarden_revoked', NEW.agent_name);
  RETURN NULL;
END $$;
CREATE TRIGGER agent_certificates_notify AFTER UPDATE OF revoked_at ON agent_certificates
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION portwarden_notify_revoked();

-- A "test now" answer too large for a NOTIFY payload (8000 bytes): the replica that ran it stores
-- it here and notifies the id; the replica that asked takes it (DELETE … RETURNING). Rows of an
-- asker that died are removed after an hour by the next write.
CREATE TABLE test_answers (
  request_id uuid PRIMARY KEY,
  answer     jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
