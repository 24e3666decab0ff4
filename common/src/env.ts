/** A yes/no environment variable: `1`, `true` or `yes` (any case) turn it on; anything else, or unset, leaves it off. */
export function envYes(text: string | undefined): boolean {
  return /^(1|true|yes)$/i.test(text?.trim() ?? '');
}
