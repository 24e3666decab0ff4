-- Portwarden schema, version 2: a result may carry the bounded transcript of its probe (what was
-- sent and received, escaped, with timings). NULL when the agent sent none.
ALTER TABLE results ADD COLUMN transcript jsonb;
