/**
 * A check's stable id, derived from its display name so that renaming the id is a conscious act:
 * "E-mail Send (SMTP) Server" -> "e-mail-send-smtp-server".
 */
export function checkIdFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
}

export const CHECK_ID_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
