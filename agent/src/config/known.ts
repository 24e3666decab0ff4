import type { WireWords } from '@portwarden/proto/agent/v1/words';

export type Report = (message: string) => void;

/**
 * The word for an enum value of a pushed config, or a reported problem: a newer controller's value
 * this agent does not know. With `unspecified`, UNSPECIFIED (a field left unset) reads as it, and
 * it also stands in for an unknown value: the reported problem refuses the whole config anyway.
 */
export function known<W extends string>(
  words: WireWords<W, number>,
  value: number,
  what: string,
  report: Report,
): W | undefined;
export function known<W extends string>(
  words: WireWords<W, number>,
  value: number,
  what: string,
  report: Report,
  unspecified: W,
): W;
export function known<W extends string>(
  words: WireWords<W, number>,
  value: number,
  what: string,
  report: Report,
  unspecified?: W,
): W | undefined {
  const word = words.decode(value, unspecified === undefined ? undefined : { unspecified });
  if (word === undefined) report(`${what} has an unknown value ${value}`);
  return word ?? unspecified;
}
