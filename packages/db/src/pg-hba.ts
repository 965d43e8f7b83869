// Methods that let a client in without proving a password (trust) or that send or store it weakly.
const REPLACED = new Set(['trust', 'password', 'md5']);
const PASSWORD_METHOD = 'scram-sha-256';

/**
 * pg_hba.conf with every local and host rule's trust, password or md5 method made scram-sha-256, the rest
 * of the file (comments, spacing, other methods and directives) left as it was.
 */
export function requireScram(hba: string): string {
  return hba
    .split('\n')
    .map((line) => {
      const hash = line.indexOf('#');
      const content = hash === -1 ? line : line.slice(0, hash);
      // Tokens at even indexes, the whitespace between them at odd ones.
      const parts = content.split(/(\s+)/);
      const tokens = parts.flatMap((part, index) => (index % 2 === 0 && part !== '' ? [index] : []));
      const token = (n: number): string => (tokens[n] === undefined ? '' : parts[tokens[n]]!);
      let method: number;
      if (token(0) === 'local') {
        method = 3;
      } else if (token(0).startsWith('host')) {
        // host DATABASE USER ADDRESS [MASK] METHOD: a mask follows an address given without /prefix.
        const bareAddress = /^[0-9a-fA-F.:]+$/.test(token(3)) && /[.:]/.test(token(3));
        method = bareAddress && /^[0-9a-fA-F.:]+$/.test(token(4)) && /[.:]/.test(token(4)) ? 5 : 4;
      } else {
        return line;
      }
      const at = tokens[method];
      if (at === undefined || !REPLACED.has(parts[at]!)) return line;
      parts[at] = PASSWORD_METHOD;
      return parts.join('') + (hash === -1 ? '' : line.slice(hash));
    })
    .join('\n');
}
