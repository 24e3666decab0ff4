-- The outbox rows of one incident, found by index. The repeat and escalation sweeps (every few
-- seconds, three subqueries per open incident), the silence gate of every resolve, the incident
-- page and the cascade from incidents all look rows up by incident; without this index each
-- lookup read the whole outbox, a cost that grew with every event ever written (at 10,000 agents
-- with 2 % failing, the sweeps' one statement was a fifth of PostgreSQL's time).
CREATE INDEX outbox_incident ON outbox (incident_id, id);
