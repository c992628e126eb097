// A `.json` file must be JSON, not just YAML that reads like it: YAML accepts trailing commas, comments
// and unquoted keys that JSON.parse (and so the app) rejects. Node's messages are made plain and never
// quote the file's text (it may hold a secret).

export interface JsonSyntaxError {
  message: string;
  /** Character offset of the error, when Node says where. */
  offset?: number;
}

export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (e) {
    const raw = (e as Error).message;
    const at = /^(.*?) in JSON at position (\d+)/s.exec(raw);
    if (at) return { message: at[1]!.replace(/,\s*"[\s\S]*$/, ''), offset: Number(at[2]) };
    if (/Unexpected end of JSON input/.test(raw)) return { message: 'the JSON ends too early', offset: text.length };
    const token = /^Unexpected token '(.)'/.exec(raw);
    if (token) {
      // Node quotes the text instead of saying where: the first place the token cannot be is a guess,
      // so say what, and let the caller place it at the top of the file.
      return { message: `unexpected '${token[1]}'` };
    }
    return { message: raw.replace(/,\s*".*$/s, '') };
  }
}
