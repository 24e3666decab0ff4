import type { Labels } from '@portwarden/common/labels';
import { alertLabels } from '../notify/alertmanager.js';
import type { IncidentEvent } from '../state/event.js';

/**
 * The labels silences and maintenance windows match, the one mapping from an event: the alert's
 * labels as Alertmanager gets them (alertname, check_id, agent, host, port, agent labels made
 * Prometheus-valid), the agent's labels also under their own names, then `check` = the check's id
 * (what `--match check=ID` means; its name is `check_name`) and `alertgroup` = the alert group's id.
 */
export function matchLabels(event: Omit<IncidentEvent, 'outboxId'>): Labels {
  // alertLabels reads the check and the agent only.
  const labels = alertLabels({ outboxId: 0, ...event });
  for (const [name, value] of Object.entries(event.agent.labels)) if (!(name in labels)) labels[name] = value;
  return { ...labels, check: event.check.id, check_name: event.check.name, alertgroup: event.alertGroup.id };
}
