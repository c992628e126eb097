// A SOPS file (YAML, JSON or dotenv) opened in its own format: each value decrypted in place, the
// MAC checked over all of them, the `sops` metadata taken out. The result is the file a person gets
// from `sops -d`, for compose to read unchanged at the same path.
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import {
  clearBytes,
  decryptValue,
  isEncrypted,
  MacHash,
  openDataKey,
  SopsError,
  type Plain,
  type SopsMetadata,
} from './SopsCrypto.js';

export type SopsFormat = 'yaml' | 'json' | 'dotenv';

export interface OpenedSops {
  /** The decrypted file, in its own format. */
  text: string;
  /** Every decrypted value worth masking in the log. */
  values: string[];
}

/** The format of a SOPS-encrypted file, or undefined when the text carries no sops metadata. */
export function sopsFormat(name: string, text: string): SopsFormat | undefined {
  if (/^sops_mac=/m.test(text) && /^sops_version=/m.test(text)) return 'dotenv';
  if (!/^\s*"?sops"?\s*:/m.test(text)) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length || !isMap(doc.contents)) return undefined;
  const sops = doc.get('sops');
  if (!isMap(sops) || !sops.has('mac')) return undefined;
  return /\.json$/i.test(name) || text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** The recipients a SOPS file is encrypted to, for an error that must say who can open it. */
export function sopsRecipients(format: SopsFormat, text: string): string[] {
  return (format === 'dotenv' ? dotenvMetadata(text) : treeMetadata(parseDocument(text))).age.map((a) => a.recipient);
}

export async function openSops(format: SopsFormat, text: string, identities: string[]): Promise<OpenedSops> {
  return format === 'dotenv' ? openDotenv(text, identities) : openTree(format, text, identities);
}

/** Keeps what a log mask can hide without blanking common words and digits. */
function maskable(values: string[]): string[] {
  return values.filter((v) => v.trim().length >= 3 && /[\p{L}\p{N}]/u.test(v));
}

function treeMetadata(doc: Document): SopsMetadata {
  const s = doc.get('sops');
  if (!isMap(s)) throw new SopsError('it has no sops metadata');
  const str = (k: string) => {
    const v = s.get(k);
    return v === undefined || v === null ? undefined : String(v);
  };
  const ageList = s.get('age');
  const age = isSeq(ageList)
    ? ageList.items.flatMap((a) =>
        isMap(a) ? [{ recipient: String(a.get('recipient') ?? ''), enc: String(a.get('enc') ?? '') }] : [],
      )
    : [];
  return {
    age,
    lastmodified: str('lastmodified') ?? '',
    mac: str('mac') ?? '',
    unencryptedSuffix: str('unencrypted_suffix'),
    macOnlyEncrypted: s.get('mac_only_encrypted') === true,
  };
}

/** Whether sops was told to leave some values in clear by a rule other than the suffix. */
function clearByRule(doc: Document): boolean {
  const s = doc.get('sops');
  return isMap(s) && ['encrypted_regex', 'unencrypted_regex', 'encrypted_suffix'].some((k) => s.has(k));
}

async function openTree(format: SopsFormat, text: string, identities: string[]): Promise<OpenedSops> {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new SopsError(`it does not parse: ${doc.errors[0]!.message.split('\n')[0]}`);
  const meta = treeMetadata(doc);
  const key = await openDataKey(meta, identities);
  const mac = new MacHash();
  const values: string[] = [];
  const anyClear = clearByRule(doc);
  const walk = (node: Node | null, path: string[], clear: boolean): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const k = String(isScalar(pair.key) ? pair.key.value : pair.key);
        if (!path.length && k === 'sops') continue;
        const inClear = clear || (!!meta.unencryptedSuffix && k.endsWith(meta.unencryptedSuffix));
        walk(pair.value as Node | null, [...path, k], inClear);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item as Node | null, path, clear);
    } else if (isScalar(node)) {
      const raw = node.value;
      if (typeof raw === 'string' && isEncrypted(raw)) {
        const plain = decryptValue(raw, key, path.map((p) => `${p}:`).join(''));
        mac.add(plain.text);
        values.push(plain.text);
        node.value = typed(plain);
        node.type = undefined;
      } else if (clear || anyClear || raw === null) {
        if (!meta.macOnlyEncrypted && raw !== null) mac.add(clearBytes(raw));
      } else {
        throw new SopsError(
          `the value at ${path.join('.')} is in clear where sops encrypts: the file was edited by hand`,
        );
      }
    }
  };
  walk(doc.contents as Node | null, [], false);
  mac.verify(meta, key);
  doc.delete('sops');
  const out = format === 'json' ? JSON.stringify(doc.toJS(), null, 2) + '\n' : doc.toString();
  return { text: out, values: maskable(values) };
}

function typed(p: Plain): unknown {
  if (p.type === 'int') return Number.parseInt(p.text, 10);
  if (p.type === 'float') return Number(p.text);
  if (p.type === 'bool') return p.text.toLowerCase() === 'true';
  return p.text;
}

interface DotenvLine {
  key?: string;
  value: string;
}

function dotenvLines(text: string): DotenvLine[] {
  return text.split('\n').map((l) => {
    const at = l.indexOf('=');
    if (l.startsWith('#') || at <= 0) return { value: l };
    return { key: l.slice(0, at), value: l.slice(at + 1) };
  });
}

function dotenvMetadata(text: string): SopsMetadata {
  const m = new Map<string, string>();
  for (const l of dotenvLines(text)) if (l.key?.startsWith('sops_')) m.set(l.key.slice(5), l.value);
  const age: SopsMetadata['age'] = [];
  for (const [k, v] of m) {
    const hit = /^age__list_(\d+)__map_(enc|recipient)$/.exec(k);
    if (!hit) continue;
    const slot = (age[Number(hit[1])] ??= { recipient: '', enc: '' });
    if (hit[2] === 'recipient') slot.recipient = v;
    else slot.enc = v.replace(/\\n/g, '\n');
  }
  return {
    age: age.filter(Boolean),
    lastmodified: m.get('lastmodified') ?? '',
    mac: m.get('mac') ?? '',
    unencryptedSuffix: m.get('unencrypted_suffix'),
    macOnlyEncrypted: m.get('mac_only_encrypted') === 'true',
  };
}

async function openDotenv(text: string, identities: string[]): Promise<OpenedSops> {
  const meta = dotenvMetadata(text);
  const key = await openDataKey(meta, identities);
  const mac = new MacHash();
  const values: string[] = [];
  const out: string[] = [];
  for (const l of dotenvLines(text)) {
    if (l.key === undefined) {
      out.push(l.value);
      continue;
    }
    if (l.key.startsWith('sops_')) continue;
    if (isEncrypted(l.value)) {
      const plain = decryptValue(l.value, key, `${l.key}:`);
      mac.add(plain.text);
      values.push(plain.text);
      out.push(`${l.key}=${plain.text.replace(/\n/g, '\\n')}`);
    } else if (meta.unencryptedSuffix && l.key.endsWith(meta.unencryptedSuffix)) {
      if (!meta.macOnlyEncrypted) mac.add(l.value);
      out.push(`${l.key}=${l.value}`);
    } else {
      throw new SopsError(`${l.key} is in clear where sops encrypts: the file was edited by hand`);
    }
  }
  mac.verify(meta, key);
  return { text: out.join('\n'), values: maskable(values) };
}
